"""WAV files in and out: whatever a user has, turned into 48 kHz mono int16 for the encoder.

`read_wav` parses the RIFF chunks itself rather than through the stdlib `wave` module: Python 3.11's
`wave` reads only plain PCM, while files from DAWs, ffmpeg and sox are often IEEE float (format 3)
or WAVE_FORMAT_EXTENSIBLE (24-bit and multichannel). The parser reads everything `wave` reads and
those too, and it is bounded: a fixed number of chunks before the audio, a small format chunk, a
maximum duration, and the audio is decoded and resampled in blocks so memory stays near the size
of the result.

`write_wav` is for test fixtures and tools. Rooms are ephemeral: nothing writes a room's audio to
disk unless the user explicitly asks for it.
"""

from __future__ import annotations

import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

import numpy as np
import numpy.typing as npt
import soxr

from .codec import SAMPLE_RATE
from .errors import WavError

__all__ = ["MAX_SECONDS", "WavError", "read_wav", "write_wav"]

MAX_SECONDS: Final = 3600.0
MAX_CHUNKS: Final = 64  # chunks looked at before "data": real files have a handful
MAX_FORMAT_CHUNK: Final = 1024  # "fmt " is 16, 18 or 40 bytes in practice
MAX_CHANNELS: Final = 256
MIN_RATE: Final = 1000
MAX_RATE: Final = 768000
BLOCK_BYTES: Final = 1 << 20

_PCM: Final = 1
_FLOAT: Final = 3
_EXTENSIBLE: Final = 0xFFFE
# The 14 bytes after the format code in every WAVE_FORMAT_EXTENSIBLE sub-format GUID.
_GUID_TAIL: Final = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
# Writers that stream to a pipe cannot go back to fill in the data size and leave one of these.
_UNKNOWN_SIZES: Final = (0xFFFFFFFF, 0x7FFFF000)
_FORMAT_NAMES: Final = {2: "ADPCM", 6: "A-law", 7: "mu-law", 0x11: "IMA ADPCM", 0x55: "MP3"}

Pcm = npt.NDArray[np.int16]
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class _Format:
    code: int  # _PCM or _FLOAT
    channels: int
    rate: int
    width: int  # bytes per sample

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.width


def read_wav(path: str | os.PathLike[str], *, max_seconds: float = MAX_SECONDS) -> Pcm:
    """Read a WAV file as int16 mono at 48 kHz: channels averaged, rate converted with soxr.

    Raises WavError, with a sentence naming the file, for anything it cannot use.
    """
    name = os.fspath(path)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below; open errors get their own message
    except FileNotFoundError:
        raise WavError(f"{name}: no such file.") from None
    except IsADirectoryError:
        raise WavError(f"{name} is a folder, not a WAV file.") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise WavError(
            f"{name} cannot be opened: {getattr(exc, 'strerror', None) or exc}."
        ) from None
    with file:
        try:
            fmt, frames = _read_header(file, name)
            if frames / fmt.rate > max_seconds:
                raise WavError(
                    f"{name} is {_duration(frames / fmt.rate)} long; Majlis plays files of up to "
                    f"{_duration(max_seconds)}."
                )
            return _convert(_blocks(file, fmt, frames), fmt.rate, frames)
        except OSError as exc:
            raise WavError(f"{name} could not be read: {exc.strerror or exc}.") from None


def write_wav(path: str | os.PathLike[str], pcm: Pcm) -> None:
    """Write int16 mono samples as a 48 kHz 16-bit PCM WAV file."""
    if not isinstance(pcm, np.ndarray) or pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError(f"write_wav needs a 1-D int16 array, got {getattr(pcm, 'dtype', pcm)!r}")
    try:
        # Opened here rather than by `wave`, whose writer breaks in __del__ when open() fails.
        with open(path, "wb") as file, wave.open(file, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm.astype("<i2").tobytes())
    except OSError as exc:
        raise WavError(f"{os.fspath(path)} cannot be written: {exc.strerror or exc}.") from None


def _read_header(file: BinaryIO, name: str) -> tuple[_Format, int]:
    """Walk the chunks up to "data"; return the format and the number of whole frames."""
    riff = file.read(12)
    if not riff:
        raise WavError(f"{name} is empty.")
    if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        if riff[:4] == b"RF64":
            raise WavError(f"{name} is an RF64 file (a WAV over 4 GB), which Majlis cannot read.")
        raise WavError(f"{name} is not a WAV file.")
    fmt: _Format | None = None
    for _ in range(MAX_CHUNKS):
        header = file.read(8)
        if len(header) < 8:
            what = "its audio" if fmt is not None else "its format"
            raise WavError(f"{name} ends before {what}: the file is truncated or damaged.")
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            if not 16 <= size <= MAX_FORMAT_CHUNK:
                raise WavError(f"{name} has a damaged format header.")
            body = file.read(size + (size & 1))
            if len(body) < size:
                raise WavError(f"{name} ends inside its format header: the file is truncated.")
            fmt = _parse_format(body[:size], name)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError(f"{name} has audio before its format header; it is damaged.")
            return fmt, _count_frames(file, fmt, size, name)
        else:
            file.seek(size + (size & 1), os.SEEK_CUR)
    raise WavError(f"{name} has no audio data in its first {MAX_CHUNKS} chunks.")


def _parse_format(body: bytes, name: str) -> _Format:
    code, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
    if code == _EXTENSIBLE:
        if len(body) < 40 or body[26:40] != _GUID_TAIL:
            raise WavError(f"{name} has an extended format header Majlis does not understand.")
        code = struct.unpack("<H", body[24:26])[0]
    if code not in (_PCM, _FLOAT):
        kind = _FORMAT_NAMES.get(code, f"format {code}")
        raise WavError(
            f"{name} is compressed ({kind}); Majlis reads uncompressed PCM or float WAV. "
            "Convert it to 16-bit PCM first."
        )
    width = (bits + 7) // 8
    if (code == _PCM and not 1 <= width <= 4) or (code == _FLOAT and bits not in (32, 64)):
        raise WavError(f"{name} uses {bits}-bit samples, which Majlis cannot read.")
    if not 1 <= channels <= MAX_CHANNELS:
        raise WavError(f"{name} says it has {channels} channels; it is damaged or unsupported.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise WavError(f"{name} has a sample rate of {rate} Hz, which Majlis cannot convert.")
    return _Format(code, channels, rate, width)


def _count_frames(file: BinaryIO, fmt: _Format, declared: int, name: str) -> int:
    start = file.tell()
    available = file.seek(0, os.SEEK_END) - start
    file.seek(start)
    if declared > available:
        if declared not in _UNKNOWN_SIZES:
            have, want = available // fmt.frame_bytes, declared // fmt.frame_bytes
            raise WavError(
                f"{name} is truncated: it should hold {want / fmt.rate:.1f} s of audio but ends "
                f"after {have / fmt.rate:.1f} s."
            )
        declared = available
    frames = declared // fmt.frame_bytes
    if frames == 0:
        raise WavError(f"{name} contains no audio.")
    return frames


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} seconds" if seconds < 300 else f"{seconds / 60:.0f} minutes"


def _blocks(file: BinaryIO, fmt: _Format, frames: int) -> Iterator[Floats]:
    """Yield the audio as mono float32 in [-1, 1], about a megabyte of file at a time."""
    left = frames
    while left > 0:
        count = min(left, max(1, BLOCK_BYTES // fmt.frame_bytes))
        data = file.read(count * fmt.frame_bytes)
        count = len(data) // fmt.frame_bytes
        if count == 0:
            return
        left -= count
        samples = _decode(data[: count * fmt.frame_bytes], fmt)
        yield samples.reshape(count, fmt.channels).mean(axis=1, dtype=np.float32)


def _decode(data: bytes, fmt: _Format) -> Floats:
    if fmt.code == _FLOAT:
        floats = np.frombuffer(data, dtype="<f4" if fmt.width == 4 else "<f8")
        finite = np.nan_to_num(floats, posinf=1.0, neginf=-1.0)
        clipped: Floats = np.clip(finite, -1.0, 1.0).astype(np.float32)
        return clipped
    if fmt.width == 1:  # 8-bit WAV is unsigned
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if fmt.width == 2:
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    if fmt.width == 3:
        raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        value = (value ^ 0x800000) - 0x800000  # sign-extend 24 bits
        return value.astype(np.float32) / float(1 << 23)
    return (np.frombuffer(data, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)


def _convert(blocks: Iterator[Floats], rate: int, frames: int) -> Pcm:
    """Resample mono float blocks to 48 kHz as they come, quantize each to int16, and write it
    into one array sized from the header, so a long file never exists twice in memory."""
    stream = None if rate == SAMPLE_RATE else soxr.ResampleStream(rate, SAMPLE_RATE, 1, "float32")
    out = np.empty(frames * SAMPLE_RATE // rate + 64, dtype=np.int16)
    filled = 0

    def put(samples: Floats) -> None:
        nonlocal out, filled
        pcm = _to_int16(samples)
        if filled + pcm.size > out.size:  # the resampler rounded up further than expected
            out = np.concatenate([out[:filled], np.empty(pcm.size + 64, np.int16)])
        out[filled : filled + pcm.size] = pcm
        filled += pcm.size

    for block in blocks:
        put(block if stream is None else stream.resample_chunk(block))
    if stream is not None:
        put(stream.resample_chunk(np.zeros(0, np.float32), last=True))
    return out[:filled]


def _to_int16(samples: Floats) -> Pcm:
    scaled = np.rint(np.asarray(samples, dtype=np.float32) * 32768.0)
    pcm: Pcm = np.clip(scaled, -32768, 32767).astype(np.int16)
    return pcm
