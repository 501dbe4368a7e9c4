"""Opus for Majlis: 48 kHz mono, 20 ms frames, and packets that all have the same size.

Why every packet has the same size: the relay and anyone on the path see the length and timing of
each frame. Variable-bitrate speech codecs leak words and phrases through packet lengths (Wright
et al., IEEE S&P 2008; RFC 6562), and discontinuous transmission leaks when someone talks. So the
encoder runs in constant-bitrate mode with DTX off, and any packet that still comes out shorter is
grown with Opus' own padding (`opus_packet_pad`), which every decoder skips: the padded packet
decodes to exactly the same samples.

Opus state is created and configured through `opuslib_next`; the per-frame calls (`opus_encode`,
`opus_decode`, `opus_packet_pad`) go straight to the same libopus through ctypes, because they can
then read and write numpy buffers in place instead of building Python lists of samples (about twice
as fast on decode). The function objects are our own (`CDLL[name]` does not cache), so setting their
argument types does not change the ones `opuslib_next` uses.
"""

from __future__ import annotations

import ctypes
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from . import libopus
from .errors import CodecError

libopus.preload()  # before opuslib_next loads "libopus.so.0" by name

try:
    import opuslib_next
    import opuslib_next.api
except Exception as exc:  # opuslib_next raises a bare Exception when libopus is missing
    raise CodecError(
        "the Opus library (libopus) was not found; install it, e.g. `apt install libopus0`"
    ) from exc

__all__ = [
    "DECODER_COMPLEXITY",
    "ENHANCED_DECODING",
    "FRAME_SAMPLES",
    "LIBRARY_VERSION",
    "SAMPLE_RATE",
    "CodecError",
    "OpusDecoder",
    "OpusEncoder",
    "packet_size_for",
    "pad_packet",
]

SAMPLE_RATE: Final = 48000
FRAME_SAMPLES: Final = 960  # 20 ms at 48 kHz
FRAMES_PER_SECOND: Final = SAMPLE_RATE // FRAME_SAMPLES
MIN_BITRATE: Final = 6000
MAX_BITRATE: Final = 510000  # 1275 bytes per 20 ms frame: the largest single Opus frame
DEFAULT_BITRATE: Final = 32000
# Complexity 8 is where SILK (the speech half of Opus, all that wideband voice uses) reaches its
# best settings: 9 and 10 produce the very same packets. Measured on speech (bench/redundancy.py):
# PESQ-WB 4.26 against 4.16 at complexity 5 without loss, and with in-band FEC at 10 % loss 2.66
# against 2.43 (each at its best setting). It costs about 0.1 ms more per 20 ms frame (0.45-0.55
# ms against 0.35-0.45 ms on this machine), half a percent of a core.
DEFAULT_COMPLEXITY: Final = 8

PcmArray = npt.NDArray[np.int16]

_OPUS_OK: Final = 0
_ERROR_TEXT: Final = {
    -1: "an argument was out of range",
    -2: "the packet holds more than one 20 ms frame",
    -3: "libopus hit an internal error",
    -4: "the packet is corrupted",
    -5: "the request is not implemented",
    -6: "the codec state is invalid",
    -7: "memory allocation failed",
}


def _bind(name: str, argtypes: tuple[Any, ...], restype: Any) -> Any:
    function = opuslib_next.api.libopus[name]
    function.argtypes = argtypes
    function.restype = restype
    return function


_opus_encode = _bind(
    "opus_encode",
    (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int32),
    ctypes.c_int32,
)
_opus_decode = _bind(
    "opus_decode",
    (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_void_p, ctypes.c_int, ctypes.c_int),
    ctypes.c_int,
)
_opus_packet_pad = _bind(
    "opus_packet_pad", (ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32), ctypes.c_int
)
# Variadic in C: no argtypes, every argument passed as an explicit ctypes value.
_opus_decoder_ctl = opuslib_next.api.libopus["opus_decoder_ctl"]
_opus_decoder_ctl.restype = ctypes.c_int
_version = opuslib_next.api.libopus["opus_get_version_string"]
_version.restype = ctypes.c_char_p
_version.argtypes = ()
LIBRARY_VERSION: Final[str] = _version().decode("ascii", "replace")
_OPUS_SET_COMPLEXITY_REQUEST: Final = 4010
# Decoder complexity (Opus 1.5+): 5 turns on deep PLC (neural concealment of lost speech), 6 adds
# LACE and 7 NoLACE, which clean up SILK's coding noise in every frame. Measured on recorded
# speech (bench/quality.py, 10 % random loss): PESQ-WB 3.19 with 1.3.1's concealment, 3.42 at 7.
# It costs about 0.1 ms a frame more than plain decoding (0.13 against 0.03 ms), 1.5 % of a core
# for three speakers, so `VoiceStream` turns it on for a speaker only once frames go missing.
# Older libraries refuse the setting and decode as before.
DECODER_COMPLEXITY: Final = 7


def _describe(code: int) -> str:
    return _ERROR_TEXT.get(code, f"libopus error {code}")


def packet_size_for(bitrate: int) -> int:
    """Bytes in every 20 ms packet at `bitrate` bit/s (80 at 32 kbit/s, 60 at 24 kbit/s)."""
    return bitrate // (8 * FRAMES_PER_SECOND)


def pad_packet(packet: bytes, size: int) -> bytes:
    """Grow an Opus packet to exactly `size` bytes with Opus padding; it decodes unchanged.

    Public so that tests can prove the property on packets that really are short (from a
    variable-bitrate encoder): libopus 1.3.1 in CBR mode produced none in our measurements.
    """
    if len(packet) == size:
        return packet
    if not packet or len(packet) > size:
        raise CodecError(f"cannot pad a {len(packet)}-byte Opus packet to {size} bytes")
    buffer = ctypes.create_string_buffer(packet, size)
    result = _opus_packet_pad(buffer, len(packet), size)
    if result != _OPUS_OK:
        raise CodecError(f"cannot pad the Opus packet: {_describe(result)}")
    return buffer.raw


def _check_pcm(pcm: PcmArray) -> PcmArray:
    if not isinstance(pcm, np.ndarray) or pcm.dtype != np.int16 or pcm.shape != (FRAME_SAMPLES,):
        shape = getattr(pcm, "shape", None)
        dtype = getattr(pcm, "dtype", type(pcm).__name__)
        raise ValueError(f"need int16 PCM of shape ({FRAME_SAMPLES},), got {dtype} {shape}")
    return np.ascontiguousarray(pcm)


class OpusEncoder:
    """One speaker's encoder: VOIP mode, voice signal, CBR, DTX off, optional in-band FEC.

    `packet_size` is fixed for the encoder's life: changing the bitrate mid-stream would itself
    be visible on the wire, so a new bitrate means a new encoder.
    """

    packet_size: int
    bitrate: int
    lookahead: int  # samples of algorithmic delay: decoded audio lags the input by about this
    padded: int  # packets that came out of libopus short and were padded

    def __init__(
        self,
        bitrate: int = DEFAULT_BITRATE,
        fec: bool = True,
        expected_loss: int = 10,
        *,
        complexity: int = DEFAULT_COMPLEXITY,
    ) -> None:
        if not MIN_BITRATE <= bitrate <= MAX_BITRATE or bitrate % (8 * FRAMES_PER_SECOND):
            raise ValueError(
                f"bitrate must be {MIN_BITRATE}..{MAX_BITRATE} bit/s and a multiple of "
                f"{8 * FRAMES_PER_SECOND} (whole bytes per frame), got {bitrate}"
            )
        if not 0 <= complexity <= 10:
            raise ValueError(f"complexity must be 0..10, got {complexity}")
        _check_loss(expected_loss)
        self.bitrate = bitrate
        self.packet_size = packet_size_for(bitrate)
        self.padded = 0
        try:
            self._opus = opuslib_next.Encoder(SAMPLE_RATE, 1, opuslib_next.APPLICATION_VOIP)
            self._opus.vbr = 0
            self._opus.bitrate = bitrate
            self._opus.complexity = complexity
            self._opus.signal = opuslib_next.SIGNAL_VOICE
            self._opus.dtx = 0
            # Wideband (8 kHz of audio) rather than super-wideband: at a fixed 32 kbit/s the bits
            # go where speech is understood. Measured on speech (bench/quality.py): PESQ-WB 4.16
            # against 3.17 when libopus was free to pick super-wideband.
            self._opus.max_bandwidth = opuslib_next.BANDWIDTH_WIDEBAND
            self._opus.inband_fec = int(fec)
            self._opus.packet_loss_perc = expected_loss
            if self._opus.vbr != 0 or self._opus.dtx != 0:
                raise CodecError("libopus did not accept constant bitrate without DTX")
            self.lookahead = int(self._opus.lookahead)
        except opuslib_next.OpusError as exc:
            raise CodecError(f"cannot set up the Opus encoder: {exc}") from exc
        self._state = self._opus.encoder_state
        self._out = ctypes.create_string_buffer(self.packet_size)

    def set_expected_loss(self, percent: int) -> None:
        """Tell Opus how lossy the path is, so it spends the right share of bits on FEC.

        FEC needs this above zero: with 0 % libopus puts no redundancy in the packets.
        """
        _check_loss(percent)
        try:
            self._opus.packet_loss_perc = percent
        except opuslib_next.OpusError as exc:
            raise CodecError(f"cannot set the expected loss: {exc}") from exc

    def encode(self, pcm: PcmArray) -> bytes:
        """Encode one 20 ms frame into exactly `packet_size` bytes."""
        samples = _check_pcm(pcm)
        length = _opus_encode(
            self._state, samples.ctypes.data, FRAME_SAMPLES, self._out, self.packet_size
        )
        if length < 0:
            raise CodecError(f"Opus could not encode the frame: {_describe(length)}")
        if length < self.packet_size:
            result = _opus_packet_pad(self._out, length, self.packet_size)
            if result != _OPUS_OK:
                raise CodecError(f"cannot pad the Opus packet: {_describe(result)}")
            self.padded += 1
        return self._out.raw


def _check_loss(percent: int) -> None:
    if not 0 <= percent <= 100:
        raise ValueError(f"expected loss must be 0..100 percent, got {percent}")


class OpusDecoder:
    """One speaker's decoder. Keep one per sender: Opus predicts from the previous frames.

    After a lost frame, call `recover(next_packet)` if the next packet is already here (its
    in-band FEC rebuilds the lost frame), else `conceal()`; then `decode(next_packet)` as usual.
    """

    enhanced: bool  # neural concealment and speech enhancement on (libopus 1.5+)

    def __init__(self, complexity: int = 0) -> None:
        """`complexity` 0 is plain Opus decoding and concealment, as libopus 1.3 does it."""
        if not 0 <= complexity <= 10:
            raise ValueError(f"complexity must be 0..10, got {complexity}")
        try:
            self._opus = opuslib_next.Decoder(SAMPLE_RATE, 1)
        except opuslib_next.OpusError as exc:
            raise CodecError(f"cannot set up the Opus decoder: {exc}") from exc
        self._state = self._opus.decoder_state
        self.enhanced = False
        if complexity:
            self._set_complexity(complexity)

    def set_enhanced(self, on: bool) -> bool:
        """Neural concealment and enhancement on or off, between frames; whether it is on now.

        Off as soon as asked would be audible in the middle of a word (NoLACE's filter state
        jumps): callers switch off in silence. With a library without them, always False.
        """
        if on != self.enhanced:
            self._set_complexity(DECODER_COMPLEXITY if on else 0)
        return self.enhanced

    def _set_complexity(self, complexity: int) -> None:
        result = _opus_decoder_ctl(
            self._state, ctypes.c_int(_OPUS_SET_COMPLEXITY_REQUEST), ctypes.c_int(complexity)
        )
        if result == _OPUS_OK:
            self.enhanced = complexity >= 5

    def decode(self, packet: bytes) -> PcmArray:
        """Decode one 20 ms packet; CodecError if it is corrupted or not a 20 ms frame."""
        if not packet:
            raise CodecError("empty Opus packet: a lost frame is concealed, not decoded")
        return self._run(packet, fec=False)

    def conceal(self) -> PcmArray:
        """Opus loss concealment: a plausible continuation of what was playing, fading out."""
        return self._run(None, fec=False)

    def recover(self, next_packet: bytes) -> PcmArray:
        """Rebuild the lost frame from the FEC data in the packet that follows it.

        If that packet carries no FEC (libopus adds it only to frames its voice detector calls
        active, and only when the expected loss is above zero) this is plain concealment.
        """
        if not next_packet:
            raise CodecError("empty Opus packet: nothing to recover the lost frame from")
        return self._run(next_packet, fec=True)

    def reset(self) -> None:
        """Forget the previous frames, as before a new stream from the same sender."""
        try:
            self._opus.reset_state()
        except opuslib_next.OpusError as exc:
            raise CodecError(f"cannot reset the Opus decoder: {exc}") from exc

    def _run(self, packet: bytes | None, fec: bool) -> PcmArray:
        out = np.empty(FRAME_SAMPLES, dtype=np.int16)
        size = len(packet) if packet is not None else 0
        samples = _opus_decode(self._state, packet, size, out.ctypes.data, FRAME_SAMPLES, int(fec))
        if samples < 0:
            raise CodecError(f"Opus could not decode a {size}-byte packet: {_describe(samples)}")
        if samples != FRAME_SAMPLES:
            raise CodecError(
                f"the Opus packet holds {samples} samples; Majlis frames hold {FRAME_SAMPLES}"
                " (20 ms)"
            )
        return out


# Whether this process' libopus conceals and enhances speech (1.5+ built with deep PLC and OSCE).
ENHANCED_DECODING: Final[bool] = OpusDecoder(DECODER_COMPLEXITY).enhanced
