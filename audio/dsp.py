"""Noise suppression and echo cancellation from Xiph's libspeexdsp, through ctypes.

Why speexdsp (the measurements are in docs/AUDIO.md): against WebRTC's audio processing module
(`aec-audio-processing`) and RNNoise (`pyrnnoise`), on speech with noise and with a simulated echo
path, speexdsp kept double talk intelligible (PESQ-WB 2.96 against 1.15 for WebRTC's AEC3, which
suppresses the near talker while the far one speaks), cost about 0.5 ms per 20 ms frame for echo
cancellation and noise suppression together (WebRTC 1.2 ms; RNNoise 2-4 ms for noise alone), and
needs nothing new: libspeexdsp1 comes with libasound2-plugins, which Majlis already needs for
PortAudio, and Debian maintains it. WebRTC's noise suppressor was better on steady noise; it comes
only as a C++ build from source with an anonymous maintainer, a poor trade for a security tool.
RNNoise mangled clean (synthetic) speech and would take a fifth of a core.

The binding is a few calls into a stable C API that Mumble and PulseAudio have used for years.
Each state works on exactly one 20 ms, 48 kHz frame at a time; `process` is called on the client's
audio thread, never on a PortAudio callback.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .codec import FRAME_SAMPLES, SAMPLE_RATE
from .errors import AudioError

__all__ = ["DspUnavailable", "SpeexProcessor", "speexdsp_available"]

Pcm = npt.NDArray[np.int16]

DEFAULT_SUPPRESS_DB: Final = -20  # -30 (speexdsp's default) dulls clean speech more for little gain
DEFAULT_ECHO_TAIL: Final = 0.2  # seconds of echo path the canceller models

# From speex/speex_preprocess.h and speex/speex_echo.h (a stable ABI since speexdsp 1.2).
_SET_DENOISE: Final = 0
_SET_AGC: Final = 2
_SET_DEREVERB: Final = 8
_SET_NOISE_SUPPRESS: Final = 18
_SET_ECHO_STATE: Final = 24
_ECHO_SET_SAMPLING_RATE: Final = 24


class DspUnavailable(AudioError):
    """libspeexdsp is not installed: the capture chain runs without processing."""


_lib: Any = None


def _load() -> Any:
    global _lib
    if _lib is not None:
        return _lib
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise DspUnavailable(
            "Noise suppression and echo cancellation need libspeexdsp "
            "(Debian: apt install libspeexdsp1)."
        ) from exc
    vp, i, p = ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p
    for fname, argtypes, restype in (
        ("speex_preprocess_state_init", (i, i), vp),
        ("speex_preprocess_state_destroy", (vp,), None),
        ("speex_preprocess_run", (vp, p), i),
        ("speex_preprocess_ctl", (vp, i, p), i),
        ("speex_echo_state_init", (i, i), vp),
        ("speex_echo_state_destroy", (vp,), None),
        ("speex_echo_cancellation", (vp, p, p, p), None),
        ("speex_echo_ctl", (vp, i, p), i),
    ):
        function = getattr(lib, fname)
        function.argtypes = argtypes
        function.restype = restype
    _lib = lib
    return lib


def speexdsp_available() -> bool:
    """True when libspeexdsp can be loaded."""
    try:
        _load()
    except DspUnavailable:
        return False
    return True


class SpeexProcessor:
    """Echo cancellation (optional) then noise suppression and residual echo suppression.

    A `capture.Processor`: `process(mic_frame, far_frame)`; `far` is what the speakers played
    most recently. The echo path (output buffering, the room, input buffering) must fit in
    `echo_tail` seconds: the far frame is handed over when it is written to the speaker, which
    is always before its echo can reach the microphone, so the canceller only looks back.
    """

    voice_probability: float | None = None  # speexdsp's own voice detector is a stub

    def __init__(
        self,
        *,
        noise_suppression: bool = True,
        echo_cancellation: bool = True,
        suppress_db: int = DEFAULT_SUPPRESS_DB,
        echo_tail: float = DEFAULT_ECHO_TAIL,
    ) -> None:
        if not noise_suppression and not echo_cancellation:
            raise ValueError("a SpeexProcessor with nothing to do")
        lib = _load()
        self._lib = lib
        self.noise_suppression = noise_suppression
        self.echo_cancellation = echo_cancellation
        self._pre = lib.speex_preprocess_state_init(FRAME_SAMPLES, SAMPLE_RATE)
        self._echo: int | None = None
        if not self._pre:
            raise DspUnavailable("libspeexdsp could not set up its preprocessor.")
        self._ctl(_SET_DENOISE, int(noise_suppression))
        self._ctl(_SET_AGC, 0)
        self._ctl(_SET_DEREVERB, 0)  # VAD stays off by default (setting it prints a warning)
        self._ctl(_SET_NOISE_SUPPRESS, suppress_db)
        if echo_cancellation:
            tail = max(FRAME_SAMPLES, int(echo_tail * SAMPLE_RATE))
            self._echo = lib.speex_echo_state_init(FRAME_SAMPLES, tail)
            if not self._echo:
                self.close()
                raise DspUnavailable("libspeexdsp could not set up its echo canceller.")
            rate = ctypes.c_int(SAMPLE_RATE)
            lib.speex_echo_ctl(self._echo, _ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
            # The preprocessor also removes the echo the adaptive filter leaves behind.
            lib.speex_preprocess_ctl(self._pre, _SET_ECHO_STATE, ctypes.c_void_p(self._echo))
        self._silence: Pcm = np.zeros(FRAME_SAMPLES, dtype=np.int16)

    def _ctl(self, request: int, value: int) -> None:
        arg = ctypes.c_int(value)
        self._lib.speex_preprocess_ctl(self._pre, request, ctypes.byref(arg))

    def process(self, pcm: Pcm, far: Pcm | None = None) -> Pcm:
        """Clean one 20 ms microphone frame (a new array; the input is left alone)."""
        if pcm.dtype != np.int16 or pcm.shape != (FRAME_SAMPLES,):
            raise ValueError(f"need int16 PCM of shape ({FRAME_SAMPLES},)")
        if not self._pre:
            raise DspUnavailable("the processor was closed")
        mic = np.ascontiguousarray(pcm)
        out = np.empty(FRAME_SAMPLES, dtype=np.int16)
        if self._echo is not None:
            played = self._silence if far is None else np.ascontiguousarray(far, dtype=np.int16)
            if played.shape != (FRAME_SAMPLES,):
                raise ValueError(f"the far frame must be int16 of shape ({FRAME_SAMPLES},)")
            self._lib.speex_echo_cancellation(self._echo, mic.ctypes.data, played.ctypes.data,
                                              out.ctypes.data)
        else:
            out[:] = mic
        self._lib.speex_preprocess_run(self._pre, out.ctypes.data)
        return out

    def close(self) -> None:
        """Free the C states (also done when the object is collected)."""
        if self._pre:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._pre = None
        if self._echo:
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
