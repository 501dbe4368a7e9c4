"""One speaker as a listener hears them: adaptive jitter buffer, Opus decoder, fades, activity.

`VoiceStream` is what the client keeps per speaker: packets in with their arrival time, one
decoded frame per playout tick out. It tells the jitter buffer whether the speaker is quiet (from
a voice detector on the decoded audio), so the buffer moves its delay only where nobody can hear
it. A stream fades in when it starts and out when it stops, so joining mid-word does not click.
Frames lost while the speaker talks switch their decoder to libopus 1.5's neural concealment
and enhancement (`OpusDecoder.set_enhanced`; PESQ-WB at 10 % loss 3.19 -> 3.45 on recorded
speech) from the next frame on, and ten seconds without a loss switch it back, in silence: a
clean stream costs what plain decoding costs.

Sans-I/O: time comes in as `now`. A caller that cannot pass it (the desktop app's subclass pulls
without a time) may give the stream a `clock` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from .capture import VoiceDetector, rms
from .codec import FRAME_SAMPLES, CodecError, OpusDecoder
from .jitter import JitterBuffer, JitterStats

__all__ = ["VoiceStream"]

Pcm = npt.NDArray[np.int16]

_PHASE: Final = np.pi * (np.arange(FRAME_SAMPLES) + 0.5) / FRAME_SAMPLES
_FADE_IN: Final = (0.5 - 0.5 * np.cos(_PHASE)).astype(np.float32)
_FADE_OUT: Final = _FADE_IN[::-1].copy()
# Ticks without a lost frame after which enhanced decoding is switched off again (10 s).
ENHANCE_HOLD: Final = 500


def _fade(pcm: Pcm, ramp: npt.NDArray[np.float32]) -> Pcm:
    faded: Pcm = np.rint(pcm.astype(np.float32) * ramp).astype(np.int16)
    return faded


class VoiceStream:
    """Packets from one speaker in; 960 decoded, faded samples per tick out."""

    def __init__(self, jitter: JitterBuffer | None = None, *,
                 clock: Callable[[], float] | None = None) -> None:
        self.jitter = jitter if jitter is not None else JitterBuffer()
        self.clock = clock
        self.decoder = OpusDecoder()
        self.voice = VoiceDetector()
        self.decode_errors = 0  # packets libopus rejected; concealed instead
        self.level = 0.0  # RMS (0..1) of the last frame pulled, for the speaking ring
        self._active = False
        self._since_loss = 0  # ticks since the last lost frame

    @property
    def enhanced(self) -> bool:
        """Whether lost frames are concealed by libopus 1.5's neural concealment just now."""
        return self.decoder.enhanced

    @property
    def stats(self) -> JitterStats:
        return self.jitter.stats

    @property
    def active(self) -> bool:
        """True between a start and its fade-out."""
        return self._active

    @property
    def speaking(self) -> bool:
        """Voice activity of what was last played (with a hangover, for the indicator)."""
        return self._active and self.voice.speaking

    def _now(self, now: float | None) -> float:
        if now is not None:
            return now
        if self.clock is None:
            raise ValueError("a VoiceStream without a clock needs `now`")
        return self.clock()

    def push(self, seq: int, packet: bytes, now: float | None = None) -> None:
        """An authenticated Opus packet for frame `seq`, arrived at `now`."""
        self.jitter.push(seq, packet, self._now(now))

    def pull(self, now: float | None = None) -> Pcm | None:
        """Once per playout tick: 960 int16 samples, or None while this speaker is idle."""
        item = self.jitter.pop(self._now(now), quiet=not self.voice.speaking)
        if item is None:
            if not self._active:
                self.level = 0.0
                return None
            self._active = False
            self.voice = VoiceDetector()
            self.level = 0.0
            return _fade(self.decoder.conceal(), _FADE_OUT)
        starting = not self._active
        if starting:
            self.decoder.reset()  # stale history from before the gap would only add artefacts
            self._active = True
        kind, data = item
        # What turns enhanced decoding on: frames rebuilt or concealed while the speaker talks.
        # Stretching silence (the delay growing, a stream's end) needs no better concealment.
        lost = kind == "fec" or (kind != "packet" and self.voice.speaking)
        try:
            if kind == "packet" and data is not None:
                pcm = self.decoder.decode(data)
            elif kind == "fec" and data is not None:
                pcm = self.decoder.recover(data)
            else:  # "conceal" and "expand": Opus' continuation of what was playing
                pcm = self.decoder.conceal()
        except CodecError:
            self.decode_errors += 1
            lost = True
            pcm = self.decoder.conceal()
        if starting:
            pcm = _fade(pcm, _FADE_IN)
        self.level = rms(pcm)
        self.voice.update(self.level)
        self._adapt(lost)
        return pcm

    def _adapt(self, lost: bool) -> None:
        """Enhanced decoding from the frame after a loss; off after ENHANCE_HOLD clean ticks."""
        if lost:
            self._since_loss = 0
            self.decoder.set_enhanced(True)
            return
        self._since_loss += 1
        if self._since_loss >= ENHANCE_HOLD and self.decoder.enhanced and not self.voice.speaking:
            self.decoder.set_enhanced(False)
