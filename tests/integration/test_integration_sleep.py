"""A laptop that slept: its link is tested at once and replaced, not found dead 40 s later.

A real relay process, a real host process, and a member's real `RoomClient` in this process,
connected through a TCP forwarder that can make its connections go silent without closing them,
as a NAT or a relay that gave up on a sleeping laptop does. The suspend itself cannot happen
on a test machine: the member's boot clock (CLOCK_BOOTTIME, app.net.wakeup) is a function the
test moves forward by a minute, which is what a suspend does to it.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from forwarder import Forwarder
from procs import majlis, read_invite

from app.client import RoomClient
from app.core.protocol import RoomProtocol, State
from crypto.identity import Identity
from crypto.invite import Invite

pytestmark = pytest.mark.integration

# Our keep-alive would notice the silent link ~20 s after its last ping at the earliest
# (app.net.transport: pings every 15-25 s, 20 s to answer); the probe after a sleep takes 3 s.
GUARD = 10.0


def test_after_a_sleep_a_dead_link_is_replaced_at_once(relay) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--for", "40")
    link = read_invite(host)
    invite = Invite.parse(link)
    asleep = [0.0]

    async def scenario() -> tuple[int | None, int | None, float, int]:
        forwarder = Forwarder(int(relay.url.rsplit(":", 1)[1]))
        await forwarder.start()
        proto = RoomProtocol.join(Identity.generate(), invite, "Sleeper", now=time.monotonic())
        client = RoomClient(proto, f"ws://127.0.0.1:{forwarder.port}",
                            boot=lambda: time.monotonic() + asleep[0])
        run = asyncio.create_task(client.run(30.0))

        async def until(state: State, guard: float) -> None:
            async with asyncio.timeout(guard):
                while proto.state is not state:
                    await asyncio.sleep(0.02)

        await until(State.IN_ROOM, 20.0)
        before = proto.me
        await asyncio.sleep(1.0)
        forwarder.silence()  # the path died while the lid was closed...
        asleep[0] += 60.0  # ...for a minute
        slept_at = time.monotonic()
        await until(State.RESUMING, GUARD)
        await until(State.IN_ROOM, GUARD)
        back_after = time.monotonic() - slept_at
        client.stop()  # leaves the room politely
        outcome = await run
        await forwarder.stop()
        return before, proto.me, back_after, outcome.code

    before, after, back_after, code = asyncio.run(scenario())
    host.terminate()
    host.wait(timeout=20)
    assert before is not None and after == before  # the same place in the room
    assert back_after < GUARD  # the keep-alive could not have noticed yet (see GUARD)
    assert code == 0
