"""No room secret on a command line: the running app's argv never holds the invite link.

A process's command line is readable by every account on the machine (/proc/PID/cmdline, `ps`).
The desktop's URL handler starts `majlis LINK`; that launcher hands the link on and exits, so the
app that stays in the room was started without it. Real processes throughout: a relay, a
headless host, the launcher, the app it starts (offscreen), and a second launch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import Stderr, majlis, read_invite

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def processes_with(config: Path) -> list[int]:
    """Our processes whose environment names this test's config directory."""
    marker = f"MAJLIS_CONFIG_DIR={config}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def launch(env: dict[str, str], log: Path, *args: str) -> tuple[int, str]:
    """Run `majlis ARGS` to its end. Its output goes to a file: the app it starts inherits it,
    and a pipe would stay open for as long as that app runs."""
    with log.open("w") as out:
        code = subprocess.run([sys.executable, "-m", "app.main", *args], cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                              timeout=60).returncode
    return code, log.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_running_app_never_had_the_link_on_its_command_line(tmp_path: Path, relay) -> None:  # type: ignore[no-untyped-def]
    host = majlis("host", "--relay", relay.url, "--name", "Evening", "--auto-admit")
    config = tmp_path / "config"
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MAJLIS_CONFIG_DIR=str(config),
               XDG_RUNTIME_DIR=str(runtime), PYTHONUNBUFFERED="1")
    try:
        link = read_invite(host)
        host_err = Stderr(host)
        secret = link.split("#", 1)[1]
        code, out = launch(env, tmp_path / "first.log", "--name", "Huda", "--no-lan", link)
        assert code == 0, out  # what the desktop's URL handler runs: it passes the link on
        deadline = time.monotonic() + 30
        while not (pids := processes_with(config)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(pids) == 1, pids
        app_pid = pids[0]
        host_err.wait_for("Huda joined", timeout=40)  # the app got the link, on stdin

        def command_line() -> bytes:
            return Path(f"/proc/{app_pid}/cmdline").read_bytes()

        assert b"--link-stdin" in command_line()
        assert b"majlis://" not in command_line()
        assert secret.encode() not in command_line()
        assert secret.encode() not in Path(f"/proc/{app_pid}/environ").read_bytes()

        code, out = launch(env, tmp_path / "second.log", link)  # over the app's socket
        assert code == 0, out
        assert "already open" in out
        assert processes_with(config) == [app_pid]
        assert secret.encode() not in command_line()
    finally:
        for pid in processes_with(config):  # the app (started by the launcher, not by us)
            os.kill(pid, signal.SIGTERM)  # leaves the room and exits
        deadline = time.monotonic() + 20
        while processes_with(config) and time.monotonic() < deadline:
            time.sleep(0.1)
        host.terminate()
        host.wait(10)


def test_app_help_without_a_display_prints_help() -> None:
    """`majlis app --help` on a machine without a screen printed nothing useful and hosted a
    room instead (the no-screen fallback)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "app.cli", "app", "--help"], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: majlis")
    assert "--link-stdin" in done.stdout
    assert "invite" not in done.stderr.lower() and "No screen" not in done.stderr
