"""`majlis-relay --onion-control`: a relay asks the operator's tor to publish it (relay/onion.py).

Real processes: the relay, the operator's tor with a control port and cookie authentication,
and a user's tor, all in the private Tor network on 127.0.0.1 (tests/support/tornet.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from relayproc import ROOT, start_relay
from servers import free_port
from tornet import TorNetwork, TorNode
from websockets.asyncio.client import connect

from relay import wire

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def operator_tor(tor_network: TorNetwork) -> Iterator[tuple[TorNode, int]]:
    port = free_port()
    node = tor_network.add_client("operator", extra=[f"ControlPort 127.0.0.1:{port}",
                                                     "CookieAuthentication 1"])
    yield node, port
    node.stop()


@pytest.fixture(scope="module")
def user_tor(tor_network: TorNetwork) -> Iterator[TorNode]:
    node = tor_network.add_client("onionuser", bind="127.0.0.2")
    yield node
    node.stop()


def joined_through(url: str, socks_port: int) -> bool:
    async def go() -> bool:
        async with connect(url, proxy=f"socks5h://127.0.0.1:{socks_port}", open_timeout=60,
                           compression=None) as ws:
            await ws.send(wire.encode(wire.Join(os.urandom(wire.ROOM_ID_SIZE))))
            return isinstance(wire.decode_server(await ws.recv()), wire.Joined)

    return asyncio.run(go())


def test_relay_publishes_itself_and_keeps_its_address_with_a_key(
        operator_tor: tuple[TorNode, int], user_tor: TorNode, tmp_path: Path) -> None:
    _, control = operator_tor
    key = tmp_path / "onion.key"
    urls = []
    for _ in range(2):
        relay = start_relay("--onion-control", f"127.0.0.1:{control}", "--onion-key", str(key))
        try:
            assert relay.proc.stdout is not None
            line = relay.proc.stdout.readline().strip()
            assert line.startswith("onion ws://") and line.endswith(".onion/"), line
            urls.append(line.removeprefix("onion "))
            assert joined_through(urls[-1], user_tor.socks_port)
        finally:
            assert relay.stop() == 0
    assert urls[0] == urls[1]  # the key file kept the address
    assert (key.stat().st_mode & 0o777) == 0o600
    assert key.read_text().startswith("ED25519-V3:")


def test_without_a_key_the_address_is_new_and_nothing_is_written(
        operator_tor: tuple[TorNode, int], tmp_path: Path) -> None:
    _, control = operator_tor
    seen = set()
    for _ in range(2):
        relay = start_relay("--onion-control", str(control))
        try:
            assert relay.proc.stdout is not None
            seen.add(relay.proc.stdout.readline().strip())
        finally:
            relay.stop()
    assert len(seen) == 2 and all(u.endswith(".onion/") for u in seen)


def test_no_tor_control_port_is_one_line_and_exit_1() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0",
         "--onion-control", f"127.0.0.1:{free_port()}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "majlis-relay: cannot reach tor's control port at 127.0.0.1:")
