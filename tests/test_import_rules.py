"""The layering of ARCHITECTURE.md, enforced: import each package fresh and inspect sys.modules.

Each check runs in its own interpreter so that nothing imported by another test leaks in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
pkg = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(pkg.__path__, sys.argv[1] + "."):
    if info.name.endswith("__main__"):
        continue
    importlib.import_module(info.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

# package -> top-level modules it must never pull in
FORBIDDEN = {
    # The relay is blind by construction: no keys, no codecs, no client code.
    "relay": {"crypto", "audio", "app", "nacl", "numpy", "opuslib_next", "PySide6", "sounddevice"},
    # Crypto depends on libsodium only.
    "crypto": {"relay", "audio", "app", "websockets", "numpy", "PySide6", "sounddevice"},
    # Audio knows nothing of rooms, keys or the network.
    "audio": {"relay", "crypto", "app", "websockets", "nacl", "PySide6"},
    # The room core is sans-I/O: no sockets, event loops, devices or GUI.
    "app.core": {"asyncio", "websockets", "socket", "audio", "sounddevice", "PySide6"},
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, package], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    loaded = set(json.loads(out))
    assert not (loaded & FORBIDDEN[package]), f"{package} imports {loaded & FORBIDDEN[package]}"
