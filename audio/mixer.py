"""Mixing the speakers a listener hears into one frame.

Summing voices can exceed full scale. Hard clipping then flattens the peaks into harsh distortion;
instead the sum passes through a soft knee: untouched up to 0.8 of full scale, then bent along a
tanh curve toward full scale (a sum at 1.2x full scale still peaks below it). The knee keeps the
slope continuous, so a loud moment sounds compressed rather than broken.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from .codec import FRAME_SAMPLES

__all__ = ["KNEE", "mix", "soft_clip"]

KNEE: Final = 0.8

Pcm = npt.NDArray[np.int16]
Floats = npt.NDArray[np.float32]


def soft_clip(samples: Floats, knee: float = KNEE) -> Floats:
    """Linear up to `knee`, tanh-compressed above it, never beyond [-1, 1]."""
    out = np.array(samples, dtype=np.float32, copy=True)
    magnitude = np.abs(out)
    over = magnitude > knee
    if np.any(over):
        room = 1.0 - knee
        bent = knee + room * np.tanh((magnitude[over] - knee) / room)
        out[over] = np.copysign(bent, out[over]).astype(np.float32)
    return out


def mix(frames: Sequence[Pcm], gains: Sequence[float] | None = None) -> Pcm:
    """Sum int16 frames with a gain each (1.0 = unchanged), soft-clip, return int16.

    No frames gives one frame of silence, so the output device always has something to play.
    """
    if not frames:
        return np.zeros(FRAME_SAMPLES, dtype=np.int16)
    if gains is None:
        gains = [1.0] * len(frames)
    if len(gains) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(gains)} gains")
    length = len(frames[0])
    total = np.zeros(length, dtype=np.float32)
    scaled = np.empty(length, dtype=np.float32)
    for frame, gain in zip(frames, gains, strict=True):
        if not isinstance(frame, np.ndarray) or frame.dtype != np.int16 or frame.shape != (length,):
            raise ValueError(f"every frame must be int16 of shape ({length},)")
        if not math.isfinite(gain) or gain < 0.0:
            raise ValueError(f"gains must be finite and not negative, got {gain}")
        if gain:
            # frame * gain in float32, into one scratch array: the same arithmetic as
            # `frame.astype(np.float32) * np.float32(g)`, without a new array per speaker.
            np.multiply(frame, np.float32(gain / 32768.0), out=scaled, dtype=np.float32)
            total += scaled
    # In place, what `soft_clip` returns: the frame as it is unless a sample passes the knee
    # (a sum of voices rarely does), then rounding and clipping to int16.
    if float(np.max(np.abs(total, out=scaled))) > KNEE:
        total = soft_clip(total)
    total *= np.float32(32768.0)
    np.rint(total, out=total)
    np.clip(total, -32768, 32767, out=total)
    pcm: Pcm = total.astype(np.int16)
    return pcm
