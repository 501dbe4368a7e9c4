"""SpeakerStream: playout, a real Opus decoder and the fades, checked against a bare decoder."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from audio.codec import FRAME_SAMPLES, SAMPLE_RATE, OpusDecoder, OpusEncoder
from audio.playout import SpeakerStream

Pcm = npt.NDArray[np.int16]


def voice_packets(count: int) -> list[bytes]:
    """Loud, always-active audio (a gliding tone with vibrato) so every frame carries FEC."""
    t = np.arange(count * FRAME_SAMPLES) / SAMPLE_RATE
    signal = 0.5 * np.sin(2 * np.pi * (300 * t + 40 * t**2) + 3 * np.sin(2 * np.pi * 5 * t))
    pcm = np.rint(signal * 32767).astype(np.int16)
    encoder = OpusEncoder()
    return [encoder.encode(frame) for frame in pcm.reshape(count, FRAME_SAMPLES)]


def pull_all(stream: SpeakerStream, ticks: int) -> list[Pcm | None]:
    return [stream.pull() for _ in range(ticks)]


def fade_in(pcm: Pcm) -> Pcm:
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(FRAME_SAMPLES) + 0.5) / FRAME_SAMPLES)
    return np.rint(pcm.astype(np.float32) * ramp.astype(np.float32)).astype(np.int16)


def test_idle_stream_pulls_none() -> None:
    stream = SpeakerStream()
    assert pull_all(stream, 3) == [None, None, None]
    assert not stream.active


def test_stream_decodes_in_order_and_fades_in() -> None:
    packets = voice_packets(8)
    stream = SpeakerStream(delay_frames=2)
    out = []
    for seq, p in enumerate(packets):
        stream.push(1000 + seq, p)
        out.append(stream.pull())
    assert out[0] is None
    reference = OpusDecoder()
    expected = [reference.decode(p) for p in packets[:7]]
    got = [frame for frame in out[1:] if frame is not None]
    assert len(got) == 7
    assert np.array_equal(got[0], fade_in(expected[0]))
    for a, b in zip(got[1:], expected[1:], strict=True):
        assert np.array_equal(a, b)
    # No click: the first samples start from silence.
    assert abs(int(got[0][0])) <= 1 and np.max(np.abs(got[0][:20])) < 200
    assert stream.active and stream.stats.played == 7


def test_lost_frame_is_rebuilt_from_fec_exactly_as_the_decoder_would() -> None:
    packets = voice_packets(10)
    stream = SpeakerStream(delay_frames=2)
    outputs = []
    for seq, p in enumerate(packets):
        if seq != 5:  # lost; packet 6 arrives in time to rebuild it
            stream.push(seq, p)
        outputs.append(stream.pull())
    reference = OpusDecoder()
    for p in packets[:5]:
        reference.decode(p)
    rebuilt = reference.recover(packets[6])
    assert stream.stats.recovered == 1 and stream.stats.concealed == 0
    frame_5 = outputs[6]  # one tick of delay: frame k plays at tick k + 1
    assert frame_5 is not None and np.array_equal(frame_5, rebuilt)
    assert np.abs(rebuilt).max() > 1000
    assert outputs[7] is not None and np.array_equal(outputs[7], reference.decode(packets[6]))


def test_end_of_stream_fades_out_then_goes_quiet() -> None:
    packets = voice_packets(4)
    stream = SpeakerStream(delay_frames=1)
    out = []
    for seq, p in enumerate(packets):
        stream.push(seq, p)
        out.append(stream.pull())
    out += pull_all(stream, 9 + 3)
    assert all(frame is not None for frame in out[:13])  # 4 played, 9 concealed
    fade = out[13]
    assert fade is not None and abs(int(fade[-1])) <= 1
    assert out[14:] == [None, None]
    assert not stream.active and stream.stats.stops == 1
    # The concealment right after the last packet is not silence.
    concealed = out[4]
    assert concealed is not None and np.abs(concealed).max() > 1000


def test_restart_after_a_stop_fades_in_again() -> None:
    packets = voice_packets(30)
    stream = SpeakerStream(delay_frames=1)
    for seq in range(3):
        stream.push(seq, packets[seq])
        stream.pull()
    pull_all(stream, 10)
    assert not stream.active
    stream.push(20, packets[20])
    first = stream.pull()
    fresh = OpusDecoder()  # the stream resets its decoder on a restart
    assert first is not None and np.array_equal(first, fade_in(fresh.decode(packets[20])))
    assert stream.stats.starts == 2


def test_corrupted_packet_is_concealed_and_counted() -> None:
    packets = voice_packets(4)
    stream = SpeakerStream(delay_frames=1)
    stream.push(0, packets[0])
    stream.push(1, b"\xff\xff\xff")
    out = pull_all(stream, 2)
    assert stream.decode_errors == 1
    assert out[1] is not None and out[1].shape == (FRAME_SAMPLES,)
    stream.push(2, packets[2])
    assert stream.pull() is not None
