"""`crypto/` depends on the standard library and PyNaCl only: nothing else can leak keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
before = set(sys.modules)
import crypto
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_crypto_imports_only_the_standard_library_and_nacl() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    roots = {name.split(".")[0] for name in loaded}
    allowed = {"crypto", "nacl", "_sodium", "_cffi_backend"}  # PyNaCl and its compiled parts
    foreign = {r for r in roots if r not in sys.stdlib_module_names and r not in allowed}
    assert "crypto.frame" in loaded
    assert foreign == set()
    assert not roots & {"app", "audio", "relay", "websockets", "numpy"}
