"""The app's view of sound devices: `audio.devices` when it is there, "no audio device" when not.

`audio.devices` (the only module that imports sounddevice) is imported lazily: on a machine with
no sound system, or a build without PortAudio, the app still runs; it just neither captures nor
plays, and says so. Nothing here is Qt, and nothing here runs on the GUI thread except
`list_devices()`, which only reads PortAudio's table.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Pcm = npt.NDArray[np.int16]


class AudioPort(Protocol):
    """What the room needs from a device pair: 20 ms frames in and out, never blocking."""

    def read_frame(self) -> Pcm | None: ...

    def write_frame(self, pcm: Pcm) -> None: ...

    def stop(self) -> None: ...


class AudioUnavailable(Exception):
    """No device could be opened; `str()` is a sentence for the user."""


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_input: bool = False
    default_output: bool = False


# (capture, playback) -> an open port, or raises AudioUnavailable
AudioFactory = Callable[[bool, bool], AudioPort]


def _devices_module() -> ModuleType | None:
    try:
        return importlib.import_module("audio.devices")
    except Exception as exc:  # missing module, or PortAudio missing underneath it
        log.info("no audio devices: %s", exc)
        return None


def list_devices() -> list[Device]:
    """Every device the sound system offers; [] when there is none."""
    module = _devices_module()
    if module is None:
        return []
    try:
        found: list[Any] = module.list_devices()
    except Exception as exc:
        log.info("listing audio devices failed: %s", exc)
        return []
    return [Device(d.index, d.name, d.inputs, d.outputs, d.default_input, d.default_output)
            for d in found]


def find_device(name: str, want_input: bool) -> int | None:
    """The index of the device called `name` ("" = the default: None)."""
    if not name:
        return None
    for device in list_devices():
        if device.name == name and (device.inputs if want_input else device.outputs):
            return device.index
    return None


def device_factory(input_name: str = "", output_name: str = "") -> AudioFactory:
    """A factory opening the named devices through `audio.devices.AudioIO`."""

    def open_port(capture: bool, playback: bool) -> AudioPort:
        module = _devices_module()
        if module is None:
            raise AudioUnavailable("No audio device: the sound system is not available.")
        try:
            port: AudioPort = module.AudioIO(find_device(input_name, True),
                                             find_device(output_name, False),
                                             capture=capture, playback=playback)
            port.start()  # type: ignore[attr-defined]
        except Exception as exc:  # DeviceError carries a sentence; anything else is a bug below
            raise AudioUnavailable(str(exc) or "The audio device could not be opened.") from None
        return port

    return open_port


def frame_level(pcm: Pcm) -> float:
    """RMS of one frame, 0..1 of full scale."""
    return float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64)))) / 32768.0


class LevelProbe:
    """The microphone test: capture in a thread of its own, keep the latest level for the GUI.

    Opening a device can take a noticeable moment; doing it here keeps the settings dialog
    responsive. The GUI polls `level` (a float, replaced whole) from a timer.
    """

    def __init__(self, factory: AudioFactory) -> None:
        self.factory = factory
        self.level = 0.0
        self.peak = 0.0
        self.error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="majlis-mic-test", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            port = self.factory(True, False)
        except AudioUnavailable as exc:
            self.error = str(exc)
            return
        try:
            while not self._stop.wait(0.02):
                for _ in range(50):  # drain what a 20 ms wait can have queued, but never spin
                    frame = port.read_frame()
                    if frame is None:
                        break
                    self.level = frame_level(frame)
                    self.peak = max(self.peak * 0.95, self.level)
        finally:
            with contextlib.suppress(Exception):
                port.stop()
