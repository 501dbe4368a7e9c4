"""Dropped at the door: a joiner whose link dies while the host has not yet let it in comes
back by itself and is let in on its new link.

A real relay process, a real host process (admitting by hand, on its stdin), and the joiner's
real `RoomClient` in this process, connected through a TCP forwarder that the test cuts (a
network change: both ends see the connection close).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time

import pytest
from forwarder import Forwarder
from procs import Stderr, majlis, read_invite

from app.client import RoomClient
from app.core.protocol import RoomProtocol, State
from crypto.identity import Identity
from crypto.invite import Invite

pytestmark = pytest.mark.integration


def test_a_joiner_cut_off_in_the_waiting_room_knocks_again_and_is_let_in(relay) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--for", "40",
                  stdin=subprocess.PIPE)
    invite = Invite.parse(read_invite(host))
    said = Stderr(host)

    def knock_id(after: int) -> tuple[int, int]:
        line = said.wait_for("asks to join", after=after)
        found = re.search(r"knock (\d+): Ali", said.lines[line])
        assert found is not None, said.lines[line]
        return line, int(found.group(1))

    async def scenario() -> tuple[State, int, int]:
        forwarder = Forwarder(int(relay.url.rsplit(":", 1)[1]))
        await forwarder.start()
        proto = RoomProtocol.join(Identity.generate(), invite, "Ali", now=time.monotonic())
        client = RoomClient(proto, f"ws://127.0.0.1:{forwarder.port}")
        run = asyncio.create_task(client.run(30.0))

        async def until(state: State) -> None:
            async with asyncio.timeout(15.0):
                while proto.state is not state:
                    await asyncio.sleep(0.02)

        await until(State.WAITING)
        line, first = await asyncio.to_thread(knock_id, 0)
        forwarder.cut()  # the joiner's network changes while it waits
        await asyncio.to_thread(said.wait_for, f"knock {first}: their connection dropped",
                                15.0, line)
        _, second = await asyncio.to_thread(knock_id, line + 1)  # knocked again by itself
        await until(State.WAITING)
        assert host.stdin is not None
        host.stdin.write(f"admit {second}\n")
        host.stdin.flush()
        await until(State.IN_ROOM)
        state = proto.state
        client.stop()
        await run
        await forwarder.stop()
        return state, first, second

    state, first, second = asyncio.run(scenario())
    host.terminate()
    host.wait(timeout=20)
    assert state is State.IN_ROOM and second != first
    assert said.count("Ali joined") == 1  # one member: the withdrawn knock left no ghost
