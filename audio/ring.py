"""A single-producer, single-consumer ring of int16 samples, for the sound callbacks.

PortAudio calls its callback on its own thread, with a deadline of a few milliseconds. The
callback must not allocate, wait on a lock, or build Python objects per sample; so it only copies
a block into or out of this ring, with numpy slice assignment into a buffer allocated once.

Why no lock: exactly one thread writes (advances `_written`) and exactly one reads (advances
`_read`). Each index is a Python int that only its owner rebinds, and rebinding an attribute is
atomic under the GIL, so each side sees a consistent, possibly slightly stale, view of the other:
the producer may think the ring fuller than it is, the consumer emptier, never the reverse. The
samples are copied before the index moves, so what a reader sees between the indices is written.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["SampleRing"]

Pcm = npt.NDArray[np.int16]


class SampleRing:
    """Fixed-capacity FIFO of int16 samples; writes that do not fit are cut and counted."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._data: Pcm = np.zeros(capacity, dtype=np.int16)
        self._written = 0  # total samples ever written (producer's)
        self._read = 0  # total samples ever read (consumer's)
        self.overflowed = 0  # samples the producer could not fit (producer's)
        self.discarded = 0  # samples the consumer threw away unread (consumer's)

    @property
    def available(self) -> int:
        """Samples waiting to be read."""
        return self._written - self._read

    @property
    def written(self) -> int:
        """Samples ever written (the producer's count)."""
        return self._written

    @property
    def read(self) -> int:
        """Samples ever read or discarded (the consumer's count)."""
        return self._read

    @property
    def free(self) -> int:
        return self.capacity - self.available

    def write(self, samples: Pcm) -> int:
        """Producer: append as many samples as fit; returns how many were written."""
        count = min(len(samples), self.free)
        if count < len(samples):
            self.overflowed += len(samples) - count
        if count:
            start = self._written % self.capacity
            first = min(count, self.capacity - start)
            self._data[start : start + first] = samples[:first]
            if count > first:
                self._data[: count - first] = samples[first:count]
            self._written += count
        return count

    def read_into(self, out: Pcm) -> int:
        """Consumer: fill `out` from the ring as far as samples allow; returns how many."""
        count = min(len(out), self.available)
        if count:
            start = self._read % self.capacity
            first = min(count, self.capacity - start)
            out[:first] = self._data[start : start + first]
            if count > first:
                out[first:count] = self._data[: count - first]
            self._read += count
        return count

    def discard(self, count: int) -> int:
        """Consumer: drop up to `count` of the oldest samples (to bound latency)."""
        count = max(0, min(count, self.available))
        self._read += count
        self.discarded += count
        return count
