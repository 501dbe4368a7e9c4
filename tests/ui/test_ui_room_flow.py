"""The app end to end, against a real relay process: windows driven by their own buttons.

The host and one listener are app windows in this process (each with its own room thread, as two
app instances would have); the speaker is a real headless `majlis join --speak` process, so the
audio that lights the host's speaking ring is real speech through real Opus and crypto.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from pathlib import Path

import pytest
from procs import majlis
from relayproc import start_relay
from websockets.asyncio.client import connect

from app.core.roster import Role
from app.ui.qt import QtWidgets
from app.ui.runner import HostPlan, Where
from crypto.errors import CryptoError
from crypto.frame import open_frame, parse_frame_header
from crypto.identity import PublicIdentity
from crypto.invite import Invite
from relay import wire

pytestmark = pytest.mark.integration
WAIT = 20000  # ms; generous for a busy 2-core machine, never a timing assertion


def member_named(window, name: str):  # type: ignore[no-untyped-def]
    return next((m for m in window.room.snapshot.members if m.name == name), None)


def names(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def select(window, name: str) -> None:  # type: ignore[no-untyped-def]
    """Choose a member the way a keyboard user does: make them current in their list."""
    room = window.room
    for view, model in ((room.stage_view, room.stage_model),
                        (room.audience_view, room.audience_model)):
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == name:
                view.setFocus()
                view.setCurrentIndex(model.index(row, 0))
                assert room.member_panel.member is not None
                assert room.member_panel.member.name == name
                return
    raise AssertionError(f"{name} is not in the room")


def confirm(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Click the accepting button of the confirmation box the window just opened."""
    def box() -> QtWidgets.QMessageBox | None:
        found = [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
        return found[-1] if found else None

    qtbot.waitUntil(lambda: box() is not None, timeout=WAIT)
    message_box = box()
    assert message_box is not None
    accept = next(b for b in message_box.buttons()
                  if message_box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    accept.click()


def start_room(qtbot, window, relay_url: str, approve: bool = False) -> str:  # type: ignore[no-untyped-def]
    window.home.start.click()
    dialog = window._dialog
    assert dialog is not None and dialog.isVisible()
    dialog.name.setText("Evening majlis")
    dialog.topic.setText("Books we read this month")
    dialog.on_relay.setChecked(True)
    dialog.relay.setText(relay_url)
    (dialog.approve if approve else dialog.anyone).setChecked(True)
    assert dialog.plan().where is Where.RELAY
    dialog.ok.click()
    qtbot.waitUntil(lambda: window.room.snapshot.invite_link != "", timeout=WAIT)
    return str(window.room.snapshot.invite_link)


def join_room(qtbot, window, link: str) -> None:  # type: ignore[no-untyped-def]
    window.home.link.setText(link)
    window.home.join.click()
    assert window.pages.currentWidget() is window.room


class Spy:
    """A raw relay client holding only the routing id: it sees every frame, and no key."""

    def __init__(self, url: str, routing_id: bytes) -> None:
        self.url, self.routing_id = url, routing_id
        self.frames: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        async with connect(self.url, compression=None) as ws:
            await ws.send(wire.encode(wire.Join(self.routing_id)))
            while not self.stop.is_set():
                try:
                    data = await asyncio.wait_for(ws.recv(), 0.2)
                except TimeoutError:
                    continue
                message = wire.decode_server(data)  # type: ignore[arg-type]
                if isinstance(message, wire.DeliverMedia):
                    self.frames.append(message.payload)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


def finish(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def test_a_room_from_start_to_end(qtbot, make_window, relay, speech_file: Path) -> None:  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    link = start_room(qtbot, host, relay.url)
    code = host.room.snapshot.room_code
    assert code and code in host.room.badge.text()
    assert host.room.end.isVisible() and not host.room.leave.isVisible()

    # A listener in another app window, and a speaker as a headless client.
    omar = make_window("Omar")
    join_room(qtbot, omar, link)
    qtbot.waitUntil(lambda: omar.room.snapshot.state == "in-room", timeout=WAIT)
    assert omar.room.snapshot.room_code == code  # both see the same code to compare
    assert omar.room.title.text() == "Evening majlis"
    sara = majlis("join", link, "--as", "Sara", "--speak", str(speech_file), "--for", "60")
    try:
        # Sara's client raises a hand on arrival; Omar raises his with the button.
        qtbot.waitUntil(lambda: (m := member_named(host, "Sara")) is not None and m.hand,
                        timeout=WAIT)
        assert omar.room.hand.isVisible() and omar.room.hand.text() == "Raise &hand"
        omar.room.hand.click()
        qtbot.waitUntil(lambda: names(host.room.audience_model) == ["Sara", "Omar"]
                        and member_named(host, "Omar").hand, timeout=WAIT)

        # The host invites Omar; he is asked, accepts, and comes on stage muted.
        select(host, "Omar")
        assert host.room.member_panel.invite.isVisible()
        host.room.member_panel.invite.click()
        qtbot.waitUntil(omar.room.stage_banner.isVisible, timeout=WAIT)
        assert member_named(omar, "Omar").role is Role.LISTENER  # nothing without consent
        omar.room.stage_banner.primary.click()
        qtbot.waitUntil(lambda: member_named(host, "Omar").role is Role.SPEAKER, timeout=WAIT)
        qtbot.waitUntil(lambda: member_named(omar, "Omar").role is Role.SPEAKER, timeout=WAIT)
        assert member_named(host, "Omar").muted and member_named(omar, "Omar").muted
        assert omar.room.mute.isVisible() and omar.room.mute.text() == "Un&mute"
        assert "Omar" in names(host.room.stage_model)

        # The host invites Sara; her client accepts and speaks: the ring moves on the host's side.
        select(host, "Sara")
        host.room.member_panel.invite.click()
        sara_id = None

        def sara_speaks() -> bool:
            nonlocal sara_id
            m = member_named(host, "Sara")
            if m is None or not m.role.on_stage:
                return False
            sara_id = m.member_id
            return host.room.roster.level(m.member_id) > 0.005

        qtbot.waitUntil(sara_speaks, timeout=WAIT * 2)
        row = names(host.room.stage_model).index("Sara")
        from app.ui.models import Roles
        assert host.room.stage_model.index(row, 0).data(Roles.LEVEL) > 0.005

        # The host removes Omar: he is told, and the room moves to a key he never gets.
        invite = Invite.parse(link)
        spy = Spy(relay.url, invite.routing_id)
        omar_runner = omar.runner
        assert omar_runner is not None and omar_runner.client is not None
        old_key = omar_runner.client.protocol.keys.current
        assert old_key is not None
        select(host, "Omar")
        host.room.member_panel.remove.click()
        confirm(qtbot, host)
        qtbot.waitUntil(lambda: omar.room.ended, timeout=WAIT)
        assert "removed" in omar.room.status_banner.text.text()
        assert omar.room.status_banner.isVisible()
        assert omar_runner.client.protocol.keys.current is None  # wiped
        qtbot.waitUntil(lambda: member_named(host, "Omar") is None, timeout=WAIT)
        host_client = host.runner.client
        new_key = host_client.protocol.keys.current
        assert new_key.number > old_key.number
        me = host_client.protocol.my_member

        def host_frames() -> list[bytes]:
            return [f for f in list(spy.frames) if (h := parse_frame_header(f)).epoch ==
                    new_key.number and h.member_id == me.member_id]

        qtbot.waitUntil(lambda: len(host_frames()) >= 5, timeout=WAIT)
        spy.close()
        after = host_frames()[:5]
        sender = PublicIdentity(me.key)
        for frame in after:
            open_frame(frame, new_key, sender, me.session)  # members can
            guess = old_key
            for _ in range(4):  # Omar cannot, not even by ratcheting his last key forward
                with pytest.raises(CryptoError):
                    open_frame(frame, guess, sender, me.session)
                guess = guess.ratchet()

        # Omar goes home; the host ends the room for everyone.
        assert not omar.room.status_banner.primary.isVisible()  # no Retry after a removal
        omar.room.home.click()
        assert omar.pages.currentWidget() is omar.home
        host.room.end.click()
        confirm(qtbot, host)
        qtbot.waitUntil(lambda: host.pages.currentWidget() is host.home, timeout=WAIT)
        code_sara, err = finish(sara)
        assert code_sara == 7, err
        assert "The host ended the room." in err
    finally:
        if sara.poll() is None:
            sara.kill()
            sara.wait()


def test_waiting_room_lets_in_and_turns_away(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    host = make_window("Layla")
    link = start_room(qtbot, host, relay.url, approve=True)
    guest = make_window("Huda")
    join_room(qtbot, guest, link)
    qtbot.waitUntil(lambda: guest.room.status_banner.isVisible()
                    and "waiting room" in guest.room.status_banner.text.text(), timeout=WAIT)
    qtbot.waitUntil(host.room.waiting.isVisible, timeout=WAIT)
    shown = host.room.knocks.index(0, 0).data()
    assert shown.startswith("Huda") and guest.identity.public.fingerprint() in shown
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    assert not guest.room.status_banner.isVisible()
    assert not host.room.waiting.isVisible()

    stranger = make_window("Stranger")
    join_room(qtbot, stranger, link)
    qtbot.waitUntil(host.room.waiting.isVisible, timeout=WAIT)
    friend = make_window("Aziz")
    join_room(qtbot, friend, link)
    qtbot.waitUntil(lambda: host.room.knocks.rowCount() == 2, timeout=WAIT)
    host.room.waiting.list.setCurrentIndex(host.room.knocks.index(0, 0))
    assert host.room.knocks.index(0, 0).data().startswith("Stranger")
    host.room.waiting.refuse_button.click()
    qtbot.waitUntil(lambda: stranger.room.ended, timeout=WAIT)
    assert "did not let you in" in stranger.room.status_banner.text.text()
    # The one turned away leaves the host's list at once; the next knock is the one chosen.
    qtbot.waitUntil(lambda: host.room.knocks.rowCount() == 1, timeout=WAIT)
    assert host.room.knocks.index(0, 0).data().startswith("Aziz")
    host.room.waiting.admit_button.click()
    qtbot.waitUntil(lambda: friend.room.snapshot.state == "in-room", timeout=WAIT)
    qtbot.waitUntil(lambda: not host.room.waiting.isVisible(), timeout=WAIT)
    assert not host.room.notice_banner.isVisible()  # never "That is not possible right now."


def test_a_relay_restart_shows_the_banner_and_both_come_back(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    """The relay process stops and starts again on its port: host and guest reconnect by
    themselves, the banner says so meanwhile, and the guest keeps its place in the room."""
    host = make_window("Layla")
    link = start_room(qtbot, host, relay.url)
    guest = make_window("Huda")
    join_room(qtbot, guest, link)
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    qtbot.waitUntil(lambda: "ms" in guest.room.quality.text(), timeout=WAIT)
    me = guest.room.snapshot.me
    port = relay.url.rsplit(":", 1)[1]
    relay.stop()
    qtbot.waitUntil(guest.room.reconnect_banner.isVisible, timeout=WAIT)
    assert "Reconnecting" in guest.room.reconnect_banner.text.text()
    qtbot.waitUntil(host.room.reconnect_banner.isVisible, timeout=WAIT)
    restarted = start_relay("--port", port)
    try:
        qtbot.waitUntil(lambda: not guest.room.reconnect_banner.isVisible()
                        and not host.room.reconnect_banner.isVisible(), timeout=WAIT)
        qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
        assert guest.room.snapshot.me == me and not guest.room.ended and not host.room.ended
        assert any(m.member_id == me for m in host.room.snapshot.members)
    finally:
        restarted.stop()


def test_the_host_moves_the_room_to_the_next_relay_and_the_guest_follows(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                         relay) -> None:
    second = start_relay()
    try:
        host = make_window("Layla")
        host.host(HostPlan("Evening", where=Where.RELAY, relay_url=f"{relay.url} {second.url}"))
        qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
        guest = make_window("Huda")
        join_room(qtbot, guest, host.room.snapshot.invite_link)
        qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
        me = guest.room.snapshot.me
        assert host.room.move_relay.isVisible() and not guest.room.move_relay.isVisible()
        host.room.move_relay.click()
        confirm(qtbot, host)
        qtbot.waitUntil(lambda: guest.room.snapshot.relay == second.url
                        and host.room.snapshot.relay == second.url
                        and guest.room.snapshot.state == "in-room"
                        and me in {m.member_id for m in host.room.snapshot.members}
                        and not host.room.snapshot.away, timeout=WAIT)
        assert guest.room.snapshot.me == me and not guest.room.ended
        assert "moved the room" in guest.room.notice_banner.text.text()
    finally:
        second.stop()
