"""Sound devices through PortAudio (`sounddevice`): the only module in Majlis that touches one.

Thin on purpose. PortAudio calls our callbacks on its own real-time thread; a callback only copies
one block between the device and a preallocated `SampleRing` and bumps a counter (no allocation
beyond the few objects any Python callback makes, no lock, nothing per sample). Everything else --
framing into 20 ms, codecs, mixing -- happens on the caller's thread through `read_frame` and
`write_frame`.

Devices fail in ordinary ways: none at all (a server, a sandbox), a USB headset pulled out mid-room,
a sound server restarted. Opening raises `DeviceError` with a sentence for the user; a device that
stops mid-stream is noticed by `check(now)` (the stream ended, or its callback has not run for
half a second) and reported the same way, so the room can go on without it.

Both directions run at 48 kHz mono int16 (what Opus and the mixer use), in 20 ms blocks (see
BLOCKSIZE); the rings absorb whatever timing the host's own periods impose.

The caller need not poll. `notify` (optional) is called on PortAudio's thread once a captured
block is in the ring, so the caller can wake up and encode it at once; each output callback
leaves a mark (how many callbacks so far, how far the ring has been read, when it ran) from which
`plan_output` tells the caller how many frames to write now and when the next is needed, so a
frame is mixed just before the speaker takes it rather than waiting a block in the ring
(`audio.cadence`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic
from types import ModuleType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .cadence import OutputCadence
from .capture import level
from .codec import FRAME_SAMPLES, SAMPLE_RATE
from .errors import DeviceError
from .ring import SampleRing

__all__ = ["AudioIO", "DeviceError", "DeviceInfo", "DeviceStats", "level", "list_devices"]

Pcm = npt.NDArray[np.int16]
Device = int | str | None

RING_FRAMES: Final = 25  # half a second either way; latency is bounded below that by the caller
CAPTURE_BACKLOG: Final = 3  # frames a slow reader may find waiting before the oldest are dropped
# A broken ALSA stream can leave PortAudio's thread spinning (and printing an error per spin)
# until the stream is closed: notice a silent callback quickly.
STALL_SECONDS: Final = 0.5
DEFAULT_LATENCY: Final = "low"
CLOSE_TIMEOUT: Final = 2.0
# PortAudio calls back once per 20 ms frame. Smaller blocks (blocksize=0 gives 2-10 ms) mean a
# Python callback every few milliseconds, each needing the GIL that the audio thread holds while
# it encodes: measured on two busy cores, 2-10 ms blocks lost up to 10 % of the samples.
# Through PipeWire's ALSA plugin this period also asks the graph for node.latency = 960/48000, so
# PIPEWIRE_LATENCY need not be set; a stock PipeWire rounds the request to a power of two (512),
# and nothing a client asks for gets it 960 (measured: docs/AUDIO.md, "Can a client get...").
BLOCKSIZE: Final = FRAME_SAMPLES


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device; `index` is what `AudioIO` and the `--mic/--speaker` flags take."""

    index: int
    name: str
    inputs: int
    outputs: int
    default_input: bool
    default_output: bool


@dataclass(frozen=True)
class DeviceStats:
    """Glitches so far, counted rather than hidden (a snapshot)."""

    overruns: int = 0  # capture blocks the device or our ring could not keep
    underruns: int = 0  # output blocks that had to be padded with silence
    errors: int = 0  # streams that failed to open or died
    discarded_frames: int = 0  # captured frames dropped because the reader fell behind
    input_callbacks: int = 0
    output_callbacks: int = 0


def _sounddevice() -> ModuleType:
    """Import sounddevice lazily: without PortAudio it raises OSError, which is no crash here."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise DeviceError(f"No sound system is available ({exc}).") from exc
    module: ModuleType = sounddevice
    return module


def list_devices() -> list[DeviceInfo]:
    """Every input and output device PortAudio sees; [] when there is no sound system."""
    try:
        sd = _sounddevice()
        devices = sd.query_devices()
        defaults = [_default_index(sd, kind) for kind in ("input", "output")]
    except Exception:  # a broken sound system is "no devices", never a crash
        return []
    out = []
    for entry in devices:
        index = int(entry["index"])
        out.append(DeviceInfo(index, str(entry["name"]), int(entry["max_input_channels"]),
                              int(entry["max_output_channels"]), index == defaults[0],
                              index == defaults[1]))
    return out


def _default_index(sd: ModuleType, kind: str) -> int:
    try:
        return int(sd.query_devices(kind=kind)["index"])
    except Exception:
        return -1


class AudioIO:
    """A microphone and/or a speaker at 48 kHz mono, read and written in 20 ms frames."""

    def __init__(
        self,
        input_device: Device = None,
        output_device: Device = None,
        *,
        capture: bool = True,
        playback: bool = True,
        latency: float | str = DEFAULT_LATENCY,
        notify: Callable[[], None] | None = None,
    ) -> None:
        if not capture and not playback:
            raise ValueError("an AudioIO needs capture, playback or both")
        self.input_device = input_device
        self.output_device = output_device
        self.capture = capture
        self.playback = playback
        self.latency = latency
        # Called on PortAudio's thread after each captured block: quick, thread-safe, no raising.
        self.notify = notify
        self.input_latency = 0.0  # seconds, as PortAudio reports them once started
        self.output_latency = 0.0
        self._in_ring = SampleRing(RING_FRAMES * FRAME_SAMPLES)
        self._out_ring = SampleRing(RING_FRAMES * FRAME_SAMPLES)
        self._frame: Pcm = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        self._streams: list[Any] = []
        self._running = False
        self._failed: str | None = None
        # Counters the callbacks bump (each written by one thread only).
        self._in_calls = 0
        self._out_calls = 0
        self._pa_overflows = 0
        self._pa_underflows = 0
        self._short_reads = 0
        self._primed = False
        self._errors = 0
        self._watch: tuple[int, int, float] | None = None
        # (output callbacks, samples read from the ring, monotonic time), set by the callback
        # as one tuple so that the reader sees the three together.
        self._out_mark: tuple[int, int, float] | None = None
        self._cadence = OutputCadence()

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Open and start the streams; DeviceError (and nothing left open) if that fails."""
        if self._running:
            return
        sd = _sounddevice()
        self._failed = None
        self._watch = None
        self._out_mark = None
        self._cadence = OutputCadence()
        try:
            if self.capture:
                stream = sd.InputStream(
                    samplerate=SAMPLE_RATE, blocksize=BLOCKSIZE, device=self.input_device,
                    channels=1, dtype="int16", latency=self.latency, callback=self._on_input,
                    finished_callback=self._on_finished)
                self._streams.append(stream)
                self.input_latency = float(stream.latency)
            if self.playback:
                stream = sd.OutputStream(
                    samplerate=SAMPLE_RATE, blocksize=BLOCKSIZE, device=self.output_device,
                    channels=1, dtype="int16", latency=self.latency, callback=self._on_output,
                    finished_callback=self._on_finished)
                self._streams.append(stream)
                self.output_latency = float(stream.latency)
            for stream in self._streams:
                stream.start()
        except Exception as exc:
            self._errors += 1
            self._close_streams()
            raise DeviceError(self._describe_open_failure(exc)) from exc
        self._running = True

    def stop(self) -> None:
        """Stop and close whatever is open; safe to call twice, or after a failure."""
        self._running = False
        self._close_streams()

    def _close_streams(self) -> None:
        """Abort and close the streams, giving up after CLOSE_TIMEOUT.

        A stream whose device vanished can leave PortAudio's ALSA thread unable to stop, and
        `abort()` then never returns; the closing runs on a daemon thread so that it cannot
        hold the caller (or the end of the program) hostage.
        """
        streams, self._streams = self._streams, []
        if not streams:
            return

        def close() -> None:
            for stream in streams:
                with contextlib.suppress(Exception):
                    stream.abort()
                with contextlib.suppress(Exception):
                    stream.close()

        closer = threading.Thread(target=close, name="majlis-audio-close", daemon=True)
        closer.start()
        closer.join(CLOSE_TIMEOUT)

    @property
    def running(self) -> bool:
        return self._running

    def check(self, now: float) -> str | None:
        """None while the devices work; a sentence once one has died (then the rest is closed).

        A stream that ended by itself, or whose callback has not run for a second, has died:
        the device was unplugged or the sound server went away.
        """
        if not self._running:
            return self._failed
        died = self._failed
        if died is None and any(not _active(s) for s in self._streams):
            died = "stopped"
        if died is None:
            calls = (self._in_calls, self._out_calls)
            if self._watch is None or calls != self._watch[:2]:
                self._watch = (calls[0], calls[1], now)
            elif now - self._watch[2] >= STALL_SECONDS:
                died = "stalled"
        if died is None:
            return None
        self._errors += 1
        self._running = False
        self._close_streams()
        what = self._what()
        self._failed = f"The {what} stopped working (it was unplugged, or the sound system " \
                       "went away)."
        return self._failed

    # -- frames ----------------------------------------------------------------------------

    def read_frame(self) -> Pcm | None:
        """One 20 ms frame of captured audio, oldest first, or None if none is complete.

        A reader that fell behind finds at most CAPTURE_BACKLOG frames: older ones are dropped,
        so a stall of the caller's thread does not turn into lasting delay.
        """
        ring = self._in_ring
        backlog = ring.available - CAPTURE_BACKLOG * FRAME_SAMPLES
        if backlog > 0:
            ring.discard(backlog)
        if ring.available < FRAME_SAMPLES:
            return None
        ring.read_into(self._frame)
        return self._frame.copy()

    @property
    def captured_frames(self) -> int:
        """Whole frames waiting in the capture ring."""
        return self._in_ring.available // FRAME_SAMPLES

    def write_frame(self, pcm: Pcm) -> None:
        """Queue one frame (or any number of samples) for the speaker."""
        if pcm.dtype != np.int16 or pcm.ndim != 1:
            raise ValueError(f"need 1-D int16 PCM, got {pcm.dtype} {pcm.shape}")
        self._out_ring.write(pcm)
        self._primed = True

    @property
    def queued_samples(self) -> int:
        """Samples written but not yet handed to the device: the output side's buffering."""
        return self._out_ring.available

    def plan_output(self, lead: float) -> tuple[int, float]:
        """(frames to write now, monotonic time to ask again) so that every output callback due
        within `lead` seconds finds a whole block; see `audio.cadence`."""
        mark = self._out_mark
        if mark is None:
            return self._cadence.plan(monotonic(), self._out_ring.available, lead)
        calls, read, at = mark
        self._cadence.observe(calls, at)
        # What the ring holds for the callbacks after that one: consistent with the mark even if
        # another callback has run since (the ring's write count is this thread's own).
        queued = self._out_ring.written - read
        return self._cadence.plan(monotonic(), queued, lead)

    @property
    def stats(self) -> DeviceStats:
        return DeviceStats(
            overruns=self._pa_overflows + self._in_ring.overflowed // FRAME_SAMPLES,
            underruns=self._pa_underflows + self._short_reads,
            errors=self._errors,
            discarded_frames=self._in_ring.discarded // FRAME_SAMPLES,
            input_callbacks=self._in_calls,
            output_callbacks=self._out_calls,
        )

    # -- PortAudio's thread: copy, count, return -------------------------------------------

    def _on_input(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        if status and status.input_overflow:
            self._pa_overflows += 1
        self._in_ring.write(indata[:, 0])
        self._in_calls += 1
        if self.notify is not None:
            self.notify()

    def _on_output(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        if status and status.output_underflow:
            self._pa_underflows += 1
        block = outdata[:, 0]
        got = self._out_ring.read_into(block)
        if got < frames:
            block[got:] = 0
            if self._primed:
                self._short_reads += 1
        self._out_calls += 1
        self._out_mark = (self._out_calls, self._out_ring.read, monotonic())

    def _on_finished(self) -> None:
        if self._running:
            self._failed = "finished"

    # -- messages --------------------------------------------------------------------------

    def _what(self) -> str:
        if self.capture and self.playback:
            return "sound device"
        return "microphone" if self.capture else "speaker"

    def _describe_open_failure(self, exc: Exception) -> str:
        chosen = self.input_device if self.capture else self.output_device
        which = f" {chosen!r}" if chosen is not None else ""
        return f"Could not open the {self._what()}{which}: {exc}."


def _active(stream: Any) -> bool:
    try:
        return bool(stream.active)
    except Exception:
        return False
