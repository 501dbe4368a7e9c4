"""Start and stop real relay processes (`python -m relay`) on 127.0.0.1, and talk to them
as a hostile client would (`RawClient`)."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from websockets.frames import Close, Frame, Opcode

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RelayProcess:
    """A `majlis-relay` child process and the URL it printed when it became ready."""

    proc: subprocess.Popen[str]
    url: str

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_relay(*args: str, timeout: float = 20.0) -> RelayProcess:
    """Start `python -m relay` on 127.0.0.1 with a free port and wait for its ready line."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"relay did not start: {line!r} {err}")
    return RelayProcess(proc, line.removeprefix("listening on "))


class RawClient:
    """A websocket client that writes frames and reads only when told to."""

    def __init__(self, url: str, rcvbuf: int = 4096) -> None:
        authority, _, path = url.split("//", 1)[1].partition("/")
        host, port = authority.rsplit(":", 1)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect((host, int(port)))
        self.sock.settimeout(30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "the relay closed during the handshake"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, opcode: Opcode, data: bytes) -> bool:
        """False once the relay has closed or reset the connection."""
        try:
            self.sock.sendall(Frame(opcode, data).serialize(mask=True))
        except OSError:
            return False
        return True

    def read_close(self, limit: float = 30.0) -> int | None:
        """Read everything until the end; the close code the relay sent, or None (reset)."""
        self.sock.settimeout(limit)
        data = b""
        try:
            while chunk := self.sock.recv(1 << 16):
                data += chunk
        except ConnectionResetError:
            return None
        except TimeoutError:
            raise AssertionError("the relay never closed the connection") from None
        # Walk the frames: the close frame is the last one the relay sent.
        code, i = None, 0
        while i + 2 <= len(data):
            opcode, length, i = data[i] & 0x0F, data[i + 1] & 0x7F, i + 2
            if length == 126:
                length, i = int.from_bytes(data[i:i + 2], "big"), i + 2
            elif length == 127:
                length, i = int.from_bytes(data[i:i + 8], "big"), i + 8
            if opcode == Opcode.CLOSE.value and length >= 2:
                code = Close.parse(data[i:i + length]).code
            i += length
        return code

    def close(self) -> None:
        self.sock.close()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Peak:
    """Samples a process's resident memory every 20 ms until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, rss_mb(pid), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak
