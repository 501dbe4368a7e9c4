"""The mixer: gains, sums that stay exact below the knee, and soft clipping above it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from audio.codec import FRAME_SAMPLES
from audio.mixer import KNEE, mix, soft_clip

Pcm = npt.NDArray[np.int16]


def sine(amplitude: float, frequency: float = 440.0) -> Pcm:
    t = np.arange(FRAME_SAMPLES) / 48000
    return np.rint(amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def test_no_speakers_is_one_frame_of_silence() -> None:
    out = mix([])
    assert out.dtype == np.int16 and out.shape == (FRAME_SAMPLES,)
    assert not out.any()


def test_one_quiet_speaker_passes_unchanged() -> None:
    frame = sine(0.5)
    assert np.array_equal(mix([frame]), frame)


def test_quiet_speakers_sum_exactly() -> None:
    a, b = sine(0.3, 440), sine(0.3, 660)
    assert np.array_equal(mix([a, b]), a + b)


def test_gains_scale_each_speaker() -> None:
    a, b = sine(0.4, 440), sine(0.4, 660)
    out = mix([a, b], [0.5, 0.0])
    assert np.max(np.abs(out.astype(np.int32) - a.astype(np.int32) // 2)) <= 1
    assert np.array_equal(mix([a, b], [1.0, 0.0]), a)
    assert np.array_equal(mix([a], [2.0]), mix([a, a]))


def test_loud_sum_is_soft_clipped_not_wrapped() -> None:
    loud = np.full(FRAME_SAMPLES, 30000, dtype=np.int16)
    out = mix([loud, loud, loud])  # 2.7x full scale
    assert out.dtype == np.int16
    assert np.all(out > 30000) and np.all(out <= 32767)
    negative = mix([-loud, -loud])
    assert np.all(negative < -30000) and np.all(negative >= -32768)


def test_soft_clip_is_continuous_monotonic_and_bounded() -> None:
    x = np.linspace(-8, 8, 20001, dtype=np.float32)
    y = soft_clip(x)
    assert np.all(np.diff(y) >= 0)
    assert np.all(np.abs(y) <= 1.0)
    below = np.abs(x) <= KNEE
    assert np.array_equal(y[below], x[below])
    # No corner at the knee: the slope just above it is still about 1.
    step = np.float32(1e-3)
    slope = (soft_clip(np.array([KNEE + step], np.float32))[0] - KNEE) / step
    assert 0.99 < slope <= 1.0
    # Over a loud square wave the top is compressed, not flattened at the rails.
    assert soft_clip(np.array([1.0], np.float32))[0] < 0.98


@pytest.mark.parametrize(("amplitude", "share_at_rails"), [(0.6, 0.0), (0.9, 0.5)])
def test_mix_keeps_a_clipped_sum_shaped(amplitude: float, share_at_rails: float) -> None:
    """Two loud sines summed past full scale: far fewer samples reach the rails than with hard
    clipping (none at 1.2x full scale), and below the knee the waveform is untouched."""
    a = sine(amplitude, 300)
    out = mix([a, a])
    at_rails = np.sum(np.abs(out.astype(np.int32)) >= 32767)
    hard_clipped = np.sum(np.abs(2 * a.astype(np.int32)) >= 32767)
    assert hard_clipped > 100
    assert at_rails <= share_at_rails * hard_clipped
    quiet = np.abs(2 * a.astype(np.int32)) < KNEE * 32768
    assert np.array_equal(out[quiet], 2 * a[quiet])


@pytest.mark.parametrize(
    ("frames", "gains"),
    [
        ([np.zeros(FRAME_SAMPLES, np.int16)], [1.0, 1.0]),
        ([np.zeros(FRAME_SAMPLES, np.int16)], [-1.0]),
        ([np.zeros(FRAME_SAMPLES, np.int16)], [float("nan")]),
        ([np.zeros(FRAME_SAMPLES, np.float32)], None),
        ([np.zeros(FRAME_SAMPLES, np.int16), np.zeros(480, np.int16)], None),
    ],
    ids=["gain count", "negative gain", "nan gain", "float frame", "short frame"],
)
def test_bad_input_is_refused(frames: list[Pcm], gains: list[float] | None) -> None:
    with pytest.raises(ValueError):
        mix(frames, gains)


@settings(max_examples=100, deadline=None)
@given(
    frames=st.lists(
        hnp.arrays(np.int16, FRAME_SAMPLES, elements=st.integers(-32768, 32767)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_any_mix_is_a_frame_with_the_sign_of_the_sum(
    frames: list[Pcm], data: st.DataObject
) -> None:
    gains = data.draw(st.lists(st.floats(0.0, 4.0), min_size=len(frames), max_size=len(frames)))
    out = mix(frames, gains)
    assert out.dtype == np.int16 and out.shape == (FRAME_SAMPLES,)
    total = np.sum([f.astype(np.float64) * g for f, g in zip(frames, gains, strict=True)], axis=0)
    loud = np.abs(total) > 64
    assert np.all(np.sign(out[loud]) == np.sign(total[loud]))
    assert np.all(np.abs(out.astype(np.float64)) <= np.abs(total) + 1)
