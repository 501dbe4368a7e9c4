"""Home: rooms on this network, joining with a link or a spoken code, starting a room.

A listing on the network never lets anyone in by itself: the invite holds the room's secret, so
choosing a listed room asks for the code its host says (or the link the host shares). A code
needs the relay it is on: the one written with it, the one typed (relays used in this session
are offered again, from memory only), the listed room chosen, or else every room listed here.
"""

from __future__ import annotations

import re

from app.code.codes import parse_code
from app.code.errors import BadCode
from app.code.link import PROGRESS
from app.lan.service import LanRoom
from app.ui import codes
from app.ui.common import LanguageAware, button, heading, label, ltr
from app.ui.models import LanRoomsModel
from app.ui.qt import Qt, QtCore, QtWidgets, Signal
from app.ui.runner import CodePlan
from crypto.errors import BadInvite
from crypto.invite import Invite

SEARCH_MS = 10000  # zeroconf answers within a few seconds; until then we are still looking
LINK = re.compile(r"majlis://join#[A-Za-z0-9_\-]+")


def invite_in(text: str) -> str:
    """The invite link inside pasted text ("Join us: majlis://join#..."), else the text.

    Messages carry links with words around them, quotes, or a line break; the link itself is
    base64url after "majlis://join#", so it ends at the first character that cannot be part of
    it. The first link wins: a message with two links is someone's mistake, not ours to guess."""
    match = LINK.search(text)
    return match.group(0) if match else text.strip()

class HomePage(LanguageAware):
    joinRequested = Signal(object)  # Invite
    codeRequested = Signal(object)  # CodePlan
    startRequested = Signal()
    settingsRequested = Signal()
    discoveryToggled = Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.display_name = ""
        self.fingerprint_text = ""
        self.rooms = LanRoomsModel(self)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(12)

        top = QtWidgets.QHBoxLayout()
        names = QtWidgets.QVBoxLayout()
        self.hello = heading(self)
        self.who = QtWidgets.QLabel(self)
        self.who.setObjectName("subtitle")
        names.addWidget(self.hello)
        names.addWidget(self.who)
        top.addLayout(names, 1)
        self.settings = button("settings", parent=self)
        self.start = button("add", accent=True, parent=self)
        top.addWidget(self.settings, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.start, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        self.join_box = QtWidgets.QGroupBox(self)
        join = QtWidgets.QVBoxLayout(self.join_box)
        row = QtWidgets.QHBoxLayout()
        self.link = QtWidgets.QLineEdit(self.join_box)
        self.link.setClearButtonEnabled(True)
        self.join = button("link", accent=True, parent=self.join_box)
        self.join.setEnabled(False)
        row.addWidget(self.link, 1)
        row.addWidget(self.join)
        join.addLayout(row)
        self.link_error = QtWidgets.QLabel(self.join_box)
        self.link_error.setWordWrap(True)
        self.link_error.setStyleSheet("color: #c0392b;")
        self.link_error.hide()
        join.addWidget(self.link_error)
        self.link_note = QtWidgets.QLabel(self.join_box)
        self.link_note.setObjectName("subtitle")
        self.link_note.setWordWrap(True)
        join.addWidget(self.link_note)
        outer.addWidget(self.join_box)

        self.code_box = QtWidgets.QGroupBox(self)
        by_code = QtWidgets.QVBoxLayout(self.code_box)
        row = QtWidgets.QHBoxLayout()
        self.code = QtWidgets.QLineEdit(self.code_box)
        self.code.setClearButtonEnabled(True)
        self.code.setMaxLength(200)
        self.code_relay = QtWidgets.QComboBox(self.code_box)
        self.code_relay.setEditable(True)
        self.code_relay.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.code_relay.setMinimumContentsLength(18)
        self.code_join = button("link", accent=True, parent=self.code_box)
        self.code_join.setEnabled(False)
        row.addWidget(self.code, 1)
        row.addWidget(self.code_relay, 1)
        row.addWidget(self.code_join)
        by_code.addLayout(row)
        self.code_status = QtWidgets.QLabel(self.code_box)
        self.code_status.setWordWrap(True)
        self.code_status.hide()
        by_code.addWidget(self.code_status)
        outer.addWidget(self.code_box)

        self.lan_box = QtWidgets.QGroupBox(self)
        lan = QtWidgets.QVBoxLayout(self.lan_box)
        self.discovery = QtWidgets.QCheckBox(self.lan_box)
        self.discovery.setChecked(True)
        lan.addWidget(self.discovery)
        self.lan_list = QtWidgets.QListView(self.lan_box)
        self.lan_list.setModel(self.rooms)
        self.lan_list.setUniformItemSizes(True)
        self.lan_list.setSpacing(3)
        self.lan_list.setIconSize(QtCore.QSize(20, 20))
        self.lan_list.setMinimumHeight(120)
        lan.addWidget(self.lan_list, 1)
        self.lan_empty = QtWidgets.QLabel(self.lan_box)
        self.lan_empty.setObjectName("subtitle")
        self.lan_empty.setWordWrap(True)
        lan.addWidget(self.lan_empty)
        self.lan_hint = QtWidgets.QLabel(self.lan_box)
        self.lan_hint.setWordWrap(True)
        self.lan_hint.hide()
        lan.addWidget(self.lan_hint)
        outer.addWidget(self.lan_box, 1)

        self.link.textChanged.connect(self._link_edited)
        self.link.returnPressed.connect(self._join)
        self.join.clicked.connect(self._join)
        self.code.textChanged.connect(self._code_edited)
        self.code.returnPressed.connect(self._join_code)
        self.code_relay.lineEdit().returnPressed.connect(self._join_code)
        self.code_join.clicked.connect(self._join_code)
        self.redeeming = False  # a code is being traded for its invite
        self.start.clicked.connect(self.startRequested)
        self.settings.clicked.connect(self.settingsRequested)
        self.discovery.toggled.connect(self._discovery_toggled)
        self.lan_list.activated.connect(self._room_chosen)
        self.lan_list.clicked.connect(self._room_chosen)
        self.lan_list.activated.connect(self._room_chosen)  # Enter, or a double click
        self.proxy_set = False  # no looking on the network while a proxy hides this computer
        self.searching = QtCore.QTimer(self)  # the first seconds of looking: not "none found"
        self.searching.setSingleShot(True)
        self.searching.setInterval(SEARCH_MS)
        self.searching.timeout.connect(self.show_rooms_state)
        self.rooms.modelReset.connect(self.show_rooms_state)
        self.setTabOrder(self.start, self.link)
        self.setTabOrder(self.link, self.join)
        self.setTabOrder(self.join, self.code)
        self.setTabOrder(self.code, self.code_relay)
        self.setTabOrder(self.code_relay, self.code_join)
        self.setTabOrder(self.code_join, self.discovery)
        self.setTabOrder(self.discovery, self.lan_list)
        self.setTabOrder(self.lan_list, self.settings)
        self.retranslate()

    def set_person(self, name: str, fingerprint: str) -> None:
        self.display_name, self.fingerprint_text = name, fingerprint
        self.retranslate()

    def set_rooms(self, rooms: tuple[LanRoom, ...]) -> None:
        self.rooms.set_rooms(rooms)

    def open_link(self, link: str) -> None:
        """Fill in a link that came from outside (a majlis:// URL the desktop handed us)."""
        self.link.setText(link)
        self._join()

    def _link_edited(self, text: str) -> None:
        self.join.setEnabled(bool(text.strip()))
        self.link_error.hide()

    def _join(self) -> None:
        text = self.link.text().strip()
        if not text:
            return
        try:
            invite = Invite.parse(invite_in(text))
        except BadInvite:
            self.link_error.setText(self.tr(
                "This is not a Majlis invite link, or part of it is missing. Links look like "
                "majlis://join#… ; copy the whole link again."))
            self.link_error.show()
            return
        self.joinRequested.emit(invite)  # the window clears the field once we are in

    def set_relays(self, relays: list[str]) -> None:
        """The relays used in this session (memory only), offered for the next code."""
        typed = self.code_relay.currentText()
        self.code_relay.clear()
        self.code_relay.addItems(relays)
        self.code_relay.setEditText(typed)

    def listed_urls(self) -> list[str]:
        """The relays of the rooms listed on this network."""
        listed = (self.rooms.room(row) for row in range(self.rooms.rowCount()))
        return [room.url for room in listed if room is not None]

    def _code_edited(self, text: str) -> None:
        self.code_join.setEnabled(bool(text.strip()) and not self.redeeming)
        if not self.redeeming:
            self.code_status.hide()

    def _code_says(self, text: str, error: bool, detail: str = "") -> None:
        self.code_status.setStyleSheet("color: #c0392b;" if error else "")
        self.code_status.setText(text)
        self.code_status.setToolTip(detail)
        self.code_status.show()

    def _join_code(self) -> None:
        if self.redeeming or not self.code.text().strip():
            return
        try:
            code, written = parse_code(self.code.text())
        except BadCode as exc:
            self._code_says(codes.failure(exc.reason, str(exc)), True, str(exc))
            return
        typed = self.code_relay.currentText().strip()
        if typed and not typed.lower().startswith(("ws://", "wss://")):
            self._code_says(codes.failure("relay-address"), True)
            self.code_relay.setFocus()
            return
        if written:
            relays = [written]
        elif typed:
            relays = [typed]
        else:  # a room on this network: whichever listed room offers the code
            relays = self.listed_urls()
        if not relays:
            self._code_says(codes.failure("no-relay"), True)
            self.code_relay.setFocus()
            return
        self.codeRequested.emit(CodePlan(code, tuple(relays)))

    def code_started(self) -> None:
        self.redeeming = True
        self.code_join.setEnabled(False)
        self._code_says(codes.progress(PROGRESS["mailbox"]), False)

    def code_progress(self, english: str) -> None:
        self._code_says(codes.progress(english), False, english)

    def code_failed(self, reason: str, english: str) -> None:
        self.code_ended()
        self._code_says(codes.failure(reason, english), True, english)
        self.code.setFocus()
        self.code.selectAll()

    def code_ended(self, clear: bool = False) -> None:
        """The exchange is over (failed, declined, or the room opened)."""
        self.redeeming = False
        self.code_join.setEnabled(bool(self.code.text().strip()))
        if clear:
            self.code.clear()
            self.code_status.hide()

    def _discovery_toggled(self, on: bool) -> None:
        self.lan_list.setEnabled(on)
        self.show_rooms_state()
        self.discoveryToggled.emit(on)

    def _room_chosen(self, index: QtCore.QModelIndex) -> None:
        room = self.rooms.room(index.row())
        if room is None:
            return
        self.code_relay.setEditText(room.url)
        self.lan_hint.setText(self.tr(
            "To join this room, type the code its host says (like %1) in the field above, or "
            "paste the invite link the host shared. Being on the same network is not enough: "
            "the code or the link holds the room's key.").replace("%1", ltr("7-451-938")))
        self.lan_hint.show()
        self.code.setFocus()
        self.code.selectAll()

    def looking_started(self) -> None:
        """Browsing (re)started: say "looking" until rooms answer or a few seconds pass."""
        self.searching.start()
        self.show_rooms_state()

    def show_rooms_state(self) -> None:
        on = self.discovery.isChecked()
        if self.rooms.rowCount():
            self.searching.stop()
        self.lan_empty.setVisible(self.rooms.rowCount() == 0 or not on or self.proxy_set)
        if self.proxy_set and on:
            text = self.tr("Not looking while a proxy is set in Settings: looking would tell "
                           "this network that Majlis runs here.")
        elif not on:
            text = self.tr("Not looking. Turn this on to see rooms hosted on this network.")
        elif self.searching.isActive():
            text = self.tr("Looking for rooms on this network…")
        else:
            text = self.tr("No rooms found on this network yet.")
        self.lan_empty.setText(text)

    def retranslate(self) -> None:
        self.hello.setText(self.tr("Hello, %1").replace("%1", self.display_name)
                           if self.display_name else self.tr("Majlis"))
        self.who.setText(self.tr("Your key fingerprint: %1").replace(
            "%1", ltr(self.fingerprint_text)))
        label(self.settings, self.tr("&Settings"))
        label(self.start, self.tr("S&tart a room"))
        label(self.join_box, self.tr("Join with a link"))
        label(self.link, self.tr("Paste an invite link (majlis://join#…)"))
        label(self.join, self.tr("&Join"))
        label(self.code_box, self.tr("Join with a spoken code"))
        label(self.code, self.tr("Code the host said (like %1)").replace("%1", ltr("7-451-938")))
        label(self.code_relay, self.tr("Relay (wss://…), for a room on the internet"))
        self.code_relay.lineEdit().setPlaceholderText(
            self.tr("Relay (wss://…), for a room on the internet"))
        label(self.code_join, self.tr("Join with c&ode"))
        self.link_note.setText(self.tr(
            "The link is the key to the room: anyone who has it can ask to come in. Share it "
            "only with people you trust, in a private message."))
        label(self.lan_box, self.tr("Rooms on this network"))
        label(self.discovery, self.tr("&Look for rooms on this network"),
              self.tr("Other devices on this network can see that this computer is looking for "
                      "Majlis rooms."))
        label(self.lan_list, self.tr("Rooms on this network"))
        self.show_rooms_state()
