"""Real third-party servers for the relay and transport tests, on 127.0.0.1 with free ports.

Each `start_*` starts the real program, waits until it answers, and returns a `Server` that
stops it by process id; test modules wrap them in fixtures with `running()`. A start skips its
test only when the program is not installed, saying which Debian package provides it
(redis-server, microsocks, tinyproxy, nginx-light, caddy).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"redis-server": "redis-server", "microsocks": "microsocks", "tinyproxy": "tinyproxy",
            "nginx": "nginx-light", "caddy": "caddy"}


def need(program: str) -> str:
    """The program's path, or skip with the package to install."""
    path = shutil.which(program) or next(
        (p for p in (f"/usr/sbin/{program}", f"/usr/bin/{program}") if os.path.exists(p)), None)
    if path is None:
        pytest.skip(f"{program} is not installed (Debian package {PACKAGES.get(program, program)};"
                    " scripts/setup-system.sh installs it)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass
class Server:
    """A started program: its process, port and the folder holding its files."""

    proc: subprocess.Popen[bytes]
    port: int
    home: Path
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(args: list[str], port: int, home: Path, wait: bool = True) -> Server:
    log = open(home / "output.log", "wb")  # noqa: SIM115 - the child holds it
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=home,
                            env=dict(os.environ, HOME=str(home)))
    log.close()
    server = Server(proc, port, home)
    if wait:
        try:
            wait_port(port, proc)
        except RuntimeError as exc:
            server.stop()
            output = (home / "output.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}\n{output}") from None
    return server


def start_redis(home: Path, port: int | None = None) -> Server:
    """redis-server in memory only: no RDB snapshots, no AOF, loopback only."""
    port = port or free_port()
    return start([need("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                  "--save", "", "--appendonly", "no", "--dir", str(home),
                  "--protected-mode", "yes"], port, home)


def running(server: Server) -> Iterator[Server]:
    """For fixtures: `yield from running(start_x(...))` stops the server afterwards."""
    try:
        yield server
    finally:
        server.stop()


def folder(tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    home.mkdir(exist_ok=True)
    return home


def start_socks(home: Path) -> Server:
    """microsocks: a real SOCKS5 server (resolves names itself, as Tor's socks5h needs)."""
    port = free_port()
    return start([need("microsocks"), "-i", "127.0.0.1", "-p", str(port)], port, home)


def start_http_proxy(home: Path) -> Server:
    """tinyproxy: a real HTTP proxy that supports CONNECT (to any port)."""
    port = free_port()
    conf = home / "tinyproxy.conf"
    conf.write_text(f"Port {port}\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\n"
                    "LogLevel Error\nMaxClients 20\n")
    return start([need("tinyproxy"), "-d", "-c", str(conf)], port, home)


def start_nginx(home: Path, conf_text: str, port: int) -> Server:
    """nginx in the foreground with everything (pid, logs, temp files) under `home`."""
    binary = need("nginx")
    for sub in ("logs", "tmp"):
        (home / sub).mkdir(exist_ok=True)
    conf = home / "nginx.conf"
    conf.write_text(conf_text)
    server = start([binary, "-p", str(home), "-c", str(conf), "-e", str(home / "logs/error.log"),
                    "-g", "daemon off; pid " + str(home / "nginx.pid") + ";"], port, home)
    return server


def start_caddy(home: Path, caddyfile: str, port: int) -> Server:
    binary = need("caddy")
    path = home / "Caddyfile"
    path.write_text(caddyfile)
    os.environ.setdefault("XDG_DATA_HOME", str(home))
    return start([binary, "run", "--config", str(path), "--adapter", "caddyfile"], port, home)
