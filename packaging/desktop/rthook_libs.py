"""PyInstaller runtime hook: find the libopus and PortAudio that travel inside the bundle.

`opuslib_next` and `sounddevice` locate their C libraries with `ctypes.util.find_library`, which
searches the system (ldconfig), not the bundle. The bundle ships its own tested copies so that it
runs where neither is installed; this points the lookup at them, and leaves other names alone.
"""

import ctypes.util
import os
import sys

_BUNDLED = {"opus": "libopus.so.0", "portaudio": "libportaudio.so.2"}
_system_find_library = ctypes.util.find_library


def _find_library(name: str) -> str | None:
    bundled = _BUNDLED.get(name)
    if bundled is not None:
        path = os.path.join(getattr(sys, "_MEIPASS", ""), bundled)
        if os.path.exists(path):
            return path
    return _system_find_library(name)


ctypes.util.find_library = _find_library
