"""The relay as an operator runs it: options, exit codes, signals, disk, logs, and blindness."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from relayproc import ROOT, start_relay  # tests/support, on sys.path via conftest
from websockets.asyncio.client import connect

from relay.wire import Control, Join, Joined, Media, PeerJoined, decode_server, encode

ROOM = bytes(range(16))
FORBIDDEN = ("crypto", "audio", "app", "nacl", "numpy")


def relay_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "relay", "--host", "127.0.0.1", *args]


def run_relay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(relay_cmd(*args), capture_output=True, text=True, timeout=30, cwd=ROOT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "http"], "'http' is not a port number"),
        (["--port", "70000"], "not in 0..65535"),
        (["--rate", "-5"], "not a positive number"),
        (["--max-rooms", "0"], "not a positive integer"),
        (["--max-room-size", "50000"], "max_room_size 50000 is above 16383"),
        (["--key", "key.pem"], "needs a certificate file"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--port", "0", "--cert", "/nonexistent/cert.pem"], "cannot load certificate"),
    ],
)
def test_bad_options_print_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run_relay(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("majlis-relay: error: ")
    assert message in lines[0]


def test_help_describes_every_option() -> None:
    result = run_relay("--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--cert", "--key", "--max-message", "--max-rooms",
                   "--max-connections", "--max-room-size", "--rate", "--log-ips"):  # fmt: skip
        assert option in result.stdout


def test_port_in_use_prints_one_line_and_exits_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_relay("--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"majlis-relay: cannot listen on 127.0.0.1:{port}: address already in use"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_relay_cleanly(sig: signal.Signals) -> None:
    rp = start_relay()
    assert rp.url.startswith("ws://127.0.0.1:")
    assert int(rp.url.rsplit(":", 1)[1]) > 0  # the real port, not 0
    rp.proc.send_signal(sig)
    assert rp.proc.wait(timeout=20) == 0
    assert rp.proc.stdout is not None and rp.proc.stderr is not None
    assert rp.proc.stdout.read() == ""  # exactly one line was printed
    assert rp.proc.stderr.read() == ""


async def exercise(url: str, headers: dict[str, str] | None = None) -> int:
    """Join two clients, send media and control, leave; return the first client's port."""
    a = await connect(url, compression=None, additional_headers=headers)
    b = await connect(url, compression=None, additional_headers=headers)
    for ws in (a, b):
        await ws.send(encode(Join(ROOM)))
        assert isinstance(decode_server(await ws.recv(decode=False)), Joined)
    assert decode_server(await a.recv(decode=False)) == PeerJoined(2)
    await a.send(encode(Media(b"frame")))
    await a.send(encode(Control(b"control")))
    assert len([decode_server(await b.recv(decode=False)) for _ in range(2)]) == 2
    port = int(a.local_address[1])
    await a.close()
    await b.close()
    return port


def test_relay_writes_nothing_to_disk(tmp_path: Path) -> None:
    cwd, home, tmp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for folder in (cwd, home, tmp):
        folder.mkdir()
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        relay_cmd("--port", "0", "--log-level", "debug"),
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("listening on ")
        asyncio.run(exercise(url))
        with urllib.request.urlopen(url.replace("ws://", "http://") + "/", timeout=20) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    assert [list(folder.iterdir()) for folder in (cwd, home, tmp)] == [[], [], []]


def _logs_of_one_session(*extra: str) -> tuple[str, int]:
    rp = start_relay("--log-level", "debug", *extra)
    try:
        # A reverse proxy would add this header; websockets logs headers at debug level.
        port = asyncio.run(exercise(rp.url, {"X-Forwarded-For": "198.51.100.23"}))
    finally:
        assert rp.stop() == 0
    assert rp.proc.stderr is not None
    return rp.proc.stderr.read(), port


def test_no_client_address_in_debug_logs_by_default() -> None:
    logs, port = _logs_of_one_session()
    assert "connection opened" in logs  # debug logging really was on
    assert "198.51.100.23" not in logs
    assert str(port) not in logs
    assert "X-Forwarded-For" not in logs


def test_log_ips_is_an_explicit_opt_in() -> None:
    logs, port = _logs_of_one_session("--log-ips")
    assert f"127.0.0.1', {port})" in logs or f"127.0.0.1:{port}" in logs


BLINDNESS_PROBE = """
import json, pkgutil, runpy, sys
import relay
names = ["relay." + m.name for m in pkgutil.iter_modules(relay.__path__) if m.name != "__main__"]
for name in names:
    __import__(name)
sys.argv = ["majlis-relay", "--help"]
try:
    runpy.run_module("relay", run_name="__main__")
except SystemExit:
    pass
print(json.dumps({"imported": names, "modules": sorted(sys.modules)}))
"""


def test_relay_is_blind_by_construction() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLINDNESS_PROBE], capture_output=True, text=True, timeout=60,
        cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert {"relay.wire", "relay.rooms", "relay.server", "relay.cli"} <= set(report["imported"])
    leaked = [
        name for name in report["modules"]
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]  # fmt: skip
    assert leaked == []
