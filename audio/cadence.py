"""When a sound device will next want samples, so the next frame is mixed just before it.

The speaker's PortAudio callback takes one 20 ms block from a ring every 20 ms. Whatever sits in
the ring before that is delay: a frame mixed right after a callback waits almost a whole block.
`OutputCadence` learns the callbacks' schedule from when they ran and says how many frames must
be in the ring now, and when to look again: one `lead` before the next callback is due.

The schedule is the earliest phase seen over the last second. A callback can run late (its
thread waits for the interpreter lock, or for the CPU) but never before the device wants the
block, so the earliest one is the device's own clock; one that came late would put every
prediction late. A sound server whose period does not divide the block (PipeWire's power-of-two
quanta against 960-sample blocks) calls back irregularly, sometimes twice in a row: the earliest
phase then predicts the early ones, and frames are mixed early rather than too late. The window
is short so that a device clock drifting against ours (a few hundred ppm) moves the phase by a
fraction of a millisecond before it is forgotten.

Pure: times come in as arguments (seconds on any monotonic clock, the same for all calls).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Final

from .codec import FRAME_SAMPLES, SAMPLE_RATE

__all__ = ["OutputCadence"]

PERIOD: Final = FRAME_SAMPLES / SAMPLE_RATE  # seconds between callbacks: one 20 ms block each
WINDOW: Final = 50  # callbacks the earliest phase is taken over (one second)
UNKNOWN_POLL: Final = 0.004  # seconds between looks while the callbacks' schedule is unknown
MAX_AHEAD: Final = 2  # blocks queued beyond the lead at most (irregular periods call back early)


class OutputCadence:
    """A speaker's callback schedule, from (callback count, time it ran) observations."""

    def __init__(self, period: float = PERIOD, block: int = FRAME_SAMPLES,
                 window: int = WINDOW) -> None:
        if period <= 0.0 or block < 1 or window < 1:
            raise ValueError("period, block and window must be positive")
        self.period = period
        self.block = block
        self.window = window
        self.calls = 0  # the latest callback seen
        # (callback number, its time minus number x period), increasing in both: a monotonic
        # queue whose head is the earliest phase of the window.
        self._phases: deque[tuple[int, float]] = deque()

    @property
    def known(self) -> bool:
        """Whether a callback has been seen (before that, nothing can be predicted)."""
        return bool(self._phases)

    def observe(self, calls: int, at: float) -> None:
        """The speaker's `calls`-th callback ran at `at` (repeats and older ones are ignored)."""
        if calls <= self.calls and self._phases:
            return
        self.calls = calls
        phase = at - calls * self.period
        window = self._phases
        while window and window[-1][1] >= phase:
            window.pop()
        window.append((calls, phase))
        while window[0][0] <= calls - self.window:
            window.popleft()

    def due(self, call: int) -> float:
        """When callback number `call` is due (its earliest possible time)."""
        if not self._phases:
            raise ValueError("no callback seen yet")
        return self._phases[0][1] + call * self.period

    def plan(self, now: float, queued: int, lead: float) -> tuple[int, float]:
        """(frames to write now, when to plan again).

        `queued` is what the ring holds for the callbacks after the latest one observed: every
        callback due before `now + lead` must find a whole block there. Until a callback has
        been seen, one block is kept queued and the caller looks again soon.
        """
        if not self._phases:
            return (1 if queued < self.block else 0), now + UNKNOWN_POLL
        phase = self._phases[0][1]
        # The last callback due by now + lead (never before the latest seen, which has run).
        last = max(self.calls, math.floor((now + lead - phase) / self.period))
        # Callbacks that stopped coming (a stalled device) must not make the ring fill up: it
        # would all be delay once they come back.
        ahead = MAX_AHEAD + math.ceil(lead / self.period)
        wake = phase + (last + 1) * self.period - lead
        if last > self.calls + ahead:
            last, wake = self.calls + ahead, now + UNKNOWN_POLL
        missing = self.block * (last - self.calls) - queued
        frames = max(0, -(-missing // self.block))
        return frames, wake
