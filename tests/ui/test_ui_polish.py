"""What people notice: attention from the background, co-host changes, settings in the room,
proxies and the network, the start dialog, renaming, forgetting, dialogs and the mute button.

Rooms run on a real relay process with real app windows; the pure pieces (device names, LAN
addresses, sentences) are checked directly.
"""

from __future__ import annotations

import pytest

from app.client import Outcome
from app.core.roster import Role
from app.settings import Settings
from app.ui import messages
from app.ui.audio import Device
from app.ui.common import plain
from app.ui.live import ConnectionStats
from app.ui.qt import Qt, QtWidgets
from app.ui.runner import HostPlan, Where
from app.ui.settingsdialog import SettingsDialog, offered_devices, proxy_problem
from app.ui.startroom import StartRoomDialog

WAIT = 20000


def room_with_guest(qtbot, make_window, relay, approve: bool = False):  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url, approve_each=approve))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText("Join us tonight: " + host.room.snapshot.invite_link + " (bring tea)")
    guest.home.join.click()  # the link is found inside the pasted message
    return host, guest


def choose(window, name: str) -> None:  # type: ignore[no-untyped-def]
    room = window.room
    for view, model in ((room.stage_view, room.stage_model),
                        (room.audience_view, room.audience_model)):
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == name:
                view.setCurrentIndex(model.index(row, 0))
                return
    raise AssertionError(name)


def test_knocks_and_hands_in_the_background_show_a_count(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host, guest = room_with_guest(qtbot, make_window, relay, approve=True)
    guest.activateWindow()  # the host's window is in the background
    qtbot.waitUntil(lambda: guest.room.title.text() == "Waiting to be let in…", timeout=WAIT)
    assert not guest.room.split.isVisible()  # no empty room around the waiting joiner
    qtbot.waitUntil(lambda: host.windowTitle().startswith("(1) "), timeout=WAIT)
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    assert guest.room.split.isVisible()
    assert guest.home.link.text() == ""  # in: the link has done its job
    qtbot.waitUntil(lambda: not host.windowTitle().startswith("("), timeout=WAIT)
    guest.room.hand.click()
    qtbot.waitUntil(lambda: host.windowTitle().startswith("(1) "), timeout=WAIT)


def test_cohost_is_told_and_can_be_removed(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host, guest = room_with_guest(qtbot, make_window, relay)
    qtbot.waitUntil(lambda: host.room.audience_model.rowCount() == 1, timeout=WAIT)
    choose(host, "Huda")
    panel = host.room.member_panel
    panel.invite.click()  # invited, not answered yet: the host sees it
    qtbot.waitUntil(lambda: "invited to the stage" in str(host.room.audience_model.index(
        0, 0).data(Qt.ItemDataRole.AccessibleTextRole)), timeout=WAIT)
    guest.room.stage_banner.secondary.click()  # not now
    qtbot.waitUntil(lambda: panel.cohost.isVisible() and panel.member is not None
                    and not panel.member.invited, timeout=WAIT)
    panel.cohost.click()
    qtbot.waitUntil(lambda: guest.room.notice_banner.isVisible()
                    and "co-host" in guest.room.notice_banner.text.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: plain(panel.cohost.text()) == "Remove co-host", timeout=WAIT)
    panel.cohost.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.my_member is not None
                    and guest.room.snapshot.my_member.role is Role.SPEAKER, timeout=WAIT)


def test_settings_from_the_room_and_a_mute_button_that_keeps_its_place(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                        relay) -> None:
    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: host.room.mute.isVisible(), timeout=WAIT)
    room = host.room
    muted_width, muted_x = room.mute.width(), room.invite.x()
    assert not room.mute.property("accent")  # muted: plain
    room.mute.click()
    qtbot.waitUntil(lambda: plain(room.mute.text()) == "Mute", timeout=WAIT)
    QtWidgets.QApplication.processEvents()
    assert room.mute.property("accent")  # live: filled, and looks it
    assert (room.mute.width(), room.invite.x()) == (muted_width, muted_x)
    room.settings.click()
    dialog = host._dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    flags = dialog.windowFlags()
    assert not flags & Qt.WindowType.WindowMinimizeButtonHint
    assert not flags & Qt.WindowType.WindowMaximizeButtonHint
    dialog.reject()


def test_with_a_proxy_nobody_looks_on_the_network(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(settings=Settings(display_name="Huda", lan_discovery=True,
                                           proxy="tor"))
    assert not window.lan.active
    assert "proxy" in window.home.lan_empty.text()
    assert proxy_problem("tor") == proxy_problem("system") == ""  # as the headless client
    assert proxy_problem("tor:9050") != ""
    via = messages.quality(ConnectionStats(40.0, 0.0), "Tor")
    assert via.endswith("via Tor")


def test_start_dialog_explains_and_remembers(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    window = make_window("Layla")
    dialog = StartRoomDialog(("127.0.0.1",), "", window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("Book club")
    dialog.on_relay.setChecked(True)
    dialog.relay.setText("relay.example.org")
    assert not dialog.ok.isEnabled()
    assert dialog.problem.isVisible() and "wss://" in dialog.problem.text()
    dialog.relay.setText(relay.url)
    assert dialog.ok.isEnabled() and not dialog.problem.isVisible()
    dialog.approve.setChecked(True)
    window.host(dialog.plan())
    qtbot.waitUntil(lambda: bool(window.room.snapshot.invite_link), timeout=WAIT)
    window.room.end.click()
    box = next(b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole).click()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.home, timeout=WAIT)
    window.home.start.click()
    again = window._dialog
    assert isinstance(again, StartRoomDialog)
    assert again.on_relay.isChecked() and again.relay.text() == relay.url
    assert again.approve.isChecked()
    again.reject()


def test_rename_and_forget_everything(qtbot, make_window, config_dir) -> None:  # type: ignore[no-untyped-def]
    window = make_window(settings=Settings(display_name="Layla", lan_discovery=False,
                                           remember=True))
    dialog = window.open_settings()
    dialog.name.setText("Layla A.")
    dialog.ok.click()
    assert window.settings.display_name == "Layla A."
    assert "Layla A." in window.home.hello.text()
    assert (config_dir / "settings.json").exists()
    dialog = window.open_settings()
    dialog.forget.click()  # asks first
    box = next(b for b in dialog.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    assert (config_dir / "settings.json").exists()
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole).click()
    assert not (config_dir / "settings.json").exists()
    assert window.forgotten is not None and window.forgotten.isVisible()  # and says so
    window.forgotten.accept()


def test_device_lists_offer_devices_not_alsa_plumbing() -> None:
    devices = [Device(0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2, 2),
               Device(1, "sysdefault", 128, 128), Device(2, "default", 32, 32),
               Device(3, "pulse", 32, 32), Device(4, "dmix", 0, 2),
               Device(5, "Monitor of Built-in Audio", 2, 0), Device(6, "pipewire", 64, 64),
               Device(7, "surround51", 0, 6)]
    mics = offered_devices(devices, True)
    assert mics == [("HDA Intel PCH: ALC3246 Analog (hw:0,0)", "HDA Intel PCH: ALC3246 Analog"),
                    ("pulse", "PulseAudio"), ("pipewire", "PipeWire")]
    assert [name for name, _ in offered_devices(devices, False)] == [
        "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "pulse", "pipewire"]


@pytest.mark.parametrize(("url", "lan"), [("ws://192.168.1.20:8765", True),
                                          ("ws://[fe80::1]:8765", True),
                                          ("ws://127.0.0.1:8765", False),
                                          ("wss://relay.example.org", False)])
def test_an_ended_room_on_this_network_is_not_a_relay_problem(url: str, lan: bool) -> None:
    assert messages.is_lan_url(url) is lan
    text = messages.for_outcome(Outcome(3, "connection refused"), False,
                                lan=messages.is_lan_url(url))
    assert ("no longer on this network" in str(text)) is lan
