"""Invite-only relays fail closed; per-address limits count networks and distrust garbage.

Real relay processes on 127.0.0.1. Other client addresses appear only inside X-Forwarded-For
headers that the test, acting as the trusted proxy, sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import Stderr
from relayproc import ROOT, start_relay
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from wsclients import ROOM, closed_with, run, track

from relay.access import UNKNOWN, address_key, client_address, parse_networks
from relay.wire import Error, Join, Joined, decode_server, encode


def relay_exit(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the relay expecting it to refuse to start; its exit code and stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=ROOT, env=dict(os.environ, **(env or {})), capture_output=True, text=True,
        timeout=30)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--token", ""], {}, "--token: an empty token"),
        (["--token", "a,,b"], {}, "--token: an empty token"),
        ([], {"MAJLIS_RELAY_TOKEN": ""}, "MAJLIS_RELAY_TOKEN: an empty token"),
    ],
)
def test_an_empty_token_list_is_an_error_not_an_open_relay(
        args: list[str], env: dict[str, str], message: str) -> None:
    """Finding 2: `--token ''` admitted everyone, silently."""
    code, err = relay_exit(*args, env=env)
    assert code == 2 and message in err, err


def test_an_empty_token_list_in_the_file_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "relay.toml"
    toml.write_text("token = []\n")
    code, err = relay_exit("--config", str(toml))
    assert code == 2 and "relay.toml: token: an empty token" in err, err


def test_an_empty_token_file_refuses_to_start(tmp_path: Path) -> None:
    """Finding 2: an empty token file at start admitted everyone."""
    tokens = tmp_path / "tokens"
    tokens.write_text("# no tokens yet\n\n")
    code, err = relay_exit("--token-file", str(tokens))
    assert code == 2 and "has no token" in err, err


def test_a_token_file_emptied_or_unreadable_at_sighup_refuses_everyone(tmp_path: Path) -> None:
    """Finding 2: after SIGHUP an empty file opened the relay to everyone."""
    tokens = tmp_path / "tokens"
    tokens.write_text("sesame\n")
    rp = start_relay("--token-file", str(tokens))
    log = Stderr(rp.proc)

    async def refused(url: str) -> None:
        ws = await connect(url, compression=None)
        track(ws)
        with contextlib.suppress(ConnectionClosed):  # the refusal may come before the Join
            await ws.send(encode(Join(ROOM)))
        code, _, seen = await closed_with(ws)
        assert (code, seen) == (4006, [Error(4006, "an access token is needed")])

    async def admitted(url: str) -> None:
        ws = await connect(url, compression=None)
        track(ws)
        try:
            await ws.send(encode(Join(ROOM)))
            async with asyncio.timeout(20):
                assert isinstance(decode_server(await ws.recv()), Joined)
        except ConnectionClosed:
            raise AssertionError("refused") from None

    try:
        run(lambda: admitted(rp.url + "/?token=sesame"))
        tokens.write_text("")
        rp.proc.send_signal(signal.SIGHUP)
        log.wait_for("has no token")
        run(lambda: refused(rp.url + "/?token=sesame"))
        run(lambda: refused(rp.url))
        tokens.unlink()
        tokens.mkdir()  # unreadable even for root, unlike a file without permissions
        after = len(log.lines)
        rp.proc.send_signal(signal.SIGHUP)
        log.wait_for("cannot read", after=after)
        run(lambda: refused(rp.url + "/?token=sesame"))
        tokens.rmdir()
        tokens.write_text("sesame\nnew\n")
        rp.proc.send_signal(signal.SIGHUP)
        for _ in range(50):  # the signal is asynchronous to us: wait until the reload took
            try:
                run(lambda: admitted(rp.url + "/?token=new"))
                break
            except AssertionError:
                time.sleep(0.1)
        else:
            raise AssertionError("the fixed token file was never read again")
    finally:
        rp.stop()


TRUST = parse_networks(["127.0.0.1"])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["junk"], UNKNOWN),
        (["junk, 203.0.113.9"], "203.0.113.9"),  # the proxy's own hop is good
        (["203.0.113.9, junk"], UNKNOWN),
        ([], UNKNOWN),  # a trusted proxy that forwards nothing says nothing
        (["127.0.0.1"], "127.0.0.1"),  # a client on the proxy's machine
    ],
)
def test_what_a_trusted_proxy_forwards_unusably_is_unknown(
        headers: list[str], expected: str) -> None:
    assert client_address("127.0.0.1", headers, TRUST) == expected


def test_address_keys_are_networks() -> None:
    assert address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:2:3:4:5:6", ipv6_prefix=128) == "2001:db8:1:2:3:4:5:6"
    assert address_key("2001:db8:1:2:3:4:5:6", ipv6_prefix=48) == "2001:db8:1::/48"
    assert address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("198.51.100.7", ipv4_prefix=24) == "198.51.100.0/24"
    assert address_key(UNKNOWN) == UNKNOWN


async def _open(url: str, forwarded: str) -> None:
    ws = await connect(url, compression=None, additional_headers={"X-Forwarded-For": forwarded})
    track(ws)


def test_one_ipv6_slash_64_is_one_address() -> None:
    """Finding 8: 300 addresses of one /64 were 300 clients."""
    rp = start_relay("--trusted-proxies", "127.0.0.1", "--max-connections-per-ip", "5",
                     "--handshakes-per-ip", "0")

    async def scenario() -> None:
        for i in range(5):
            await _open(rp.url, f"2001:db8:7:7::{i + 1:x}")
        with pytest.raises(InvalidStatus) as info:
            await _open(rp.url, "2001:db8:7:7:ffff::1")
        assert info.value.response.status_code == 429
        await _open(rp.url, "2001:db8:7:8::1")  # the next /64 is someone else

    try:
        run(scenario)
    finally:
        rp.stop()


def test_unparseable_forwarded_header_is_not_loopback() -> None:
    """Finding 8: a garbage X-Forwarded-For from a trusted proxy counted as exempt loopback."""
    rp = start_relay("--trusted-proxies", "127.0.0.1", "--max-connections-per-ip", "2")

    async def scenario() -> None:
        await _open(rp.url, "not-an-address")
        await _open(rp.url, "999.1.1.1")
        with pytest.raises(InvalidStatus) as info:
            await _open(rp.url, "also garbage")
        assert info.value.response.status_code == 429

    try:
        run(scenario)
    finally:
        rp.stop()


def test_loopback_exemption_can_be_turned_off() -> None:
    """The policy for a relay behind a local Tor daemon: counted as one address on request."""
    rp = start_relay("--exempt-loopback", "false", "--max-connections-per-ip", "2")

    async def scenario() -> None:
        await _open(rp.url, "ignored: no trusted proxy")
        await _open(rp.url, "ignored")
        with pytest.raises(InvalidStatus):
            await _open(rp.url, "ignored")

    try:
        run(scenario)
    finally:
        rp.stop()
