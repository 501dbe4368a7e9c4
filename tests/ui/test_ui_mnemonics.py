"""One mnemonic, one control: Alt+letter never has two candidates in a window, in any language.

Every window and dialog is opened in the states people meet (a host with a waiting room, a
chosen listener and a chosen speaker; a guest invited to the stage; a room that ended), in
English, Arabic and Chinese, and the mnemonics of everything visible at once are compared.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from app.settings import Settings
from app.ui.invite import InviteDialog
from app.ui.qt import QtWidgets
from app.ui.runner import HostPlan, Where
from app.ui.settingsdialog import SettingsDialog
from app.ui.startroom import StartRoomDialog

WAIT = 20000
LANGS = ["en", "ar", "zh_CN"]


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' ("加入(&J)" -> "j"), or None."""
    match = re.search(r"(?<!&)&([^&\s])", text.replace("&&", ""))
    return match.group(1).casefold() if match else None


def clashes(root: QtWidgets.QWidget) -> dict[str, list[str]]:
    """Mnemonics that more than one visible control of `root`'s window answers to."""
    found: dict[str, list[str]] = defaultdict(list)
    widgets = [root, *root.findChildren(QtWidgets.QWidget)]
    for w in widgets:
        if not w.isVisible() or w.window() is not root.window():
            continue
        texts: list[str] = []
        buddy = w.buddy() if isinstance(w, QtWidgets.QLabel) else None
        if isinstance(w, QtWidgets.QAbstractButton) or (buddy is not None
                                                         and buddy.isVisible()):
            texts.append(w.text())
        elif isinstance(w, QtWidgets.QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QtWidgets.QTabBar):
            texts.extend(w.tabText(i) for i in range(w.count()) if w.isTabVisible(i))
        for text in texts:
            letter = mnemonic(text)
            if letter:
                found[letter].append(text)
    return {k: v for k, v in found.items() if len(v) > 1}


def choose(window, name: str) -> None:  # type: ignore[no-untyped-def]
    room = window.room
    for view, model in ((room.stage_view, room.stage_model),
                        (room.audience_view, room.audience_model)):
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == name:
                view.setCurrentIndex(model.index(row, 0))
                return
    raise AssertionError(name)


@pytest.mark.parametrize("lang", LANGS)
def test_pages_and_dialogs_have_unique_mnemonics(qtbot, make_window, lang: str) -> None:  # type: ignore[no-untyped-def]
    first = make_window(lang=lang, settings=Settings(display_name=""))
    assert clashes(first) == {}
    home = make_window("Omar", lang=lang)
    assert clashes(home) == {}
    start = StartRoomDialog(("127.0.0.1",), "", home)
    start.show()
    assert clashes(start) == {}
    start.close()
    settings = SettingsDialog(Settings(), parent=home)
    settings.show()
    for index in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(index)
        assert clashes(settings) == {}, settings.tabs.tabText(index)
    settings.close()
    invite = InviteDialog("majlis://join#x", "Room", home)
    invite.show()
    invite.copy.click()
    assert clashes(invite) == {}
    invite.close()


@pytest.mark.parametrize("lang", LANGS)
def test_room_views_have_unique_mnemonics(qtbot, make_window, relay, lang: str) -> None:  # type: ignore[no-untyped-def]
    host = make_window("Layla", lang=lang)
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url, approve_each=True))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    link = host.room.snapshot.invite_link
    guest = make_window("Huda", lang=lang)
    guest.home.link.setText(link)
    guest.home.join.click()
    qtbot.waitUntil(host.room.waiting.isVisible, timeout=WAIT)
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    late = make_window("Karim", lang=lang)
    late.home.link.setText(link)
    late.home.join.click()
    qtbot.waitUntil(host.room.waiting.isVisible, timeout=WAIT)

    qtbot.waitUntil(lambda: host.room.audience_model.rowCount() == 1, timeout=WAIT)
    choose(host, "Huda")  # a listener: invite, co-host, remove, verify, volume
    assert host.room.member_panel.invite.isVisible()
    assert clashes(host) == {}
    choose(guest, "Layla")
    assert clashes(guest) == {}

    host.room.member_panel.invite.click()
    qtbot.waitUntil(guest.room.stage_banner.isVisible, timeout=WAIT)
    assert clashes(guest) == {}  # join the stage / not now, beside the guest's own controls
    guest.room.stage_banner.primary.click()
    qtbot.waitUntil(lambda: host.room.stage_model.rowCount() == 2, timeout=WAIT)
    choose(host, "Huda")  # a speaker: move to the audience, co-host, remove
    assert host.room.member_panel.audience.isVisible()
    assert clashes(host) == {}
    qtbot.waitUntil(guest.room.mute.isVisible, timeout=WAIT)
    assert clashes(guest) == {}

    host.room.waiting.refuse_button.click()
    qtbot.waitUntil(lambda: late.room.ended, timeout=WAIT)
    assert clashes(late) == {}  # the ended room

    host.close()  # the question a host gets on closing the window
    qtbot.waitUntil(lambda: host._close_box is not None, timeout=WAIT)
    box = host._close_box
    assert box is not None
    assert clashes(box) == {}
    box.button(QtWidgets.QMessageBox.StandardButton.Cancel).click()
