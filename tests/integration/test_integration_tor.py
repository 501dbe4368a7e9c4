"""Rooms on an onion-service relay, in a real private Tor network on 127.0.0.1.

Every party is a real process: the relay (`python -m relay`), the operator's tor publishing it as
an onion service the way docs/RELAY.md says (`HiddenServiceDir`/`HiddenServicePort`), each
user's own tor, and `majlis` clients speaking espeak-ng sentences. The network is
tests/support/tornet.py's (the public one cannot be reached here); Majlis' own tor joins it
through `--tor-config`, the option a user would use for an upstream proxy.

Each user's tor makes its connections from its own loopback address (127.0.0.2, .3, .4), which
stands for that user's IP address: the relay, logging addresses on purpose, must see only
127.0.0.1, its own tor.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from procs import Stderr, align, majlis, read_invite, rms, speech_wav
from relayproc import RelayProcess, start_relay
from tornet import TorNetwork, TorNode
from websockets.asyncio.client import connect

from audio.wav import read_wav
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire

pytestmark = pytest.mark.integration

SENTENCE = "Peace be upon you. This room's relay has no address anyone can find."
ROOT = Path(__file__).resolve().parents[2]
USERS = {"host": "127.0.0.2", "listener": "127.0.0.3"}


@dataclass
class OnionRelay:
    relay: RelayProcess
    log: Stderr
    url: str  # ws://….onion/
    tors: dict[str, TorNode]

    def proxy(self, who: str) -> str:
        return f"socks5://127.0.0.1:{self.tors[who].socks_port}"


@pytest.fixture(scope="module")
def onion_relay(tor_network: TorNetwork) -> Iterator[OnionRelay]:
    """A relay logging addresses (--log-ips, debug level), published as an onion service."""
    relay = start_relay("--log-ips", "--log-level", "debug")
    log = Stderr(relay.proc)
    tors: dict[str, TorNode] = {}
    try:
        port = int(relay.url.rsplit(":", 1)[1])
        onion = tor_network.add_onion_service("relay-onion", port, extra=packaged_onion_lines())
        for who, address in USERS.items():
            tors[who] = tor_network.add_client(who, bind=address)
        tor_network.wait_reachable(onion, 80, tors["host"])
        yield OnionRelay(relay, log, f"ws://{onion}/", tors)
    finally:
        for node in tors.values():
            node.stop()
        tor_network.stop_node("relay-onion")
        relay.stop()


def packaged_onion_lines() -> list[str]:
    """packaging/relay/torrc-onion's settings, but for its folder and port (the fixture's)."""
    text = (ROOT / "packaging" / "relay" / "torrc-onion").read_text()
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.startswith("#")]
    assert "HiddenServicePort 80 127.0.0.1:8765" in lines
    return [line for line in lines if not line.startswith(("HiddenServiceDir",
                                                           "HiddenServicePort"))]


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("speech") / "speech.wav", SENTENCE)


def finish(proc: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def test_room_on_an_onion_relay_host_and_listener_through_tor(onion_relay: OnionRelay,
                                                              speech: Path,
                                                              tmp_path: Path) -> None:
    host = majlis("host", "--relay", onion_relay.url, "--proxy", onion_relay.proxy("host"),
                  "--name", "Majlis", "--auto-admit", "--speak", str(speech), "--for", "26")
    link = read_invite(host, timeout=60)
    assert Invite.parse(link).relays == (onion_relay.url,)
    out = tmp_path / "heard.wav"
    listener = majlis("join", link, "--as", "Ali", "--proxy", onion_relay.proxy("listener"),
                      "--record", str(out), "--for", "18")
    code, err = finish(listener)
    assert code == 0, err
    assert finish(host)[0] == 0
    pieces = heard_pieces(read_wav(speech), read_wav(out))
    assert well_heard(pieces), pieces


def test_room_through_the_tor_majlis_starts_itself(tor_network: TorNetwork,
                                                   onion_relay: OnionRelay, speech: Path,
                                                   tmp_path: Path) -> None:
    """`--proxy tor` with no Tor on 9050/9150 (and Tor settings given): Majlis runs its own."""
    conf = tmp_path / "tor.conf"
    conf.write_text("\n".join([*tor_network.network_lines(), "OutboundBindAddress 127.0.0.4"]))
    before = _own_tor_folders()
    host = majlis("host", "--relay", onion_relay.url, "--proxy", onion_relay.proxy("host"),
                  "--name", "Majlis", "--auto-admit", "--speak", str(speech), "--for", "120")
    link = read_invite(host, timeout=60)
    out = tmp_path / "heard.wav"
    listener = majlis("join", link, "--as", "Ali", "--proxy", "tor", "--tor-config", str(conf),
                      "--record", str(out), "--for", "35", "--stats")
    stats, err = listener.communicate(timeout=120)
    code = listener.returncode
    host.send_signal(signal.SIGTERM)  # the host stays until the listener has heard it all
    assert code == 0, err
    assert finish(host)[0] == 0
    assert "Tor: 0% Starting Tor" in err and "Tor: 100% Done" in err
    pieces = heard_pieces(read_wav(speech), read_wav(out))
    assert well_heard(pieces), f"{pieces}\n{err}\n{stats}"
    assert _own_tor_folders() == before  # its data directory is gone


def test_room_through_an_obfs4_bridge_from_the_command_line(tor_network: TorNetwork,
                                                            onion_relay: OnionRelay,
                                                            speech: Path,
                                                            tmp_path: Path) -> None:
    """A censored user: `--tor-bridge` with an obfs4 line, Majlis' own tor reaches the network
    only through that bridge (the system's obfs4proxy on both ends), and hears the room."""
    line = tor_network.add_obfs4_bridge("clibridge")
    conf = tmp_path / "tor.conf"
    # Bridge clients read microdescriptors (see tests/net/test_net_tor.py).
    conf.write_text("\n".join([*tor_network.network_lines(), "UseMicrodescriptors 1"]))
    host = majlis("host", "--relay", onion_relay.url, "--proxy", onion_relay.proxy("host"),
                  "--name", "Majlis", "--auto-admit", "--speak", str(speech), "--for", "120")
    link = read_invite(host, timeout=60)
    out = tmp_path / "heard.wav"
    listener = majlis("join", link, "--as", "Ali", "--proxy", "tor", "--tor-bridge", line,
                      "--tor-config", str(conf), "--record", str(out), "--for", "35")
    code, err = finish(listener, timeout=120)
    host.send_signal(signal.SIGTERM)
    tor_network.stop_node("clibridge")
    assert code == 0, err
    assert finish(host)[0] == 0
    assert "Tor: 100% Done" in err
    pieces = heard_pieces(read_wav(speech), read_wav(out))
    assert well_heard(pieces), f"{pieces}\n{err}"


def test_a_bridge_line_that_is_not_one_is_refused_before_anything_starts() -> None:
    link = Invite.create(["ws://" + "c" * 56 + ".onion/"], Identity.generate().public.key).to_link()
    code, err = finish(majlis("join", link, "--proxy", "tor", "--tor-bridge",
                              "obfs4 bridge.example:443"))
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "The bridge line has no address and port: 'obfs4 bridge.example:443'.")


def test_relay_log_shows_no_client_address(onion_relay: OnionRelay) -> None:
    """With --log-ips and debug logging, the relay logs only its own tor's address; a direct
    connection from a user's address, made last, shows that the logging does work."""
    start = len(onion_relay.log.lines)
    room = os.urandom(wire.ROOM_ID_SIZE)

    async def join(**kwargs: object) -> None:
        url = kwargs.pop("url", onion_relay.url)
        async with connect(str(url), compression=None, open_timeout=60, **kwargs) as ws:
            await ws.send(wire.encode(wire.Join(room)))
            assert isinstance(wire.decode_server(await ws.recv()), wire.Joined)

    async def through_tor() -> None:
        await asyncio.gather(*(join(proxy=f"socks5h://127.0.0.1:{t.socks_port}")
                               for t in onion_relay.tors.values()))

    asyncio.run(through_tor())
    first = onion_relay.log.wait_for("connection from", after=start)
    second = onion_relay.log.wait_for("connection from", after=first + 1)
    logged = [line for line in onion_relay.log.lines[start:second + 1] if "connection from" in line]
    assert len(logged) == 2 and all("connection from 127.0.0.1 closed" in line for line in logged)
    text = "\n".join(onion_relay.log.lines[start:])
    assert "127.0.0.1" in text  # debug records with addresses are there, only never a user's
    assert not any(address in text for address in [*USERS.values(), "127.0.0.4"])

    asyncio.run(join(url=onion_relay.relay.url, proxy=None, local_addr=(USERS["host"], 0)))
    onion_relay.log.wait_for(f"connection from {USERS['host']} closed", after=second + 1)


def test_onion_invite_without_tor_is_refused_with_a_sentence() -> None:
    link = Invite.create(["ws://" + "b" * 56 + ".onion/"], Identity.generate().public.key).to_link()
    code, err = finish(majlis("join", link, "--for", "5"))
    assert code == 3
    assert err.strip().splitlines()[-1] == (
        f"This room's relay is an onion service ({'b' * 56}.onion), which only Tor can reach. "
        "Turn on \"Use Tor\" (in Settings, or --proxy tor) and join again.")


def heard_pieces(source: np.ndarray, heard: np.ndarray, piece: float = 0.5) -> list[float]:
    """The correlation of each voiced half second of `source` with the best-matching place in
    `heard`. Over Tor the jitter buffer stretches or shortens a gap now and then (it counts
    them as `expanded`/`skipped`), which shifts the rest of the sentence by a frame: one
    alignment for the whole sentence would then measure the shift, not whether it was heard."""
    size = int(piece * 48000)
    scores = []
    for start in range(0, len(source) - size + 1, size):
        chunk = source[start:start + size]
        if rms(chunk) > 300:
            scores.append(round(align(chunk, heard)[1], 3))
    assert scores, "the source is silent"
    return scores


def well_heard(pieces: list[float]) -> bool:
    """Most of the sentence intact. A burst from a circuit on this busy machine can still
    cost one half second a concealed or stretched frame (seen once in a run: 0.46)."""
    good = sum(p > 0.8 for p in pieces)
    return float(np.median(pieces)) > 0.9 and good >= 0.8 * len(pieces)


def _own_tor_folders() -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.glob("majlis-tor-*")} if shm.is_dir() else set()
