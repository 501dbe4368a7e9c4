"""A laptop that slept: its link is tested at once and replaced, not found dead 40 s later.

A real relay process, a real host process, and a member's real `RoomClient` in this process,
connected through a TCP forwarder that can make its connections go silent without closing them,
as a NAT or a relay that gave up on a sleeping laptop does. The suspend itself cannot happen
on a test machine: the member's boot clock (CLOCK_BOOTTIME, app.net.wakeup) is a function the
test moves forward by a minute, which is what a suspend does to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from procs import majlis, read_invite

from app.client import RoomClient
from app.core.protocol import RoomProtocol, State
from crypto.identity import Identity
from crypto.invite import Invite

pytestmark = pytest.mark.integration

# Our keep-alive would notice the silent link ~20 s after its last ping at the earliest
# (app.net.transport: pings every 15-25 s, 20 s to answer); the probe after a sleep takes 3 s.
GUARD = 10.0


class Forwarder:
    """127.0.0.1 TCP forwarding to the relay; `silence()` swallows all traffic of the
    connections open now, both ways, and leaves them open. New connections pass."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = 0
        self._open: list[object] = []
        self._silent: set[int] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence(self) -> None:
        self._silent.update(id(c) for c in self._open)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        token = object()
        self._open.append(token)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if id(token) not in self._silent:
                        dst.write(data)
                        await dst.drain()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        for w in (writer, up_writer):
            w.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


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
