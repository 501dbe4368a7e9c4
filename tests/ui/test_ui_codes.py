"""Spoken codes in the desktop, a link too slow for the room, and a removal that pauses admission.

Host and joiner are real app windows in a room on a real relay process: the host's Invite
dialog opens a code on the relay (app.code's CodeDesk over a real websocket), the joiner types
it on the home page, the two apps run SPAKE2 through the relay, the joiner sees the room's name
and the host's fingerprint, knocks, and the host's waiting room says which code it came through.
"""

from __future__ import annotations

import re

import pytest

from app.core.events import AdmissionPaused
from app.lan.service import LanRoom
from app.settings import Settings
from app.ui import messages
from app.ui.qt import Qt, QtGui, QtWidgets
from app.ui.runner import HostPlan, Where

WAIT = 20000
CODE = re.compile(r"\b(\d{1,4}-\d{3}-\d{3})\b")


def host_with_code(qtbot, make_window, relay, lang: str = "en", approve: bool = True):  # type: ignore[no-untyped-def]
    host = make_window("Layla", lang=lang)
    host.host(HostPlan("Evening majlis", where=Where.RELAY, relay_url=relay.url,
                       approve_each=approve))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    host.room.show_invite()
    dialog = host.room._invite_dialog
    assert dialog is not None and dialog.codes is not None
    qtbot.waitUntil(dialog.codes.isVisible, timeout=WAIT)
    dialog.codes.make.click()
    qtbot.waitUntil(lambda: len(host.room.codes.live()) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.codes.list.count() == 1, timeout=WAIT)
    return host, dialog, host.room.codes.live()[0].text


def reads_left_to_right(text: str, code: str) -> bool:
    """Whether `code` is laid out left to right inside `text` in a right-to-left paragraph, as
    Qt draws it (positions between its first two and its last two characters)."""
    layout = QtGui.QTextLayout(text, QtWidgets.QApplication.font())
    option = QtGui.QTextOption()
    option.setTextDirection(Qt.LayoutDirection.RightToLeft)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(4000)
    layout.endLayout()
    start = text.index(code)
    return line.cursorToX(start + 1)[0] < line.cursorToX(start + len(code) - 1)[0]


def knock_button(window) -> QtWidgets.QAbstractButton:  # type: ignore[no-untyped-def]
    box = window.knock_box
    assert box is not None
    return next(b for b in box.buttons()
                if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole)


def test_the_invite_panel_offers_a_code_and_the_home_page_joins_with_it(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay) -> None:
    host, dialog, code = host_with_code(qtbot, make_window, relay)
    line = dialog.codes.list.item(0).text()
    assert f"\u2066{code}\u2069" in line  # the digits keep their order in any direction
    assert relay.url in line  # a room on a relay: the joiner needs its address too
    assert "3 tries left" in line
    assert re.search(r"\u2066[45]:\d\d\u2069 left", line)  # counts down from five minutes
    assert "Say code" in dialog.codes.status.text()

    guest = make_window("Huda")
    guest.home.code.setText(f" {code.replace('-', ' ')} ")  # typed as it was heard
    guest.home.code_relay.setEditText(relay.url)
    guest.home.code_join.click()
    qtbot.waitUntil(lambda: guest.knock_box is not None, timeout=WAIT)
    question = guest.knock_box.text()
    assert guest.knock_box.textFormat() == Qt.TextFormat.PlainText  # a name is never markup
    assert "Evening majlis" in question
    assert host.identity.public.fingerprint() in question
    assert guest.runner is not None and not guest.home.code_join.isEnabled()
    knock_button(guest).click()

    qtbot.waitUntil(lambda: host.room.knocks.rowCount() == 1, timeout=WAIT)
    knock = host.room.knocks.index(0, 0)
    assert f"came through code \u2066{code}\u2069" in knock.data()
    assert "came through code" in knock.data(Qt.ItemDataRole.AccessibleTextRole)
    qtbot.waitUntil(lambda: "was used by Huda" in dialog.codes.status.text(), timeout=WAIT)
    assert host.room.codes.live() == []
    assert "used by Huda" in dialog.codes.list.item(0).text()
    # Someone who knocks with the link is not marked: the mark follows the identity key that
    # the code's exchange delivered, not a name anyone can type.
    other = make_window("Huda")
    other.home.link.setText(host.room.snapshot.invite_link)
    other.home.join.click()
    qtbot.waitUntil(lambda: host.room.knocks.rowCount() == 2, timeout=WAIT)
    marks = [host.room.knocks.index(r, 0).data() for r in range(2)]
    assert sum("came through code" in m for m in marks) == 1
    assert "came through code" in marks[0]
    host.room.waiting.list.setCurrentIndex(host.room.knocks.index(0, 0))
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    assert other.room.snapshot.state == "waiting"
    assert guest.pages.currentWidget() is guest.room
    assert guest.room.snapshot.room_name == "Evening majlis"
    assert guest.home.code.text() == ""  # the code did its job
    assert guest.relays_used == [relay.url]  # offered next time, from memory only


def test_a_wrong_code_says_so_and_costs_the_code_a_try(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    _host, dialog, code = host_with_code(qtbot, make_window, relay)
    plate, _, _ = code.partition("-")
    digits = code.replace("-", "")[len(plate):]
    wrong = f"{int(digits) ^ 1:06d}"
    guest = make_window("Huda")
    guest.home.code.setText(f"{plate}-{wrong[:3]}-{wrong[3:]} {relay.url}")  # relay with it
    guest.home.code_join.click()
    qtbot.waitUntil(lambda: "does not match" in guest.home.code_status.text(), timeout=WAIT)
    assert guest.home.code_status.isVisible()
    qtbot.waitUntil(lambda: guest.runner is None, timeout=WAIT)
    assert guest.pages.currentWidget() is guest.home
    assert guest.home.code_join.isEnabled()  # try again
    qtbot.waitUntil(lambda: "did not match (2 of 3 tries left)" in dialog.codes.status.text(),
                    timeout=WAIT)
    assert "2 tries left" in dialog.codes.list.item(0).text()

    guest.home.code.setText("my code is seven")
    guest.home.code_join.click()
    assert guest.home.code_status.text().startswith("This is not a Majlis code.")
    assert guest.runner is None
    guest.home.code.setText("7-451-938")
    guest.home.code_relay.setEditText("")
    guest.home.code_join.click()  # no relay, and no room listed on this network
    assert "Say which relay the code is on" in guest.home.code_status.text()
    guest.home.code_relay.setEditText("relay.example")
    guest.home.code_join.click()
    assert guest.home.code_status.text().startswith("A relay's address starts with wss://")
    assert guest.runner is None
    guest.home.code_relay.setEditText("ws://127.0.0.1:1")  # nothing listens there
    guest.home.code_join.click()
    qtbot.waitUntil(lambda: "Could not reach the relay" in guest.home.code_status.text(),
                    timeout=WAIT)
    assert "nothing is listening there" in guest.home.code_status.toolTip()
    qtbot.waitUntil(lambda: guest.runner is None, timeout=WAIT)


def test_in_arabic_the_code_keeps_its_order_and_failures_are_translated(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay) -> None:
    host, dialog, code = host_with_code(qtbot, make_window, relay, lang="ar")
    assert host.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert f"\u2066{code}\u2069" in dialog.codes.list.item(0).text()
    assert "محاولات" in dialog.codes.list.item(0).text()
    for text in (dialog.codes.list.item(0).text(), dialog.codes.status.text()):
        assert reads_left_to_right(text, code), text
    assert not reads_left_to_right(f"قل الرمز {code} للشخص", code)  # what the isolate prevents
    assert dialog.codes.make.text() == "أنشئ رمزًا &منطوقًا"
    guest = make_window("Huda", lang="ar")
    plate = code.split("-")[0]
    guest.home.code.setText(f"{plate}-000-000" if not code.endswith("000-000")
                            else f"{plate}-111-111")
    guest.home.code_relay.setEditText(relay.url)
    guest.home.code_join.click()
    qtbot.waitUntil(lambda: "الرمز غير مطابق" in guest.home.code_status.text(), timeout=WAIT)
    assert "does not match" in guest.home.code_status.toolTip()  # English detail, a tooltip


def test_choosing_a_room_on_this_network_asks_for_its_code(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window("Omar")
    window.home.set_rooms((LanRoom("a", "ws://192.168.1.20:4040", "Books"),))
    index = window.home.rooms.index(0, 0)
    window.home.lan_list.clicked.emit(index)
    assert window.home.code.hasFocus() or window.focusWidget() is window.home.code
    assert window.home.code_relay.currentText() == "ws://192.168.1.20:4040"
    assert "type the code its host says" in window.home.lan_hint.text()
    # Several rooms listed and none chosen: every listed room is asked (app.code passes over
    # the relays where nobody offers the code).
    window.home.code_relay.setEditText("")
    plans = []
    window.home.codeRequested.connect(plans.append)
    window.home.set_rooms((LanRoom("a", "ws://192.168.1.20:4040", "Books"),
                           LanRoom("b", "ws://192.168.1.21:4040")))
    window.home.codeRequested.disconnect(window.join_code)
    window.home.code.setText("12-345-678")
    window.home.code_join.click()
    assert len(plans) == 1 and plans[0].code.text == "12-345-678"
    assert plans[0].relays == ("ws://192.168.1.20:4040", "ws://192.168.1.21:4040")


@pytest.mark.parametrize(("lang", "speakers", "text"), [
    ("en", 3, "Your connection is too slow for 3 speakers: you will hear gaps."),
    ("en", 1, "Your connection is too slow for 1 speaker: you will hear gaps."),
    ("ar", 2, "اتصالك أبطأ من أن يحمل متحدثَين: ستسمع انقطاعات."),
    ("zh_CN", 4, "你的网络太慢，承载不了 4 位发言人：你会听到断续。"),  # noqa: RUF001
])
def test_a_link_too_slow_for_the_room_is_said_in_the_banner(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay, lang: str, speakers: int, text: str) -> None:
    """The relay's verdict is simulated by calling the client's own hook on its loop thread
    (what app.net.lanes does when the listener's link falls behind; tests/net measure that)."""
    window = make_window("Layla", lang=lang)
    runner = window.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    assert runner is not None
    qtbot.waitUntil(lambda: window.room.snapshot.state == "in-room", timeout=WAIT)
    client, loop = runner.client, runner._loop
    assert client is not None and loop is not None
    loop.call_soon_threadsafe(client._too_slow, speakers)
    qtbot.waitUntil(window.room.notice_banner.isVisible, timeout=WAIT)
    assert window.room.notice_banner.text.text() == text
    assert messages.too_slow(speakers) == text


def remove_guest(qtbot, make_window, relay):  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    qtbot.waitUntil(lambda: host.room.audience_model.rowCount() == 1, timeout=WAIT)
    host.room.audience_view.setCurrentIndex(host.room.audience_model.index(0, 0))
    host.room.member_panel.remove.click()
    box = next(b for b in host.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole).click()
    qtbot.waitUntil(host.room.admission_banner.isVisible, timeout=WAIT)
    assert "no longer come in by themselves" in host.room.admission_banner.text.text()
    qtbot.waitUntil(lambda: guest.room.ended, timeout=WAIT)
    return host, guest


def test_after_a_removal_the_host_can_keep_the_waiting_room(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host, _ = remove_guest(qtbot, make_window, relay)
    link = host.room.snapshot.invite_link
    banner = host.room.admission_banner
    assert banner.primary.text() == "&Keep the waiting room"
    assert banner.secondary.text() == "Start a new room with a ne&w link"
    banner.primary.click()
    assert not banner.isVisible()
    assert host.room.notice_banner.text.text() == messages.waiting_room_kept()
    # Anyone with the (old) link now waits for the host: a new guest knocks.
    again = make_window("Omar")
    again.home.link.setText(link)
    again.home.join.click()
    qtbot.waitUntil(lambda: host.room.knocks.rowCount() == 1, timeout=WAIT)
    assert again.room.snapshot.state == "waiting"


def test_after_a_removal_the_host_can_start_a_new_room_with_a_new_link(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay) -> None:
    host, _ = remove_guest(qtbot, make_window, relay)
    old = host.room.snapshot.invite_link
    host.room.admission_banner.secondary.click()
    box = next(b for b in host.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    assert "a new room opens with a new link" in box.text()
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole).click()
    qtbot.waitUntil(lambda: host.room.snapshot.invite_link not in ("", old), timeout=WAIT)
    qtbot.waitUntil(lambda: host.room._invite_dialog is not None, timeout=WAIT)
    assert host.room._invite_dialog.link_text == host.room.snapshot.invite_link
    assert host.room.snapshot.room_name == "Room" and host.room.snapshot.is_host
    assert not host.room.admission_banner.isVisible()


def _mnemonics(root: QtWidgets.QWidget) -> list[str]:
    """The mnemonic letters of the visible buttons and group boxes of `root`'s window (the
    same rule as test_ui_mnemonics.py, whose helpers this module cannot import)."""
    letters = []
    for w in [root, *root.findChildren(QtWidgets.QWidget)]:
        if not w.isVisible() or w.window() is not root.window():
            continue
        text = w.text() if isinstance(w, QtWidgets.QAbstractButton) else \
            w.title() if isinstance(w, QtWidgets.QGroupBox) else ""
        match = re.search(r"(?<!&)&([^&\s])", text.replace("&&", ""))
        if match:
            letters.append(match.group(1).casefold())
    return letters


def _ring(with_focus: QtGui.QImage, without: QtGui.QImage) -> int:
    """Pixels that differ clearly between a control with and without the focus."""
    a = with_focus.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    b = without.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    if a.size() != b.size():
        return a.width() * a.height()
    return sum(1 for y in range(a.height()) for x in range(a.width())
               if max(abs(((a.pixel(x, y) >> s) & 255) - ((b.pixel(x, y) >> s) & 255))
                      for s in (0, 8, 16)) >= 64)


@pytest.mark.parametrize("lang", ["en", "ar", "zh_CN"])
def test_the_code_panel_by_keyboard_with_unique_mnemonics_and_a_visible_focus(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay, lang: str) -> None:
    host, dialog, _ = host_with_code(qtbot, make_window, relay, lang=lang)
    dialog.codes.list.setCurrentRow(0)
    assert dialog.codes.withdraw.isEnabled()
    letters = _mnemonics(dialog)
    assert len(letters) == len(set(letters)), letters
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    wanted = {w for w in dialog.findChildren(QtWidgets.QWidget)
              if w.isVisibleTo(dialog) and w.isEnabled() and w.focusProxy() is None
              and w.focusPolicy() & Qt.FocusPolicy.TabFocus}
    assert {dialog.codes.make, dialog.codes.withdraw, dialog.codes.list} <= wanted
    dialog.codes.make.setFocus()
    focused: dict[QtWidgets.QWidget, QtGui.QImage] = {}
    for _ in range(3 * len(wanted)):
        focus = QtWidgets.QApplication.focusWidget()
        assert focus is not None
        focused.setdefault(focus, focus.grab().toImage())
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert wanted - set(focused) == set()
    dialog.close_button.setFocus()
    for w in (dialog.codes.make, dialog.codes.withdraw, dialog.codes.list):
        assert _ring(focused[w], w.grab().toImage()) >= w.width() + w.height(), w.accessibleName()
    dialog.codes.withdraw.click()
    qtbot.waitUntil(lambda: host.room.codes.live() == [], timeout=WAIT)
    assert not dialog.codes.withdraw.isEnabled()

    home = make_window("Omar", lang=lang)
    letters = _mnemonics(home)
    assert len(letters) == len(set(letters)), letters
    for w in (home.home.code, home.home.code_relay):
        assert w.accessibleName()


@pytest.mark.parametrize("lang", ["en", "ar", "zh_CN"])
def test_the_removal_banner_speaks_the_language_with_unique_mnemonics(  # type: ignore[no-untyped-def]
        qtbot, make_window, relay, lang: str) -> None:
    host = make_window("Layla", lang=lang)
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: host.room.snapshot.is_host, timeout=WAIT)
    host.room._event(AdmissionPaused("removal"))  # the event as the runner delivers it
    banner = host.room.admission_banner
    assert banner.isVisible()
    english = ("Someone was removed, so people with the link no longer come in by themselves: "
               "they could come back under a new name. Let each person in from the waiting "
               "room, or start a new room with a new link.")
    assert banner.text.text() == messages.admission_paused()
    assert (banner.text.text() == english) == (lang == "en")
    letters = _mnemonics(host)
    assert len(letters) == len(set(letters)), letters


@pytest.mark.integration
def test_a_network_room_is_joined_with_its_code_from_the_listing(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Zeroconf between two windows on 127.0.0.1 (as test_ui_lan.py): the listing gives the
    relay, the code gives the key; anyone-with-the-link, so the member comes in by itself and
    the host is told which code brought them."""
    neighbour = make_window("Huda", settings=Settings(display_name="Huda", lan_discovery=True))
    host = make_window("Layla")
    host.host(HostPlan("Secret circle", where=Where.NETWORK, lan_interfaces=("127.0.0.1",)))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    host.room.show_invite()
    dialog = host.room._invite_dialog
    assert dialog is not None and dialog.codes is not None
    dialog.codes.make.click()
    qtbot.waitUntil(lambda: dialog.codes.list.count() == 1, timeout=WAIT)
    code = host.room.codes.live()[0].text
    assert "ws://" not in dialog.codes.list.item(0).text()  # the listing says where
    qtbot.waitUntil(lambda: neighbour.home.rooms.rowCount() == 1, timeout=WAIT)
    neighbour.home.lan_list.clicked.emit(neighbour.home.rooms.index(0, 0))
    assert neighbour.home.code_relay.currentText() == host.room.snapshot.lan_url
    qtbot.keyClicks(neighbour.home.code, code)
    qtbot.keyClick(neighbour.home.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: neighbour.knock_box is not None, timeout=WAIT)
    assert "Secret circle" in neighbour.knock_box.text()
    knock_button(neighbour).click()
    qtbot.waitUntil(lambda: neighbour.room.snapshot.state == "in-room", timeout=WAIT)
    qtbot.waitUntil(host.room.notice_banner.isVisible, timeout=WAIT)
    assert host.room.notice_banner.text.text() == \
        f"Huda came in through code \u2066{code}\u2069."
    assert neighbour.relays_used == []  # an address on this network is not worth keeping


def test_saying_no_at_the_question_knocks_nowhere(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host, dialog, code = host_with_code(qtbot, make_window, relay)
    guest = make_window("Huda")
    guest.home.code.setText(code)
    guest.home.code_relay.setEditText(relay.url)
    guest.home.code_join.click()
    qtbot.waitUntil(lambda: guest.knock_box is not None, timeout=WAIT)
    box = guest.knock_box
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.RejectRole).click()
    qtbot.waitUntil(lambda: guest.runner is None, timeout=WAIT)
    assert guest.pages.currentWidget() is guest.home
    assert guest.home.code_join.isEnabled() and guest.home.code.text() == code
    assert "was used by Huda" in dialog.codes.status.text()  # the code is spent all the same
    assert host.room.knocks.rowCount() == 0 and host.room.snapshot.knocks == ()
