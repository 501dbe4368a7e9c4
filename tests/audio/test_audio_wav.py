"""read_wav and write_wav on files generated here: every PCM width, float, many rates and channel
counts, extensible headers, streamed headers, a real spoken sentence, and broken files."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio.codec import FRAME_SAMPLES, OpusDecoder, OpusEncoder
from audio.errors import AudioError
from audio.wav import WavError, read_wav, write_wav

Floats = npt.NDArray[np.float64]
RATES = [8000, 16000, 22050, 44100, 48000]
PCM_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def sine(
    rate: int, seconds: float = 0.5, frequency: float = 440.0, amplitude: float = 0.5
) -> Floats:
    return amplitude * np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)


def chirp(rate: int, seconds: float, start: float, stop: float) -> Floats:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * (start * t + (stop - start) * t**2 / (2 * seconds)))


def pcm_bytes(samples: Floats, width: int) -> bytes:
    """Interleaved samples in [-1, 1] as little-endian PCM of `width` bytes."""
    if width == 1:
        return (np.rint(samples * 127) + 128).astype(np.uint8).tobytes()
    scale = float(2 ** (8 * width - 1) - 1)
    values = np.rint(samples * scale).astype("<i8")
    raw = values.astype("<i8").view(np.uint8).reshape(-1, 8)[:, :width]
    return raw.tobytes()


def riff(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WAVE"
    for chunk_id, data in chunks:
        body += chunk_id + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(code: int, channels: int, rate: int, bits: int, extensible_code: int = 0) -> bytes:
    block = channels * ((bits + 7) // 8)
    head = struct.pack("<HHIIHH", code, channels, rate, rate * block, block, bits)
    if code != 0xFFFE:
        return head
    guid = struct.pack("<H", extensible_code) + PCM_GUID_TAIL
    return head + struct.pack("<HHI", 22, bits, 0) + guid


def write_pcm_with_wave(path: Path, samples: Floats, rate: int, width: int, channels: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(pcm_bytes(samples, width))


def expected_at_48k(signal: Floats, length: int) -> Floats:
    return signal[:length] * 32768


def max_error(got: npt.NDArray[np.int16], reference: Floats, edge: int = 500) -> float:
    middle = slice(edge, min(got.size, reference.size) - edge)
    return float(np.max(np.abs(got[middle].astype(np.float64) - reference[middle])))


@pytest.mark.parametrize("width", [1, 2, 3, 4], ids=["8-bit", "16-bit", "24-bit", "32-bit"])
@pytest.mark.parametrize("rate", RATES)
def test_pcm_at_every_rate_and_width(tmp_path: Path, rate: int, width: int) -> None:
    path = tmp_path / "tone.wav"
    write_pcm_with_wave(path, sine(rate), rate, width, 1)
    got = read_wav(path)
    assert got.dtype == np.int16 and got.ndim == 1
    assert got.size == 24000  # 0.5 s at 48 kHz
    # soxr compensates its own delay, so the output lines up with the ideal 48 kHz sine.
    tolerance = 400 if width == 1 else 4  # one 8-bit step is 256 at 16 bits
    assert max_error(got, sine(48000) * 32768) < tolerance


@pytest.mark.parametrize(("rate", "top"), [(8000, 3500), (22050, 10000), (44100, 20000)])
def test_chirp_survives_resampling(tmp_path: Path, rate: int, top: float) -> None:
    path = tmp_path / "chirp.wav"
    write_pcm_with_wave(path, chirp(rate, 0.5, 100, top), rate, 2, 1)
    got = read_wav(path)
    reference = chirp(48000, 0.5, 100, top) * 32768
    # Stop short of the very top, where the resampler's anti-alias filter starts to roll off.
    usable = int(24000 * 0.95)
    assert max_error(got[:usable], reference[:usable]) < 0.01 * 32768


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    left = sine(44100)
    frames = np.stack([left, np.zeros_like(left)], axis=1).reshape(-1)
    path = tmp_path / "stereo.wav"
    write_pcm_with_wave(path, frames, 44100, 2, 2)
    got = read_wav(path)
    assert max_error(got, sine(48000) * 0.5 * 32768) < 4


def test_opposite_channels_cancel(tmp_path: Path) -> None:
    left = sine(16000)
    path = tmp_path / "phase.wav"
    write_pcm_with_wave(path, np.stack([left, -left], axis=1).reshape(-1), 16000, 2, 2)
    assert np.max(np.abs(read_wav(path))) <= 1


def test_extensible_24_bit_six_channels(tmp_path: Path) -> None:
    base = sine(48000)
    frames = np.stack([base] * 6, axis=1).reshape(-1)
    data = pcm_bytes(frames, 3)
    path = tmp_path / "surround.wav"
    path.write_bytes(riff((b"fmt ", fmt_chunk(0xFFFE, 6, 48000, 24, 1)), (b"data", data)))
    assert max_error(read_wav(path), base * 32768, edge=0) < 1


@pytest.mark.parametrize("dtype", ["<f4", "<f8"], ids=["float32", "float64"])
@pytest.mark.parametrize("extensible", [False, True], ids=["format 3", "extensible"])
def test_float_wav(tmp_path: Path, dtype: str, extensible: bool) -> None:
    bits = 8 * np.dtype(dtype).itemsize
    signal = sine(22050)
    fmt = (
        fmt_chunk(0xFFFE, 1, 22050, bits, 3)
        if extensible
        else fmt_chunk(3, 1, 22050, bits) + b"\0\0"
    )
    fact = struct.pack("<I", signal.size)
    path = tmp_path / "float.wav"
    path.write_bytes(
        riff((b"fmt ", fmt), (b"fact", fact), (b"data", signal.astype(dtype).tobytes()))
    )
    assert max_error(read_wav(path), sine(48000) * 32768) < 4


def test_float_out_of_range_and_nan_are_clipped(tmp_path: Path) -> None:
    values = np.array([0.0, 2.0, -3.0, np.nan, np.inf, -np.inf, 0.25] * 200, dtype="<f4")
    path = tmp_path / "wild.wav"
    path.write_bytes(riff((b"fmt ", fmt_chunk(3, 1, 48000, 32)), (b"data", values.tobytes())))
    got = read_wav(path)
    assert got[1] == 32767 and got[2] == -32768 and got[3] == 0
    assert got[4] == 32767 and got[5] == -32768 and got[6] == 8192


def test_other_chunks_are_skipped_including_odd_sizes(tmp_path: Path) -> None:
    samples = np.arange(-500, 500, dtype=np.int16)
    path = tmp_path / "chunky.wav"
    path.write_bytes(
        riff(
            (b"LIST", b"INFOISFT\x03\x00\x00\x00ab\x00"),  # odd size, padded
            (b"fmt ", fmt_chunk(1, 1, 48000, 16)),
            (b"junk", b"x" * 33),
            (b"data", samples.tobytes()),
            (b"LIST", b"trailing"),
        )
    )
    assert np.array_equal(read_wav(path), samples)


def test_write_then_read_is_exact(tmp_path: Path) -> None:
    samples = np.random.default_rng(3).integers(-32768, 32768, 4800).astype(np.int16)
    path = tmp_path / "exact.wav"
    write_wav(path, samples)
    assert np.array_equal(read_wav(path), samples)
    with wave.open(str(path)) as check:
        assert (check.getnchannels(), check.getsampwidth(), check.getframerate()) == (1, 2, 48000)


@pytest.mark.parametrize("size", [0xFFFFFFFF, 0x7FFFF000])
def test_streamed_file_with_unknown_data_size(tmp_path: Path, size: int) -> None:
    samples = np.arange(0, 3000, dtype=np.int16)
    header = riff((b"fmt ", fmt_chunk(1, 1, 48000, 16)))
    half_a_frame = b"\x01"
    data = b"data" + struct.pack("<I", size) + samples.tobytes() + half_a_frame
    path = tmp_path / "streamed.wav"
    path.write_bytes(header + data)
    assert np.array_equal(read_wav(path), samples)


ESPEAK = shutil.which("espeak-ng")
SENTENCE = "The room key changes whenever someone leaves the stage."


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed, so no real speech to read")
def test_real_spoken_sentence_reads_and_survives_opus(tmp_path: Path) -> None:
    assert ESPEAK is not None
    path = tmp_path / "sentence.wav"
    subprocess.run([ESPEAK, "-w", str(path), SENTENCE], check=True, capture_output=True)
    speech = read_wav(path)  # espeak-ng writes 22050 Hz 16-bit mono
    assert 1.5 < speech.size / 48000 < 8
    assert np.sqrt(np.mean(speech.astype(np.float64) ** 2)) > 300
    # The same voice through a pipe has no data size in its header: it must read the same.
    streamed = subprocess.run([ESPEAK, "--stdout", SENTENCE], check=True, capture_output=True)
    piped = tmp_path / "piped.wav"
    piped.write_bytes(streamed.stdout)
    assert struct.unpack("<I", streamed.stdout[40:44])[0] == 0x7FFFF000
    assert np.array_equal(read_wav(piped), speech)
    # Real speech through the codec: high correlation once aligned for the codec delay.
    encoder, decoder = OpusEncoder(), OpusDecoder()
    usable = speech.size // FRAME_SAMPLES * FRAME_SAMPLES
    frames = speech[:usable].reshape(-1, FRAME_SAMPLES)
    decoded = np.concatenate([decoder.decode(encoder.encode(frame)) for frame in frames])
    x = speech[: usable - 400].astype(np.float64)
    lags = range(encoder.lookahead - 10, encoder.lookahead + 10)
    scores = [np.corrcoef(x, decoded[lag : lag + x.size])[0, 1] for lag in lags]
    assert max(scores) > 0.9


def test_write_refuses_other_samples(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_wav(tmp_path / "x.wav", np.zeros(10, np.float32))
    with pytest.raises(ValueError):
        write_wav(tmp_path / "x.wav", np.zeros((10, 2), np.int16))


def test_write_to_a_missing_folder_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "out.wav"
    with pytest.raises(WavError, match=r"out\.wav"):
        write_wav(target, np.zeros(10, np.int16))


GOOD_FMT = fmt_chunk(1, 1, 48000, 16)
SOME_AUDIO = np.zeros(480, np.int16).tobytes()
GOOD = riff((b"fmt ", GOOD_FMT), (b"data", SOME_AUDIO))


def with_format(code: int, channels: int, rate: int, bits: int, data: bytes = SOME_AUDIO) -> bytes:
    return riff((b"fmt ", fmt_chunk(code, channels, rate, bits)), (b"data", data))


BROKEN: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "is empty"),
    "text file": (b"hello, this is not audio at all", "not a WAV file"),
    "RIFF but not WAVE": (b"RIFF\x04\x00\x00\x00AVI LIST", "not a WAV file"),
    "RF64": (b"RF64\xff\xff\xff\xffWAVEds64", "RF64"),
    "cut in the header": (GOOD[:30], "truncated"),
    "cut before the format": (GOOD[:12], "truncated"),
    "cut in the audio": (GOOD[:-100], "truncated"),
    "no data chunk": (riff((b"fmt ", GOOD_FMT), (b"LIST", b"abcd")), "truncated"),
    "data before format": (riff((b"data", SOME_AUDIO), (b"fmt ", GOOD_FMT)), "before its format"),
    "empty data chunk": (riff((b"fmt ", GOOD_FMT), (b"data", b"")), "no audio"),
    "less than one frame": (with_format(1, 2, 48000, 16, b"\0\0"), "no audio"),
    "tiny format chunk": (riff((b"fmt ", GOOD_FMT[:14]), (b"data", SOME_AUDIO)), "damaged"),
    "ADPCM": (with_format(2, 1, 48000, 4), "ADPCM"),
    "mu-law": (with_format(7, 1, 8000, 8), "mu-law"),
    "16-bit float": (with_format(3, 1, 48000, 16), "16-bit"),
    "40-bit PCM": (with_format(1, 1, 48000, 40), "40-bit"),
    "no channels": (with_format(1, 0, 48000, 16), "0 channels"),
    "rate zero": (with_format(1, 1, 0, 16), "0 Hz"),
    "unknown extensible": (
        riff((b"fmt ", fmt_chunk(0xFFFE, 1, 48000, 16, 1)[:-1] + b"\x00"), (b"data", SOME_AUDIO)),
        "extended format",
    ),
    "too many chunks": (riff(*[(b"junk", b"")] * 70), "first 64 chunks"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_raise_a_sentence_naming_the_file(tmp_path: Path, case: str) -> None:
    content, phrase = BROKEN[case]
    path = tmp_path / "voice-note.wav"
    path.write_bytes(content)
    with pytest.raises(WavError) as caught:
        read_wav(path)
    message = str(caught.value)
    assert str(path) in message and phrase in message
    assert message.endswith(".")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(WavError, match="no such file"):
        read_wav(tmp_path / "absent.wav")
    with pytest.raises(WavError, match="folder"):
        read_wav(tmp_path)


def test_too_long_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    path.write_bytes(riff((b"fmt ", fmt_chunk(1, 1, 8000, 8)), (b"data", bytes(8000 * 130))))
    with pytest.raises(WavError, match="130 seconds long; Majlis plays files of up to 60 seconds"):
        read_wav(path, max_seconds=60)
    assert read_wav(path).size == 130 * 48000
    assert issubclass(WavError, AudioError)


@st.composite
def damaged_wavs(draw: st.DrawFn) -> bytes:
    """A good small WAV with a few header bytes changed, then cut at some point."""
    content = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        content[draw(st.integers(0, 79))] = draw(st.integers(0, 255))
    return bytes(content[: draw(st.integers(0, len(content)))])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), damaged_wavs()))
def test_damaged_files_raise_only_wav_error(content: bytes) -> None:
    """The parser's only failure is WavError, whatever the bytes."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as file:
        file.write(content)
        file.flush()
        try:
            result = read_wav(file.name)
        except WavError:
            return
        assert result.dtype == np.int16 and result.size > 0
