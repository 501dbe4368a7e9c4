"""The desktop app's preferences, and the opt-in identity file.

Why nothing is written by default: a settings file is itself evidence that someone uses Majlis,
and the people this app is for can have their computers searched. So the app keeps everything in
memory unless the user ticks "Remember my settings on this computer" (settings.json) or "Keep my
identity on this computer" (identity.key, mode 0600). Unticking deletes the file again. Room
keys, invite links, rosters and history are never part of either file.

Plain JSON under the user's config directory rather than QSettings: it keeps this module free of
Qt (the headless client and tests can use it) and makes it obvious what is on disk.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from crypto.identity import Identity

QUALITIES = {"low": 16000, "standard": 24000, "high": 32000}
THEMES = ("system", "light", "dark")
LANGUAGES = ("", "en", "ar", "zh_CN")  # "" follows the system
SETTINGS_FILE = "settings.json"
IDENTITY_FILE = "identity.key"


@dataclass(frozen=True)
class Settings:
    """Everything the user can choose. Devices are kept by name: indices change between boots."""

    display_name: str = ""
    remember: bool = False  # write settings.json at all
    keep_identity: bool = False  # write identity.key
    input_device: str = ""  # "" = the system default
    output_device: str = ""
    push_to_talk: bool = False
    noise_suppression: bool = True  # speexdsp on the microphone (audio/dsp.py)
    echo_cancellation: bool = True  # off for headphones: nothing to cancel, and a little less CPU
    ptt_key: str = "F8"  # a QKeySequence string; F-keys do not depend on the keyboard layout
    quality: str = "high"  # key of QUALITIES
    proxy: str = ""  # "socks5://127.0.0.1:9050" (Tor) or "http://host:port"; "" = direct
    language: str = ""
    theme: str = "system"
    lan_discovery: bool = True  # look for rooms on this network (sends mDNS queries)

    @property
    def bitrate(self) -> int:
        return QUALITIES.get(self.quality, QUALITIES["high"])

    def cleaned(self) -> Settings:
        """Values from a file someone may have edited by hand, forced back into range."""
        return replace(
            self,
            display_name=self.display_name.strip()[:64],
            quality=self.quality if self.quality in QUALITIES else "high",
            theme=self.theme if self.theme in THEMES else "system",
            language=self.language if self.language in LANGUAGES else "",
        )


def config_dir() -> Path:
    """$MAJLIS_CONFIG_DIR, else $XDG_CONFIG_HOME/majlis, else ~/.config/majlis."""
    explicit = os.environ.get("MAJLIS_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "majlis"


def _from_json(data: Any) -> Settings:
    if not isinstance(data, dict):
        return Settings()
    known = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    defaults = asdict(Settings())
    for name in known:
        value = data.get(name, defaults[name])
        if isinstance(value, type(defaults[name])):
            values[name] = value
    return Settings(**values).cleaned()


class SettingsStore:
    """Reads and writes the two opt-in files in one directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else config_dir()

    @property
    def settings_path(self) -> Path:
        return self.directory / SETTINGS_FILE

    @property
    def identity_path(self) -> Path:
        return self.directory / IDENTITY_FILE

    def load(self) -> Settings:
        """The saved settings, or the defaults; a damaged file is treated as absent."""
        try:
            text = self.settings_path.read_text(encoding="utf-8")
        except OSError:
            return Settings(keep_identity=self.identity_path.exists())
        try:
            data = json.loads(text)
        except ValueError:
            return Settings()
        settings = _from_json(data)
        return replace(settings, remember=True, keep_identity=self.identity_path.exists())

    def save(self, settings: Settings) -> None:
        """Write settings.json if the user asked to be remembered, otherwise make sure it is gone.

        Written to a temporary file and renamed, so a crash never leaves half a file.
        """
        if not settings.remember:
            with contextlib.suppress(FileNotFoundError):
                self.settings_path.unlink()
            return
        data = asdict(settings.cleaned())
        data.pop("remember", None)
        data.pop("keep_identity", None)
        self._write(self.settings_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def load_identity(self) -> Identity | None:
        """The kept identity, or None (no file, or a file that is not a 32-byte seed)."""
        try:
            text = self.identity_path.read_text(encoding="ascii").strip()
            seed = bytes.fromhex(text)
        except (OSError, ValueError):
            return None
        if len(seed) != 32:
            return None
        return Identity.from_seed(seed)

    def save_identity(self, identity: Identity) -> None:
        self._write(self.identity_path, identity.seed.hex() + "\n")

    def forget_identity(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.identity_path.unlink()

    def forget_all(self) -> None:
        """Remove both files (and the directory, if it is empty)."""
        self.forget_identity()
        with contextlib.suppress(FileNotFoundError):
            self.settings_path.unlink()
        with contextlib.suppress(OSError):
            self.directory.rmdir()

    def _write(self, path: Path, text: str) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
