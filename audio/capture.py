"""The capture chain, frame by frame: echo cancellation and noise suppression (optional, from
`audio.dsp`), the level meter, voice activity for the speaking indicator, and the mute and
push-to-talk gate.

Pure, like the rest of the core: frames in, frames and measurements out. The 20 ms frame is the
clock: nothing here reads the time, so a scripted sequence of frames is a complete test.

Why the gate sends silence instead of nothing: a speaker on stage sends one fixed-size frame every
20 ms whatever happens (see `audio.codec`). A muted or not-talking speaker's frames carry digital
silence, encoded and encrypted like speech, so the relay cannot tell mute from speech. The gate
ramps over one frame when it opens or closes, so cutting a word does not click.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from .codec import FRAME_SAMPLES

__all__ = [
    "CaptureChain",
    "CaptureLevels",
    "Gate",
    "Processor",
    "VoiceDetector",
    "level",
    "rms",
]

Pcm = npt.NDArray[np.int16]

FULL_SCALE: Final = 32768.0
# Voice activity: a frame is voice when it stands this far above the noise floor and above an
# absolute threshold; the floor follows quiet stretches quickly and loud ones slowly.
VOICE_ABOVE_FLOOR_DB: Final = 9.0
VOICE_MIN_DBFS: Final = -50.0
FLOOR_FALL: Final = 0.5  # per frame, toward a quieter level: fast
FLOOR_RISE_DB: Final = 0.1  # per frame, toward a louder level: 5 dB a second
FLOOR_START_DBFS: Final = -70.0
HANGOVER_FRAMES: Final = 15  # 300 ms: the indicator does not flicker between words
ONSET_FRAMES: Final = 2  # 40 ms of voice before the indicator lights: clicks do not count

_PHASE: Final = np.pi * (np.arange(FRAME_SAMPLES) + 0.5) / FRAME_SAMPLES
_RAMP: Final = (0.5 - 0.5 * np.cos(_PHASE)).astype(np.float32)


def level(pcm: Pcm) -> tuple[float, float]:
    """(RMS, peak) of int16 PCM as fractions of full scale, 0..1; (0, 0) for no samples."""
    if len(pcm) == 0:
        return 0.0, 0.0
    # Once per frame per speaker heard, and for the microphone: one dot product and two integer
    # reductions cost half of numpy's mean/square/abs/max (each a Python-level call and a copy).
    samples = pcm.astype(np.float64)
    rms = math.sqrt(float(np.dot(samples, samples)) / len(samples)) / FULL_SCALE
    peak = max(int(pcm.max()), -int(pcm.min())) / FULL_SCALE
    return min(rms, 1.0), min(peak, 1.0)


def rms(pcm: Pcm) -> float:
    """RMS of int16 PCM as a fraction of full scale, 0..1: `level(pcm)[0]` without the peak,
    for the decoded frames of every speaker heard, whose voice detector needs only this."""
    if len(pcm) == 0:
        return 0.0
    samples = pcm.astype(np.float64)
    return min(math.sqrt(float(np.dot(samples, samples)) / len(samples)) / FULL_SCALE, 1.0)


def dbfs(value: float) -> float:
    """A 0..1 level in dB relative to full scale (-120 for silence)."""
    return 20.0 * math.log10(value) if value > 1e-6 else -120.0


class VoiceDetector:
    """Energy voice activity with an adaptive noise floor, an onset delay and a hangover.

    Good enough for a speaking indicator and for telling the jitter buffer when a speaker is
    quiet; it makes no decision about what is sent (the gate does, from mute and push-to-talk).
    A suppressor's own voice probability, when there is one, can be passed to `update`.
    """

    def __init__(self) -> None:
        self.floor_db = FLOOR_START_DBFS
        self.speaking = False
        self._voiced = 0
        self._hangover = 0

    def update(self, rms: float, probability: float | None = None) -> bool:
        """One frame's RMS (0..1); returns whether the speaker counts as speaking now."""
        db = dbfs(rms)
        if db < self.floor_db:
            self.floor_db += FLOOR_FALL * (db - self.floor_db)
        else:
            self.floor_db += min(FLOOR_RISE_DB, db - self.floor_db)
        voiced = db >= VOICE_MIN_DBFS and db >= self.floor_db + VOICE_ABOVE_FLOOR_DB
        if probability is not None:
            voiced = voiced and probability >= 0.5
        self._voiced = self._voiced + 1 if voiced else 0
        if self._voiced >= ONSET_FRAMES or (self.speaking and voiced):
            self.speaking = True
            self._hangover = HANGOVER_FRAMES
        elif self._hangover > 0:
            self._hangover -= 1
        else:
            self.speaking = False
        return self.speaking


class Gate:
    """Mute and push-to-talk: whether the microphone's frames go out, or silence does."""

    def __init__(self) -> None:
        self.muted = False
        self.push_to_talk = False  # when on, audio goes out only while the key is held
        self.key_held = False
        self._was_open = False

    @property
    def open(self) -> bool:
        return not self.muted and (not self.push_to_talk or self.key_held)

    def apply(self, pcm: Pcm) -> Pcm:
        """The frame to send: the input, silence, or a one-frame ramp between the two."""
        is_open = self.open
        was_open, self._was_open = self._was_open, is_open
        if is_open and was_open:
            return pcm
        if not is_open and not was_open:
            return np.zeros(FRAME_SAMPLES, dtype=np.int16)
        ramp = _RAMP if is_open else _RAMP[::-1]
        faded: Pcm = np.rint(pcm.astype(np.float32) * ramp).astype(np.int16)
        return faded


class Processor(Protocol):
    """A noise suppressor or echo canceller working on 20 ms, 48 kHz int16 frames."""

    def process(self, pcm: Pcm, far: Pcm | None) -> Pcm:
        """Clean one microphone frame; `far` is what the speakers played (for echo)."""
        ...

    @property
    def voice_probability(self) -> float | None:
        """The processor's own estimate that the last frame held speech, if it has one."""
        ...


@dataclass(frozen=True)
class CaptureLevels:
    """What the microphone heard in the last frame, for the UI's meter and indicator."""

    rms: float = 0.0  # 0..1 of full scale, before the gate
    peak: float = 0.0
    speaking: bool = False  # voice activity, before the gate (a muted speaker can be told)
    sending: bool = False  # the gate was open: the frame went out as heard


class CaptureChain:
    """Processor (optional) -> level meter -> voice activity -> gate, for one microphone."""

    def __init__(self, processor: Processor | None = None) -> None:
        self.processor = processor
        self.gate = Gate()
        self.voice = VoiceDetector()
        self.levels = CaptureLevels()
        self.frames = 0

    def process(self, pcm: Pcm, far: Pcm | None = None) -> Pcm:
        """One captured frame in; the frame to encode out (silence when the gate is shut)."""
        if pcm.dtype != np.int16 or pcm.shape != (FRAME_SAMPLES,):
            raise ValueError(f"need int16 PCM of shape ({FRAME_SAMPLES},), got {pcm.dtype} "
                             f"{pcm.shape}")
        self.frames += 1
        clean = pcm if self.processor is None else self.processor.process(pcm, far)
        rms, peak = level(clean)
        probability = None if self.processor is None else self.processor.voice_probability
        speaking = self.voice.update(rms, probability)
        out = self.gate.apply(clean)
        self.levels = CaptureLevels(rms, peak, speaking, self.gate.open)
        return out
