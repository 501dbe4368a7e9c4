"""The room: who is on stage and who listens, the controls, and everything the room tells us.

It shows only what the runner sends (snapshots, events, figures) and hands intents back to it;
it never waits for the network. The speaking rings follow `RoomRunner.levels()`, polled 30 times
a second. Push-to-talk listens for its key application-wide while the user is on stage.
"""

from __future__ import annotations

from app.client import Outcome
from app.core import events as ev
from app.core.protocol import RoomProtocol
from app.core.roster import Role
from app.ui import messages
from app.ui.codes import CodeBoard
from app.ui.common import LanguageAware, confirm, label, ltr, plain, set_text, set_visible
from app.ui.invite import InviteDialog
from app.ui.live import ConnectionStats
from app.ui.models import KnockModel, Roles, RosterFilter, RosterModel
from app.ui.pushtotalk import PushToTalkKey
from app.ui.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from app.ui.roomnotices import RoomNotices
from app.ui.roomparts import RoomLayout
from app.ui.runner import RoomRunner, RoomSnapshot

LEVEL_POLL_MS = 33
RETRY_CODES = (1, 3, 4)  # went wrong, relay unreachable or link lost, room not (yet) there


class RoomPage(RoomNotices, RoomLayout, LanguageAware):
    homeRequested = Signal()
    retryRequested = Signal()  # join the same invite again (after a failed join or lost link)
    settingsRequested = Signal()
    attentionChanged = Signal(int)  # knocks and raised hands waiting for a host's answer
    newRoomRequested = Signal()  # after a removal: end this room, start one with a new link

    def __init__(self, my_key: bytes, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.my_key = my_key
        self.runner: RoomRunner | None = None
        self.snapshot = RoomSnapshot()
        self.stats = ConnectionStats()
        self.ended = False
        self.verified: set[bytes] = set()
        self.gains: dict[int, float] = {}
        self.selected: int | None = None
        self.ptt_key: PushToTalkKey | None = None
        self._ptt_down = False
        self._invite_dialog: InviteDialog | None = None
        self._shown_muted: bool | None = None
        self.join_relay = ""  # the first relay of the invite being joined (before any snapshot)
        self.roster = RosterModel(self)
        self.stage_model = RosterFilter(self.roster, stage=True, parent=self)
        self.audience_model = RosterFilter(self.roster, stage=False, parent=self)
        self.knocks = KnockModel(self)
        self.codes = CodeBoard(self)  # the spoken codes this host offered (app.ui.codes)
        self.invite_when_ready = False  # a new room after a removal: show its invite at once
        self.build()
        self._connect()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(LEVEL_POLL_MS)
        self.timer.timeout.connect(self._poll_levels)
        self.retranslate()

    # -- construction ----------------------------------------------------------------------

    def _connect(self) -> None:
        self.badge.clicked.connect(self._explain_encryption)
        self.mute.clicked.connect(self._toggle_mute)
        self.hand.clicked.connect(self._toggle_hand)
        self.invite.clicked.connect(self.show_invite)
        self.leave.clicked.connect(self._leave)
        self.end.clicked.connect(self._end)
        self.move_relay.clicked.connect(self._move)
        self.home.clicked.connect(self.homeRequested)
        self.settings.clicked.connect(self.settingsRequested)
        self.stage_banner.primaryClicked.connect(self._accept_stage)
        self.stage_banner.secondaryClicked.connect(self._decline_stage)
        self.status_banner.primaryClicked.connect(self.retryRequested)
        self.notice_banner.primaryClicked.connect(self.notice_banner.hide)
        self.admission_banner.primaryClicked.connect(self._keep_waiting_room)
        self.admission_banner.secondaryClicked.connect(self._ask_new_room)
        for view in (self.stage_view, self.audience_view):
            # The panel follows the selection, not the focus: Tab from a chosen speaker on the
            # stage through the audience list must not swap the panel for a listener before
            # it reaches the speaker's volume, verify, move and remove.
            view.selectionModel().selectionChanged.connect(
                lambda selected, _old, v=view: self._select(v, v.currentIndex())
                if selected.indexes() else None)
        p = self.member_panel
        p.inviteToStage.connect(lambda mid: self._act(lambda r, now: r.invite_to_stage(mid, now)))
        p.moveToAudience.connect(lambda mid: self._act(
            lambda r, now: r.move_to_audience(mid, now)))
        p.makeCohost.connect(lambda mid: self._act(lambda r, now: r.make_cohost(mid, now)))
        p.removeCohost.connect(lambda mid: self._act(
            lambda r, now: r.set_role(mid, Role.SPEAKER, now)))
        p.removeMember.connect(self._remove)
        p.verifiedChanged.connect(self._verified)
        p.volumeChanged.connect(self._volume)
        self.waiting.admit.connect(lambda kid: self._act(lambda r, now: r.admit(kid, now)))
        self.waiting.refuse.connect(lambda kid: self._act(lambda r, now: r.refuse(kid, now)))

    # -- the runner ------------------------------------------------------------------------

    def attach(self, runner: RoomRunner, title: str = "") -> None:
        """Show a new room (connecting) driven by `runner`."""
        self.runner = runner
        self.snapshot = RoomSnapshot(room_name=title)
        self.stats = ConnectionStats()
        self.ended = False
        self.verified.clear()
        self.gains.clear()
        self.selected = None
        self.roster.clear()
        self.knocks.set_knocks(())
        self.codes.clear()
        for b in (self.reconnect_banner, self.stage_banner, self.status_banner,
                  self.notice_banner, self.admission_banner):
            b.hide()
        queued = Qt.ConnectionType.QueuedConnection
        runner.roomChanged.connect(self._room_changed, queued)
        runner.eventReceived.connect(self._event, queued)
        runner.statsChanged.connect(self._stats, queued)
        runner.reconnectingChanged.connect(self._reconnecting, queued)
        runner.refused.connect(self._refused, queued)
        runner.audioProblem.connect(self._audio_problem, queued)
        runner.lanProblem.connect(self._lan_problem, queued)
        runner.linkTooSlow.connect(self._too_slow, queued)
        runner.codeChanged.connect(self.codes.code_changed, queued)
        runner.codeRefused.connect(self.codes.code_refused, queued)
        runner.codeJoined.connect(self._came_through_code, queued)
        runner.finished.connect(self._finished, queued)
        self.timer.start()
        self.member_panel.show_member(None, None, False, 1.0)
        self.retranslate()

    def set_push_to_talk(self, key: QtGui.QKeySequence | None) -> None:
        """Hold `key` to talk (None: off)."""
        self.ptt_key = PushToTalkKey.from_sequence(key)
        self._sync_controls()

    def _act(self, intent: object) -> None:
        if self.runner is not None and not self.ended:
            self.runner.act(intent)  # type: ignore[arg-type]

    # -- updates from the runner -----------------------------------------------------------

    def attention(self) -> int:
        """Knocks and raised hands that wait for this member to answer (hosts, co-hosts)."""
        me = self.snapshot.my_member
        if self.ended or me is None or me.role not in (Role.HOST, Role.COHOST):
            return 0
        hands = sum(1 for m in self.snapshot.members if m.hand and m.member_id != me.member_id)
        return len(self.snapshot.knocks) + hands

    def _room_changed(self, snap: RoomSnapshot) -> None:
        before = self.attention()
        self.snapshot = snap
        self.roster.set_members(snap.members, snap.me, snap.away)
        self.knocks.set_knocks(snap.knocks)
        if snap.state == "waiting":
            self.status_banner.show_message(messages.waiting(), "info")
        elif snap.state == "in-room" and not self.ended:
            self.status_banner.hide()
        self._refresh_panel()
        self._update()
        set_visible(self.split, snap.state != "waiting")  # nobody to show before we are in
        if self.invite_when_ready and snap.invite_link:
            self.invite_when_ready = False
            self.show_invite()
        if self.attention() != before:
            self.attentionChanged.emit(self.attention())

    def _event(self, event: ev.Event) -> None:
        if isinstance(event, ev.StageInvited):
            inviter = self.roster.member(event.by_member)
            self.stage_banner.show_message(
                messages.stage_invitation(inviter.name if inviter else ""), "info",
                self.tr("&Join the stage"), self.tr("&Not now"))
            self.stage_banner.primary.setFocus()
        elif isinstance(event, ev.RoleChanged) and event.member_id == self.snapshot.me:
            self.stage_banner.hide()
            if event.role is Role.COHOST:
                self.notice_banner.show_message(self.tr(
                    "You are now a co-host: you can invite people to the stage, move them to "
                    "the audience and remove them. Your microphone stays as it was."), "info",
                    self.tr("OK"))
                self.notice_banner.setToolTip("")
        elif isinstance(event, ev.RoomMoving) and not self.snapshot.is_host:
            self.notice_banner.show_message(self.tr(
                "The host moved the room to another relay. Following…"), "info", self.tr("OK"))
            self.notice_banner.setToolTip(event.url)
        elif isinstance(event, ev.ResumeExpired):
            self.notice_banner.show_message(self.tr(
                "You were away too long to keep your place: you are joining again, as a "
                "listener."), "warning", self.tr("OK"))
            self.notice_banner.setToolTip("")
        elif isinstance(event, (ev.Kicked, ev.Refused, ev.RoomEnded, ev.JoinFailed)):
            text = messages.for_event(event)
            if text:
                self._show_ended(text, retry=isinstance(event, ev.JoinFailed))
        elif isinstance(event, ev.SecurityAlert):
            self.notice_banner.show_message(messages.security_alert(), "warning", self.tr("OK"))
            self.notice_banner.setToolTip(event.detail)
        elif isinstance(event, ev.AdmissionPaused) and self.snapshot.is_host:
            self.admission_banner.show_message(
                messages.admission_paused(), "warning", self.tr("&Keep the waiting room"),
                self.tr("Start a new room with a ne&w link"))
        elif isinstance(event, ev.StageAnswered) and self.snapshot.is_host and not event.accepted:
            who = self.roster.member(event.member_id)
            self.notice_banner.show_message(
                self.tr("%1 stays in the audience for now.").replace("%1", who.name if who else ""),
                "info", self.tr("OK"))

    def _stats(self, stats: ConnectionStats) -> None:
        if stats != self.stats:
            self.stats = stats
            self._show_quality()

    def _finished(self, outcome: Outcome) -> None:
        self.timer.stop()
        self.roster.set_levels({})
        self.reconnect_banner.hide()
        if not self.ended:
            lan = messages.is_lan_url(self.snapshot.relay or self.join_relay)
            text = messages.for_outcome(outcome, self.snapshot.is_host, lan=lan)
            if text is None:
                self.ended = True
                self.homeRequested.emit()
                return
            self._show_ended(text, outcome.message,
                             retry=outcome.code in RETRY_CODES and not self.snapshot.is_host)
        self.runner = None
        self._sync_controls()
        self._show_quality()

    def _show_ended(self, text: str, detail: str = "", retry: bool = False) -> None:
        """The room is over for us: say why, and leave nothing that looks alive (the old
        roster, figures, buttons that would do nothing). Retry where trying again can help."""
        self.ended = True
        self.timer.stop()
        self.stage_banner.hide()
        self.reconnect_banner.hide()
        self.status_banner.show_message(text, "danger", self.tr("&Retry") if retry else "")
        self.status_banner.setToolTip(detail)
        self.roster.clear()
        self.knocks.set_knocks(())
        self.selected = None
        self._refresh_panel()
        self._update()
        self._show_quality()
        set_visible(self.split, True)
        self.attentionChanged.emit(0)

    def _poll_levels(self) -> None:
        if self.runner is not None:
            self.roster.set_levels(self.runner.levels())

    # -- user actions ----------------------------------------------------------------------

    def _toggle_mute(self) -> None:
        me = self.snapshot.my_member
        if me is not None and self.runner is not None:
            self.runner.set_muted(not me.muted)

    def _toggle_hand(self) -> None:
        me = self.snapshot.my_member
        if me is None:
            return
        if me.hand:
            self._act(lambda p, now: p.lower_hand(now))
        else:
            self._act(lambda p, now: p.raise_hand(now))

    def _accept_stage(self) -> None:
        self.stage_banner.hide()
        if self.runner is not None:
            self.runner.accept_stage()

    def _decline_stage(self) -> None:
        self.stage_banner.hide()
        self._act(lambda p, now: p.decline_stage(now))

    def _leave(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.leave.setEnabled(False)

    def _end(self) -> None:
        confirm(self, self.tr("End the room?"),
                self.tr("Everyone is disconnected and the room's keys are thrown away."),
                self.tr("&End for everyone"), self._leave)

    def _next_relay(self) -> int | None:
        """Index of the relay after the one the room is on (None with a single relay)."""
        relays = self.snapshot.relays
        if len(relays) < 2:
            return None
        here = relays.index(self.snapshot.relay) if self.snapshot.relay in relays else -1
        return (here + 1) % len(relays)

    def _move(self) -> None:
        target = self._next_relay()
        if target is None:
            return

        def move(p: RoomProtocol, now: float) -> None:
            p.move_room(target, now)

        confirm(self, self.tr("Move the room to %1?").replace(
                    "%1", ltr(self.snapshot.relays[target])),
                self.tr("Everyone reconnects there by themselves: the room, its keys and "
                        "everyone's role stay as they are."),
                self.tr("&Move"), lambda: self._act(move))

    def _remove(self, member_id: int) -> None:
        member = self.roster.member(member_id)
        if member is None:
            return

        def kick(p: RoomProtocol, now: float) -> None:
            p.kick(member_id, now)

        confirm(self, self.tr("Remove %1?").replace("%1", member.name),
                self.tr("%1 is told they were removed and cannot hear the room any more.")
                .replace("%1", member.name), self.tr("&Remove"), lambda: self._act(kick))

    def show_invite(self) -> None:
        if not self.snapshot.invite_link:
            return
        if self._invite_dialog is not None:
            self._invite_dialog.close()
        host = self.snapshot.is_host and self.runner is not None and not self.ended
        internet = not self.snapshot.lan_url  # a room on this network is found by its listing
        self._invite_dialog = InviteDialog(self.snapshot.invite_link, self.snapshot.room_name,
                                           self, codes=self.codes if host else None,
                                           internet=internet)
        if self._invite_dialog.codes is not None and self.runner is not None:
            self._invite_dialog.codes.issueRequested.connect(self.runner.issue_code)
            self._invite_dialog.codes.revokeRequested.connect(self.runner.revoke_code)
        self._invite_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._invite_dialog.destroyed.connect(lambda: setattr(self, "_invite_dialog", None))
        self._invite_dialog.open()

    def _explain_encryption(self) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information,
                                    self.tr("End-to-end encrypted"),
                                    messages.encryption_explained(self.snapshot.room_code),
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _select(self, view: QtWidgets.QListView,
                current: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        if not current.isValid():
            return
        other = self.audience_view if view is self.stage_view else self.stage_view
        other.selectionModel().clearSelection()
        self.selected = int(current.data(Roles.MEMBER_ID))
        self._refresh_panel()

    def _refresh_panel(self) -> None:
        member = self.roster.member(self.selected) if self.selected is not None else None
        if member is None:
            self.selected = None
        self.member_panel.show_member(member, self.snapshot.my_member,
                                      member is not None and member.key in self.verified,
                                      self.gains.get(member.member_id, 1.0) if member else 1.0)

    def _verified(self, key: bytes, on: bool) -> None:
        (self.verified.add if on else self.verified.discard)(key)
        self.roster.set_verified(self.verified)

    def _volume(self, member_id: int, gain: float) -> None:
        self.gains[member_id] = gain
        if self.runner is not None:
            self.runner.set_volume(member_id, gain)

    # -- push-to-talk ----------------------------------------------------------------------

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.FocusIn and watched in (self.stage_view,
                                                               self.audience_view):
            view = self.stage_view if watched is self.stage_view else self.audience_view
            if self.selected is None and view.currentIndex().isValid():
                view.setCurrentIndex(view.currentIndex())  # nobody chosen yet: this one
            return False
        ptt = self.ptt_key
        if ptt is not None and isinstance(event, QtGui.QKeyEvent) and self.isActiveWindow():
            if kind == QtCore.QEvent.Type.KeyPress and ptt.pressed(
                    event, QtWidgets.QApplication.focusWidget()):
                if not event.isAutoRepeat():
                    self._push(True)
                return self._ptt_down  # off stage the key is left to whoever wants it
            if kind == QtCore.QEvent.Type.KeyRelease and self._ptt_down and ptt.released(event):
                if not event.isAutoRepeat():
                    self._push(False)
                return event.key() == ptt.key.value
        if kind == QtCore.QEvent.Type.ApplicationDeactivate and self._ptt_down:
            self._push(False)  # the release would go to another window: stop talking now
        return False

    def _push(self, down: bool) -> None:
        """Hold to talk: the first press also unmutes (and so consents); release closes the
        gate again without announcing anything, so pressing is not visible to the room."""
        me = self.snapshot.my_member
        if me is None or not me.role.on_stage or self.runner is None or down == self._ptt_down:
            return
        self._ptt_down = down
        if down and me.muted:
            self.runner.set_muted(False)
        self.runner.talk(down)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        super().showEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().hideEvent(event)

    # -- texts -----------------------------------------------------------------------------

    def _sync_controls(self) -> None:
        snap, me = self.snapshot, self.snapshot.my_member
        live = not self.ended and self.runner is not None
        in_room = live and snap.state == "in-room" and me is not None
        on_stage = in_room and me is not None and me.role.on_stage
        set_visible(self.mute, on_stage)
        set_visible(self.hand, in_room and me is not None and me.role is Role.LISTENER)
        set_visible(self.invite, in_room and bool(snap.invite_link))
        set_visible(self.end, live and snap.is_host)
        set_visible(self.move_relay,
                    in_room and snap.is_host and self._next_relay() is not None)
        set_visible(self.leave, live and not snap.is_host)
        if self.leave.isEnabled() != live:
            self.leave.setEnabled(live)
        set_visible(self.home, not live)
        set_visible(self.ptt_hint, on_stage and self.ptt_key is not None)
        set_visible(self.badge, bool(snap.room_code))

    def retranslate(self) -> None:
        """Every text, in the current language (a language change, a new room)."""
        label(self.stage_view, self.tr("Stage"))
        label(self.audience_view, self.tr("Audience"))
        label(self.invite, self.tr("&Invite"))
        label(self.leave, self.tr("&Leave quietly"))
        label(self.end, self.tr("&End room"))
        label(self.move_relay, self.tr("Move to the next rela&y"),
              self.tr("For when this relay is slow, watched or about to close: the room moves "
                      "to the next relay of its invite, and everyone follows."))
        label(self.home, self.tr("Back to &home"))
        label(self.settings, self.tr("Settin&gs"))
        texts = (self.tr("Un&mute"), self.tr("&Mute"))
        metrics = self.mute.fontMetrics()  # one width for both: Invite beside it stays put
        self.mute.setMinimumWidth(max(metrics.horizontalAdvance(plain(t)) for t in texts) + 64)
        self._update()
        self._show_quality()

    def _update(self) -> None:
        """The texts that follow the room (each snapshot): only what changed is set."""
        snap, me = self.snapshot, self.snapshot.my_member
        if snap.room_name:
            title = snap.room_name
        elif self.ended:
            title = self.tr("Not connected")
        elif snap.state == "waiting":
            title = self.tr("Waiting to be let in…")
        else:
            title = self.tr("Connecting…")
        set_text(self.title, title)
        set_text(self.topic, snap.topic)
        set_visible(self.topic, bool(snap.topic))
        label(self.badge, self.tr("End-to-end encrypted · Room code %1").replace(
            "%1", ltr(snap.room_code)),
            self.tr("Everyone in the room sees the same code. Compare it to be sure you are all "
                    "in the same room."))
        stage = self.stage_model.rowCount()
        audience = self.audience_model.rowCount()
        set_text(self.stage_label, self.tr("On stage (%1)").replace("%1", str(stage)))
        set_text(self.audience_label, self.tr("Listening (%1)").replace("%1", str(audience)))
        muted = me is None or me.muted
        if muted != self._shown_muted:
            self._shown_muted = muted
            self.mute.setIcon(self._icon("mic-off" if muted else "mic"))
            # Live and muted look different, not only read differently: filled while others
            # hear you, plain while they do not.
            self.mute.setProperty("accent", not muted)
            self.mute.setProperty("live", not muted)
            self.mute.style().unpolish(self.mute)
            self.mute.style().polish(self.mute)
        label(self.mute, self.tr("Un&mute") if muted else self.tr("&Mute"))
        label(self.hand, self.tr("Lower &hand") if me is not None and me.hand
              else self.tr("Raise &hand"))
        if self.ptt_key is not None:
            set_text(self.ptt_hint, self.tr("Hold %1 to talk").replace("%1", self.ptt_key.text()))
        self._sync_controls()

    def _show_quality(self) -> None:
        """The connection figures (every 2 s): one label, set only when its text changes."""
        live = not self.ended and self.runner is not None
        set_visible(self.quality, live)
        if live:
            via = self.runner.via_proxy if self.runner is not None else ""
            label(self.quality, messages.quality(self.stats, via))

    def _icon(self, name: str) -> QtGui.QIcon:
        from app.ui import artwork

        return artwork.icon(name)
