"""Start and stop real relay processes (`python -m relay`) on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
