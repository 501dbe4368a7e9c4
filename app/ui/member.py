"""The side panel for one member: who they are, their safety number, volume, and host actions.

Which actions appear comes from the same rule table the room core enforces
(`app.core.roster`), so the panel never offers something every other member would refuse.
The "verified" mark lives in memory for this room only, like everything else.
"""

from __future__ import annotations

from app.core.roster import (
    MAY_INVITE_TO_STAGE,
    Member,
    Role,
    may_kick,
    role_change_allowed,
)
from app.ui.common import (
    LanguageAware,
    button,
    heading,
    label,
    ltr,
    set_name,
    set_text,
    set_visible,
)
from app.ui.qt import Qt, QtCore, QtWidgets, Signal
from crypto.identity import PublicIdentity, safety_number


class MemberPanel(LanguageAware):
    inviteToStage = Signal(int)
    moveToAudience = Signal(int)
    makeCohost = Signal(int)
    removeCohost = Signal(int)  # back to speaker
    removeMember = Signal(int)
    verifiedChanged = Signal(bytes, bool)
    volumeChanged = Signal(int, float)

    def __init__(self, my_key: bytes, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.my_key = my_key
        self.member: Member | None = None
        self.me: Member | None = None
        self.verified = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.hint = QtWidgets.QLabel(self)
        self.hint.setObjectName("subtitle")
        self.hint.setWordWrap(True)
        self.name = heading(self, "name")
        self.role = QtWidgets.QLabel(self)
        self.role.setObjectName("subtitle")
        self.fingerprint = QtWidgets.QLabel(self)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.safety_title = QtWidgets.QLabel(self)
        self.safety = QtWidgets.QLabel(self)
        self.safety.setObjectName("badge")
        self.safety.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.safety_note = QtWidgets.QLabel(self)
        self.safety_note.setWordWrap(True)
        self.safety_note.setObjectName("subtitle")
        self.verify = QtWidgets.QCheckBox(self)
        self.volume_label = QtWidgets.QLabel(self)
        self.volume = QtWidgets.QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 200)
        self.volume.setValue(100)
        self.volume.setPageStep(10)
        self.volume_label.setBuddy(self.volume)
        self.invite = button("invite", parent=self)
        self.audience = button(parent=self)
        self.cohost = button("cohost", parent=self)
        self.remove = button(danger=True, parent=self)
        for w in (self.hint, self.name, self.role, self.fingerprint, self.safety_title, self.safety,
                  self.safety_note, self.verify, self.volume_label, self.volume, self.invite,
                  self.audience, self.cohost, self.remove):
            layout.addWidget(w)
        layout.addStretch(1)
        self.verify.toggled.connect(self._verify_toggled)
        self.volume.valueChanged.connect(self._volume_moved)
        self.invite.clicked.connect(lambda: self._emit(self.inviteToStage))
        self.audience.clicked.connect(lambda: self._emit(self.moveToAudience))
        self.cohost.clicked.connect(lambda: self._emit(
            self.removeCohost if self.member is not None and self.member.role is Role.COHOST
            else self.makeCohost))
        self.remove.clicked.connect(lambda: self._emit(self.removeMember))
        self.show_member(None, None, False, 1.0)

    def _emit(self, signal: QtCore.SignalInstance) -> None:
        if self.member is not None:
            signal.emit(self.member.member_id)

    def show_member(self, member: Member | None, me: Member | None, verified: bool,
                    gain: float) -> None:
        """Show `member` as seen by `me` (None: nothing selected)."""
        self.member, self.me, self.verified = member, me, verified
        if self.verify.isChecked() != verified:
            self.verify.blockSignals(True)
            self.verify.setChecked(verified)
            self.verify.blockSignals(False)
        if self.volume.value() != round(gain * 100):
            self.volume.blockSignals(True)
            self.volume.setValue(round(gain * 100))
            self.volume.blockSignals(False)
        self.retranslate()

    def _verify_toggled(self, on: bool) -> None:
        if self.member is not None:
            self.verifiedChanged.emit(self.member.key, on)

    def _volume_moved(self, value: int) -> None:
        if self.member is not None:
            self.volumeChanged.emit(self.member.member_id, value / 100.0)
        self.volume.setAccessibleDescription(self.tr("%1 percent").replace("%1", str(value)))

    def retranslate(self) -> None:
        m, me = self.member, self.me
        is_self = m is not None and me is not None and m.member_id == me.member_id
        for w in (self.name, self.role, self.fingerprint, self.safety_title, self.safety,
                  self.safety_note, self.verify, self.volume_label, self.volume):
            set_visible(w, m is not None)
        set_visible(self.hint, m is None)
        set_text(self.hint, self.tr("Choose someone on the stage or in the audience to see their "
                                  "safety number and what you can do."))
        if m is None:
            for b in (self.invite, self.audience, self.cohost, self.remove):
                set_visible(b, False)
            return
        roles = {Role.HOST: self.tr("Host"), Role.COHOST: self.tr("Co-host"),
                 Role.SPEAKER: self.tr("Speaker"), Role.LISTENER: self.tr("Listener")}
        set_text(self.name, m.name)
        set_name(self.name, m.name)
        set_text(self.role, roles[m.role])
        fingerprint = ltr(PublicIdentity(m.key).fingerprint())
        set_text(self.fingerprint, self.tr("Key fingerprint: %1").replace("%1", fingerprint))
        set_name(self.fingerprint, self.fingerprint.text())
        set_text(self.safety_title, self.tr("Safety number:"))
        if is_self:
            set_text(self.safety, fingerprint)
            set_text(self.safety_note, self.tr("This is you."))
        else:
            number = ltr(safety_number(PublicIdentity(self.my_key), PublicIdentity(m.key)))
            set_text(self.safety, number)
            set_text(self.safety_note, self.tr(
                "%1 sees the same number on their screen. Compare it by voice or in person; if "
                "it matches, nobody is in between.").replace("%1", m.name))
        set_name(self.safety, self.tr("Safety number: %1").replace("%1", self.safety.text()))
        set_visible(self.safety_title, not is_self)
        set_visible(self.safety, not is_self)
        set_visible(self.verify, not is_self)
        label(self.verify, self.tr("I compared it: veri&fied"))
        label(self.volume_label, self.tr("&Volume:"))
        label(self.volume, self.tr("Volume for %1").replace("%1", m.name))
        set_visible(self.volume, not is_self)
        set_visible(self.volume_label, not is_self)
        label(self.invite, self.tr("Invite to the &stage"))
        label(self.audience, self.tr("Leave the stage") if is_self else
              self.tr("Move to the &audience"))
        label(self.cohost, self.tr("Remove &co-host") if m.role is Role.COHOST
              else self.tr("Make &co-host"))
        label(self.remove, self.tr("&Remove from the room"),
              self.tr("They are told, and the room moves to a new key they never get."))
        can_invite = (me is not None and not is_self and me.role in MAY_INVITE_TO_STAGE
                      and m.role is Role.LISTENER and not m.invited)
        can_audience = me is not None and m.role.on_stage and m.role is not Role.HOST \
            and role_change_allowed(me, m, Role.LISTENER)
        can_cohost = me is not None and not is_self and (
            role_change_allowed(me, m, Role.SPEAKER) if m.role is Role.COHOST
            else role_change_allowed(me, m, Role.COHOST))
        can_remove = me is not None and may_kick(me, m)
        set_visible(self.invite, can_invite)
        set_visible(self.audience, can_audience)
        set_visible(self.cohost, can_cohost)
        set_visible(self.remove, can_remove)
        if m.invited and m.role is Role.LISTENER and not is_self:
            set_text(self.role, self.tr("Listener, invited to the stage"))
