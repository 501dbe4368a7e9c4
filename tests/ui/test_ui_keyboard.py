"""The keyboard does what people expect: the push-to-talk chord, Space and Enter on buttons.

The room runs against a real relay process; key events go through Qt's own dispatch (qtbot), so
the room's application-wide key filter sees them exactly as it would see a person's keys.
"""

from __future__ import annotations

import pytest

from app.settings import Settings
from app.ui.qt import Qt, QtCore, QtWidgets
from app.ui.runner import HostPlan, Where

WAIT = 20000


def hosted(qtbot, make_window, relay, ptt_key: str):  # type: ignore[no-untyped-def]
    host = make_window(settings=Settings(display_name="Layla", lan_discovery=False,
                                         push_to_talk=True, ptt_key=ptt_key))
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: host.room.snapshot.my_member is not None
                    and host.room.invite.isVisible(), timeout=WAIT)
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=WAIT)
    return host


def message_box(window) -> QtWidgets.QMessageBox | None:  # type: ignore[no-untyped-def]
    found = [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
    return found[-1] if found else None


def test_push_to_talk_keeps_its_chord(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host = hosted(qtbot, make_window, relay, "Ctrl+Space")
    room = host.room
    assert "Ctrl+Space" in room.ptt_hint.text()
    gate = host.runner.client.speaking.chain.gate
    room.stage_view.setFocus()
    qtbot.waitUntil(room.stage_view.hasFocus, timeout=WAIT)
    qtbot.keyClick(room.stage_view, Qt.Key.Key_Space)  # Space alone is not the chord
    assert not room._ptt_down
    assert room.snapshot.my_member.muted
    qtbot.keyPress(room.stage_view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert room._ptt_down
    qtbot.waitUntil(lambda: gate.key_held and not room.snapshot.my_member.muted, timeout=WAIT)
    qtbot.keyRelease(room.stage_view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not gate.key_held, timeout=WAIT)
    # The chord also works while a button has the focus: Ctrl is not something a button uses.
    room.invite.setFocus()
    qtbot.keyPress(room.invite, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: gate.key_held, timeout=WAIT)
    qtbot.keyRelease(room.invite, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: not gate.key_held, timeout=WAIT)  # letting go of Ctrl ends it too


@pytest.mark.parametrize("key", [Qt.Key.Key_Space, Qt.Key.Key_Return])
def test_a_key_on_a_focused_button_presses_the_button(qtbot, make_window, relay,  # type: ignore[no-untyped-def]
                                                      key: Qt.Key) -> None:
    """Space is the push-to-talk key here: on the focused "End room" button it must press the
    button (which asks first), and neither unmute nor count as consent."""
    host = hosted(qtbot, make_window, relay, "Space")
    room = host.room
    room.end.setFocus()
    qtbot.waitUntil(room.end.hasFocus, timeout=WAIT)
    qtbot.keyClick(room.end, key)
    qtbot.waitUntil(lambda: message_box(host) is not None, timeout=WAIT)
    assert "End the room" in message_box(host).windowTitle()
    assert not room._ptt_down
    assert room.snapshot.my_member.muted
    gate = host.runner.client.speaking.chain.gate
    assert not gate.key_held
    message_box(host).reject()
    qtbot.waitUntil(lambda: message_box(host) is None, timeout=WAIT)
    qtbot.wait(200)  # the activation changes the box's closing brings are all delivered
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=WAIT)
    # Elsewhere (the member list), Space is push-to-talk as chosen.
    room.stage_view.setFocus()
    qtbot.waitUntil(room.stage_view.hasFocus, timeout=WAIT)
    qtbot.keyPress(room.stage_view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: gate.key_held, timeout=WAIT)
    qtbot.keyRelease(room.stage_view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not gate.key_held, timeout=WAIT)
    assert QtCore.QCoreApplication.instance() is not None
