"""Rooms shared by several relay processes through a real redis-server, all on 127.0.0.1.

Timeouts only stop a broken build from hanging; nothing asserts on speed.
"""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from relayproc import RelayProcess, start_relay  # tests/support, on sys.path via conftest
from servers import Server, folder, free_port, running, start_redis
from websockets.asyncio.client import ClientConnection, connect
from wsclients import ROOM, closed_with, join, recv, run, track

from app.net.transport import open_any
from relay.resp import RespParser, encode_command
from relay.wire import (
    Control,
    DeliverControl,
    DeliverMedia,
    Error,
    Join,
    Joined,
    Media,
    PeerJoined,
    PeerLeft,
    Unicast,
    encode,
)

FAST_BUS = ("--bus-heartbeat", "0.2", "--bus-timeout", "1.5")


def redis_url(server: Server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


def redis_command(server: Server, *args: str) -> object:
    """One command through the relay's own RESP code, on a fresh socket."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(encode_command(*args))
        parser = RespParser()
        while True:
            parser.feed(s.recv(65536))
            replies = parser.replies()
            if replies:
                return replies[0]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    yield from running(start_redis(folder(tmp_path, "redis")))


@pytest.fixture
def relays(redis_server: Server) -> Iterator[list[RelayProcess]]:
    started: list[RelayProcess] = []

    def more(count: int, *args: str) -> list[RelayProcess]:
        for _ in range(count):
            started.append(start_relay("--redis", redis_url(redis_server), *FAST_BUS, *args))
        return started

    yield more  # type: ignore[misc]
    for rp in started:
        rp.stop()


def test_one_room_on_three_relays(relays: Callable[..., list[RelayProcess]],
                                  redis_server: Server) -> None:
    r1, r2, r3 = relays(3)

    async def scenario() -> None:
        a, ja = await join(r1.url)
        b, jb = await join(r2.url)
        assert (ja, jb) == (Joined(1, ()), Joined(2, (1,)))
        assert await recv(a) == PeerJoined(2)
        c, jc = await join(r3.url)
        assert jc == Joined(3, (1, 2))
        assert await recv(a) == PeerJoined(3)
        assert await recv(b) == PeerJoined(3)
        d, jd = await join(r1.url)  # a second member on r1: local and remote peers
        assert jd == Joined(4, (1, 2, 3))
        for ws in (a, b, c):
            assert await recv(ws) == PeerJoined(4)

        await a.send(encode(Media(b"frame from a")))
        for ws in (b, c, d):
            assert await recv(ws) == DeliverMedia(b"frame from a")
        await b.send(encode(Control(b"roster")))
        for ws in (a, c, d):
            assert await recv(ws) == DeliverControl(2, b"roster", False)
        await c.send(encode(Unicast(1, b"sealed key")))
        await c.send(encode(Unicast(99, b"nobody")))  # unknown slot: dropped, not an error
        await c.send(encode(Unicast(4, b"for d")))
        assert await recv(a) == DeliverControl(3, b"sealed key", True)
        assert await recv(d) == DeliverControl(3, b"for d", True)
        await a.send(encode(Control(b"next")))
        for ws in (b, c, d):  # b saw no unicast; c and d are still connected
            assert await recv(ws) == DeliverControl(1, b"next", False)

        await b.close()
        for ws in (a, c, d):
            assert await recv(ws) == PeerLeft(2)
        for ws in (a, c, d):
            await ws.close()

    run(scenario)
    # The room left nothing behind in Redis: only the relays' own heartbeats and the counter.
    # The relays process the closes on their own time: look until the leaves have landed.
    for _ in range(200):
        keys = redis_command(redis_server, "KEYS", "majlis:*")
        assert isinstance(keys, list)
        if len(keys) == 2:
            break
        time.sleep(0.05)
    assert sorted(keys) == [b"majlis:nodes", b"majlis:seq"]


def test_quiet_members_over_two_relays(relays: Callable[..., list[RelayProcess]]) -> None:
    """PeerJoined goes to loud members only, whether the newcomer is on their relay or the
    other one; PeerLeft, data and unicasts go to everyone."""
    r1, r2 = relays(2)

    async def scenario() -> None:
        a, ja = await join(r1.url, quiet=True)  # slot 1
        b, jb = await join(r2.url)  # slot 2
        c, jc = await join(r1.url, quiet=True)  # slot 3, local to a
        assert (ja, jb, jc) == (Joined(1, ()), Joined(2, (1,)), Joined(3, (1, 2)))
        assert await recv(b) == PeerJoined(3)  # from the other relay
        d, jd = await join(r2.url)  # slot 4, local to b
        assert jd == Joined(4, (1, 2, 3))
        assert await recv(b) == PeerJoined(4)
        e, je = await join(r1.url)  # slot 5, loud, on the quiet members' relay
        assert je == Joined(5, (1, 2, 3, 4))
        for ws in (b, d):
            assert await recv(ws) == PeerJoined(5)
        f, jf = await join(r2.url, quiet=True)  # slot 6
        assert jf == Joined(6, (1, 2, 3, 4, 5))
        for ws in (b, d, e):  # e hears of it through the bus, b and d locally
            assert await recv(ws) == PeerJoined(6)
        # b's control reaches r1 on the room's channel after every join event above, and r1
        # applies the channel in order: a PeerJoined for a or c would come before it.
        await b.send(encode(Control(b"roster")))
        for ws in (a, c, d, e, f):
            assert await recv(ws) == DeliverControl(2, b"roster", False)
        await d.send(encode(Media(b"frame")))
        await d.send(encode(Unicast(1, b"sealed key")))
        for ws in (a, b, c, e, f):
            assert await recv(ws) == DeliverMedia(b"frame")
        assert await recv(a) == DeliverControl(4, b"sealed key", True)
        await f.close()  # quiet, on r2
        for ws in (a, b, c, d, e):
            assert await recv(ws) == PeerLeft(6)
        await e.close()  # loud, on r1
        for ws in (a, b, c, d):
            assert await recv(ws) == PeerLeft(5)

    run(scenario)


def test_room_size_limit_counts_every_relay(relays: Callable[..., list[RelayProcess]]) -> None:
    r1, r2 = relays(2, "--max-room-size", "2")

    async def scenario() -> None:
        await join(r1.url)
        await join(r2.url)
        ws = await connect(r1.url, compression=None)
        track(ws)
        await ws.send(encode(Join(ROOM)))
        code, _, seen = await closed_with(ws)
        assert code == 4002
        assert seen == [Error(4002, "room is full")]

    run(scenario)


def test_relay_killed_mid_room_loses_only_its_members(
        relays: Callable[..., list[RelayProcess]]) -> None:
    r1, r2 = relays(2)

    async def scenario() -> None:
        await join(r1.url)
        await join(r1.url)
        c, jc = await join(r2.url)
        assert jc == Joined(3, (1, 2))
        r1.proc.kill()  # SIGKILL: no goodbye; the bus presumes it dead after --bus-timeout
        left = {await recv(c), await recv(c)}
        assert left == {PeerLeft(1), PeerLeft(2)}
        # a's client tries its relays in order and comes back through r2, into the same room.
        _url, a2 = await open_any([r1.url, r2.url])
        track(a2)
        await a2.send(encode(Join(ROOM)))
        assert await recv(a2) == Joined(4, (3,))
        assert await recv(c) == PeerJoined(4)
        await c.send(encode(Media(b"still here")))
        assert await recv(a2) == DeliverMedia(b"still here")

    run(scenario)


def test_relay_restart_members_reconnect(relays: Callable[..., list[RelayProcess]],
                                         redis_server: Server) -> None:
    r1, r2 = relays(2)
    port = int(r1.url.rsplit(":", 1)[1])

    async def scenario() -> None:
        a, _ = await join(r1.url)
        c, _ = await join(r2.url)
        assert await recv(a) == PeerJoined(2)
        assert r1.stop() == 0  # a clean stop tells the bus at once
        assert await recv(c) == PeerLeft(1)
        code, _, _ = await closed_with(a)
        assert code == 1001
        restarted = start_relay("--redis", redis_url(redis_server), *FAST_BUS,
                                "--port", str(port))
        try:
            a2, ja = await join(restarted.url)
            assert ja == Joined(3, (2,))
            assert await recv(c) == PeerJoined(3)
            await a2.send(encode(Control(b"back")))
            assert await recv(c) == DeliverControl(3, b"back", False)
            await a2.close()
        finally:
            restarted.stop()

    run(scenario)


def test_200_listeners_over_two_relays_get_every_frame(
        relays: Callable[..., list[RelayProcess]]) -> None:
    r1, r2 = relays(2)
    frames = 20

    async def scenario() -> None:
        speaker, _ = await join(r1.url)
        listeners = await asyncio.gather(*(
            connect((r1, r2)[i % 2].url, compression=None, max_size=None) for i in range(200)))
        track(*listeners)
        for ws in listeners:
            await ws.send(encode(Join(ROOM)))

        async def listen(ws: ClientConnection) -> list[bytes]:
            got = []
            while len(got) < frames:
                message = await recv(ws)
                if isinstance(message, DeliverMedia):
                    got.append(message.payload)
            return got

        # Each listener's Joined arrives before anything sent after it; wait for all of them.
        for ws in listeners:
            assert isinstance(await recv(ws), Joined)
        tasks = [asyncio.create_task(listen(ws)) for ws in listeners]
        for i in range(frames):
            await speaker.send(encode(Media(b"frame %03d" % i)))
            await asyncio.sleep(0.02)
        results = await asyncio.gather(*tasks)
        expected = [b"frame %03d" % i for i in range(frames)]
        assert all(got == expected for got in results)
        # Leave abruptly: unread PeerJoined and PeerLeft messages would hold up the polite
        # closing handshakes (a client that stops reading cannot read the relay's close frame).
        for ws in (speaker, *listeners):
            ws.transport.abort()

    run(scenario)


def test_without_its_bus_a_relay_refuses_and_says_so(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    rp = start_relay("--redis", f"redis://127.0.0.1:{port}/0", "--healthz-path", "/healthz",
                     *FAST_BUS)
    http = rp.url.replace("ws://", "http://")
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(http + "/healthz", timeout=10)
        assert info.value.code == 503
        home = tmp_path / "redis"
        home.mkdir()
        server = start_redis(home, port)
        try:
            async def scenario() -> None:
                for _ in range(200):  # the relay retries its bus with backoff
                    try:
                        with urllib.request.urlopen(http + "/healthz", timeout=10) as r:
                            if r.status == 200:
                                break
                    except urllib.error.HTTPError:
                        await asyncio.sleep(0.1)
                _ws, joined = await join(rp.url)
                assert joined == Joined(1, ())

            run(scenario)
        finally:
            server.stop()
    finally:
        rp.stop()
