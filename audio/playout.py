"""Playout: one speaker's packets, arriving whenever the network delivers them, turned into one
frame per 20 ms tick.

Sans-I/O, like the rest of the core: `push()` when a packet arrives, `pop()` once per tick. No
clock, no thread, no timer; the caller owns time. That keeps every arrival pattern a plain script
in the tests, and lets an adaptive buffer replace the fixed delay here without touching callers.

A stream moves through three states:

    IDLE ──push──▶ BUFFERING ──(delay_frames buffered, or delay_frames ticks waited)──▶ PLAYING
      ▲                ▲                                                                  │
      └── buffer empty ┴──── buffer not empty ◀── stop_after frames in a row missing ──────┘

While PLAYING, each tick plays the next frame in sequence: the packet if it is here; else the
*next* packet, whose Opus in-band FEC rebuilds the missing frame ("fec"); else loss concealment
("conceal"). When stop_after frames in a row are missing and nothing follows them, the speaker has
stopped (or the network has): `pop()` returns None, and the next packets start a fresh stream with
the full delay. The tick that ends a stream is not counted as lost. A start keeps only the newest
delay_frames packets (the rest are dropped and counted), so a burst after a stall does not turn
into lasting latency; at any time the buffer holds at most max_frames packets, dropping the oldest.

Sequence numbers are the sender's u32 frame counter; they are unwrapped to unbounded integers
against the playout position, so 2**32 - 1 is followed by 0 with no special case.

Counts, in Mumble's spirit, so users and operators can see what the network does:
    received == played + late + duplicate + dropped + buffered
    lost == recovered + concealed
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from .codec import FRAME_SAMPLES, CodecError, OpusDecoder
from .mixer import mix

__all__ = ["Playout", "PlayoutState", "PlayoutStats", "SpeakerStream", "mix"]

SEQ_MODULUS: Final = 1 << 32
DEFAULT_DELAY: Final = 3
MAX_FRAMES: Final = 50  # one second: beyond this the oldest packets are dropped
STOP_AFTER: Final = 10  # 200 ms of nothing means the speaker stopped, not a glitch

Kind = Literal["packet", "fec", "conceal"]
Pcm = npt.NDArray[np.int16]


class PlayoutState(enum.Enum):
    """Where a stream is: see the diagram at the top of this module."""

    IDLE = "idle"
    BUFFERING = "buffering"
    PLAYING = "playing"


@dataclass
class PlayoutStats:
    """What happened to one speaker's packets and ticks."""

    received: int = 0  # push() calls
    played: int = 0  # packets handed out as ("packet", p)
    late: int = 0  # arrived after their frame was played, recovered or concealed
    duplicate: int = 0  # already buffered
    dropped: int = 0  # thrown away unplayed: buffer over its bound, or backlog at a start
    lost: int = 0  # ticks whose packet was missing (recovered + concealed)
    recovered: int = 0  # of those, rebuilt from the next packet's FEC
    concealed: int = 0  # of those, concealed
    starts: int = 0  # times playback started (after a stop, it restarts with the delay)
    stops: int = 0  # times the stream ended after stop_after missing frames


class Playout:
    """Fixed-delay playout buffer for one speaker."""

    def __init__(
        self,
        delay_frames: int = DEFAULT_DELAY,
        *,
        max_frames: int = MAX_FRAMES,
        stop_after: int = STOP_AFTER,
    ) -> None:
        if not 0 <= delay_frames < max_frames:
            raise ValueError(f"delay_frames must be 0..{max_frames - 1}, got {delay_frames}")
        if stop_after < 1:
            raise ValueError(f"stop_after must be at least 1, got {stop_after}")
        self.delay_frames = delay_frames
        self.max_frames = max_frames
        self.stop_after = stop_after
        self.stats = PlayoutStats()
        self.state = PlayoutState.IDLE
        self._buffer: dict[int, bytes] = {}
        # Unwrapped sequence number of the next frame to play (None while IDLE).
        self._next: int | None = None
        # Everything below this was played or given up on; None before the first start.
        self._floor: int | None = None
        self._waited = 0
        self._missing = 0

    @property
    def buffered(self) -> int:
        """Packets waiting to be played."""
        return len(self._buffer)

    def push(self, seq: int, packet: bytes) -> None:
        """Accept a packet for frame `seq` (u32, wrapping) at any time between ticks."""
        if not 0 <= seq < SEQ_MODULUS:
            raise ValueError(f"sequence number must be a u32, got {seq}")
        self.stats.received += 1
        position = self._unwrap(seq)
        if self.state is PlayoutState.IDLE:
            if self._floor is not None and self._floor - self.max_frames <= position < self._floor:
                self.stats.late += 1
                return
            # Far behind the old position means the sender started over: a new stream.
            self._begin_buffering(position)
            self._buffer[position] = packet
            return
        assert self._next is not None
        if position in self._buffer:
            self.stats.duplicate += 1
            return
        if position < self._next:
            if self.state is PlayoutState.BUFFERING and self._may_start_at(position):
                self._next = position  # reordered ahead of the start: nothing was skipped
            else:
                self.stats.late += 1
                return
        self._buffer[position] = packet
        while len(self._buffer) > self.max_frames:
            self._drop_oldest()

    def pop(self) -> tuple[Kind, bytes | None] | None:
        """Call once per 20 ms tick: what to play now, or None when there is nothing to play."""
        if self.state is PlayoutState.IDLE:
            return None
        if self.state is PlayoutState.BUFFERING:
            self._waited += 1
            if len(self._buffer) < self.delay_frames and self._waited < self.delay_frames:
                return None
            self._start()
        assert self._next is not None
        packet = self._buffer.pop(self._next, None)
        if packet is not None:
            self._advance()
            self._missing = 0
            self.stats.played += 1
            return ("packet", packet)
        self._missing += 1
        following = self._buffer.get(self._next + 1)
        if following is None and self._missing >= self.stop_after:
            self._stop()
            return None
        self._advance()
        self.stats.lost += 1
        if following is not None:
            self.stats.recovered += 1
            return ("fec", following)
        self.stats.concealed += 1
        return ("conceal", None)

    def _unwrap(self, seq: int) -> int:
        reference = self._next if self._next is not None else self._floor
        if reference is None:
            return seq
        delta = (seq - reference + SEQ_MODULUS // 2) % SEQ_MODULUS - SEQ_MODULUS // 2
        return reference + delta

    def _may_start_at(self, position: int) -> bool:
        assert self._next is not None
        not_played = self._floor is None or position >= self._floor
        return not_played and max(self._buffer) - position < self.max_frames

    def _begin_buffering(self, position: int) -> None:
        if self._floor is not None and position < self._floor:
            self._floor = None
        self.state = PlayoutState.BUFFERING
        self._next = position
        self._waited = 0

    def _start(self) -> None:
        """Begin playing with at most delay_frames queued, so a backlog does not become latency."""
        keep = max(self.delay_frames, 1)
        while len(self._buffer) > keep:
            self._drop_oldest()
        self.state = PlayoutState.PLAYING
        self._missing = 0
        self.stats.starts += 1

    def _stop(self) -> None:
        self.stats.stops += 1
        self._floor = self._next
        self._missing = 0
        if self._buffer:
            self._begin_buffering(min(self._buffer))
        else:
            self.state = PlayoutState.IDLE
            self._next = None

    def _advance(self) -> None:
        assert self._next is not None
        self._next += 1
        self._floor = self._next

    def _drop_oldest(self) -> None:
        """Drop the oldest buffered packet; nothing older may be played after it."""
        oldest = min(self._buffer)
        del self._buffer[oldest]
        self.stats.dropped += 1
        self._floor = oldest + 1
        if self.state is PlayoutState.BUFFERING:
            self._next = min(self._buffer)
        else:
            self._next = oldest + 1


# Raised-cosine ramps: a start or an end changes level over one frame, never in one sample.
_PHASE: Final = np.pi * (np.arange(FRAME_SAMPLES) + 0.5) / FRAME_SAMPLES
_RAMP: Final = (0.5 - 0.5 * np.cos(_PHASE)).astype(np.float32)
_FADE_IN: Final = _RAMP
_FADE_OUT: Final = _RAMP[::-1].copy()


def _fade(pcm: Pcm, ramp: npt.NDArray[np.float32]) -> Pcm:
    faded: Pcm = np.rint(pcm.astype(np.float32) * ramp).astype(np.int16)
    return faded


class SpeakerStream:
    """One speaker as the mixer sees it: packets in, one faded, decoded frame per tick out."""

    def __init__(self, delay_frames: int = DEFAULT_DELAY) -> None:
        self.playout = Playout(delay_frames)
        self.decoder = OpusDecoder()
        self.decode_errors = 0  # packets libopus rejected; concealed instead
        self._active = False

    @property
    def stats(self) -> PlayoutStats:
        """The playout's counts (decode errors are counted apart, in `decode_errors`)."""
        return self.playout.stats

    @property
    def active(self) -> bool:
        """True while the stream is producing audio (between a start and its fade-out)."""
        return self._active

    def push(self, seq: int, packet: bytes) -> None:
        """Queue an authenticated Opus packet for frame `seq`; decoding waits for its tick."""
        self.playout.push(seq, packet)

    def pull(self) -> Pcm | None:
        """Call once per tick: 960 int16 samples, or None when this speaker is silent."""
        item = self.playout.pop()
        if item is None:
            if not self._active:
                return None
            self._active = False
            return _fade(self.decoder.conceal(), _FADE_OUT)
        starting = not self._active
        if starting:
            self.decoder.reset()  # stale history from before the gap would only add artefacts
            self._active = True
        kind, data = item
        try:
            if kind == "packet" and data is not None:
                pcm = self.decoder.decode(data)
            elif kind == "fec" and data is not None:
                pcm = self.decoder.recover(data)
            else:
                pcm = self.decoder.conceal()
        except CodecError:
            self.decode_errors += 1
            pcm = self.decoder.conceal()
        return _fade(pcm, _FADE_IN) if starting else pcm
