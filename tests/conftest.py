"""Fixtures shared by the whole suite: real relay processes on 127.0.0.1, stopped by process id."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"

# Shared test helpers live in tests/support and are imported by plain module name. Only that one
# folder goes on sys.path: adding tests/ itself would let tests/crypto shadow the crypto package.
sys.path.insert(0, str(ROOT / "tests" / "support"))

from relayproc import RelayProcess, start_relay  # noqa: E402

# audio.codec chooses the libopus (the venv's 1.5 build, audio/libopus.py) before opuslib_next
# loads one by name: a test module that imports opuslib_next first would pin the system's copy.
import audio.codec  # noqa: E402,F401

__all__ = ["RelayProcess", "start_relay"]


@pytest.fixture
def relay() -> Iterator[RelayProcess]:
    """A fresh relay process per test."""
    rp = start_relay()
    try:
        yield rp
    finally:
        rp.stop()


@pytest.fixture(scope="session")
def tor_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One private Tor network on 127.0.0.1 (tests/support/tornet.py) for the whole session:
    building it takes 10-30 s, so every test that needs Tor shares it. Skips only when the tor
    package is missing (scripts/setup-system.sh installs it)."""
    from tornet import TorNetwork, tor_binaries

    if tor_binaries() is None:
        pytest.skip("tor is not installed (Debian package tor; scripts/setup-system.sh)")
    net = TorNetwork(tmp_path_factory.mktemp("tornet"))
    try:
        net.start()
        yield net
    finally:
        net.stop()
