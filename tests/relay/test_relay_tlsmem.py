"""What a TLS connection costs the relay before any check, against a real relay process.

The attacker opens bare TCP connections to the TLS port and never starts the handshake: each
used to cost ~300 KB (asyncio's 256 KiB TLS read buffer), 1.6 GB at 500 connections a second.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from relayproc import RelayProcess, rss_mb, start_relay


def certificate(folder: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is missing: run scripts/setup-system.sh")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return cert, key


def port_of(rp: RelayProcess) -> int:
    return int(rp.url.split("//")[1].split("/")[0].rsplit(":", 1)[1])


def bare_connections(port: int, n: int) -> list[socket.socket]:
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        out.append(s)
    return out


def test_bare_connections_to_the_tls_port_cost_little(tmp_path: Path) -> None:
    """Finding 4, with default settings: 400 connections that never say hello."""
    cert, key = certificate(tmp_path)
    rp = start_relay("--cert", str(cert), "--key", str(key))
    try:
        time.sleep(0.3)
        before = rss_mb(rp.proc.pid)
        socks = bare_connections(port_of(rp), 400)
        time.sleep(1.0)
        grown = rss_mb(rp.proc.pid) - before
        for s in socks:
            s.close()
        assert grown < 50, f"{grown:.0f} MB for 400 bare connections"  # ~115 MB before
    finally:
        rp.stop()


def test_handshakes_have_a_cap_and_a_deadline(tmp_path: Path) -> None:
    """Past max_handshakes a connection is dropped unanswered; a handshake that does not
    finish within tls_handshake_timeout is dropped too."""
    cert, key = certificate(tmp_path)
    rp = start_relay("--cert", str(cert), "--key", str(key), "--max-handshakes", "50",
                     "--tls-handshake-timeout", "1")
    try:
        port = port_of(rp)
        socks = bare_connections(port, 200)
        dropped = 0
        for s in socks[50:]:
            s.settimeout(5)
            try:
                dropped += s.recv(1) == b""
            except ConnectionResetError:
                dropped += 1
        assert dropped == 150
        for s in socks[:50]:  # within the cap, but silent past the deadline
            s.settimeout(10)
            with contextlib.suppress(ConnectionResetError):
                assert s.recv(1) == b""
        for s in socks:
            s.close()
    finally:
        rp.stop()


def test_idle_visitors_cannot_keep_new_clients_out() -> None:
    """At max_handshakes, the oldest connection still reading its request makes room: a few
    addresses holding idle connections must not lock every new client out."""
    rp = start_relay("--max-handshakes", "20")
    try:
        idle = bare_connections(port_of(rp), 40)
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port_of(rp)), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(12) == b"HTTP/1.1 200"
        dropped = 0
        for s in idle:
            s.settimeout(0.2)
            try:
                dropped += s.recv(1) == b""
            except ConnectionResetError:
                dropped += 1
            except TimeoutError:
                pass
            s.close()
        assert dropped >= 20  # the oldest went first
    finally:
        rp.stop()
