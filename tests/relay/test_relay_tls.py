"""Certificate reload without a restart: on SIGHUP, when the files change, and never to a
broken certificate."""

from __future__ import annotations

import asyncio
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from relayproc import RelayProcess, start_relay  # tests/support, on sys.path via conftest
from websockets.asyncio.client import connect

from relay.wire import Join, Joined, decode_server, encode

ROOM = bytes(range(16))


def make_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (Debian package openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def served(rp: RelayProcess) -> str:
    """The certificate a new TLS handshake gets, as PEM."""
    port = int(rp.url.rsplit(":", 1)[1])
    return ssl.get_server_certificate(("127.0.0.1", port), timeout=10)


def same(pem_a: str, pem_b: str) -> bool:
    return ssl.PEM_cert_to_DER_cert(pem_a) == ssl.PEM_cert_to_DER_cert(pem_b)


def install(source: tuple[Path, Path], live: tuple[Path, Path]) -> None:
    """Replace the live files the way certbot does: write aside, then rename over."""
    for src, dst in zip(source, live, strict=True):
        tmp = dst.with_suffix(".new")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)


def wait_for(rp: RelayProcess, pem: str) -> bool:
    for _ in range(200):
        if same(served(rp), pem):
            return True
        time.sleep(0.05)
    return False


def test_sighup_reloads_the_certificate_and_keeps_connections(tmp_path: Path) -> None:
    first = make_certificate(tmp_path / "a", "first")
    second = make_certificate(tmp_path / "b", "second")
    live = (tmp_path / "live-cert.pem", tmp_path / "live-key.pem")
    install(first, live)
    rp = start_relay("--cert", str(live[0]), "--key", str(live[1]),
                     "--tls-reload-interval", "0")
    try:
        assert same(served(rp), first[0].read_text())

        async def scenario() -> None:
            context = ssl.create_default_context(cafile=str(first[0]))
            async with connect(rp.url, ssl=context, compression=None) as ws:
                await ws.send(encode(Join(ROOM)))
                assert decode_server(await ws.recv()) == Joined(1, ())
                install(second, live)
                rp.proc.send_signal(signal.SIGHUP)
                assert await asyncio.to_thread(wait_for, rp, second[0].read_text())
                # The connection made before the reload goes on.
                await ws.send(encode(Join(ROOM)))  # a second Join: answered, so still open
                message = decode_server(await ws.recv())
                assert message.code == 4000  # type: ignore[union-attr]

        asyncio.run(scenario())
        assert rp.proc.poll() is None
    finally:
        assert rp.stop() == 0


def test_changed_files_are_picked_up_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    first = make_certificate(tmp_path / "a", "first")
    second = make_certificate(tmp_path / "b", "second")
    live = (tmp_path / "live-cert.pem", tmp_path / "live-key.pem")
    install(first, live)
    rp = start_relay("--cert", str(live[0]), "--key", str(live[1]),
                     "--tls-reload-interval", "0.1")
    try:
        install(second, live)
        assert wait_for(rp, second[0].read_text())
        # A renewal that leaves a key that does not match: the relay keeps the last good one.
        install((first[0], second[1]), live)
        time.sleep(0.5)
        rp.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert same(served(rp), second[0].read_text())
        assert rp.proc.poll() is None
    finally:
        assert rp.stop() == 0
    assert rp.proc.stderr is not None
    assert "still serving the previous certificate" in rp.proc.stderr.read()
