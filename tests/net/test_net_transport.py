"""The client's link: several relay URLs, proxies (a real SOCKS5 server, a real HTTP CONNECT
proxy), the Tor check, and reconnect backoff.

Everything connects to 127.0.0.1 only: the proxies are asked to reach the relay on 127.0.0.1.
A real tor cannot stand in offline: with DisableNetwork 1 it does not open its SOCKS port at
all, so the Tor setting is tested against the SOCKS5 server, which is what it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from servers import (
    Server,
    folder,
    free_port,
    running,
    start_http_proxy,
    start_socks,
)

from app.net.backoff import Backoff
from app.net.proxy import ProxySettings, tor_available
from app.net.transport import TransportError, open_any, open_link
from relay.server import RelayConfig, RelayServer
from relay.wire import Join, Joined, decode_server, encode

ROOM = bytes(range(16))


@pytest.fixture
def socks(tmp_path: Path) -> Iterator[Server]:
    yield from running(start_socks(folder(tmp_path, "socks")))


@pytest.fixture
def http_proxy(tmp_path: Path) -> Iterator[Server]:
    yield from running(start_http_proxy(folder(tmp_path, "http")))


@contextlib.asynccontextmanager
async def relay() -> AsyncIterator[RelayServer]:
    server = RelayServer(RelayConfig(port=0))
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def joined_through(urls: list[str] | str, proxy: ProxySettings | None) -> Joined:
    ws = await open_link(urls, proxy=proxy)
    try:
        await ws.send(encode(Join(ROOM)))
        async with asyncio.timeout(20):
            message = decode_server(await ws.recv())
        assert isinstance(message, Joined)
        return message
    finally:
        await ws.close()


# Backoff: sans-I/O, so exact.


def test_backoff_grows_is_capped_and_jittered() -> None:
    backoff = Backoff(base=0.5, factor=2.0, cap=8.0)
    assert [backoff.delay(n, lambda: 0.0) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert [backoff.delay(n, lambda: 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff.delay(10_000, lambda: 0.5) == 6.0  # no overflow for absurd attempt numbers
    with pytest.raises(ValueError):
        backoff.delay(-1)
    with pytest.raises(ValueError):
        Backoff(base=10.0, cap=1.0)


# Proxy settings.


def test_proxy_settings_map_to_connection_arguments() -> None:
    assert ProxySettings().url() is None
    assert ProxySettings("system").url() is True
    assert ProxySettings("socks5", "127.0.0.1", 1080).url() == "socks5h://127.0.0.1:1080"
    assert ProxySettings("http", "127.0.0.1", 3128, "a b", "p@ss").url() == \
        "http://a%20b:p%40ss@127.0.0.1:3128"
    assert ProxySettings.tor().url() == "socks5h://127.0.0.1:9050"
    assert ProxySettings.tor(9150).url() == "socks5h://127.0.0.1:9150"
    assert ProxySettings.tor().url(9150) == "socks5h://127.0.0.1:9150"
    with pytest.raises(ValueError, match="needs a host and a port"):
        ProxySettings("socks5")
    with pytest.raises(ValueError, match="unknown proxy kind"):
        ProxySettings("ftp")  # type: ignore[arg-type]


def test_proxies_are_parsed_as_people_write_them() -> None:
    assert ProxySettings.parse("") is None and ProxySettings.parse(" none ") is None
    assert ProxySettings.parse("tor") == ProxySettings.tor()
    assert ProxySettings.parse("system") == ProxySettings("system")
    assert ProxySettings.parse("socks5h://127.0.0.1:9150") == \
        ProxySettings("socks5", "127.0.0.1", 9150)
    assert ProxySettings.parse("http://a%20b:p%40ss@proxy:3128") == \
        ProxySettings("http", "proxy", 3128, "a b", "p@ss")
    for bad in ("tor please", "socks5://127.0.0.1", "ftp://x:1", "socks5://:80"):
        with pytest.raises(ValueError, match="is not a proxy"):
            ProxySettings.parse(bad)


def test_tor_check_says_when_nothing_is_listening() -> None:
    port = free_port()
    status = asyncio.run(tor_available((port,)))
    assert not status.available and status.port is None
    assert status.message.startswith("Tor is not running")
    assert str(port) in status.message


def test_tor_setting_fails_early_and_clearly_without_tor() -> None:
    async def scenario() -> None:
        async with relay() as server:
            with pytest.raises(TransportError, match="Tor is not running") as info:
                await open_link(server.url, proxy=ProxySettings.tor(free_port()))
            assert info.value.failures == ()  # no relay was tried

    asyncio.run(scenario())


# Real proxies.


def test_through_a_real_socks5_proxy(socks: Server) -> None:
    async def scenario() -> None:
        async with relay() as server:
            proxy = ProxySettings("socks5", "127.0.0.1", socks.port)
            assert await joined_through(server.url, proxy) == Joined(1, ())
            # The Tor setting is SOCKS5 with remote names too: a SOCKS server on the port is
            # all it needs, and tor_available() recognises one.
            status = await tor_available((socks.port,))
            assert status.available and status.port == socks.port
            # (The first client has left, so the room starts again at slot 1.)
            assert await joined_through(server.url, ProxySettings.tor(socks.port)) == \
                Joined(1, ())

    asyncio.run(scenario())


def test_socks5_proxy_that_cannot_reach_the_relay(socks: Server) -> None:
    async def scenario() -> None:
        proxy = ProxySettings("socks5", "127.0.0.1", socks.port)
        with pytest.raises(TransportError, match=f"SOCKS5 proxy 127.0.0.1:{socks.port} could "
                                                 "not reach the relay at 127.0.0.1"):
            await open_link(f"ws://127.0.0.1:{free_port()}", proxy=proxy)

    asyncio.run(scenario())


def test_through_a_real_http_connect_proxy(http_proxy: Server) -> None:
    async def scenario() -> None:
        async with relay() as server:
            proxy = ProxySettings("http", "127.0.0.1", http_proxy.port)
            assert await joined_through(server.url, proxy) == Joined(1, ())

    asyncio.run(scenario())


def test_system_proxy_settings_are_used(http_proxy: Server,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """"system" takes the proxy from the environment, as the rest of the desktop does."""
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{http_proxy.port}")

    async def scenario() -> None:
        async with relay() as server:
            assert await joined_through(server.url, ProxySettings("system")) == Joined(1, ())
            # The connection really went through the proxy: without it, the relay is
            # unreachable this way, though it is still running.
            http_proxy.stop()
            with pytest.raises(TransportError):
                await open_link(server.url, proxy=ProxySettings("system"))
            assert await joined_through(server.url, None) == Joined(1, ())

    asyncio.run(scenario())


def test_proxy_not_running_is_named() -> None:
    async def scenario() -> None:
        port = free_port()
        with pytest.raises(TransportError, match=f"Cannot reach SOCKS5 proxy 127.0.0.1:{port}"):
            await open_link("ws://127.0.0.1:9", proxy=ProxySettings("socks5", "127.0.0.1", port))

    asyncio.run(scenario())


# Several relays.


def test_relays_are_tried_in_order() -> None:
    async def scenario() -> None:
        async with relay() as server:
            dead = f"ws://127.0.0.1:{free_port()}"
            url, ws = await open_any([dead, server.url])
            assert url == server.url
            await ws.close()
            assert await joined_through([server.url, dead], None) == Joined(1, ())

    asyncio.run(scenario())


def test_when_every_relay_fails_each_failure_is_named() -> None:
    async def scenario() -> None:
        one, two = free_port(), free_port()
        with pytest.raises(TransportError) as info:
            await open_link([f"ws://127.0.0.1:{one}", f"ws://127.0.0.1:{two}/path"])
        message = str(info.value)
        assert message.startswith("None of the room's 2 relays could be reached.")
        assert f"1. Cannot reach the relay at 127.0.0.1:{one}" in message
        assert f"2. Cannot reach the relay at 127.0.0.1:{two}" in message
        assert [url for url, _ in info.value.failures] == [f"ws://127.0.0.1:{one}",
                                                          f"ws://127.0.0.1:{two}/path"]
        with pytest.raises(TransportError, match="names no relay"):
            await open_link([])

    asyncio.run(scenario())


def test_a_single_url_behaves_as_before() -> None:
    async def scenario() -> None:
        port = free_port()
        with pytest.raises(TransportError) as info:
            await open_link(f"ws://127.0.0.1:{port}")
        assert str(info.value) == (f"Cannot reach the relay at 127.0.0.1:{port}: nothing is "
                                   "listening there. Is the relay running?")
        with pytest.raises(TransportError, match="is not valid"):
            await open_link("http://127.0.0.1:1/")

    asyncio.run(scenario())


@pytest.mark.parametrize(("status", "sentence"), [
    (429, "refusing new connections from this network"),
    (503, "temporarily unavailable"),
    (401, "only admits people with its access token"),
    (404, r"not a Majlis relay \(HTTP 404\)"),
])
def test_http_refusals_become_sentences(status: int, sentence: str) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"HTTP/1.1 {status} No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                     .encode())
        await writer.drain()
        writer.close()

    async def scenario() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with pytest.raises(TransportError, match=sentence):
                await open_link(f"ws://127.0.0.1:{port}/")

    asyncio.run(scenario())
