"""Import rules for the desktop app: one Qt import module; app/lan and settings stay Qt-free."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_qt_module_imports_the_binding() -> None:
    files = [*sorted((ROOT / "app" / "ui").glob("*.py")), ROOT / "app" / "main.py"]
    offenders = [f.name for f in files if f.name != "qt.py"
                 and any(n.split(".")[0] in ("PySide6", "PyQt6", "PyQt5", "shiboken6")
                         for n in imported(f))]
    assert offenders == []


def test_lan_and_settings_do_not_need_qt() -> None:
    code = ("import sys, app.lan.browse, app.lan.advertise, app.settings; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'app.ui') or m.startswith('app.ui')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_portaudio_is_loaded_only_when_a_device_is_opened() -> None:
    """The app starts on a machine without PortAudio; the library loads with the first device."""
    code = ("import sys, app.ui.window, app.ui.settingsdialog; "
            "print('sounddevice' in sys.modules, '_sounddevice' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin"})
    assert out.stdout.split() == ["False", "False"]
