"""Accessibility: every control has an accessible name and is reached with the Tab key alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.settings import Settings
from app.ui.invite import InviteDialog
from app.ui.qt import Qt, QtCore, QtWidgets
from app.ui.runner import HostPlan, Where
from app.ui.settingsdialog import SettingsDialog
from app.ui.startroom import StartRoomDialog
from crypto.identity import Identity
from crypto.invite import Invite

WAIT = 20000


def controls(root: QtWidgets.QWidget) -> Iterator[QtWidgets.QWidget]:
    """Widgets a keyboard user can land on: shown, enabled, taking focus from Tab."""
    for w in root.findChildren(QtWidgets.QWidget):
        if not w.isVisibleTo(root) or not w.isEnabled():
            continue
        if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or w.focusProxy() is not None:
            continue
        parent = w.parentWidget()
        if isinstance(parent, (QtWidgets.QKeySequenceEdit, QtWidgets.QAbstractSpinBox)):
            continue  # the inner editor of a compound control, which carries the name
        yield w


def unnamed(root: QtWidgets.QWidget) -> list[str]:
    return [f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
            for w in controls(root) if not w.accessibleName().strip()]


def reached_by_tab(qtbot, root: QtWidgets.QWidget, presses: int = 80) -> set[QtWidgets.QWidget]:  # type: ignore[no-untyped-def]
    root.activateWindow()
    root.raise_()
    qtbot.waitUntil(root.isActiveWindow, timeout=WAIT)
    seen: set[QtWidgets.QWidget] = set()
    for _ in range(presses):
        focus = QtWidgets.QApplication.focusWidget()
        if focus is not None:
            seen.add(focus)
        target = focus or root
        qtbot.keyClick(target, Qt.Key.Key_Tab)
    return seen


def hosted_room(qtbot, make_window, relay):  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url, approve_each=True))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    qtbot.waitUntil(host.room.waiting.isVisible, timeout=WAIT)
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    qtbot.waitUntil(lambda: host.room.audience_model.rowCount() == 1, timeout=WAIT)
    host.room.audience_view.setCurrentIndex(host.room.audience_model.index(0, 0))
    return host, guest


def test_every_control_on_every_page_has_an_accessible_name(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    first = make_window(settings=Settings(lan_discovery=False))
    assert unnamed(first) == []
    home = make_window("Omar")
    assert unnamed(home) == []
    host, guest = hosted_room(qtbot, make_window, relay)
    assert host.room.member_panel.invite.isVisible()
    assert unnamed(host) == []
    assert unnamed(guest) == []
    dialogs: list[QtWidgets.QDialog] = [
        StartRoomDialog(("127.0.0.1",)), InviteDialog(
            Invite.create(["ws://127.0.0.1:1"], Identity.generate().public.key).to_link(), "R")]
    settings = SettingsDialog(Settings())
    for dialog in [*dialogs, settings]:
        qtbot.addWidget(dialog)
        dialog.show()
    for index in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(index)
        assert unnamed(settings) == [], settings.tabs.tabText(index)
    for dialog in dialogs:
        assert unnamed(dialog) == []


def test_the_member_list_items_speak_for_themselves(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host, _ = hosted_room(qtbot, make_window, relay)
    index = host.room.stage_model.index(0, 0)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Layla, you, host, muted"
    index = host.room.audience_model.index(0, 0)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Huda, listener"


@pytest.mark.parametrize("page", ["first-run", "home", "room"])
def test_tab_reaches_every_control(qtbot, make_window, relay, page: str) -> None:  # type: ignore[no-untyped-def]
    if page == "first-run":
        window = make_window(settings=Settings(lan_discovery=False))
        window.first_run.name.setText("Layla")
    elif page == "home":
        window = make_window("Omar")
        window.home.link.setText("majlis://join#x")
    else:
        window, _ = hosted_room(qtbot, make_window, relay)
    wanted = set(controls(window))
    reached = reached_by_tab(qtbot, window)
    missing = [f"{type(w).__name__} {w.accessibleName()!r}" for w in wanted - reached]
    assert missing == []


def test_start_dialog_is_complete_by_keyboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = StartRoomDialog(("127.0.0.1",))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Book club")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # the default button starts the room
    assert dialog.plan().room_name == "Book club"
    assert QtCore.QCoreApplication.instance() is not None
