"""The two halves of a room's sound, without devices or network: what a member hears
(`Listening`) and what it says (`Speaking`).

The client's asyncio adapter moves packets and frames between these, the room protocol and the
sound devices; everything that decides anything lives here, where time comes in as `now` and a
test can script it. Speakers are plain integer ids: this package knows nothing of rooms.

Loss feedback. Each listener counts, per speaker, the frames that were due and the frames whose
packet was missing at playout (before FEC), and every REPORT_INTERVAL hands the difference to the
room protocol, which sends it to that speaker alone. The speaker's `Speaking.tune` turns its
listeners' figures into Opus' expected-loss setting, from the 90th percentile of their loss (so
one listener on a bad link does not decide for a thousand). Opus then spends a share of its
constant bitrate on in-band FEC, and the setting decides how large a share: the higher it is, the
better a lost frame is rebuilt and the worse every other frame sounds. Measured with ideal FEC
recovery on speech (bench/redundancy.py, PESQ-WB), the best setting is about a quarter of the
actual loss, never more than 5:

    loss         setting 0   1      2      3      5      8      13
    0 %          4.26        3.56   3.52   3.35   3.30   2.98   2.56
    5 % random   2.39        3.14   3.13   3.09   3.05   2.84   2.50
    10 % random  1.76        2.60   2.66   2.67   2.66   2.53   2.28
    20 % random  1.33        2.00   2.07   2.10   2.12   2.07   1.96

Below FEC_FROM_LOSS the setting is 0: FEC costs every clean frame far more than it gives back.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from .capture import CaptureChain, Processor
from .codec import FRAME_SAMPLES, OpusEncoder
from .jitter import MAX_DELAY, JitterBuffer
from .mixer import mix
from .stream import VoiceStream

__all__ = ["REPORT_INTERVAL", "Listening", "LossWindow", "SpeakerStats", "Speaking",
           "expected_loss_for"]

Pcm = npt.NDArray[np.int16]

REPORT_INTERVAL: Final = 2.0  # seconds between loss reports to each speaker
MIN_EXPECTED_LOSS: Final = 0  # percent: no FEC until someone loses frames (it is not cheap)
MAX_EXPECTED_LOSS: Final = 5  # beyond this FEC eats the speech it protects (table above)
FEC_FROM_LOSS: Final = 2.0  # percent of frames lost before FEC pays for itself
LOSS_TO_SETTING: Final = 0.25  # the setting that sounded best was about a quarter of the loss
FAR_FRAMES: Final = 10  # played frames kept for the echo canceller (200 ms)
MAX_VOLUME: Final = 4.0


@dataclass(frozen=True)
class SpeakerStats:
    """One speaker's stream as this listener received and played it (times in ms)."""

    member_id: int
    received: int
    played: int
    late: int
    duplicate: int
    reordered: int
    dropped: int
    skipped: int
    lost: int
    recovered: int
    concealed: int
    expanded: int
    buffered: int
    decode_errors: int
    delay_ms: float
    target_ms: float
    jitter_ms: float
    loss_rate: float
    level: float
    speaking: bool
    volume: float
    enhanced: bool = False  # libopus 1.5's neural concealment on for this speaker just now


@dataclass
class LossWindow:
    """Counters at the last report to one speaker."""

    due: int = 0
    lost: int = 0
    next_report: float = 0.0


class Listening:
    """Every speaker this member hears: a `VoiceStream` each, per-speaker volume, the mix."""

    def __init__(self, clock: Callable[[], float] | None = None,
                 max_delay: float = MAX_DELAY) -> None:
        self.clock = clock
        self.max_delay = max_delay  # the jitter buffers' ceiling: larger over Tor (docs/AUDIO.md)
        self.streams: dict[int, VoiceStream] = {}
        self.volumes: dict[int, float] = {}
        self.levels: dict[int, float] = {}
        self._windows: dict[int, LossWindow] = {}

    def push(self, member_id: int, seq: int, packet: bytes, now: float) -> None:
        stream = self.streams.get(member_id)
        if stream is None:
            stream = self.streams[member_id] = VoiceStream(
                JitterBuffer(max_delay=self.max_delay), clock=self.clock)
        stream.push(seq, packet, now)

    def forget(self, member_id: int) -> None:
        """The member left: drop their stream (their volume is kept for a rejoin)."""
        self.streams.pop(member_id, None)
        self._windows.pop(member_id, None)
        self.levels.pop(member_id, None)

    def set_volume(self, member_id: int, volume: float) -> None:
        """0 mutes a speaker for this listener only, 1 is as sent, up to 4."""
        if not math.isfinite(volume) or volume < 0.0:
            raise ValueError(f"volume must be finite and not negative, got {volume}")
        self.volumes[member_id] = min(volume, MAX_VOLUME)

    def pull(self, now: float) -> Pcm:
        """One playout tick: every stream's next frame, mixed with its volume and soft-clipped."""
        frames: list[Pcm] = []
        gains: list[float] = []
        levels: dict[int, float] = {}
        for member_id, stream in self.streams.items():
            frame = stream.pull(now)
            if frame is not None:
                frames.append(frame)
                gains.append(self.volumes.get(member_id, 1.0))
                levels[member_id] = stream.level
        self.levels = levels
        return mix(frames, gains)

    def due_reports(self, now: float) -> list[tuple[int, int, int, int]]:
        """(speaker, frames due, frames lost, jitter ms) for each speaker whose report is due."""
        out = []
        for member_id, stream in self.streams.items():
            s = stream.stats
            window = self._windows.get(member_id)
            if window is None:
                window = self._windows[member_id] = LossWindow(next_report=now + REPORT_INTERVAL)
            if now < window.next_report:
                continue
            due = s.played + s.lost + s.skipped
            # `lost` can fall: when a stream ends, the concealment at its tail is recounted as
            # stretching, not loss (audio.jitter). Never report a negative count for a window.
            expected, lost = due - window.due, max(0, s.lost - window.lost)
            window.due, window.lost, window.next_report = due, s.lost, now + REPORT_INTERVAL
            if expected > 0:
                out.append((member_id, expected, min(lost, expected), round(s.jitter_ms)))
        return out

    def stats(self) -> dict[int, SpeakerStats]:
        out = {}
        for member_id, stream in self.streams.items():
            s = stream.stats
            out[member_id] = SpeakerStats(
                member_id, s.received, s.played, s.late, s.duplicate, s.reordered, s.dropped,
                s.skipped, s.lost, s.recovered, s.concealed, s.expanded, stream.jitter.buffered,
                stream.decode_errors,
                s.delay_ms, s.target_ms, s.jitter_ms, s.loss_rate, stream.level, stream.speaking,
                self.volumes.get(member_id, 1.0), stream.enhanced)
        return out


def expected_loss_for(loss_percents: Sequence[float]) -> int:
    """The encoder's expected loss (percent) from what each listener reported."""
    if not loss_percents:
        return MIN_EXPECTED_LOSS
    ordered = sorted(loss_percents)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    if not p90 >= FEC_FROM_LOSS:  # also NaN
        return MIN_EXPECTED_LOSS
    return max(1, min(MAX_EXPECTED_LOSS, math.ceil(p90 * LOSS_TO_SETTING)))


class Speaking:
    """This member's outgoing sound: capture chain, then the constant-size encoder."""

    def __init__(self, encoder: OpusEncoder, processor: Processor | None = None) -> None:
        self.encoder = encoder
        self.chain = CaptureChain(processor)
        self.expected_loss: int | None = None  # None until listeners have reported
        self.frames_sent = 0
        self._far: deque[Pcm] = deque(maxlen=FAR_FRAMES)

    def played(self, frame: Pcm) -> None:
        """A frame went to the speakers: the echo canceller's reference, in order."""
        if self.chain.processor is not None:
            self._far.append(frame)

    def encode_captured(self, pcm: Pcm) -> bytes:
        """A microphone frame: processing (echo, noise), meter, voice activity, gate, Opus."""
        far = self._far.popleft() if self._far else None
        return self._encode(self.chain.process(pcm, far))

    def encode_file(self, pcm: Pcm) -> bytes:
        """A frame of a prepared recording: only the gate applies (it is clean already)."""
        return self._encode(self.chain.gate.apply(pcm))

    def _encode(self, pcm: Pcm) -> bytes:
        self.frames_sent += 1
        return self.encoder.encode(pcm)

    def reset_far(self) -> None:
        """The microphone (re)opened: forget reference frames it never heard."""
        self._far.clear()

    def tune(self, loss_percents: Sequence[float]) -> int:
        """Set the encoder's FEC from the listeners' latest loss figures; returns the percent."""
        percent = expected_loss_for(loss_percents)
        if percent != self.expected_loss:
            self.encoder.set_expected_loss(percent)
            self.expected_loss = percent
        return percent


def silence() -> Pcm:
    return np.zeros(FRAME_SAMPLES, dtype=np.int16)
