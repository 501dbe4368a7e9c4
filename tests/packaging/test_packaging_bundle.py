"""The Linux bundle: desktop entry and AppStream metadata are valid, and the PyInstaller bundle
builds, carries its own libopus and PortAudio, opens a room offscreen and lets a client in.

Building takes about half a minute to two minutes; it runs in CI like everything else.
"""

from __future__ import annotations

import configparser
import os
import select
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "packaging" / "desktop"

pytestmark = pytest.mark.integration


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP / "majlis.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_majlis_links() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "majlis %u"  # %u: the desktop passes the majlis:// link
    assert "x-scheme-handler/majlis;" in entry["MimeType"]
    assert entry["Name[ar]"] == "مجلس" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and entry["Icon"] == "majlis"
    validate = shutil.which("desktop-file-validate")
    if validate:
        subprocess.run([validate, str(DESKTOP / "majlis.desktop")], check=True)


def test_appstream_metadata_is_valid() -> None:
    path = DESKTOP / "org.majlis.Majlis.metainfo.xml"
    root = ET.parse(path).getroot()
    assert root.findtext("id") == "org.majlis.Majlis"
    assert root.find("launchable").text == "majlis.desktop"  # type: ignore[union-attr]
    assert root.find("provides/binary").text == "majlis"  # type: ignore[union-attr]
    tool = shutil.which("appstreamcli")
    if tool:
        result = subprocess.run([tool, "validate", "--no-net", str(path)], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    dist = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, PYTHON=sys.executable)
    result = subprocess.run([str(DESKTOP / "build.sh"), str(dist)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield dist / "majlis"


def run_env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", MAJLIS_CONFIG_DIR=str(tmp_path / "c"),
                PYTHONUNBUFFERED="1")


def first_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 60.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([proc.stdout], [], [], left)[0]:
            break
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line:
            break
    raise AssertionError(f"no {prefix!r} line")


def test_bundle_carries_its_libraries_and_data(bundle: Path) -> None:
    inside = bundle / "_internal"
    for name in ("libopus.so.0", "libportaudio.so.2", "app/ui/i18n/majlis_ar.qm",
                 "app/ui/icons/majlis.svg", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
                 "PySide6/Qt/plugins/platforms/libqxcb.so"):
        assert (inside / name).exists(), name
    for name in ("majlis.desktop", "org.majlis.Majlis.metainfo.xml", "install-user.sh"):
        assert (bundle / name).exists(), name
    assert not (inside / "PySide6" / "QtQml.abi3.so").exists()  # trimmed
    # The venv's libopus 1.5 with neural concealment (scripts/build-opus.sh), not Debian's 1.3.1.
    assert b"libopus 1.5.2" in (inside / "libopus.so.0").read_bytes()


def test_bundle_opens_a_room_offscreen_and_a_client_joins(bundle: Path, tmp_path: Path) -> None:
    app = subprocess.Popen([str(bundle / "majlis"), "--room", "Smoke test", "--print-invite",
                            "--no-lan", "--quit-after", "20"], env=run_env(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        link = first_line(app, "invite: ").split(" ", 1)[1]
        # The bundle's own headless client, through the bundle's own Opus and crypto.
        joiner = subprocess.run([str(bundle / "majlis"), "join", link, "--as", "Ali", "--for",
                                 "3"], env=run_env(tmp_path), capture_output=True, text=True,
                                timeout=60)
        assert joiner.returncode == 0, joiner.stderr
        assert "joined 'Smoke test'" in joiner.stderr
        maps = Path(f"/proc/{app.pid}/maps").read_text()
        assert f"{bundle}/_internal/libopus.so.0" in maps  # the bundled Opus, not the system's
    finally:
        app.terminate()
        _, err = app.communicate(timeout=30)
    assert app.returncode == 0
    problems = [line for line in err.splitlines()
                if line.strip() and "This plugin does not support" not in line]
    assert problems == []
