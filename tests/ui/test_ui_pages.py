"""First run, home, the start dialog and settings: what each writes (nothing, unless asked)."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from app.settings import Settings
from app.ui.live import accepts_proxy
from app.ui.runner import HostPlan, Where, relay_urls
from app.ui.settingsdialog import SettingsDialog, proxy_problem
from app.ui.startroom import StartRoomDialog, relay_url_problem
from crypto.identity import Identity
from crypto.invite import Invite

WAIT = 20000


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*")) if directory.exists() else []


def test_first_run_makes_an_identity_in_memory_and_writes_nothing(qtbot, make_window,
                                                                  config_dir: Path) -> None:
    window = make_window(settings=Settings(lan_discovery=False))
    page = window.first_run
    assert window.pages.currentWidget() is page
    assert page.fingerprint.text() == f"\u2066{window.identity.public.fingerprint()}\u2069"
    assert not page.go.isEnabled() and not page.keep_identity.isChecked()
    old = window.identity.public.fingerprint()
    page.new_key.click()
    assert window.identity.public.fingerprint() in page.fingerprint.text()
    assert old not in page.fingerprint.text()
    qtbot.keyClicks(page.name, "Layla")
    assert page.go.isEnabled()
    page.go.click()
    assert window.pages.currentWidget() is window.home
    assert "Layla" in window.home.hello.text()
    assert window.identity.public.fingerprint() in window.home.who.text()
    assert files(config_dir) == []


def test_opting_in_keeps_the_identity_and_settings_only(qtbot, make_window,
                                                        config_dir: Path) -> None:
    window = make_window(settings=Settings(lan_discovery=False))
    page = window.first_run
    page.name.setText("Layla")
    page.keep_identity.setChecked(True)
    page.remember.setChecked(True)
    page.go.click()
    assert files(config_dir) == ["identity.key", "settings.json"]
    key = config_dir / "identity.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert Identity.from_seed(bytes.fromhex(key.read_text())).public == window.identity.public
    saved = json.loads((config_dir / "settings.json").read_text())
    assert saved["display_name"] == "Layla"
    assert not {"remember", "keep_identity"} & saved.keys()

    dialog = window.open_settings()
    dialog.keep_identity.setChecked(False)
    dialog.remember.setChecked(False)
    dialog.ok.click()
    assert files(config_dir) == []


def test_a_bad_link_is_explained_and_a_dead_relay_ends_in_a_sentence(qtbot, make_window) -> None:
    window = make_window()
    home = window.home
    home.link.setText("majlis://join#not-a-room")
    home.join.click()
    assert home.link_error.isVisible() and "copy the whole link" in home.link_error.text()
    assert window.pages.currentWidget() is home

    dead = Invite.create(["ws://127.0.0.1:9"], Identity.generate().public.key).to_link()
    home.link.setText(dead)
    with qtbot.waitSignal(home.joinRequested):
        home.join.click()
    qtbot.waitUntil(lambda: window.room.ended, timeout=WAIT)
    assert "Could not reach the relay" in window.room.status_banner.text.text()
    room = window.room
    assert room.roster.rowCount() == 0 and not room.quality.isVisible()  # nothing looks live
    assert room.title.text() == "Not connected"
    assert room.status_banner.primary.isVisible()  # Retry: joins the same invite again
    room.status_banner.primary.click()
    qtbot.waitUntil(lambda: window.runner is not None or not room.ended, timeout=WAIT)
    qtbot.waitUntil(lambda: room.ended and window.runner is None, timeout=WAIT)
    room.home.click()
    assert window.pages.currentWidget() is home
    assert home.link.text() == dead  # kept for another try (a failed join clears nothing)


def test_a_room_on_several_relays_lists_them_all_in_its_invite(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host = make_window()
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=f"{relay.url} ws://127.0.0.1:9/x"))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    assert Invite.parse(host.room.snapshot.invite_link).relays == (relay.url,
                                                                   "ws://127.0.0.1:9/x")


def test_with_a_proxy_set_the_app_never_connects_without_it(qtbot, make_window, relay) -> None:
    host = make_window()
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda", settings=Settings(display_name="Huda", lan_discovery=False,
                                                  proxy="socks5://127.0.0.1:9050"))
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    if accepts_proxy():  # the transport routes through the (absent) proxy: nothing gets out
        qtbot.waitUntil(lambda: guest.room.ended, timeout=WAIT)
        assert "proxy" in guest.room.status_banner.text.text()
        assert len(host.room.snapshot.members) == 1  # nobody got in around the proxy
    else:  # this build cannot use a proxy: it refuses to connect at all
        qtbot.waitUntil(lambda: guest.room.ended, timeout=WAIT)
        assert "proxy" in guest.room.status_banner.toolTip()
        assert "through the proxy" in guest.room.status_banner.text.text()
    assert len(host.room.snapshot.members) == 1  # nobody knocked

    # A room on this computer's own relay needs no proxy, and still opens with one set.
    guest.room.home.click()
    guest.host(HostPlan("Local", where=Where.COMPUTER))
    qtbot.waitUntil(lambda: bool(guest.room.snapshot.invite_link), timeout=WAIT)


def test_start_dialog_builds_the_plan_and_checks_the_relay_address(qtbot) -> None:
    dialog = StartRoomDialog(("192.168.1.20",))
    qtbot.addWidget(dialog)
    assert dialog.on_network.isChecked() and dialog.visible.isEnabled()
    assert not dialog.ok.isEnabled()
    dialog.name.setText("  Book club  ")
    dialog.visible.setChecked(True)
    dialog.approve.setChecked(True)
    plan = dialog.plan()
    assert (plan.room_name, plan.where, plan.visible, plan.approve_each, plan.lan_interfaces) == \
        ("Book club", Where.NETWORK, True, True, ("192.168.1.20",))
    dialog.on_relay.setChecked(True)
    assert not dialog.visible.isEnabled() and not dialog.ok.isEnabled()
    dialog.relay.setText("wss://relay.example.org")
    assert dialog.ok.isEnabled()
    assert dialog.plan().visible is False and dialog.plan().lan_interfaces == ()
    assert relay_url_problem("https://example.org") and not relay_url_problem("ws://10.0.0.2:8765")
    dialog.relay.setText("wss://one.example/r, wss://two.example/r  ws://10.0.0.2:8765")
    assert dialog.ok.isEnabled()  # several relays: the invite lists them all, in this order
    assert relay_urls(dialog.plan().relay_url) == ["wss://one.example/r", "wss://two.example/r",
                                                   "ws://10.0.0.2:8765"]
    assert relay_url_problem("wss://one.example https://two.example")
    assert relay_url_problem(" ".join(f"wss://r{i}.example" for i in range(9)))

    offline = StartRoomDialog(())
    qtbot.addWidget(offline)
    assert not offline.on_network.isEnabled() and offline.on_computer.isChecked()


def test_settings_round_trip_and_proxy_validation(qtbot) -> None:
    dialog = SettingsDialog(Settings(quality="standard", ptt_key="F9"))
    qtbot.addWidget(dialog)
    assert dialog.quality.currentData() == "standard"
    assert not dialog.devices_note.isHidden() or dialog.input.count() > 1
    dialog.proxy.setText("tor please")
    assert not dialog.ok.isEnabled() and not dialog.proxy_error.isHidden()
    dialog.proxy.setText("socks5://127.0.0.1:9050")
    assert dialog.ok.isEnabled()
    dialog.quality.setCurrentIndex(dialog.quality.findData("low"))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.ptt.setChecked(True)
    assert dialog.noise.isChecked() and dialog.echo.isChecked()  # on unless turned off
    dialog.echo.setChecked(False)
    result = dialog.result_settings()
    assert result.noise_suppression and not result.echo_cancellation
    assert (result.quality, result.bitrate, result.theme, result.push_to_talk, result.ptt_key,
            result.proxy) == ("low", 16000, "dark", True, "F9", "socks5://127.0.0.1:9050")
    assert proxy_problem("") == "" and proxy_problem("http://proxy:3128") == ""
    assert proxy_problem("socks5://127.0.0.1") != ""


def test_microphone_test_shows_a_live_level_from_a_thread(qtbot) -> None:
    import numpy as np

    class Tone:
        def __init__(self) -> None:
            t = np.arange(960) / 48000
            self.frame = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
            self.stopped = False

        def read_frame(self):  # type: ignore[no-untyped-def]
            return self.frame

        def write_frame(self, pcm) -> None:  # type: ignore[no-untyped-def]
            pass

        def stop(self) -> None:
            self.stopped = True

    tone = Tone()
    dialog = SettingsDialog(Settings(), probe_factory=lambda capture, playback: tone)
    qtbot.addWidget(dialog)
    dialog.test.setChecked(True)
    qtbot.waitUntil(lambda: dialog.meter.value() > 20, timeout=WAIT)
    dialog.test.setChecked(False)
    qtbot.waitUntil(lambda: tone.stopped, timeout=WAIT)
    assert dialog.meter.value() == 0


def test_push_to_talk_opens_the_microphone_only_while_the_key_is_down(
        qtbot, make_window, relay) -> None:
    from app.ui.qt import QtCore, QtGui

    host = make_window(settings=Settings(display_name="Layla", lan_discovery=False,
                                         push_to_talk=True, ptt_key="F8"))
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: host.room.snapshot.my_member is not None, timeout=WAIT)
    assert host.room.snapshot.my_member.muted and host.room.ptt_hint.isVisible()
    gate = host.runner.client.speaking.chain.gate
    assert gate.push_to_talk and not gate.key_held
    qtbot.keyPress(host.room.stage_view, QtCore.Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: not host.room.snapshot.my_member.muted, timeout=WAIT)  # first press
    qtbot.waitUntil(lambda: gate.key_held, timeout=WAIT)
    qtbot.keyRelease(host.room.stage_view, QtCore.Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: not gate.key_held, timeout=WAIT)  # silent again, nothing announced
    assert not host.room.snapshot.my_member.muted
    assert QtGui.QKeySequence("F8").toString() in host.room.ptt_hint.text()


def test_invite_dialog_copies_the_link_and_draws_a_qr_code(qtbot, tmp_path: Path) -> None:
    from app.ui.invite import InviteDialog, qr_image
    from app.ui.qt import QtGui

    link = Invite.create(["ws://127.0.0.1:8765"], Identity.generate().public.key).to_link()
    dialog = InviteDialog(link, "Book club")
    qtbot.addWidget(dialog)
    dialog.copy.click()
    assert QtGui.QGuiApplication.clipboard().text() == link
    assert not dialog.qr.isVisible()
    dialog.show()
    dialog.show_qr.click()
    assert dialog.qr.isVisible()
    image = qr_image(link, scale=1)
    assert image.width() == image.height() >= 25 + 8
    zbar = shutil.which("zbarimg")
    if zbar:  # decode it back where a decoder is installed
        path = tmp_path / "qr.png"
        qr_image(link, scale=4).save(str(path))
        out = subprocess.run([zbar, "-q", "--raw", str(path)], capture_output=True, text=True)
        assert out.stdout.strip() == link


@pytest.mark.parametrize("theme", ["light", "dark", "system"])
def test_themes_apply(qtbot, theme: str) -> None:
    from app.ui import theme as themes
    from app.ui.qt import QtWidgets

    app = QtWidgets.QApplication.instance()
    themes.apply(app, theme)  # type: ignore[arg-type]
    dark = themes.is_dark(app.palette())  # type: ignore[union-attr]
    assert dark == (theme == "dark") or theme == "system"
    themes.apply(app, "light")  # type: ignore[arg-type]
