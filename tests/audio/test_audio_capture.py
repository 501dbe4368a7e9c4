"""The capture chain, frame by frame: meter, voice activity, mute and push-to-talk, processing;
and the sample ring the sound callbacks use."""

from __future__ import annotations

import numpy as np
import pytest

from audio.capture import CaptureChain, Gate, VoiceDetector, level, rms
from audio.codec import FRAME_SAMPLES, SAMPLE_RATE
from audio.dsp import SpeexProcessor, speexdsp_available
from audio.ring import SampleRing

N = FRAME_SAMPLES


def tone(amplitude: float, frames: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(frames * N) / SAMPLE_RATE
    return np.rint(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def noise(amplitude: float, frames: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.rint(amplitude * 32767 * rng.standard_normal(frames * N)).clip(-32768, 32767) \
        .astype(np.int16)


def test_level_is_rms_and_peak_of_full_scale() -> None:
    assert level(np.zeros(N, dtype=np.int16)) == (0.0, 0.0)
    rms, peak = level(tone(0.5))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=5e-3)
    assert peak == pytest.approx(0.5, rel=1e-3)
    assert level(np.full(N, -32768, dtype=np.int16)) == (1.0, 1.0)
    assert level(np.zeros(0, dtype=np.int16)) == (0.0, 0.0)


def test_rms_alone_is_the_meters_rms() -> None:
    """Streams heard compute only the RMS (their voice detector needs nothing else)."""
    for frame in (tone(0.5), noise(0.1, seed=3), np.full(N, -32768, dtype=np.int16),
                  np.zeros(N, dtype=np.int16), np.zeros(0, dtype=np.int16)):
        assert rms(frame) == level(frame)[0]


def test_voice_detector_follows_speech_over_a_noise_floor() -> None:
    vad = VoiceDetector()
    floor = [vad.update(level(noise(0.001, seed=i))[0]) for i in range(50)]  # -60 dBFS hiss
    assert not any(floor)
    talk = [vad.update(level(tone(0.2))[0]) for _ in range(10)]
    assert talk[0] is False  # one frame is a click, not a voice
    assert all(talk[1:])
    after = [vad.update(level(noise(0.001, seed=99 + i))[0]) for i in range(30)]
    assert all(after[:10])  # the hangover keeps the indicator on between words
    assert not after[-1]


def test_voice_detector_adapts_to_a_loud_steady_noise() -> None:
    vad = VoiceDetector()
    fan = [vad.update(level(noise(0.05, seed=i))[0]) for i in range(600)]  # -26 dBFS fan
    assert not any(fan[-100:])  # after a while the fan is the floor, not a voice
    assert vad.update(level(tone(0.5))[0]) is False
    assert vad.update(level(tone(0.5))[0]) is True


def test_the_gate_sends_silence_when_muted_and_ramps_at_the_edges() -> None:
    gate = Gate()
    loud = tone(0.5)
    first = gate.apply(loud)
    assert abs(int(first[0])) < 10  # fades in ...
    assert np.abs(first[-5:].astype(int) - loud[-5:]).max() <= 1  # ... to full level
    assert np.array_equal(gate.apply(loud), loud)
    gate.muted = True
    closing = gate.apply(loud)
    assert np.array_equal(closing[:3], loud[:3]) and abs(int(closing[-1])) < 10  # fades out
    assert not gate.apply(loud).any()
    assert gate.apply(loud).shape == (N,)  # silence is still a full frame: the traffic is constant


def test_push_to_talk_opens_only_while_the_key_is_held() -> None:
    gate = Gate()
    gate.push_to_talk = True
    loud = tone(0.5)
    assert not gate.open and not gate.apply(loud).any()
    gate.key_held = True
    assert gate.open
    gate.apply(loud)
    assert np.array_equal(gate.apply(loud), loud)
    gate.key_held = False
    gate.apply(loud)
    assert not gate.apply(loud).any()


def test_the_chain_measures_before_the_gate() -> None:
    chain = CaptureChain()
    chain.gate.muted = True
    for _ in range(3):
        out = chain.process(tone(0.3))
    assert not out.any()
    assert chain.levels.rms > 0.2 and chain.levels.speaking  # "you are muted" can be shown
    assert not chain.levels.sending
    with pytest.raises(ValueError):
        chain.process(np.zeros(N, dtype=np.float32))  # type: ignore[arg-type]


@pytest.mark.skipif(not speexdsp_available(), reason="libspeexdsp is not installed")
def test_noise_suppression_lowers_steady_noise_and_keeps_speech() -> None:
    proc = SpeexProcessor(echo_cancellation=False)
    hiss = noise(0.02, frames=150)
    out = np.concatenate([proc.process(hiss[i * N:(i + 1) * N]) for i in range(150)])
    assert level(out[-50 * N:])[0] < 0.3 * level(hiss[-50 * N:])[0]  # at least 10 dB less
    voice = tone(0.3, frames=10) + noise(0.02, frames=10, seed=5)
    kept = np.concatenate([proc.process(voice[i * N:(i + 1) * N]) for i in range(10)])
    assert level(kept[5 * N:])[0] > 0.7 * level(tone(0.3, 5))[0]
    proc.close()


@pytest.mark.skipif(not speexdsp_available(), reason="libspeexdsp is not installed")
def test_echo_cancellation_removes_what_the_speakers_played() -> None:
    """The microphone hears the far end 30 ms late at half volume; the canceller learns it."""
    proc = SpeexProcessor(noise_suppression=False)
    frames = 400
    far = noise(0.1, frames=frames, seed=1)
    delay = int(0.03 * SAMPLE_RATE)
    echo = (np.concatenate([np.zeros(delay), far[:-delay]]) * 0.5).astype(np.int16)
    out = np.concatenate([proc.process(echo[i * N:(i + 1) * N], far[i * N:(i + 1) * N])
                          for i in range(frames)])
    late = slice((frames - 100) * N, frames * N)
    assert level(out[late])[0] < 0.1 * level(echo[late])[0]  # more than 20 dB of echo removed
    with pytest.raises(ValueError):
        SpeexProcessor(noise_suppression=False, echo_cancellation=False)


def test_ring_keeps_order_across_the_wrap_and_counts_what_did_not_fit() -> None:
    ring = SampleRing(10)
    assert ring.write(np.arange(7, dtype=np.int16)) == 7
    out = np.zeros(5, dtype=np.int16)
    assert ring.read_into(out) == 5 and out.tolist() == [0, 1, 2, 3, 4]
    assert ring.write(np.arange(7, 15, dtype=np.int16)) == 8  # wraps around the end
    assert ring.available == 10 and ring.free == 0
    assert ring.write(np.arange(3, dtype=np.int16)) == 0 and ring.overflowed == 3
    out = np.zeros(12, dtype=np.int16)
    assert ring.read_into(out) == 10
    assert out[:10].tolist() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert ring.read_into(out) == 0


def test_ring_discard_drops_the_oldest() -> None:
    ring = SampleRing(8)
    ring.write(np.arange(6, dtype=np.int16))
    assert ring.discard(4) == 4 and ring.discarded == 4
    out = np.zeros(2, dtype=np.int16)
    ring.read_into(out)
    assert out.tolist() == [4, 5]
    assert ring.discard(5) == 0
    with pytest.raises(ValueError):
        SampleRing(0)
