"""What the room client is given and gives back: settings, policy, speech, outcome, statistics.

Plain data, shared by the headless client (app.cli), the desktop app and `app.client.RoomClient`,
which re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.core import events as ev
from app.core.protocol import RoomProtocol
from audio.capture import CaptureLevels
from audio.codec import FRAME_SAMPLES
from audio.devices import DeviceStats
from audio.pipeline import SpeakerStats

__all__ = ["AudioSettings", "ClientStats", "Outcome", "Policy", "Recording", "Speech"]


@dataclass
class Outcome:
    """How a client run ended: `code` follows the CLI's exit codes, `message` is for the user."""

    code: int = 0
    message: str = ""


@dataclass
class Policy:
    """Decisions the adapter delegates; defaults suit a listener who only listens."""

    accept_stage: bool = False  # consent to speak when invited (the headless --speak flag)
    raise_hand: bool = False  # ask to speak once welcomed
    auto_stage: bool = False  # host: invite whoever raises a hand
    exit_on_kick: bool = True
    unmute_on_stage: bool = False  # speak as soon as on stage (a headless client with --mic)
    on_event: Callable[[ev.Event, RoomProtocol], None] | None = None
    # A sentence for the user when a sound device fails or cannot be opened (loop thread).
    on_audio_problem: Callable[[str], None] | None = None
    # Our link cannot carry what the room sends (the number of speakers on stage; loop thread).
    on_link_too_slow: Callable[[int], None] | None = None


@dataclass
class AudioSettings:
    """Sound devices and processing. Devices are PortAudio indices or names; None = default."""

    playback: bool = True  # play the room on an output device
    capture: bool = True  # use a microphone while on stage with consent (opened only then)
    input_device: int | str | None = None
    output_device: int | str | None = None
    noise_suppression: bool = True
    echo_cancellation: bool = True
    latency: float | str = "low"


@dataclass
class Speech:
    """The PCM to speak once on stage, then silence: constant-rate frames, silence included."""

    pcm: np.ndarray | None = None
    start_after_join: float | None = None  # host: start this long after someone joins
    started: bool = False
    position: int = 0

    def next_frame(self) -> np.ndarray:
        if self.pcm is None or not self.started or self.position >= len(self.pcm):
            return np.zeros(FRAME_SAMPLES, dtype=np.int16)
        chunk = self.pcm[self.position : self.position + FRAME_SAMPLES]
        self.position += FRAME_SAMPLES
        if len(chunk) < FRAME_SAMPLES:
            chunk = np.concatenate([chunk, np.zeros(FRAME_SAMPLES - len(chunk), dtype=np.int16)])
        return chunk

    @property
    def finished(self) -> bool:
        return self.pcm is None or self.position >= len(self.pcm)


@dataclass
class Recording:
    """What this client heard, mixed, one frame per tick from the start: the room's timeline."""

    frames: list[np.ndarray] = field(default_factory=list)

    def pcm(self) -> np.ndarray:
        if not self.frames:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self.frames)


@dataclass(frozen=True)
class ClientStats:
    """The room's sound as this client sees it; a snapshot (see `RoomClient.stats`)."""

    speakers: dict[int, SpeakerStats]  # per speaker heard: received, late, lost, FEC, delay...
    frames_sent: int
    frames_received: int  # authenticated audio frames from the room
    expected_loss: int | None  # our encoder's FEC setting (percent), from listeners' reports
    listener_loss: dict[int, float]  # listener -> loss (percent) they last reported of us
    capture: CaptureLevels  # microphone level, voice activity, whether the gate is open
    microphone: DeviceStats | None
    speaker: DeviceStats | None
    output_buffer_ms: float  # mixed audio queued for the speaker
    problems: tuple[str, ...]  # device problems reported so far
    counters: dict[str, int]  # the protocol's counts (forged, replayed, late keys...)
    # The second audio lane (app.net.lanes): open, connected, copies sent and received, the
    # second copies dropped, and whether our link falls behind what the room sends.
    lanes: dict[str, int | bool] = field(default_factory=dict)
