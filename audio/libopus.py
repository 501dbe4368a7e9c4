"""Which libopus Majlis runs on, chosen before `opuslib_next` binds one.

Opus 1.5 conceals lost speech with a small neural network and cleans up low-bitrate speech
(deep PLC and OSCE), on the decoder alone: the packets are the same, so members on older
libraries hear and are heard as before. Debian 12 ships 1.3.1, so `scripts/build-opus.sh` builds
1.5 into the venv. `opuslib_next` loads "libopus.so.0" by name when it is imported; glibc's
dlopen hands back an already loaded library with that soname, so loading the preferred copy
first, by path, makes `opuslib_next` and our own ctypes calls use it.

Preference: `MAJLIS_LIBOPUS` (a path, or "system" for the system's copy), then the venv's build,
then whatever the system has.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from pathlib import Path
from typing import Final

from .errors import CodecError

__all__ = ["ENV", "VENV_LIBRARY", "preload"]

log = logging.getLogger(__name__)

ENV: Final = "MAJLIS_LIBOPUS"
VENV_LIBRARY: Final = Path(sys.prefix) / "lib" / "majlis" / "libopus.so.0"


def preload(environ: dict[str, str] | None = None) -> Path | None:
    """Load the preferred libopus into the process; the path loaded, or None for the system's."""
    choice = (os.environ if environ is None else environ).get(ENV, "").strip()
    if choice == "system" or not sys.platform.startswith("linux"):
        return None
    if choice:
        path = Path(choice)
        try:
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            raise CodecError(f"{ENV}={choice}: cannot load this libopus: {exc}") from exc
        return path
    if not VENV_LIBRARY.exists():
        return None
    try:
        ctypes.CDLL(str(VENV_LIBRARY), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:  # a broken build: the system's copy still plays everything
        log.warning("cannot load %s (%s); using the system's libopus", VENV_LIBRARY, exc)
        return None
    return VENV_LIBRARY
