"""The settings store: nothing on disk unless asked, never a room key, never a half file."""

from __future__ import annotations

import json
import logging
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import Settings, SettingsStore, config_dir
from crypto.identity import Identity


def test_defaults_write_nothing(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "majlis")
    store.save(Settings(display_name="Layla", proxy="socks5://127.0.0.1:9050"))
    assert not (tmp_path / "majlis").exists()
    assert store.load() == Settings()
    assert store.load_identity() is None


def test_remembered_settings_round_trip_privately(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "majlis")
    chosen = Settings(display_name="ليلى", remember=True, quality="low", theme="dark",
                      language="ar", push_to_talk=True, ptt_key="F9", lan_discovery=False,
                      echo_cancellation=False)
    store.save(chosen)
    assert store.load() == chosen
    path = store.settings_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "ليلى" in path.read_text("utf-8")
    assert not list(path.parent.glob("*.tmp"))
    store.save(replace(chosen, remember=False))  # unticking deletes the file
    assert not path.exists()


def test_identity_is_kept_only_on_request_and_forgotten(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "majlis")
    identity = Identity.generate()
    store.save_identity(identity)
    assert stat.S_IMODE(store.identity_path.stat().st_mode) == 0o600
    kept = store.load_identity()
    assert kept is not None and kept.public == identity.public
    assert store.load().keep_identity
    store.forget_all()
    assert not (tmp_path / "majlis").exists()


def test_damaged_or_hostile_files_fall_back_to_defaults(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.settings_path.write_text("{not json")
    assert store.load() == Settings()
    store.settings_path.write_text(json.dumps({"quality": "ultra", "theme": 3, "language": "xx",
                                               "display_name": "x" * 500, "unknown": 1}))
    loaded = store.load()
    assert (loaded.quality, loaded.theme, loaded.language) == ("high", "system", "")
    assert len(loaded.display_name) == 64 and loaded.remember
    store.identity_path.write_text("abcd")
    assert store.load_identity() is None


def test_config_dir_follows_the_environment(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MAJLIS_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "majlis"
    monkeypatch.setenv("MAJLIS_CONFIG_DIR", str(tmp_path / "x"))
    assert config_dir() == tmp_path / "x"



@pytest.mark.expect_log(r"deliberate warning")
def test_a_declared_warning_passes_the_strict_log_check() -> None:
    """The fixture in conftest.py fails any test on an undeclared warning; declared ones pass."""
    logging.getLogger("app.ui.test").warning("a deliberate warning")
