"""The main window: first run, home and room pages, and the app's one room runner at a time.

Shutdown is the part that matters for safety: closing the window, Ctrl+Q, `--quit-after` and
SIGTERM all go through `shutdown()`, which leaves the room (a host ends it, so everyone's keys are
dropped), waits for the room thread to close its devices, stops LAN browsing, and only then
closes. It never blocks the GUI: it waits for the runner's `finished` signal, with a deadline so
a dead network cannot keep the app open.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace

from app.client import AudioSettings
from app.code.link import Redeemed
from app.settings import Settings, SettingsStore
from app.ui import artwork, codes, theme
from app.ui.common import Retranslates, plain
from app.ui.firstrun import FirstRunPage
from app.ui.home import HomePage
from app.ui.lanbridge import LanWatcher
from app.ui.languages import Translations
from app.ui.messages import is_lan_url
from app.ui.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from app.ui.room import RoomPage
from app.ui.runner import (
    CodePlan,
    HostPlan,
    JoinPlan,
    RoomRunner,
    RoomSnapshot,
    RunnerOptions,
    Where,
    relay_urls,
)
from app.ui.settingsdialog import SettingsDialog
from app.ui.startroom import StartRoomDialog
from crypto.identity import Identity
from crypto.invite import Invite

log = logging.getLogger(__name__)

SHUTDOWN_DEADLINE_MS = 4000


class MainWindow(Retranslates, QtWidgets.QMainWindow):
    shutDown = Signal()  # emitted once everything is closed

    def __init__(self, store: SettingsStore, settings: Settings, identity: Identity,
                 translations: Translations, *, lan_interfaces: tuple[str, ...] = (),
                 devices: bool = True, print_invite: bool = False,
                 relay_url: str = "") -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.identity = identity
        self.translations = translations
        self.lan_interfaces = lan_interfaces
        self.devices = devices
        self.print_invite = print_invite
        self.relay_url = relay_url
        self.runner: RoomRunner | None = None
        self._last_invite: Invite | None = None  # for Retry; memory only, like the room
        self._retry_pending = False
        self._clear_link = False
        self._last_plan: HostPlan | None = None
        self._attention_count = 0
        self.forgotten: QtWidgets.QMessageBox | None = None
        self._printed = False
        self._home_pending = False
        self._rehost: HostPlan | None = None  # a new room once this one has ended
        self.relays_used: list[str] = []  # offered for the next code; memory only
        self.knock_box: QtWidgets.QMessageBox | None = None  # "join this room?" after a code
        self._shutting_down = False
        self._closed = False
        self._dialog: QtWidgets.QDialog | None = None
        self._close_box: QtWidgets.QMessageBox | None = None
        self.setWindowIcon(artwork.app_icon())
        self.resize(980, 680)

        self.pages = QtWidgets.QStackedWidget(self)
        self.setCentralWidget(self.pages)
        self.first_run = FirstRunPage(identity, translations.language, self)
        self.home = HomePage(self)
        self.room = RoomPage(identity.public.key, self)
        for page in (self.first_run, self.home, self.room):
            self.pages.addWidget(page)
        # Parentless on purpose (as is each RoomRunner): their threads emit signals, and an
        # object owned by Python lives as long as a thread still holds it, whereas a child would
        # be deleted with the window while a late emit is on its way.
        self.lan = LanWatcher()
        self.lan.roomsChanged.connect(self.home.set_rooms)

        self.first_run.completed.connect(self._first_run_done)
        self.first_run.languageChosen.connect(self._language_chosen)
        self.first_run.newKeyRequested.connect(self._new_key)
        self.home.joinRequested.connect(self.join)
        self.home.codeRequested.connect(self.join_code)
        self.home.startRequested.connect(self.ask_start)
        self.home.settingsRequested.connect(self.open_settings)
        self.home.discoveryToggled.connect(self._discovery_toggled)
        self.room.homeRequested.connect(self.go_home)
        self.room.retryRequested.connect(self.retry)
        self.room.settingsRequested.connect(self.open_settings)
        self.room.attentionChanged.connect(self._attention)
        self.room.newRoomRequested.connect(self._new_room)
        self.home.discovery.setChecked(settings.lan_discovery)
        self.room.set_push_to_talk(self._ptt_key())

        quit_action = QtGui.QAction(self)
        quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        prefs = QtGui.QAction(self)
        prefs.setShortcuts([QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Preferences),
                            QtGui.QKeySequence("Ctrl+,")])
        prefs.triggered.connect(self.open_settings)
        self.addActions([quit_action, prefs])
        self.retranslate()

        if settings.display_name:
            self.go_home()
        else:
            self.pages.setCurrentWidget(self.first_run)
            self.first_run.name.setFocus()

    # -- pages -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        room = self.room.snapshot.room_name if self.pages.currentWidget() is self.room else ""
        title = self.tr("%1 — Majlis").replace("%1", room) if room else self.tr("Majlis")
        waiting = self.room.attention() if self.pages.currentWidget() is self.room else 0
        if waiting:  # knocks and raised hands, visible in the taskbar while in the background
            title = f"({waiting}) {title}"
        if title != self.windowTitle():  # runs on every snapshot: set only what changed
            self.setWindowTitle(title)

    def go_home(self) -> None:
        if self.runner is not None and self.runner.outcome is None:
            self._home_pending = True  # still closing the room: `finished` brings us home
            return
        self._home_pending = False
        self.runner = None
        self.home.set_person(self.settings.display_name, self.identity.public.fingerprint())
        self.pages.setCurrentWidget(self.home)
        self._sync_lan()
        self.retranslate()
        self.home.start.setFocus()

    def _first_run_done(self, name: str, keep_identity: bool, remember: bool) -> None:
        self.apply_settings(replace(self.settings, display_name=name, keep_identity=keep_identity,
                                    remember=remember))
        self.go_home()

    def _language_chosen(self, code: str) -> None:
        self.settings = replace(self.settings, language=code)
        self.translations.set_language(code)

    def _new_key(self) -> None:
        self.set_identity(Identity.generate())

    def set_identity(self, identity: Identity) -> None:
        self.identity = identity
        self.first_run.set_identity(identity)
        self.room.my_key = identity.public.key
        self.room.member_panel.my_key = identity.public.key
        if self.settings.keep_identity:
            self.store.save_identity(identity)

    def _discovery_toggled(self, on: bool) -> None:
        if on != self.settings.lan_discovery:
            self.apply_settings(replace(self.settings, lan_discovery=on))
        self._sync_lan()

    def _sync_lan(self) -> None:
        # With a proxy set (Tor), this computer hides where it is: mDNS queries would tell the
        # local network that Majlis runs here, so no looking for rooms then.
        proxy = bool(self.settings.proxy.strip())
        if proxy != self.home.proxy_set:
            self.home.proxy_set = proxy
            self.home.show_rooms_state()
        want = (self.settings.lan_discovery and bool(self.lan_interfaces) and not proxy
                and self.pages.currentWidget() is self.home and not self._shutting_down)
        if want and not self.lan.active:
            self.lan.start(self.lan_interfaces)
            self.home.looking_started()
        elif not want and self.lan.active:
            self.lan.stop()

    # -- rooms -----------------------------------------------------------------------------

    def _options(self) -> RunnerOptions:
        s = self.settings
        audio = AudioSettings(input_device=s.input_device or None,
                              output_device=s.output_device or None,
                              noise_suppression=s.noise_suppression,
                              echo_cancellation=s.echo_cancellation) if self.devices else None
        return RunnerOptions(audio=audio, bitrate=s.bitrate, proxy=s.proxy,
                             push_to_talk=s.push_to_talk)

    def _new_runner(self, title: str) -> RoomRunner:
        runner = RoomRunner(self.identity, self.settings.display_name or "Guest",
                            self._options())
        self.runner = runner
        self.room.attach(runner, title)
        runner.roomChanged.connect(self._room_changed)
        runner.finished.connect(self._runner_finished)
        self.pages.setCurrentWidget(self.room)
        self._sync_lan()
        return runner

    def ask_start(self) -> None:
        dialog = StartRoomDialog(self.lan_interfaces, self.relay_url, self, last=self._last_plan)
        dialog.accepted.connect(lambda: self.host(dialog.plan()))
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def host(self, plan: HostPlan) -> RoomRunner | None:
        if self.runner is not None or self._shutting_down:
            return None
        self._last_plan = plan  # the start dialog offers the same choices next time (memory only)
        if plan.where is Where.RELAY:
            self._remember_relays(relay_urls(plan.relay_url))
        runner = self._new_runner(plan.room_name)
        self.room.join_relay = ""
        runner.host(plan)
        return runner

    def join(self, invite: Invite) -> RoomRunner | None:
        if self.runner is not None or self._shutting_down:
            return None
        self._last_invite = invite
        self._clear_link = True
        runner = self._new_runner("")
        self.room.join_relay = invite.relays[0] if invite.relays else ""
        runner.join(JoinPlan(invite))
        return runner

    def _new_room(self) -> None:
        """After a removal: end this room for everyone and open a new one, with a new link,
        on the same choices (docs/THREAT_MODEL.md, "Removal")."""
        plan = self._last_plan
        if plan is None or self.runner is None:
            return
        self._rehost = plan
        self.runner.stop()

    def _remember_relays(self, urls: list[str]) -> None:
        for url in urls:
            if url and not is_lan_url(url) and url not in self.relays_used:
                self.relays_used.insert(0, url)
        del self.relays_used[8:]
        self.home.set_relays(self.relays_used)

    def join_code(self, plan: CodePlan) -> RoomRunner | None:
        """Trade a spoken code for the room's invite on a runner of its own (its identity is
        the one that knocks, so the host can see the knock came through the code), show the
        room's name and host, and knock only after the person says yes."""
        if self.runner is not None or self._shutting_down:
            return None
        runner = RoomRunner(self.identity, self.settings.display_name or "Guest",
                            self._options())
        self.runner = runner
        queued = Qt.ConnectionType.QueuedConnection
        runner.codeProgress.connect(self.home.code_progress, queued)
        runner.codeFailed.connect(self.home.code_failed, queued)
        runner.codeRedeemed.connect(self._ask_knock, queued)
        runner.finished.connect(self._code_finished, queued)
        runner.finished.connect(self._runner_finished)
        self.home.code_started()
        runner.redeem(plan)
        return runner

    def _ask_knock(self, got: Redeemed) -> None:
        runner = self.runner
        if runner is None or self._shutting_down:
            return
        box, knock = codes.knock_question(got, self)

        def answered() -> None:
            yes = box.clickedButton() is knock and self.runner is runner
            self.knock_box = None
            if yes:
                self._last_invite = got.invite
                if got.relay_url not in self.home.listed_urls():  # the listing has it
                    self._remember_relays([got.relay_url])
                self.room.attach(runner, got.room_name)
                self.room.join_relay = got.relay_url
                runner.roomChanged.connect(self._room_changed)
                self.pages.setCurrentWidget(self.room)
                self._sync_lan()
                self.home.code_ended(clear=True)
            else:
                self.home.code_ended()
            runner.confirm_code(yes)

        box.finished.connect(answered)
        self.knock_box = box
        box.open()

    def _code_finished(self) -> None:
        if self.pages.currentWidget() is not self.room:
            self.home.code_ended()

    def receive_link(self, link: str) -> None:
        """An invite from a second launch (the desktop's majlis:// handler; app.ui.single):
        come to the front and join it, or keep it on the home page while in a room."""
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        if self._shutting_down:
            return
        if self.pages.currentWidget() is self.first_run:
            self.first_run.completed.connect(lambda *_: self.home.open_link(link))
        elif self.runner is None:
            self.go_home()
            self.home.open_link(link)
        else:
            self.home.link.setText(link)
            self.room.another_link()

    def _attention(self, count: int) -> None:
        """A knock or a raised hand while the window is in the background: the title shows the
        count (above), and the taskbar is asked to flag the window (an urgency hint)."""
        more, self._attention_count = count > self._attention_count, count
        self.retranslate()
        if more and not self.isActiveWindow():
            QtWidgets.QApplication.alert(self)
            QtWidgets.QApplication.beep()

    def _room_changed(self, snap: RoomSnapshot) -> None:
        self.retranslate()
        if snap.state == "in-room" and self._clear_link:
            self._clear_link = False  # in: the link has done its job (kept until then, to retry)
            if self._last_invite is not None and \
                    self._last_invite.to_link() in self.home.link.text():
                self.home.link.clear()
        if self.print_invite and snap.is_host and snap.invite_link and not self._printed:
            self._printed = True
            print(f"invite: {snap.invite_link}", flush=True)

    def retry(self) -> None:
        """Join the last invite again (the Retry of a failed join or a lost connection)."""
        if self._last_invite is None or self._shutting_down:
            return
        if self.runner is not None:
            self._retry_pending = True  # still closing the failed attempt: `finished` retries
            return
        self.join(self._last_invite)

    def _runner_finished(self) -> None:
        self.runner = None
        if self._shutting_down:
            self._finish_shutdown()
        elif self._rehost is not None:
            plan, self._rehost = self._rehost, None
            if self.host(plan) is not None:
                self.room.invite_when_ready = True
        elif self._retry_pending:
            self._retry_pending = False
            self.retry()
        elif self._home_pending:
            self.go_home()

    # -- settings --------------------------------------------------------------------------

    def _ptt_key(self) -> QtGui.QKeySequence | None:
        if not self.settings.push_to_talk:
            return None
        return QtGui.QKeySequence(self.settings.ptt_key)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, parent=self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.result_settings()))
        dialog.forgetRequested.connect(self._forget_everything)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()
        return dialog

    def apply_settings(self, new: Settings) -> None:
        """Use `new` at once, and write to disk only what the user opted into."""
        old, self.settings = self.settings, new
        if new.language != old.language or not self.translations.language:
            self.translations.set_language(new.language)
        if new.theme != old.theme:
            app = QtWidgets.QApplication.instance()
            if isinstance(app, QtWidgets.QApplication):
                theme.apply(app, new.theme)
        self.store.save(new)
        if new.keep_identity and not old.keep_identity:
            self.store.save_identity(self.identity)
        elif not new.keep_identity and old.keep_identity:
            self.store.forget_identity()
        self.room.set_push_to_talk(self._ptt_key())
        if self.runner is not None:
            self.runner.set_push_to_talk(new.push_to_talk)
        self.home.discovery.setChecked(new.lan_discovery)
        self._sync_lan()
        if self.pages.currentWidget() is self.home:
            self.home.set_person(new.display_name, self.identity.public.fingerprint())

    def _forget_everything(self) -> None:
        self.store.forget_all()
        self.settings = replace(self.settings, remember=False, keep_identity=False)
        if self._dialog is not None:
            self._dialog.reject()
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, self.tr("Forgotten"),
                                    self.tr("Majlis deleted everything it kept on this "
                                            "computer. Nothing is saved until you tick a box "
                                            "in Settings again."),
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.forgotten = box  # for tests: the feedback shown

    # -- shutdown --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Leave the room, close devices and the network, then close the window. Idempotent."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.lan.stop()
        runner = self.runner
        if runner is not None and runner.running:
            runner.stop()
            QtCore.QTimer.singleShot(SHUTDOWN_DEADLINE_MS, self._finish_shutdown)
        else:
            self._finish_shutdown()

    def _finish_shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.runner is not None and self.runner.running:
            log.warning("the room did not close in time; quitting anyway")
        self.runner = None
        self.lan.wait(1.0)
        self.close()
        self.shutDown.emit()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        event.ignore()
        if self._hosting() and not self._shutting_down:
            self.ask_close()  # closing would end the room for everyone: ask, as End room does
            return
        self.shutdown()

    def _hosting(self) -> bool:
        runner = self.runner
        return (runner is not None and runner.running and self.room.snapshot.is_host
                and not self.room.ended)

    def ask_close(self) -> QtWidgets.QMessageBox:
        """Closing the window of a room we host: end it for everyone, keep it minimised, or
        not close at all. SIGTERM and --quit-after do not ask (nobody is there to answer)."""
        if self._close_box is not None:
            self._close_box.raise_()
            return self._close_box
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Close Majlis?"))
        box.setText(self.tr("You are hosting this room. Closing Majlis ends the room for "
                            "everyone and throws its keys away."))
        box.setInformativeText(self.tr("To keep the room going, minimise the window instead."))
        end = box.addButton(self.tr("&End the room and quit"),
                            QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        minimise = box.addButton(self.tr("Mi&nimise"), QtWidgets.QMessageBox.ButtonRole.ActionRole)
        cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        for b in (end, minimise, cancel):
            b.setAccessibleName(plain(b.text()))
        box.setDefaultButton(minimise)
        box.setEscapeButton(cancel)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self._close_box = box

        def done() -> None:
            self._close_box = None
            if box.clickedButton() is end:
                self.shutdown()
            elif box.clickedButton() is minimise:
                self.showMinimized()

        box.finished.connect(done)
        box.open()
        return box


def excepthook_to_log() -> None:
    """Uncaught exceptions in Qt slots go to the log (and fail tests) instead of vanishing."""
    def hook(kind: type[BaseException], value: BaseException, tb: object) -> None:
        log.error("uncaught exception", exc_info=(kind, value, tb))  # type: ignore[arg-type]

    sys.excepthook = hook
