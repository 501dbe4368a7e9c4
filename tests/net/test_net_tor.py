"""Majlis' own tor (app/net/tor.py) and the onion-relay rule (app/net/proxy.py), with real tor.

The tor processes here are the system's `tor`, joined to the private network on 127.0.0.1
(tests/support/tornet.py, one per session) through `TorOptions.extra_lines`: the public Tor
network cannot be reached from the test machines. Everything else is the code a user runs.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
from servers import free_port
from tornet import TorNetwork

from app.net.proxy import ProxySettings, is_onion, onion_refusal
from app.net.tor import (
    Bridge,
    OwnTor,
    TorError,
    TorOptions,
    TorProgress,
    missing_programs,
    start_tor,
    tor_options,
    torrc_lines,
    use_tor,
)
from app.net.transport import TransportError, open_any, open_link
from relay.server import RelayConfig, RelayServer

ONION = "ws://" + "a" * 56 + ".onion/"
OBFS4 = ("obfs4 192.0.2.3:443 0123456789ABCDEF0123456789ABCDEF01234567 "
         "cert=AbCdEf+/0123456789 iat-mode=0")
SNOWFLAKE = ("snowflake 192.0.2.4:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
             "fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
             "url=https://snowflake-broker.example/ ice=stun:stun.example:3478")


# Bridge lines: what users paste, and what an attacker would like them to paste.

def test_bridge_lines_as_tor_browser_writes_them() -> None:
    assert Bridge.parse("Bridge " + OBFS4) == Bridge(OBFS4, "obfs4")
    assert Bridge.parse("  " + SNOWFLAKE + "\n") == Bridge(SNOWFLAKE, "snowflake")
    plain = "192.0.2.5:9001 0123456789ABCDEF0123456789ABCDEF01234567"
    assert Bridge.parse(plain) == Bridge(plain, None)
    assert Bridge.parse("[2001:db8::1]:443").transport is None


def test_a_bridge_line_cannot_smuggle_tor_settings() -> None:
    """A line break would start a new torrc option: a control port for the whole network."""
    for hostile in (OBFS4 + "\nControlPort 0.0.0.0:9051", OBFS4 + "\rHashedControlPassword x",
                    "obfs4 192.0.2.3:443\x00"):
        with pytest.raises(ValueError, match="one line"):
            Bridge.parse(hostile)
    with pytest.raises(ValueError, match="one line"):
        TorOptions(extra_lines=("SocksPort 9050\nControlPort 9051",))


@pytest.mark.parametrize("bad, words", [
    ("", "empty"), ("Bridge", "empty"), ("obfs4", "no address"),
    ("obfs4 example.com:443", "no address"), ("obfs4 192.0.2.3:443 nothex", "fingerprint"),
    ("obfs4 192.0.2.3:443 0123456789ABCDEF0123456789ABCDEF01234567 cert", "key=value"),
    ("ControlPort 9051", "no address"), ("0bfs4 192.0.2.3:443", "does not start like a bridge"),
])
def test_unusable_bridge_lines_get_a_sentence(bad: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Bridge.parse(bad)


def test_bridge_programs_are_named_when_missing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    bridges = [Bridge.parse(OBFS4), Bridge.parse(SNOWFLAKE)]
    assert missing_programs(bridges) == []  # scripts/setup-system.sh installs both
    lines = torrc_lines(TorOptions(tuple(bridges)), tmp_path, 1)
    assert "UseBridges 1" in lines and f"Bridge {OBFS4}" in lines
    assert any(line.startswith("ClientTransportPlugin obfs4 exec ") and
               line.endswith("obfs4proxy") for line in lines)
    assert any(line.startswith("ClientTransportPlugin snowflake exec ") for line in lines)
    monkeypatch.setenv("PATH", str(tmp_path))  # a system without them
    assert missing_programs(bridges) == [
        "obfs4 bridges need the obfs4proxy program, which is not installed (package "
        "obfs4proxy).",
        "Snowflake bridges need the snowflake-client program, which is not installed (package "
        "snowflake-client)."]
    with pytest.raises(TorError, match="Snowflake bridges need the snowflake-client program"):
        asyncio.run(start_tor(TorOptions((bridges[1],))))
    assert "does not know how to use 'fte' bridges" in missing_programs(
        [Bridge.parse("fte 192.0.2.3:443")])[0]


def test_tor_settings_file(tmp_path: Path) -> None:
    conf = tmp_path / "tor.conf"
    conf.write_text("# upstream proxy\nHTTPSProxy 192.0.2.9:3128\n\nReachableAddresses *:443\n")
    options = tor_options([OBFS4], conf)
    assert options.extra_lines == ("HTTPSProxy 192.0.2.9:3128", "ReachableAddresses *:443")
    assert options.wants_own_tor and not TorOptions().wants_own_tor
    with pytest.raises(ValueError, match="Cannot read the tor settings file"):
        tor_options([], tmp_path / "missing.conf")


def test_missing_tor_program_is_a_sentence() -> None:
    with pytest.raises(TorError, match=r"the tor program is not installed.*Tor Browser") as info:
        asyncio.run(start_tor(TorOptions(tor_binary="/nonexistent/tor")))
    assert info.value.kind == "no-tor"


# The onion rule: without Tor, refuse before anything is looked up.

def test_onion_relays_need_tor(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_onion(ONION) and is_onion("wss://x.onion.:443/") and not is_onion("ws://onion.io/")
    assert onion_refusal(ONION, ProxySettings.tor()) is None
    assert onion_refusal(ONION, ProxySettings("socks5", "127.0.0.1", 9150)) is None  # Tor Browser
    assert "HTTP proxy" in str(onion_refusal(ONION, ProxySettings("http", "127.0.0.1", 3128)))
    lookups: list[object] = []

    def spy(*args: object, **kwargs: object) -> object:
        lookups.append(args)
        raise AssertionError("a name was resolved")

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    for proxy in (None, ProxySettings(), ProxySettings("system")):
        with pytest.raises(TransportError) as info:
            asyncio.run(open_link(ONION, proxy=proxy))
        assert str(info.value) == (
            f"This room's relay is an onion service ({'a' * 56}.onion), which only Tor can "
            "reach" + ("" if proxy is None or proxy.kind == "none" else
                       " (the system's proxy is not Tor)") +
            ". Turn on \"Use Tor\" (in Settings, or --proxy tor) and join again.")
    assert lookups == []


def test_an_invite_with_an_onion_and_a_plain_relay_uses_the_plain_one_without_tor() -> None:
    async def scenario() -> tuple[str, tuple[tuple[str, str], ...]]:
        server = RelayServer(RelayConfig(port=0))
        await server.start()
        try:
            url, ws = await open_any([ONION, server.url])
            await ws.close()
            with pytest.raises(TransportError) as info:
                await open_any([ONION, f"ws://127.0.0.1:{free_port()}"])
            return url, info.value.failures
        finally:
            await server.close()

    url, failures = asyncio.run(scenario())
    assert url.startswith("ws://127.0.0.1:")
    assert failures[0][0] == ONION and "only Tor can reach" in failures[0][1]


# Majlis' own tor, against the private network.

def test_own_tor_bootstraps_reports_progress_and_leaves_nothing(tor_network: TorNetwork) -> None:
    seen: list[TorProgress] = []

    async def scenario() -> tuple[OwnTor, Path, bool]:
        options = TorOptions(extra_lines=tuple(tor_network.network_lines()))
        proxy, own = await use_tor(options, seen.append)
        assert own is not None and proxy == ProxySettings.tor(own.socks_port)
        assert own.data_dir is not None and own.data_dir.is_dir()
        assert (own.data_dir.stat().st_mode & 0o077) == 0
        folder = own.data_dir
        answers = await asyncio.open_connection("127.0.0.1", own.socks_port)
        answers[1].close()
        pid = own.pid
        await own.stop()
        assert pid is not None
        return own, folder, _alive(pid)

    own, folder, alive = asyncio.run(scenario())
    percents = [p.percent for p in seen]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(percents)
    assert seen[-1].tag == "done"
    assert not folder.exists() and own.data_dir is None
    assert not alive


def test_a_running_tor_is_used_as_it_is(tor_network: TorNetwork) -> None:
    client = tor_network.add_client("running")
    try:
        proxy, own = asyncio.run(use_tor(TorOptions(), ports=(free_port(), client.socks_port)))
        assert own is None and proxy == ProxySettings.tor(client.socks_port)
    finally:
        client.stop()


def test_tor_that_cannot_connect_says_where_it_stopped() -> None:
    """A network with one unreachable authority: tor never gets past the first steps."""
    dead = free_port()
    lines = ("TestingTorNetwork 1", f"DirAuthority dead orport={free_port()} no-v2 "
             f"v3ident={'A' * 40} 127.0.0.1:{dead} {'B' * 40}")
    with pytest.raises(TorError) as info:
        asyncio.run(start_tor(TorOptions(extra_lines=lines, bootstrap_timeout=4.0)))
    assert str(info.value).startswith("Tor could not connect within 4 seconds (it stopped at ")
    assert "add a bridge" in str(info.value)
    assert info.value.kind == "stuck" and info.value.progress is not None


def test_tor_refusing_its_settings_says_why() -> None:
    """Also: a folder a killed Majlis left behind (its process gone) is removed at the next
    start; one of a live process is not."""
    shm = Path("/dev/shm")
    stale = shm / "majlis-tor-999999999-left"  # no such process
    live = shm / f"majlis-tor-{os.getppid()}-live"
    for folder in (stale, live):
        folder.mkdir(mode=0o700)
    try:
        with pytest.raises(TorError, match=r"Tor stopped before it could connect\. Tor said: "
                                           r".*NoSuchOption") as info:
            asyncio.run(start_tor(TorOptions(extra_lines=("NoSuchOption 1",))))
        assert info.value.kind == "exited"
        assert not stale.exists() and live.exists()
    finally:
        for folder in (stale, live):
            if folder.exists():
                folder.rmdir()
    leftovers = [p for p in Path("/dev/shm").glob("majlis-tor-*")
                 if p.stat().st_uid == os.getuid()] if Path("/dev/shm").is_dir() else []
    assert leftovers == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_own_tor_through_a_real_obfs4_bridge(tor_network: TorNetwork) -> None:
    """Tor blocked: Majlis' tor reaches the network only through an obfs4 bridge (a real bridge
    relay and the system's obfs4proxy on both ends), then an onion relay through it. Bridge
    clients here read microdescriptors (full descriptors stall at 75% behind a bridge), so the
    target is an onion service, which needs no exit."""
    line = tor_network.add_obfs4_bridge("bridge")
    options = TorOptions(bridges=(Bridge.parse(line),),
                         extra_lines=(*tor_network.network_lines(), "UseMicrodescriptors 1"))
    seen: list[TorProgress] = []

    async def scenario() -> None:
        server = RelayServer(RelayConfig(port=0))
        await server.start()
        onion = await asyncio.to_thread(tor_network.add_onion_service, "bridgeonion",
                                        int(server.url.rsplit(":", 1)[1]))
        own = await start_tor(options, seen.append)
        try:
            ws = await open_link(f"ws://{onion}/", proxy=ProxySettings.tor(own.socks_port),
                                 open_timeout=60)
            await ws.close()
        finally:
            await own.stop()
            await server.close()

    try:
        asyncio.run(scenario())
    finally:
        tor_network.stop_node("bridgeonion")
        tor_network.stop_node("bridge")
    assert seen[-1].percent == 100
    bridge_log = next(n for n in tor_network.nodes if n.name == "bridge").log_text()
    assert "Registered server transport 'obfs4'" in bridge_log


def test_playout_ceiling_is_higher_through_tor() -> None:
    from app.client import TOR_MAX_DELAY, playout_ceiling
    from audio.jitter import MAX_DELAY

    plain = "ws://127.0.0.1:8765/"
    assert playout_ceiling([plain], None) == MAX_DELAY
    assert playout_ceiling([plain], ProxySettings("http", "127.0.0.1", 3128)) == MAX_DELAY
    assert playout_ceiling([plain], ProxySettings.tor()) == TOR_MAX_DELAY
    assert playout_ceiling([plain], ProxySettings("socks5", "127.0.0.1", 9150)) == TOR_MAX_DELAY
    assert playout_ceiling([plain, ONION], None) == TOR_MAX_DELAY


def test_a_failing_progress_callback_does_not_stall_tor(tor_network: TorNetwork,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """The UI's callback raising must not stop the reading of tor's output (tor would block on
    a full pipe): bootstrap still completes, and the failure is logged."""
    def broken(progress: TorProgress) -> None:
        raise RuntimeError("a widget was deleted")

    async def scenario() -> int:
        own = await start_tor(TorOptions(extra_lines=tuple(tor_network.network_lines())), broken)
        port = own.socks_port
        await own.stop()
        return port

    assert asyncio.run(scenario()) > 0
    assert "the Tor progress callback failed" in caplog.text


def test_snowflake_bridge_runs_snowflake_client_and_reports_what_it_says() -> None:
    """Snowflake needs a broker and WebRTC peers on the Internet, which the test machines cannot
    reach; here its broker and STUN server are closed ports on 127.0.0.1. What is real: tor
    starts the system's snowflake-client for the bridge line, and the user learns why it
    failed in the program's own words."""
    dead = free_port()
    line = (f"snowflake 192.0.2.4:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 "
            f"url=http://127.0.0.1:{dead}/ ice=stun:127.0.0.1:{dead}")
    with pytest.raises(TorError) as info:
        asyncio.run(start_tor(TorOptions((Bridge.parse(line),), bootstrap_timeout=15.0)))
    assert info.value.kind == "stuck"
    assert "The bridge program said: broker failure" in str(info.value)
    assert str(info.value).endswith("Check the bridges in Settings, or try other ones.")
