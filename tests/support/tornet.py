"""A private Tor network on 127.0.0.1, made of real `tor` processes, for tests and benchmarks.

The public Tor network cannot be reached from the test machines, and a Tor stand-in (a plain
SOCKS5 server) does not show what Tor does to a room: circuits, onion services, rendezvous, the
relay seeing only its own tor. So the tests build a whole network the way Tor's own test tools
do, with `TestingTorNetwork 1`:

- three directory authorities (keys made with `tor-gencert`, fingerprints with
  `tor --list-fingerprint`), which are also relays;
- three more relays, one of them an exit (its policy allows 127.0.0.0/8 only);
- clients (`add_client`), each a tor with a SOCKS port, and onion services (`add_onion_service`),
  each a tor publishing a `HiddenServiceDir` service in front of a local port.

Everything binds to 127.0.0.1, exits resolve no names (`ServerDNSResolvConfFile /dev/null`),
and no process knows any public authority or fallback directory, so no traffic leaves
127.0.0.1. Every tor runs in the foreground as a child of the test process, is stopped by its
process id (SIGTERM, then SIGKILL), and also exits on its own if the test process dies
(`__OwningControllerProcess`). Data directories live under the folder given to `TorNetwork`
(a pytest temporary folder).

The voting schedule is the fastest tor accepts (`TestingV3AuthInitialVotingInterval 5`,
`V3AuthVotingInterval 10`): the first consensus exists about 10 s after start, a client is
bootstrapped a few seconds later, and an onion service is reachable a few seconds after that.
`network_lines()` gives the torrc lines another tor (such as the one Majlis starts itself)
needs to join the network.

    net = TorNetwork(tmp_path); net.start()
    client = net.add_client("alice")              # client.socks_port
    onion = net.add_onion_service("relay", 8765)  # "xxxx.onion", port 80 -> 127.0.0.1:8765
    net.wait_reachable(onion, 80, client)
    net.stop()
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TorError", "TorNetwork", "TorNode", "tor_binaries"]

HOST = "127.0.0.1"
BOOTSTRAPPED = re.compile(r"Bootstrapped (\d+)%")

# What makes a tor network bootstrap in seconds instead of hours. Tor refuses these unless
# TestingTorNetwork is set, and TestingTorNetwork refuses the public authorities.
COMMON = """\
TestingTorNetwork 1
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteExit *
TestingDirAuthVoteHSDir *
TestingDirAuthVoteGuard *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
RunAsDaemon 0
Sandbox 0
SafeLogging 0
LogTimeGranularity 1
ShutdownWaitLength 0
ConnLimit 60
DisableDebuggerAttachment 0
"""

AUTHORITY = """\
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ContactInfo auth@test.invalid
TestingV3AuthInitialVotingInterval 5
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
"""

# A relay on loopback: no DNS at all (an exit that resolved names would send queries off the
# machine), reachability assumed rather than tested over half an hour.
RELAY = """\
AssumeReachable 1
ServerDNSDetectHijacking 0
ServerDNSTestAddresses
ServerDNSResolvConfFile /dev/null
"""

EXIT = """\
ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicy accept 127.0.0.0/8:*
ExitPolicy reject *:*
"""


class TorError(RuntimeError):
    """The network could not be built; the message carries the end of the tor's log."""


def tor_binaries() -> tuple[str, str] | None:
    """(tor, tor-gencert) if both are installed (Debian package `tor`)."""
    tor = shutil.which("tor") or ("/usr/sbin/tor" if os.path.exists("/usr/sbin/tor") else None)
    gencert = shutil.which("tor-gencert")
    return (tor, gencert) if tor and gencert else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class TorNode:
    """One tor process: its role, folder, ports, and the process once started."""

    name: str
    role: str  # "authority", "relay", "exit", "client", "onion"
    home: Path
    or_port: int = 0
    dir_port: int = 0
    socks_port: int = 0
    fingerprint: str = ""
    v3ident: str = ""
    bind: str = HOST  # the address its connections to other relays come from
    extra: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.home / "tor.log"

    def log_text(self) -> str:
        text = ""
        for path in (self.home / "stdout.log", self.log):
            with contextlib.suppress(OSError):
                text += path.read_text(errors="replace")
        return text

    def bootstrap(self) -> int:
        """The highest "Bootstrapped N%" this tor has logged."""
        found = BOOTSTRAPPED.findall(self.log_text())
        return max((int(n) for n in found), default=0)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class TorNetwork:
    """Authorities, relays and an exit on 127.0.0.1; clients and onion services on demand."""

    def __init__(self, base: Path, relays: int = 3) -> None:
        found = tor_binaries()
        if found is None:
            raise TorError("tor and tor-gencert are not installed (Debian package tor; "
                           "scripts/setup-system.sh installs it)")
        self.tor, self.gencert = found
        self.base = base
        self.nodes: list[TorNode] = []
        self.authorities = [self._node(f"auth{i}", "authority") for i in range(3)]
        self.relays = [self._node(f"relay{i}", "exit" if i == 0 else "relay")
                       for i in range(relays)]
        self.started_at = 0.0
        self.bootstrap_seconds = 0.0

    def _node(self, name: str, role: str) -> TorNode:
        home = self.base / name
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, 0o700)  # tor refuses a data directory others can read
        node = TorNode(name, role, home)
        self.nodes.append(node)
        return node

    # -- configuration ---------------------------------------------------------------------

    def network_lines(self) -> list[str]:
        """The torrc lines a tor needs to belong to this network (and to no other).

        Clients read full relay descriptors (`UseMicrodescriptors 0`): a microdescriptor
        summarises an exit policy for public addresses only, so an exit that allows only
        127.0.0.0/8 would look like one that allows nothing."""
        lines = [line for line in COMMON.splitlines() if not line.startswith(
            ("RunAsDaemon", "Sandbox", "ConnLimit", "DisableDebugger", "ShutdownWait"))]
        lines.append("UseMicrodescriptors 0")
        for a in self.authorities:
            lines.append(f"DirAuthority {a.name} orport={a.or_port} no-v2 v3ident={a.v3ident} "
                         f"{HOST}:{a.dir_port} {a.fingerprint}")
        return lines

    def _torrc(self, node: TorNode) -> str:
        nickname = re.sub(r"[^A-Za-z0-9]", "", node.name)[:19]  # tor's rule for nicknames
        parts = [COMMON, f"DataDirectory {node.home}", f"Nickname {nickname}",
                 f"Log notice file {node.log}", f"__OwningControllerProcess {os.getpid()}",
                 f"Address {HOST}", f"OutboundBindAddress {node.bind}"]
        parts += [line for line in self.network_lines()
                  if line.startswith(("DirAuthority", "UseMicrodescriptors"))]
        if node.role == "bridge":
            parts += [f"ORPort {HOST}:{node.or_port}", "SocksPort 0", "ExitRelay 0", RELAY]
        elif node.role in ("authority", "relay", "exit"):
            parts += [f"ORPort {HOST}:{node.or_port}", f"DirPort {HOST}:{node.dir_port}",
                      "SocksPort 0", RELAY]
            parts.append(EXIT if node.role == "exit" else "ExitRelay 0")
            if node.role == "authority":
                parts.append(AUTHORITY)
        else:
            parts.append(f"SocksPort {HOST}:{node.socks_port}" if node.socks_port
                         else "SocksPort 0")
        parts += node.extra
        return "\n".join(parts) + "\n"

    def _make_authority_keys(self, node: TorNode) -> None:
        keys = node.home / "keys"
        keys.mkdir(exist_ok=True)
        subprocess.run(
            [self.gencert, "--create-identity-key", "--passphrase-fd", "0",
             "-i", str(keys / "authority_identity_key"), "-s", str(keys / "authority_signing_key"),
             "-c", str(keys / "authority_certificate"), "-m", "12",
             "-a", f"{HOST}:{node.dir_port}"],
            input=b"majlis-test\n", check=True, capture_output=True, timeout=60)
        cert = (keys / "authority_certificate").read_text()
        match = re.search(r"^fingerprint ([0-9A-F]{40})", cert, re.M)
        if match is None:
            raise TorError(f"tor-gencert wrote no fingerprint for {node.name}")
        node.v3ident = match.group(1)

    def _read_fingerprint(self, node: TorNode) -> None:
        """The relay identity tor will use, made now so the authorities can be listed."""
        torrc = node.home / "torrc"
        torrc.write_text(f"DataDirectory {node.home}\n")
        out = subprocess.run(
            [self.tor, "--ignore-missing-torrc", "-f", str(torrc), "--orport", "1",
             "--datadirectory", str(node.home), "--list-fingerprint", "--quiet"],
            check=True, capture_output=True, text=True, timeout=60)
        words = out.stdout.strip().splitlines()[-1].split()
        node.fingerprint = "".join(words[1:])
        if not re.fullmatch(r"[0-9A-F]{40}", node.fingerprint):
            raise TorError(f"no fingerprint for {node.name}: {out.stdout!r} {out.stderr!r}")

    def _launch(self, node: TorNode) -> None:
        torrc = node.home / "torrc"
        torrc.write_text(self._torrc(node))
        node.log.touch()
        with open(node.home / "stdout.log", "wb") as out:  # errors before the log is open
            node.proc = subprocess.Popen([self.tor, "-f", str(torrc)], stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, cwd=node.home)

    # -- life cycle ------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> None:
        """Start the authorities and relays and wait until a client can build circuits."""
        self.started_at = time.monotonic()
        for node in self.authorities + self.relays:
            node.or_port, node.dir_port = free_port(), free_port()
        for node in self.authorities:
            self._make_authority_keys(node)
        for node in self.authorities + self.relays:
            self._read_fingerprint(node)
        for node in self.authorities + self.relays:
            self._launch(node)
        probe = self.add_client("probe", timeout=timeout)
        probe.stop()
        self.nodes.remove(probe)
        self.bootstrap_seconds = time.monotonic() - self.started_at

    def add_client(self, name: str, extra: Sequence[str] = (), bind: str = HOST,
                   timeout: float = 90.0) -> TorNode:
        """A client tor with a SOCKS port, returned once it has bootstrapped to 100%. `bind`
        (another loopback address, 127.0.0.2 say) stands for the user's own IP address: it is
        what the client's first relay sees, and what an onion service must never see."""
        node = self._node(name, "client")
        node.bind = bind
        node.socks_port = free_port()
        node.extra = list(extra)
        self._launch(node)
        self.wait_bootstrapped(node, timeout)
        return node

    def add_onion_service(self, name: str, target_port: int, onion_port: int = 80,
                          extra: Iterable[str] = (), timeout: float = 90.0) -> str:
        """An onion service (v3) forwarding `onion_port` to 127.0.0.1:`target_port`, the way
        docs/RELAY.md tells an operator to publish a relay; returns its "….onion" name once
        its tor has bootstrapped (the descriptor may still be on its way: `wait_reachable`)."""
        node = self._node(name, "onion")
        hs = node.home / "onion"
        node.extra = [f"HiddenServiceDir {hs}", f"HiddenServicePort {onion_port} "
                      f"{HOST}:{target_port}", *extra]  # per-service options follow the Dir
        self._launch(node)
        self.wait_bootstrapped(node, timeout)
        deadline = time.monotonic() + timeout
        while not (hs / "hostname").exists():
            if time.monotonic() > deadline:
                raise TorError(f"{name} wrote no onion hostname\n{node.log_text()[-3000:]}")
            time.sleep(0.1)
        return (hs / "hostname").read_text().strip()

    def add_obfs4_bridge(self, name: str, timeout: float = 90.0) -> str:
        """A bridge relay behind obfs4 (the system's obfs4proxy), unlisted (it publishes no
        descriptor: clients learn it only from its line, as with bridges.torproject.org).
        Returns its bridge line, `obfs4 127.0.0.1:PORT FINGERPRINT cert=… iat-mode=0`."""
        program = shutil.which("obfs4proxy")
        if program is None:
            raise TorError("obfs4proxy is not installed (Debian package obfs4proxy)")
        node = self._node(name, "bridge")
        node.or_port, pt_port = free_port(), free_port()
        self._read_fingerprint(node)
        node.extra = ["BridgeRelay 1", "PublishServerDescriptor 0",
                      f"ServerTransportPlugin obfs4 exec {program}",
                      f"ServerTransportListenAddr obfs4 {HOST}:{pt_port}", "ExtORPort auto"]
        self._launch(node)
        self.wait_bootstrapped(node, timeout)
        line_file = node.home / "pt_state" / "obfs4_bridgeline.txt"
        deadline = time.monotonic() + timeout
        while not line_file.exists() or "cert=" not in line_file.read_text():
            if time.monotonic() > deadline:
                raise TorError(f"{name} wrote no obfs4 bridge line\n{node.log_text()[-3000:]}")
            time.sleep(0.1)
        cert = re.search(r"cert=\S+ iat-mode=\d", line_file.read_text())
        assert cert is not None
        return f"obfs4 {HOST}:{pt_port} {node.fingerprint} {cert.group(0)}"

    def wait_bootstrapped(self, node: TorNode, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while node.bootstrap() < 100:
            assert node.proc is not None
            if node.proc.poll() is not None:
                raise TorError(f"{node.name} exited with {node.proc.returncode}\n"
                               f"{node.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise TorError(f"{node.name} did not bootstrap in {timeout} s\n"
                               f"{node.log_text()[-3000:]}")
            time.sleep(0.2)

    def wait_reachable(self, host: str, port: int, client: TorNode,
                       timeout: float = 90.0) -> float:
        """Connect through `client` until `host:port` answers (an onion service is usable only
        once its descriptor is on the network's directories); return the seconds it took."""
        start = time.monotonic()
        deadline = start + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                with socks_connect(client.socks_port, host, port, timeout=30.0):
                    return time.monotonic() - start
            except OSError as exc:
                last = str(exc)
                time.sleep(0.5)
        raise TorError(f"{host}:{port} not reachable through {client.name} in {timeout} s "
                       f"({last})")

    def stop_node(self, name: str) -> None:
        """Stop one tor a test added (a bridge, an onion service), so it does not keep using
        the shared machine's CPU for the rest of the session."""
        for node in self.nodes:
            if node.name == name:
                node.stop()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()


def socks_connect(socks_port: int, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP stream to host:port through a SOCKS5 proxy on 127.0.0.1 (the name resolved by
    the proxy). Raises OSError with tor's reply code when the proxy cannot connect."""
    sock = socket.create_connection((HOST, socks_port), timeout=timeout)
    try:
        sock.sendall(b"\x05\x01\x00")
        if sock.recv(2) != b"\x05\x00":
            raise OSError("not a SOCKS5 proxy")
        name = host.encode()
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", port))
        reply = sock.recv(10)
        if len(reply) < 2 or reply[1] != 0:
            raise OSError(f"SOCKS5 reply {reply[1] if len(reply) > 1 else 'none'}")
    except BaseException:
        with contextlib.suppress(OSError):
            sock.close()
        raise
    return sock
