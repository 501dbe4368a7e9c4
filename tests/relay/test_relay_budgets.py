"""Every frame counts and every queue has a bound: a hostile client against a real relay process.

The attackers are raw sockets on 127.0.0.1 with tiny receive buffers, so that "never reads"
fills the relay's own write buffer quickly instead of the kernel's. Timeouts only stop a broken
build from hanging; the assertions are about what the relay did (closed, with which code, how
much memory it held), never about how fast.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request

import pytest
from relayproc import Peak, RawClient, RelayProcess, rss_mb, start_relay
from websockets.asyncio.client import connect
from websockets.frames import Opcode
from wsclients import ROOM, closed_with, join, recv, run, track

from relay.wire import (
    Control,
    DeliverControl,
    DeliverMedia,
    Join,
    Media,
    PeerJoined,
    PeerLeft,
    encode,
)


@pytest.mark.parametrize("args", [(), ("--token", "sesame"), ("--token", "sesame", "--stealth")])
def test_ping_flood_before_join_is_rate_limited(args: tuple[str, ...]) -> None:
    """Finding 1: pings were never charged, and their pongs queued without bound (with a token,
    the flooder was aborted only after 5 s, or 25 s with stealth)."""
    rp = start_relay(*args)
    try:
        flooder = RawClient(rp.url)
        before = rss_mb(rp.proc.pid)
        sent = 0
        while sent < 20_000 and flooder.send(Opcode.PING, bytes(125)):
            sent += 1
        # RATE_LIMITED (a bare 1008 from a stealthy relay before a Join), or a reset past the
        # output bound: in every case the relay ended it.
        assert flooder.read_close() in (4004, 1008, None)
        assert sent < 20_000 or rss_mb(rp.proc.pid) - before < 20
        flooder.close()
        assert rp.proc.poll() is None
    finally:
        rp.stop()


def test_pongs_a_client_does_not_read_are_bounded() -> None:
    """Finding 1, within the rate: the pongs' queue is bounded and the flooder is closed."""
    rp = start_relay("--rate", "1000000", "--control-buffer", "200000")
    try:
        flooder = RawClient(rp.url)
        before = rss_mb(rp.proc.pid)
        sent = 0
        while sent < 200_000 and flooder.send(Opcode.PING, bytes(125)):
            sent += 1
        assert sent < 200_000, "25 MB of pongs queued and the relay still reads"
        assert rss_mb(rp.proc.pid) - before < 30
        flooder.close()
    finally:
        rp.stop()


def test_an_upgraded_connection_must_join_in_time() -> None:
    """Finding 7: a connection that answers pings but never joins held its slot forever."""
    for stealth, expected in (("false", (4001, "no Join in time")), ("true", (1008, ""))):
        rp = start_relay("--join-timeout", "1", "--stealth", stealth)
        try:
            run(lambda url=rp.url, want=expected: _closed_without_join(url, want))
        finally:
            rp.stop()


async def _closed_without_join(url: str, expected: tuple[int, str]) -> None:
    ws = await connect(url, compression=None)
    track(ws)
    assert (await closed_with(ws))[:2] == expected


def _stalled_member(url: str) -> RawClient:
    member = RawClient(url, rcvbuf=2048)
    member.send(Opcode.BINARY, encode(Join(ROOM, quiet=True)))
    return member


def test_member_stalled_with_media_is_disconnected() -> None:
    """Finding 3: a member that stopped reading, sent only (droppable) media, stayed forever."""
    rp = start_relay("--stall-timeout", "1")

    async def scenario() -> None:
        speaker, _ = await join(rp.url)
        stalled = _stalled_member(rp.url)
        assert await recv(speaker) == PeerJoined(2)
        frame = encode(Media(bytes(16_000)))
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "the stalled member was never disconnected"
            await speaker.send(frame)
            try:
                async with asyncio.timeout(0.02):
                    if await speaker.recv():
                        break  # PeerLeft(2)
            except TimeoutError:
                pass
        stalled.close()

    try:
        run(scenario)
    finally:
        rp.stop()


def test_amplification_into_stalled_members_is_bounded() -> None:
    """Finding 3: 60 KB controls into members that stopped reading (8 MiB each before)."""
    rp = start_relay()
    peak = Peak(rp.proc.pid)

    async def scenario() -> None:
        sender, _ = await join(rp.url, quiet=True)
        healthy, _ = await join(rp.url, quiet=True, max_size=None)
        stalled = [_stalled_member(rp.url) for _ in range(30)]
        payload = bytes(60_000)
        for i in range(300):
            await sender.send(encode(Control(i.to_bytes(4, "big") + payload)))
            got = await recv(healthy)
            while isinstance(got, PeerLeft):
                got = await recv(healthy)
            assert got == DeliverControl(1, i.to_bytes(4, "big") + payload, False)
            await asyncio.sleep(1 / 150)
        for s in stalled:
            s.close()

    try:
        before = rss_mb(rp.proc.pid)
        run(scenario)
        grown = peak.stop() - before
        assert grown < 120, f"relay grew by {grown:.0f} MB"  # 30 x 8 MiB = 240 MB before
    finally:
        peak.stop()
        rp.stop()


def test_relay_wide_output_ceiling_sheds_the_biggest_first() -> None:
    """The sum of every connection's queued output is bounded too (metrics count the shed)."""
    rp = start_relay("--control-buffer", "400000", "--output-memory", "600000",
                     "--metrics-listen", "127.0.0.1:0")
    metrics = _metrics_url(rp)

    async def scenario() -> None:
        sender, _ = await join(rp.url, quiet=True)
        stalled = [_stalled_member(rp.url) for _ in range(6)]
        await asyncio.sleep(0.2)
        for _ in range(250):
            await sender.send(encode(Control(bytes(30_000))))
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.5)
        for s in stalled:
            s.close()

    try:
        run(scenario)
        with urllib.request.urlopen(metrics, timeout=10) as r:
            text = r.read().decode()
        assert 'majlis_relay_drops_total{reason="output_shed"}' in text
    finally:
        rp.stop()


def _metrics_url(rp: RelayProcess) -> str:
    assert rp.proc.stderr is not None
    import re
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = rp.proc.stderr.readline()
        found = re.search(r"metrics on (http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("the relay did not say where its metrics are")


def test_a_healthy_listener_is_unaffected_by_a_stalled_one() -> None:
    """Media still reaches a reading listener while a stalled one is being disconnected."""
    rp = start_relay("--stall-timeout", "1")

    async def scenario() -> None:
        speaker, _ = await join(rp.url, quiet=True)
        listener, _ = await join(rp.url, quiet=True)
        stalled = _stalled_member(rp.url)
        for i in range(150):
            await speaker.send(encode(Media(i.to_bytes(2, "big") + bytes(4000))))
            got = await recv(listener)
            while isinstance(got, PeerLeft):
                got = await recv(listener)
            assert got == DeliverMedia(i.to_bytes(2, "big") + bytes(4000))
            await asyncio.sleep(0.02)
        stalled.close()

    try:
        run(scenario)
    finally:
        rp.stop()


