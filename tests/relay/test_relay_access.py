"""Access control, per-address limits, a secret path, stealth, metrics and keepalive jitter.

Client addresses other than 127.0.0.1 appear only inside X-Forwarded-For headers sent by a
trusted proxy (the test itself); no traffic goes anywhere but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from relayproc import start_relay  # tests/support, on sys.path via conftest
from servers import free_port
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.net.transport import TransportError, open_link
from relay.access import AddressLimits, check_token, client_address, parse_networks
from relay.metrics import render
from relay.server import _JitteredConnection
from relay.wire import Control, Error, Join, Joined, Media, decode_server, encode

ROOM = bytes(range(16))
TRUST = parse_networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        ("198.51.100.1", ["203.0.113.9"], "198.51.100.1"),  # untrusted peer: header ignored
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("127.0.0.1", ["6.6.6.6, 203.0.113.9"], "203.0.113.9"),  # client-written part skipped
        ("127.0.0.1", ["203.0.113.9, 10.1.2.3"], "203.0.113.9"),  # a chain of trusted proxies
        ("127.0.0.1", ["203.0.113.9", "10.1.2.3"], "203.0.113.9"),  # repeated headers
        ("127.0.0.1", ["10.1.2.3"], "10.1.2.3"),  # only trusted hops: the left-most
        ("127.0.0.1", ["junk, 10.1.2.3"], "unknown"),  # garbage: the client is unknown
        ("127.0.0.1", [], "unknown"),
        ("::ffff:127.0.0.1", ["[2001:db8::7]:443"], "2001:db8::7"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
        peer: str, headers: list[str], expected: str) -> None:
    assert client_address(peer, headers, TRUST) == expected


def test_tokens_are_compared_whole() -> None:
    assert check_token(None, ())
    assert not check_token(None, ("abc",))
    assert check_token("abc", ("xyz", "abc"))
    assert not check_token("ab", ("abc",))
    assert not check_token("abcd", ("abc",))


def test_address_limits_count_connections_and_handshakes() -> None:
    limits = AddressLimits(max_connections=2, handshake_rate=1.0)  # bursts of 2
    assert limits.admit("a", 0.0) is None
    limits.opened("a")
    assert limits.admit("a", 0.0) is None
    limits.opened("a")
    assert limits.admit("a", 10.0) == "ip_connections"
    limits.closed("a")
    assert limits.admit("b", 0.0) is None and limits.admit("b", 0.0) is None
    assert limits.admit("b", 0.0) == "ip_rate"
    assert limits.admit("b", 1.0) is None  # refilled
    limits.closed("a")
    limits.forget_idle(100.0)
    assert limits.addresses == 0  # nothing about an address outlives its use


def test_keepalive_interval_is_randomised() -> None:
    conn = object.__new__(_JitteredConnection)
    conn.ping_interval = 20.0
    values = {conn.ping_interval for _ in range(50)}
    assert all(v is not None and 15.0 <= v <= 25.0 for v in values)
    assert len(values) > 10
    conn.ping_interval = None
    assert conn.ping_interval is None


def test_metrics_render_counts_only() -> None:
    text = render({"connections": 3, "drops": {"media_slow": 2}, "closes": {"TOO_SLOW": 1},
                   "refused": {"ip_rate": 4}, "bytes_in": 10}).decode()
    assert "majlis_relay_connections 3" in text
    assert 'majlis_relay_drops_total{reason="media_slow"} 2' in text
    assert 'majlis_relay_closes_total{code="TOO_SLOW"} 1' in text
    assert 'majlis_relay_refused_total{reason="ip_rate"} 4' in text
    assert "majlis_relay_bytes_in_total 10" in text


# Real relay processes.

_clients: list[ClientConnection] = []


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def guarded() -> None:
        try:
            async with asyncio.timeout(60):
                await scenario()
        finally:
            await asyncio.gather(*(ws.close() for ws in _clients), return_exceptions=True)
            _clients.clear()

    asyncio.run(guarded())


async def client(url: str, **kwargs: Any) -> ClientConnection:
    ws = await connect(url, compression=None, **kwargs)
    _clients.append(ws)
    return ws


async def closed_with(ws: ClientConnection) -> tuple[int | None, str | None, list[object]]:
    seen: list[object] = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            async with asyncio.timeout(20):
                data = await ws.recv()
            assert isinstance(data, bytes)
            seen.append(decode_server(data))
    rcvd = ws.protocol.close_rcvd
    return (rcvd.code, rcvd.reason, seen) if rcvd else (None, None, seen)


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_invite_only_relay_admits_token_holders() -> None:
    rp = start_relay("--token", "sesame,open", "--stealth", "false")
    try:
        async def scenario() -> None:
            ws = await client(rp.url)
            code, _, seen = await closed_with(ws)
            assert (code, seen) == (4006, [Error(4006, "an access token is needed")])
            with pytest.raises(TransportError, match="only admits people with its access token"):
                ws = await open_link(rp.url)
                await ws.send(encode(Join(ROOM)))
                async with asyncio.timeout(20):
                    await ws.recv()
                    await ws.recv()
            for ws in (await client(rp.url + "/?token=open"),
                       await client(rp.url, additional_headers={"Authorization": "Bearer sesame"})):
                await ws.send(encode(Join(ROOM)))
                async with asyncio.timeout(20):
                    assert isinstance(decode_server(await ws.recv()), Joined)

        with contextlib.suppress(ConnectionClosed):
            run(scenario)
    finally:
        rp.stop()


def test_stealthy_relay_says_nothing_before_a_valid_join() -> None:
    rp = start_relay("--stealth", "--token", "sesame")
    try:
        async def scenario() -> None:
            # A prober without the token that sends anything but a Join: a bare 1008.
            ws = await client(rp.url)
            await ws.send(b"GET / HTTP/1.1")
            assert await closed_with(ws) == (1008, "", [])
            # A client that knows the protocol but not the token learns why.
            ws = await client(rp.url)
            await ws.send(encode(Join(ROOM)))
            code, _, seen = await closed_with(ws)
            assert (code, seen) == (4006, [Error(4006, "an access token is needed")])
            # With the token, a first message that is not Join is still answered blandly.
            ws = await client(rp.url + "/?token=sesame")
            await ws.send(encode(Media(b"x")))
            assert await closed_with(ws) == (1008, "", [])

        run(scenario)
    finally:
        rp.stop()


def test_secret_path_shows_only_the_website_elsewhere() -> None:
    rp = start_relay("--path", "/k7Qp2xZ")
    try:
        assert rp.url.endswith(":" + rp.url.split(":")[-1].split("/")[0] + "/k7Qp2xZ")
        base = rp.url.rsplit("/", 1)[0]
        with urllib.request.urlopen(base.replace("ws://", "http://") + "/", timeout=20) as r:
            assert r.status == 200 and b"Welcome" in r.read()

        async def scenario() -> None:
            with pytest.raises(InvalidStatus) as info:
                await client(base + "/other")
            assert info.value.response.status_code == 404  # no such page, no upgrade
            ws = await client(rp.url)
            await ws.send(encode(Join(ROOM)))
            async with asyncio.timeout(20):
                assert decode_server(await ws.recv()) == Joined(1, ())

        run(scenario)
    finally:
        rp.stop()


def test_per_address_limits_before_the_upgrade_and_after() -> None:
    rp = start_relay("--trusted-proxies", "127.0.0.1", "--max-connections-per-ip", "2",
                     "--max-rooms-per-ip", "1")
    try:
        async def scenario() -> None:
            one = await client(rp.url, additional_headers=forwarded("198.51.100.7"))
            await one.send(encode(Join(ROOM)))
            two = await client(rp.url, additional_headers=forwarded("198.51.100.7"))
            # A third connection from the same address is refused with HTTP 429, pre-upgrade.
            with pytest.raises(InvalidStatus) as info:
                await client(rp.url, additional_headers=forwarded("198.51.100.7"))
            assert info.value.response.status_code == 429
            # Another address is not affected; the same address may not open a second room.
            other = await client(rp.url, additional_headers=forwarded("198.51.100.8"))
            await other.send(encode(Join(ROOM)))
            await two.send(encode(Join(bytes(16))))
            code, reason, _ = await closed_with(two)
            assert (code, reason) == (4003, "too many rooms from one address")

        run(scenario)
    finally:
        rp.stop()


def test_bytes_per_second_limit_closes_with_rate_limited() -> None:
    rp = start_relay("--rate-bytes", "70000")
    try:
        async def scenario() -> None:
            ws = await client(rp.url)
            await ws.send(encode(Join(ROOM)))
            for _ in range(6):  # 360 kB at once: more than the 280 kB burst
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(encode(Control(bytes(60_000))))
            code, reason, seen = await closed_with(ws)
            assert (code, reason) == (4004, "too much data")
            assert seen[-1] == Error(4004, "too much data")

        run(scenario)
    finally:
        rp.stop()


def test_metrics_endpoint_has_counts_and_no_identifiers() -> None:
    port = free_port()
    rp = start_relay("--metrics-listen", f"127.0.0.1:{port}")
    try:
        async def scenario() -> None:
            a = await client(rp.url)
            b = await client(rp.url)
            for ws in (a, b):
                await ws.send(encode(Join(ROOM)))
                async with asyncio.timeout(20):
                    await ws.recv()
            await a.send(encode(Media(b"frame")))
            async with asyncio.timeout(20):
                await b.recv()  # PeerJoined or the frame: either way the relay has counted

        run(scenario)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as r:
            text = r.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=20) as r:
            assert r.read() == b"ok\n"
    finally:
        rp.stop()
    assert "majlis_relay_joins_total 2" in text
    assert "majlis_relay_connections_total 2" in text
    assert ROOM.hex() not in text
    for line in text.splitlines():
        for word in line.replace("{", " ").replace("}", " ").replace('"', " ").split():
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(word)
                raise AssertionError(f"an address in the metrics: {line}")
