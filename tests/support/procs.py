"""Helpers to run real `majlis` client processes and to compare audio in integration tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def majlis(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """Start `python -m app.cli ARGS` (the `majlis` console script) as a child process."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=env)


def read_invite(proc: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """Wait for the host's `invite: LINK` line."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("invite: "):
            return line.split(" ", 1)[1].strip()
        if not line and proc.poll() is not None:
            break
    err = proc.stderr.read() if proc.stderr else ""
    raise AssertionError(f"the host printed no invite; stderr: {err}")


def speech_wav(path: Path, text: str) -> Path:
    """A real spoken sentence from espeak-ng (installed by scripts/setup-system.sh)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is missing: run scripts/setup-system.sh")
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    return path


def align(source: np.ndarray, recording: np.ndarray) -> tuple[int, float]:
    """Where `source` sits in `recording` (samples) and the correlation there."""
    src = source.astype(np.float64)
    rec = recording.astype(np.float64)
    if len(rec) < len(src) or not src.any() or not rec.any():
        return 0, 0.0
    n = 1 << int(np.ceil(np.log2(len(src) + len(rec))))
    xc = np.fft.irfft(np.fft.rfft(rec, n) * np.conj(np.fft.rfft(src, n)), n)
    lag = int(np.argmax(xc[: len(rec) - len(src) + 1]))
    segment = rec[lag : lag + len(src)]
    return lag, float(np.corrcoef(segment, src)[0, 1])


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0


class Stderr:
    """Collects a process's stderr lines as they come, so a test can wait for one."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 30.0, after: int = 0) -> int:
        """Index of the first line from `after` on that contains `text`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for i in range(after, len(self.lines)):
                    if text in self.lines[i]:
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {text!r} within {timeout} s: {self.lines}")
                self._changed.wait(left)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
