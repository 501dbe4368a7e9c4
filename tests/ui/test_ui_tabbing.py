"""Every control of a live room is reached with Tab alone, and shows that it has the focus.

A host and a speaker (a second window, invited to the stage and accepting) are in a room on a
real relay. The host chooses the speaker, then presses only Tab: the speaker's volume, verify,
move and remove (what a keyboard user could not reach when the side panel followed the focus
into the audience list) and every other control come round. For each control reached, a
picture of it with the focus is compared with one without: the focus frame must change a clear
ring of pixels (not a faint tint), in the light and the dark theme.
"""

from __future__ import annotations

import pytest

from app.ui import theme
from app.ui.qt import Qt, QtGui, QtWidgets
from app.ui.runner import HostPlan, Where

WAIT = 20000


def controls(root: QtWidgets.QWidget) -> set[QtWidgets.QWidget]:
    found = set()
    for w in root.findChildren(QtWidgets.QWidget):
        if not w.isVisibleTo(root) or not w.isEnabled() or w.focusProxy() is not None:
            continue
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.add(w)
    return found


def changed_pixels(a: QtGui.QImage, b: QtGui.QImage) -> int:
    """Pixels that differ clearly (by a quarter of the range in some channel)."""
    if a.size() != b.size():
        return a.width() * a.height()
    a = a.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    b = b.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    count = 0
    for y in range(a.height()):
        for x in range(a.width()):
            p, q = a.pixel(x, y), b.pixel(x, y)
            if max(abs(((p >> s) & 255) - ((q >> s) & 255)) for s in (0, 8, 16)) >= 64:
                count += 1
    return count


def speaker_room(qtbot, make_window, relay):  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    qtbot.waitUntil(lambda: host.room.audience_model.rowCount() == 1, timeout=WAIT)
    host.room.audience_view.setCurrentIndex(host.room.audience_model.index(0, 0))
    host.room.member_panel.invite.click()
    qtbot.waitUntil(guest.room.stage_banner.isVisible, timeout=WAIT)
    guest.room.stage_banner.primary.click()
    qtbot.waitUntil(lambda: host.room.stage_model.rowCount() == 2, timeout=WAIT)
    return host, guest


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tab_reaches_a_speakers_controls_with_a_visible_focus(qtbot, make_window, relay,  # type: ignore[no-untyped-def]
                                                              scheme: str) -> None:
    host, _ = speaker_room(qtbot, make_window, relay)
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    theme.apply(app, scheme)
    room = host.room
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=WAIT)
    speaker = next(r for r in range(2) if room.stage_model.index(r, 0).data() == "Huda")
    room.stage_view.setFocus()
    room.stage_view.setCurrentIndex(room.stage_model.index(speaker, 0))
    panel = room.member_panel
    assert panel.member is not None and panel.member.name == "Huda"
    wanted = controls(host)
    for w in (panel.volume, panel.verify, panel.audience, panel.remove, panel.cohost):
        assert w in wanted, w.accessibleName()

    focused: dict[QtWidgets.QWidget, QtGui.QImage] = {}
    for _ in range(3 * len(wanted)):
        focus = QtWidgets.QApplication.focusWidget()
        assert focus is not None
        if focus not in focused:
            focused[focus] = focus.grab().toImage()
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
        assert panel.member is not None and panel.member.name == "Huda"  # the panel stays
    missing = [f"{type(w).__name__} {w.accessibleName()!r}" for w in wanted - set(focused)]
    assert missing == []

    room.stage_view.setFocus()
    faint = []
    for w, with_focus in focused.items():
        if w is room.stage_view:
            continue
        without = w.grab().toImage()
        ring = changed_pixels(with_focus, without)
        if ring < w.width() + w.height():
            faint.append(f"{type(w).__name__} {w.accessibleName()!r}: {ring} px")
    assert faint == []
