"""Languages: the translation files are complete and current, and the app really uses them.

Arabic lays the windows out right to left, and no Latin words are left on its screens except
names, addresses and codes; Chinese shows Chinese. Switching language needs no restart.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.settings import Settings
from app.ui import lupdate
from app.ui.languages import I18N_DIR, LANGUAGES
from app.ui.qt import Qt, QtWidgets
from app.ui.runner import HostPlan, Where

WAIT = 20000
# Latin text that belongs in any language: people's and rooms' names, addresses, units, brands.
ALLOWED_LATIN = re.compile(
    r"[0-9A-F]{4}( [0-9A-F]{4}){3}|majlis://join#…|wss?://…?|socks5://[\w.:]+|http://[\w.:]+|"
    r"host:port|\bkbit/s\b|\bQR\b|\bTor\b|\bF\d+\b|Layla|Huda|Evening majlis|Books")


def messages(path: Path) -> list[ET.Element]:
    return [m for ctx in ET.parse(path).getroot() for m in ctx.findall("message")]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_string_is_translated(language: str) -> None:
    found = messages(I18N_DIR / f"majlis_{language}.ts")
    assert len(found) > 150
    for m in found:
        source = m.findtext("source") or ""
        translation = m.find("translation")
        assert translation is not None and translation.get("type") is None, source
        forms = [f.text or "" for f in translation.findall("numerusform")]
        texts = forms if m.get("numerus") == "yes" else [translation.text or ""]
        assert all(t.strip() for t in texts), source
        for placeholder in ("%1", "%2"):
            assert all((placeholder in source) == (placeholder in t) for t in texts), source
    if language == "ar":
        plural = next(m for m in found if m.get("numerus") == "yes")
        assert len(plural.findall("translation/numerusform")) == 6  # zero, one, two, few, many


def test_translation_files_match_the_source_and_the_compiled_files(tmp_path: Path) -> None:
    """lupdate finds no new or vanished strings, and lrelease gives the committed .qm bytes."""
    for language in LANGUAGES:
        committed_ts = lupdate.ts_path(language)
        fresh_ts = lupdate.ts_path(language, tmp_path)
        shutil.copy(committed_ts, fresh_ts)
        lupdate.update([fresh_ts])
        assert fresh_ts.read_text("utf-8") == committed_ts.read_text("utf-8"), \
            f"{committed_ts.name} is stale: run python -m app.ui.lupdate"
        fresh_qm = lupdate.qm_path(language, tmp_path)
        lupdate.release(committed_ts, fresh_qm)
        assert fresh_qm.read_bytes() == lupdate.qm_path(language).read_bytes(), \
            f"{language}: the .qm is stale: run python -m app.ui.lupdate"


def visible_texts(root: QtWidgets.QWidget) -> list[str]:
    texts: list[str] = []
    for w in root.findChildren(QtWidgets.QWidget):
        if not w.isVisibleTo(root):
            continue
        if isinstance(w, (QtWidgets.QLabel, QtWidgets.QAbstractButton)):
            texts.append(w.text())
        elif isinstance(w, QtWidgets.QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QtWidgets.QLineEdit):
            texts.append(w.placeholderText())
        elif isinstance(w, QtWidgets.QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        texts.append(w.accessibleName())
    return [t for t in texts if t]


def latin_leftovers(texts: list[str]) -> list[str]:
    return [t for t in texts if re.search(r"[A-Za-z]{2,}", ALLOWED_LATIN.sub("", t))]


def test_arabic_is_right_to_left_and_fully_translated(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    first = make_window(settings=Settings(lan_discovery=False), lang="ar")
    assert QtWidgets.QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert first.isRightToLeft()
    assert first.first_run.title.text() == "أهلًا بك في مجلس"
    assert latin_leftovers(visible_texts(first)) == []

    host = make_window("Layla", lang="ar")
    home = host.home
    assert latin_leftovers(visible_texts(host)) == []
    # Right to left: the reading start (name, greeting) is on the right, actions on the left.
    assert home.start.mapTo(host, home.start.rect().center()).x() < \
        home.hello.mapTo(host, home.hello.rect().center()).x()

    host.host(HostPlan("Evening majlis", topic="Books", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.room_code), timeout=WAIT)
    room = host.room
    assert latin_leftovers(visible_texts(host)) == []
    assert room.title.mapTo(host, room.title.rect().topRight()).x() > host.width() * 0.5
    assert room.end.mapTo(host, room.end.rect().center()).x() > \
        room.mute.mapTo(host, room.mute.rect().center()).x()
    assert room.stage_view.isRightToLeft()
    code = host.room.snapshot.room_code
    assert f"\u2066{code}\u2069" in room.badge.text()  # digits stay in order inside Arabic
    dialog = host.open_settings()
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        assert latin_leftovers(visible_texts(dialog)) == [], dialog.tabs.tabText(index)
    assert dialog.cancel.text() == "إلغاء"


def test_english_is_left_to_right(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window("Layla", lang="en")
    home = window.home
    assert not window.isRightToLeft()
    assert len(latin_leftovers(visible_texts(window))) > 10  # the checker does see English
    assert home.start.mapTo(window, home.start.rect().center()).x() > \
        home.hello.mapTo(window, home.hello.rect().center()).x()


def test_chinese_is_shown_and_language_switches_live(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window("Layla", lang="zh_CN")
    assert window.home.start.text() == "开一个房间(&T)"
    assert window.home.start.accessibleName() == "开一个房间"
    dialog = window.open_settings()  # dialogs and the window follow too (common.Retranslates)
    window.translations.set_language("ar")  # Qt posts LanguageChange to every widget
    qtbot.waitUntil(lambda: window.home.start.text() == "ابدأ &غرفة", timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.cancel.text() == "إلغاء", timeout=WAIT)
    assert window.isRightToLeft()
    window.translations.set_language("en")
    qtbot.waitUntil(lambda: window.home.start.text() == "S&tart a room", timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.cancel.text() == "Cancel", timeout=WAIT)
    assert not window.isRightToLeft()


def test_translations_are_found_for_system_locales() -> None:
    from app.ui.languages import resolve

    assert resolve("") in LANGUAGES
    assert resolve("ar") == "ar" and resolve("xx") == "en"
