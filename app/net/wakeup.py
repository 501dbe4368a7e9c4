"""Noticing that the computer slept, so a dead link is replaced at once rather than 40 s later.

The client's timing runs on CLOCK_MONOTONIC, which stops while a laptop is suspended;
CLOCK_BOOTTIME does not. When the two part by more than a few seconds the machine slept, and
meanwhile the relay may have given up on us (its keep-alive closes a silent link after ~40 s) or a
NAT or proxy may have forgotten the connection. TCP would tell us only when we next send, which
for a listener is the next keep-alive ping, up to 40 s of silence later. So after a sleep the
client pings the relay at once and, without an answer within `PROBE_TIMEOUT`, drops the link and
resumes (app/core/resume.py).

Sans-I/O: `SleepWatch` is given both clocks' readings; `boot_clock` reads the real one.
"""

from __future__ import annotations

import time
from typing import Final

__all__ = ["PROBE_TIMEOUT", "SLEPT_AFTER", "SleepWatch", "boot_clock"]

SLEPT_AFTER: Final = 3.0  # seconds the clocks must part by to count as a sleep
PROBE_TIMEOUT: Final = 3.0  # seconds a relay has to answer the ping after a sleep


def boot_clock() -> float:
    """Seconds since boot, suspend included (CLOCK_BOOTTIME; wall time where there is none)."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    if clock is None:  # macOS and Windows: the wall clock also runs through a sleep
        return time.time()
    return time.clock_gettime(clock)


class SleepWatch:
    """How long the machine was suspended between two readings of both clocks."""

    def __init__(self, monotonic: float, boot: float) -> None:
        self._gap = boot - monotonic

    def check(self, monotonic: float, boot: float) -> float:
        """Seconds slept since the last check, or 0.0 if the clocks stayed together."""
        gap = boot - monotonic
        slept = gap - self._gap
        self._gap = gap
        # A wall clock set back (the fallback clock) also moves the gap: only forward counts.
        return slept if slept >= SLEPT_AFTER else 0.0
