"""An adaptive jitter buffer for one speaker: packets arrive when the network delivers them, and
one frame leaves per playout tick, with as little delay as the observed jitter allows.

Sans-I/O: `push(seq, packet, now)` when a packet arrives, `pop(now, quiet)` once per tick. Time
comes in as `now` (seconds, monotonic); nothing here reads a clock.

How much delay. Every packet's *relative transit* is `now - seq * 20 ms`: its arrival time, minus
when it would have arrived if it had been sent on a perfect 20 ms schedule. The smallest relative
transit among recent packets (`base`, a sliding minimum over the last second of packets) is
the fastest the path has been; a packet's *jitter* is how much later than that it came. Jitter
samples go into a histogram that forgets old samples exponentially (half-life ~4.6 s; at first
it is a running average over a prior of 20 ms, so a new stream adapts within a second), and the
*target delay* is a high quantile of it (98 %), plus a small margin, bounded 20-200 ms: the
approach of WebRTC's NetEQ. When the recent loss rate is above 1 %, the target grows by one frame,
so that the packet after a lost one is usually here in time for its in-band FEC to rebuild it.

The *current delay* is how far behind that fastest schedule playout runs: `D = now - base - next
* 20 ms` at each pop, for the frame about to be played. A packet is in time when its jitter is
below D. D moves only in whole frames, and only where it cannot be heard:

* it shrinks (a frame is *skipped*) only while the speaker is quiet and D is more than one frame
  above the target (the caller says whether the last frame it decoded was quiet);
* it grows (an *expand*: one tick of concealment without consuming a packet) while quiet if D is
  below the target, and at an underrun, when the next packet is missing and nothing after it has
  arrived either: then the packet is more likely late than lost, so concealment stretches until it
  comes, instead of discarding it. Opus concealment of speech is a smooth continuation, not a
  jump; once D is a frame above target (or at the 200 ms bound) a missing packet counts as lost.

A missing frame whose successor is here is rebuilt from the successor's FEC ("fec"); otherwise
concealed ("conceal"). After `stop_after` ticks in a row with nothing to play the stream has ended
(the speaker left the stage, or the network died): `pop()` returns None until packets come again,
and the next stream starts with fresh arrival statistics, after the target delay. The frames
concealed at the very end are then counted as expansions, not losses: nothing was lost.

A stream moves through three states:

    IDLE ──push──▶ BUFFERING ──(the target delay reached)──▶ PLAYING
      ▲                ▲                                         │
      └── buffer empty ┴──── buffer not empty ◀── stream ended ──┘

Sequence numbers are the sender's u32 frame counter, unwrapped to unbounded integers against the
playout position, so 2**32 - 1 is followed by 0 with no special case. Counts, so users and
operators can see what the network does:

    received == played + late + duplicate + dropped + skipped + buffered
    lost == recovered + concealed
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["FRAME_SECONDS", "JitterBuffer", "JitterKind", "JitterStats", "PlayoutState"]

SEQ_MODULUS: Final = 1 << 32

FRAME_SECONDS: Final = 0.020
# A 10 ms floor measured 25-27 ms of delay on a quiet link instead of 31 (bench/latency.py):
# playout ticks fall anywhere within a frame, so the delay sits between the target and a frame
# above it. tests/integration/test_integration_audio_devices.py still asserts a 20 ms floor.
MIN_DELAY: Final = 0.020
MAX_DELAY: Final = 0.200
QUANTILE: Final = 0.98  # 95 % (NetEQ's) left one packet in twenty to stretch for
MARGIN: Final = 0.005  # tick-time noise on top of the network's jitter
HYSTERESIS: Final = 0.005
FORGET: Final = 0.997  # per packet: a half-life of ~230 packets, 4.6 s of speech
INITIAL_JITTER: Final = 0.020  # the prior until the first seconds of a stream have been seen
BIN: Final = 0.001  # histogram resolution
BINS: Final = 1000  # jitter up to one second; beyond counts as the last bin
# Packets over which the fastest transit is remembered (1 s). Short, because the sender's sample
# clock drifts against ours (by 0.01 % between two sound cards, by a percent when a busy machine
# drops samples): a drift of d makes old transits look faster by d times the window's length,
# and that would count as jitter. WebRTC's NetEQ uses 2 s.
BASE_WINDOW: Final = 50
LOSS_SMOOTHING: Final = 0.02  # per slot: the loss rate follows roughly the last 50 slots
FEC_LOSS: Final = 0.01  # above this loss rate, keep one more frame so FEC can arrive in time
MAX_FRAMES: Final = 50
STOP_AFTER: Final = 10

_RESCALE_BELOW: Final = 1e-100  # the histogram's lazy scale is folded in below this

JitterKind = Literal["packet", "fec", "conceal", "expand"]
Floats = npt.NDArray[np.float64]


class PlayoutState(enum.Enum):
    """Where a stream is: see the diagram at the top of this module."""

    IDLE = "idle"
    BUFFERING = "buffering"
    PLAYING = "playing"


@dataclass
class JitterStats:
    """What happened to one speaker's packets and ticks; times are milliseconds."""

    received: int = 0  # push() calls
    played: int = 0  # packets handed out as ("packet", p)
    late: int = 0  # arrived after their frame was played, recovered, concealed or skipped
    duplicate: int = 0  # already buffered
    reordered: int = 0  # arrived after a later packet, still in time (part of `played` etc.)
    dropped: int = 0  # thrown away unplayed: buffer over its bound, or backlog at a start
    skipped: int = 0  # dropped in silence to bring the delay down to the target
    lost: int = 0  # ticks whose packet was missing (recovered + concealed)
    recovered: int = 0  # of those, rebuilt from the next packet's FEC
    concealed: int = 0  # of those, concealed
    expanded: int = 0  # ticks of concealment that waited for a late packet (delay grew)
    starts: int = 0
    stops: int = 0
    delay_ms: float = 0.0  # current delay behind the fastest arrivals (D above)
    target_ms: float = 0.0  # where the delay is being steered
    jitter_ms: float = 0.0  # the 98th percentile of recent jitter
    loss_rate: float = 0.0  # recent share of frames whose packet was missing at playout


class JitterBuffer:
    """Adaptive playout buffer for one speaker; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        min_delay: float = MIN_DELAY,
        max_delay: float = MAX_DELAY,
        quantile: float = QUANTILE,
        initial_jitter: float = INITIAL_JITTER,
        forget: float = FORGET,
        max_frames: int = MAX_FRAMES,
        stop_after: int = STOP_AFTER,
    ) -> None:
        if not 0.0 <= min_delay <= max_delay:
            raise ValueError(f"need 0 <= min_delay <= max_delay, got {min_delay}, {max_delay}")
        if not 0.0 < quantile < 1.0 or not 0.0 < forget < 1.0:
            raise ValueError("quantile and forget must be between 0 and 1")
        if max_frames < 2 or stop_after < 1:
            raise ValueError("max_frames must be at least 2 and stop_after at least 1")
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.quantile = quantile
        self.forget = forget
        self.max_frames = max_frames
        self.stop_after = stop_after
        self.stats = JitterStats()
        self.state = PlayoutState.IDLE
        # The histogram is kept divided by `_scale`: forgetting multiplies the scale, not a
        # thousand bins per packet (see `_observe`). Bins above `_top` are all zero, so the
        # quantile is searched over the bins used, a few dozen, not all of them.
        self._histogram: Floats = np.zeros(BINS, dtype=np.float64)
        self._scale = 1.0
        self._top = _bin(initial_jitter)
        self._histogram[self._top] = 1.0
        self._buffer: dict[int, bytes] = {}
        self._next: int | None = None  # unwrapped sequence number of the next frame to play
        self._floor: int | None = None  # everything below was played or given up on
        self._highest: int | None = None
        self._arrivals = 0
        self._samples = 0
        self._base_window: deque[tuple[int, float]] = deque()  # (arrival index, transit), rising
        self._missing = 0
        self._tail = 0  # frames concealed since the last packet played
        self._loss = 0.0
        self._target = self._compute_target()
        self.stats.target_ms = self._target * 1000.0

    # -- inputs ----------------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Packets waiting to be played."""
        return len(self._buffer)

    @property
    def target_delay(self) -> float:
        """Seconds of delay the buffer steers toward (jitter quantile, margin, FEC frame)."""
        return self._target

    def push(self, seq: int, packet: bytes, now: float) -> None:
        """Accept the packet for frame `seq` (u32, wrapping) that arrived at `now`."""
        if not 0 <= seq < SEQ_MODULUS:
            raise ValueError(f"sequence number must be a u32, got {seq}")
        self.stats.received += 1
        position = self._unwrap(seq)
        if self.state is PlayoutState.IDLE:
            if self._floor is not None and self._floor - self.max_frames <= position < self._floor:
                self.stats.late += 1
                self._observe(position, now)
                return
            self._begin_stream(position)
        assert self._next is not None
        if position in self._buffer:
            self.stats.duplicate += 1
            return
        self._observe(position, now)
        if position < self._next:
            if self.state is PlayoutState.BUFFERING and self._may_start_at(position):
                self._next = position  # reordered ahead of the start: nothing was skipped
            else:
                self.stats.late += 1
                return
        if self._highest is not None and position < self._highest:
            self.stats.reordered += 1
        self._highest = position if self._highest is None else max(self._highest, position)
        self._buffer[position] = packet
        while len(self._buffer) > self.max_frames:
            self._drop_oldest()

    def pop(self, now: float, quiet: bool = False) -> tuple[JitterKind, bytes | None] | None:
        """Once per tick: what to play now, or None when the stream is idle.

        `quiet` says the speaker was silent in the last frame played: only then may the delay
        move without an underrun forcing it.
        """
        if self.state is PlayoutState.IDLE:
            return None
        self._target = self._compute_target()
        self.stats.target_ms = self._target * 1000.0
        if self.state is PlayoutState.BUFFERING:
            if not self._buffer or self._delay(now, min(self._buffer)) < self._target:
                self._note_delay(now)
                return None
            self._start(now)
        assert self._next is not None
        delay = self._delay(now, self._next)
        packet = self._buffer.get(self._next)
        if packet is not None and quiet:
            if delay - FRAME_SECONDS >= self._target + HYSTERESIS \
                    and self._next + 1 in self._buffer:
                del self._buffer[self._next]
                self.stats.skipped += 1
                self._advance()
                packet = self._buffer[self._next]
            elif delay < self._target and delay + FRAME_SECONDS <= self.max_delay:
                return self._expand(now)
        if packet is not None:
            self._note_delay(now)
            del self._buffer[self._next]
            self._advance()
            self._missing = 0
            self._tail = 0
            self.stats.played += 1
            self._count_slot(lost=False)
            return ("packet", packet)
        self._missing += 1
        if self._missing >= self.stop_after:
            self._stop()
            return None
        following = self._buffer.get(self._next + 1)
        underrun = following is None and not self._buffer
        if underrun and delay < self._target + FRAME_SECONDS \
                and delay + FRAME_SECONDS <= self.max_delay:
            return self._expand(now)
        self._note_delay(now)
        self._advance()
        self.stats.lost += 1
        self._count_slot(lost=True)
        if following is not None:
            self.stats.recovered += 1
            self._tail = 0
            return ("fec", following)
        self.stats.concealed += 1
        self._tail += 1
        return ("conceal", None)

    # -- arrival statistics ----------------------------------------------------------------

    def _observe(self, position: int, now: float) -> None:
        """One arrival: update the fastest transit and the jitter histogram."""
        transit = now - position * FRAME_SECONDS
        index = self._arrivals
        self._arrivals += 1
        window = self._base_window
        while window and window[-1][1] >= transit:
            window.pop()
        window.append((index, transit))
        while window[0][0] <= index - BASE_WINDOW:
            window.popleft()
        jitter = transit - window[0][1]
        # A running average at first (the prior counts as one sample), exponential forgetting
        # once there are enough samples: the first second of a stream already steers the target.
        self._samples += 1
        weight = max(1.0 - self.forget, 1.0 / (self._samples + 1))
        # Every bin times (1 - weight), then the new sample's weight: on the scale alone, with
        # the weight divided by it. Only ratios between bins matter to the quantile.
        self._scale *= 1.0 - weight
        if self._scale < _RESCALE_BELOW:  # after ~75,000 packets: fold the scale back in
            self._histogram *= self._scale
            self._scale = 1.0
        index = _bin(jitter)
        self._histogram[index] += weight / self._scale
        if index > self._top:
            self._top = index

    def _compute_target(self) -> float:
        cumulative = np.cumsum(self._histogram[: self._top + 1])
        index = int(np.searchsorted(cumulative, self.quantile * float(cumulative[-1])))
        jitter = (min(index, BINS - 1) + 1) * BIN
        self.stats.jitter_ms = jitter * 1000.0
        extra = FRAME_SECONDS if self._loss > FEC_LOSS else 0.0
        return min(self.max_delay, max(self.min_delay, jitter + MARGIN + extra))

    def _count_slot(self, lost: bool) -> None:
        self._loss += LOSS_SMOOTHING * ((1.0 if lost else 0.0) - self._loss)
        self.stats.loss_rate = self._loss

    # -- playout position ------------------------------------------------------------------

    def _base(self) -> float:
        return self._base_window[0][1] if self._base_window else 0.0

    def _delay(self, now: float, position: int) -> float:
        return now - self._base() - position * FRAME_SECONDS

    def _note_delay(self, now: float) -> None:
        """Record D for the frame about to be played (call before advancing)."""
        if self._next is not None and self._base_window:
            self.stats.delay_ms = max(0.0, self._delay(now, self._next)) * 1000.0

    def _expand(self, now: float) -> tuple[JitterKind, bytes | None]:
        self.stats.expanded += 1
        self._note_delay(now)
        return ("expand", None)

    def _unwrap(self, seq: int) -> int:
        reference = self._next if self._next is not None else self._floor
        if reference is None:
            return seq
        delta = (seq - reference + SEQ_MODULUS // 2) % SEQ_MODULUS - SEQ_MODULUS // 2
        return reference + delta

    def _may_start_at(self, position: int) -> bool:
        not_played = self._floor is None or position >= self._floor
        return not_played and max(self._buffer, default=position) - position < self.max_frames

    def _begin_stream(self, position: int) -> None:
        """A first packet, or the first after a stop: the old fastest transit means nothing now."""
        if self._floor is not None and position < self._floor:
            self._floor = None
        self.state = PlayoutState.BUFFERING
        self._next = position
        self._highest = None
        self._base_window.clear()
        self._missing = 0

    def _start(self, now: float) -> None:
        """Begin playing; a backlog beyond the target is dropped so it does not become delay."""
        assert self._next is not None
        self._next = min(self._buffer)
        while self._delay(now, self._next) - FRAME_SECONDS >= self._target \
                and self._next + 1 in self._buffer:
            del self._buffer[self._next]
            self.stats.dropped += 1
            self._advance()
        self.state = PlayoutState.PLAYING
        self._missing = 0
        self.stats.starts += 1

    def _stop(self) -> None:
        """Nothing to play for stop_after ticks: the stream ended, or jumped far ahead.

        The frames concealed since the last packet were the end of the stream, not losses: they
        move from `lost` to `expanded` (concealment that stood for no missing packet).
        """
        self.stats.stops += 1
        self.stats.lost -= self._tail
        self.stats.concealed -= self._tail
        self.stats.expanded += self._tail
        self._tail = 0
        self._floor = self._next
        self._missing = 0
        if self._buffer:
            # A gap of stop_after frames with later packets already here: the same sender on the
            # same clock, so its fastest transit still holds; play on from the first one.
            self.state = PlayoutState.BUFFERING
            self._next = min(self._buffer)
        else:
            self.state = PlayoutState.IDLE
            self._next = None

    def _advance(self) -> None:
        assert self._next is not None
        self._next += 1
        self._floor = self._next

    def _drop_oldest(self) -> None:
        oldest = min(self._buffer)
        del self._buffer[oldest]
        self.stats.dropped += 1
        self._floor = oldest + 1
        self._next = min(self._buffer) if self.state is PlayoutState.BUFFERING else oldest + 1


def _bin(jitter: float) -> int:
    if not math.isfinite(jitter) or jitter <= 0.0:
        return 0
    return min(BINS - 1, int(jitter / BIN))
