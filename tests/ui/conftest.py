"""Fixtures for the desktop app's tests: offscreen Qt, strict logs, windows with a private config.

QT_QPA_PLATFORM is set here, before anything imports Qt, so no test ever needs a display. Every
test fails on a Qt warning or a Python log record at WARNING or above that it did not declare
with `@pytest.mark.expect_log("regex", ...)`: a warning nobody expected is a bug nobody saw.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Messages the offscreen platform itself prints for every window; they say nothing about us.
PLATFORM_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
    r"QFont::setPointSizeF: Point size <= 0",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "expect_log(*patterns): log lines this test may produce")
    config.addinivalue_line("markers", "slow: runs a minute or more (still part of the suite)")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def strict_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("expect_log")
    allowed = [re.compile(p) for p in (*PLATFORM_NOISE, *(marker.args if marker else ()))]
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    capture = getattr(request.node, "qt_log_capture", None)
    qt_records = [r for r in (capture.records if capture else ())
                  if r.matches_level("WARNING")]
    bad = [f"Qt {r.type_name}: {r.message}" for r in qt_records
           if not any(a.search(r.message) for a in allowed)]
    bad += [f"log {r.levelname} {r.name}: {r.getMessage()}" for r in handler.records
            if not any(a.search(r.getMessage()) for a in allowed)]
    if bad:
        pytest.fail("unexpected log output:\n" + "\n".join(bad), pytrace=False)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config directory: tests never read or write the real one."""
    path = tmp_path / "config"
    monkeypatch.setenv("MAJLIS_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def make_window(qtbot, config_dir: Path) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Open MainWindows like the app does, and shut each down cleanly after the test."""
    from app.settings import Settings, SettingsStore
    from app.ui import theme
    from app.ui.languages import Translations
    from app.ui.qt import QtWidgets
    from app.ui.window import MainWindow
    from crypto.identity import Identity

    windows: list[MainWindow] = []
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    translations = Translations(app)

    def make(name: str = "Layla", lang: str = "en", lan: tuple[str, ...] = ("127.0.0.1",),
             settings: Settings | None = None) -> MainWindow:
        translations.set_language(lang)
        theme.apply(app, "light")
        base = settings or Settings(display_name=name, lan_discovery=False)
        window = MainWindow(SettingsStore(config_dir), base, Identity.generate(), translations,
                            lan_interfaces=lan, devices=False)
        window.show()
        windows.append(window)
        return window

    yield make
    # Not qtbot.addWidget: pytest-qt would close and delete the windows before a room thread
    # could report back, which is exactly the shutdown path these windows must get right.
    for window in windows:
        if not window._closed:
            with qtbot.waitSignal(window.shutDown, timeout=10000):
                window.shutdown()
        window.deleteLater()
    translations.clear()


@pytest.fixture
def speech_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from procs import speech_wav

    path = tmp_path_factory.getbasetemp() / "ui-speech.wav"
    if not path.exists():
        speech_wav(path, "Peace be upon you. Can everyone hear me on the stage? "
                         "We speak freely here, and nobody else is listening.")
    return path
