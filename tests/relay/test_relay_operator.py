"""Operator traps and log floods, against real `python -m relay` processes on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from relayproc import ROOT, start_relay
from servers import free_port


def relay_run(*args: str, env: dict[str, str] | None = None,
              nofile: int | None = None) -> tuple[int, str]:
    """Run the relay expecting it to stop by itself; its exit code and stderr."""
    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.run([sys.executable, "-m", "relay", "--port", "0", *args], cwd=ROOT,
                          env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                          timeout=30, preexec_fn=limit)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {"MAJLIS_RELAY_HOST": ""}, "MAJLIS_RELAY_HOST: an empty address"),
        (["--host", " "], {}, "--host: an empty address"),
        (["--max-message", "1000000000"], {}, "max_message must be between 16 and"),
        (["--keepalive", "0.001"], {}, "keepalive must be 0 (off) or between 1 and 3600"),
    ],
)
def test_operator_traps_are_errors_at_start(args: list[str], env: dict[str, str],
                                            message: str) -> None:
    """Finding 9: an empty host bound every interface; absurd limits were accepted."""
    code, err = relay_run(*args, env=env)
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_busy_metrics_port_is_named_as_such() -> None:
    """Finding 9: a busy metrics port was reported as the relay's own address."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        code, err = relay_run("--host", "127.0.0.1", "--metrics-listen", f"127.0.0.1:{port}")
    finally:
        busy.close()
    assert code == 1, err
    assert f"cannot listen on 127.0.0.1:{port} (metrics_listen): address already in use" in err


def _sighup_ignored(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)))
    return False


def test_sighup_during_start_up_does_not_kill_the_relay() -> None:
    """Finding 9: a SIGHUP in the first ~50 ms killed the process, which systemd counts as a
    clean stop. The relay ignores SIGHUP before its slow imports; the test sends one as soon
    as that is so, while the relay is still starting, and the relay must come up."""
    proc = subprocess.Popen([sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while not _sighup_ignored(proc.pid):
            assert not lines, "the relay was listening before it ignored SIGHUP"
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.001)
        sent_before_listening = not lines
        proc.send_signal(signal.SIGHUP)
        reader.join(20)
        assert lines and lines[0].startswith("listening on "), (lines, proc.poll())
        assert sent_before_listening or proc.poll() is None
        proc.send_signal(signal.SIGHUP)  # and once running, SIGHUP reloads
        time.sleep(0.2)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0


def test_open_files_limit_is_checked_against_max_connections() -> None:
    """Finding 5: the limit was capped silently below max_connections."""
    code, err = relay_run("--host", "127.0.0.1", "--max-connections", "1000", nofile=256)
    assert code == 2, err
    assert "need 2064 open files, but the limit is 256" in err, err


def test_malformed_requests_get_answers_and_no_tracebacks() -> None:
    """Finding 5: duplicate Upgrade or Authorization headers gave HTTP 500 and a traceback each."""
    rp = start_relay("--token", "sesame")
    host, port = rp.url.split("//")[1].rsplit(":", 1)
    upgrade = ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
    requests = [
        upgrade + "Upgrade: websocket\r\nUpgrade: websocket\r\n\r\n",
        upgrade + "Upgrade: websocket\r\nAuthorization: Bearer a\r\n"
        "Authorization: Bearer b\r\n\r\n",
        upgrade.replace("dGhlIHNhbXBsZSBub25jZQ==", "short") + "Upgrade: websocket\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ]
    try:
        for _ in range(50):
            for request in requests:
                with socket.create_connection((host, int(port)), timeout=20) as s:
                    s.sendall(request.encode())
                    answer = s.recv(200)
                    assert answer.startswith(b"HTTP/1.1 "), answer
                    assert not answer.startswith(b"HTTP/1.1 500"), answer
    finally:
        rp.stop()
    err = rp.proc.stderr.read() if rp.proc.stderr else ""
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 5, err  # one line per cause per minute


def test_a_connection_flood_costs_a_few_log_lines() -> None:
    """Finding 5: a flood past the open-files limit logged 221k traceback lines in 27 s. The
    limit now fits max_connections and max_handshakes, and connections past max_handshakes
    are dropped before any TLS or HTTP state exists."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", str(port),
         "--max-connections", "100", "--max-handshakes", "50"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)))
    assert proc.stdout is not None and proc.stdout.readline().startswith("listening on")
    flood: list[socket.socket] = []
    try:
        for _ in range(600):
            s = socket.socket()
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect(("127.0.0.1", port))
            flood.append(s)
        time.sleep(2)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the relay still accepts
    finally:
        for s in flood:
            s.close()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 5, err


def test_log_lines_any_client_can_cause_are_one_per_cause_per_interval() -> None:
    """Finding 5: asyncio's "socket.send() raised exception." warnings were not filtered. The
    filter the relay puts on its log handler lets one per cause through per interval and says
    how many it left out."""
    import logging

    from relay.logs import OncePerInterval

    flood = OncePerInterval(interval=60.0)
    record = logging.LogRecord("asyncio", logging.WARNING, __file__, 1,
                               "socket.send() raised exception.", (), None)
    passed = [flood.filter(record) for _ in range(1000)]
    assert passed.count(True) == 1
    other = logging.LogRecord("relay.websockets", logging.ERROR, __file__, 1,
                              "opening handshake failed", (), None)
    assert flood.filter(other)  # another cause has its own line
    info = logging.LogRecord("relay", logging.INFO, __file__, 1, "certificate reloaded", (), None)
    assert all(flood.filter(info) for _ in range(3))  # the relay's own chosen lines pass
