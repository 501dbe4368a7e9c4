"""Home: rooms on this network, joining with a link, starting a room.

A listing on the network never lets anyone in by itself: the invite holds the room's secret, so
choosing a listed room only says where to paste the link the host shares.
"""

from __future__ import annotations

import re

from app.lan.service import LanRoom
from app.ui.common import LanguageAware, button, heading, label, ltr
from app.ui.models import LanRoomsModel
from app.ui.qt import Qt, QtCore, QtWidgets, Signal
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
        self.setTabOrder(self.join, self.discovery)
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

    def _discovery_toggled(self, on: bool) -> None:
        self.lan_list.setEnabled(on)
        self.show_rooms_state()
        self.discoveryToggled.emit(on)

    def _room_chosen(self, index: QtCore.QModelIndex) -> None:
        room = self.rooms.room(index.row())
        if room is None:
            return
        self.lan_hint.setText(self.tr(
            "To join this room, paste the invite link its host shared with you in the field "
            "above. Being on the same network is not enough: the link holds the room's key."))
        self.lan_hint.show()
        self.link.setFocus()
        self.link.selectAll()

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
        self.link_note.setText(self.tr(
            "The link is the key to the room: anyone who has it can ask to come in. Share it "
            "only with people you trust, in a private message."))
        label(self.lan_box, self.tr("Rooms on this network"))
        label(self.discovery, self.tr("&Look for rooms on this network"),
              self.tr("Other devices on this network can see that this computer is looking for "
                      "Majlis rooms."))
        label(self.lan_list, self.tr("Rooms on this network"))
        self.show_rooms_state()
