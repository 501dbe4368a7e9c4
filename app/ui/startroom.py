"""Start a room: name, topic, where it runs, and who gets in.

"This network" runs the relay inside the app on the computer's LAN address and announces it;
it needs no internet at all. "A relay" uses a server somewhere else (for people in different
places; several relays, for people whose networks block some); "Only this computer" is for
trying Majlis out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.ui.common import Retranslates, button, label, plain_dialog
from app.ui.qt import Qt, QtCore, QtWidgets
from app.ui.runner import HostPlan, Where, relay_urls
from crypto.invite import MAX_RELAYS

MAX_ROOM_NAME = 100
MAX_TOPIC = 500


def relay_url_problem(text: str) -> str:
    """"" when `text` holds usable relay addresses, else a sentence (translated) saying why not."""
    urls = relay_urls(text)
    for url in urls or [""]:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            return QtCore.QCoreApplication.translate(
                "StartRoomDialog",
                "A relay address starts with wss:// (or ws://) and names a server.")
    if len(urls) > MAX_RELAYS:
        return QtCore.QCoreApplication.translate(
            "StartRoomDialog", "An invite can list at most %1 relays.").replace(
            "%1", str(MAX_RELAYS))
    return ""


class StartRoomDialog(Retranslates, QtWidgets.QDialog):
    """`plan()` gives the HostPlan once accepted."""

    def __init__(self, lan_interfaces: tuple[str, ...], relay_url: str = "",
                 parent: QtWidgets.QWidget | None = None, last: HostPlan | None = None) -> None:
        super().__init__(parent)
        plain_dialog(self)
        self.lan_interfaces = lan_interfaces
        self.setMinimumWidth(480)
        layout = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.name_label = QtWidgets.QLabel(self)
        self.name = QtWidgets.QLineEdit(self)
        self.name.setMaxLength(MAX_ROOM_NAME)
        self.topic_label = QtWidgets.QLabel(self)
        self.topic = QtWidgets.QLineEdit(self)
        self.topic.setMaxLength(MAX_TOPIC)
        self.name_label.setBuddy(self.name)
        self.topic_label.setBuddy(self.topic)
        form.addRow(self.name_label, self.name)
        form.addRow(self.topic_label, self.topic)
        layout.addLayout(form)

        self.where_box = QtWidgets.QGroupBox(self)
        where = QtWidgets.QVBoxLayout(self.where_box)
        self.on_network = QtWidgets.QRadioButton(self.where_box)
        self.visible = QtWidgets.QCheckBox(self.where_box)
        self.on_relay = QtWidgets.QRadioButton(self.where_box)
        self.relay = QtWidgets.QLineEdit(self.where_box)
        self.relay.setText(relay_url)
        self.on_computer = QtWidgets.QRadioButton(self.where_box)
        for w in (self.on_network, self.visible, self.on_relay, self.relay, self.on_computer):
            where.addWidget(w)
        self.visible.setContentsMargins(24, 0, 0, 0)
        self.where_group = QtWidgets.QButtonGroup(self)
        for w in (self.on_network, self.on_relay, self.on_computer):
            self.where_group.addButton(w)
        layout.addWidget(self.where_box)

        self.who_box = QtWidgets.QGroupBox(self)
        who = QtWidgets.QVBoxLayout(self.who_box)
        self.anyone = QtWidgets.QRadioButton(self.who_box)
        self.approve = QtWidgets.QRadioButton(self.who_box)
        self.anyone.setChecked(True)
        who.addWidget(self.anyone)
        who.addWidget(self.approve)
        layout.addWidget(self.who_box)

        self.problem = QtWidgets.QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.hide()
        layout.addWidget(self.problem)

        buttons = QtWidgets.QHBoxLayout()
        self.cancel = button(parent=self)
        self.ok = button(accent=True, parent=self)
        self.ok.setDefault(True)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)

        if lan_interfaces:
            self.on_network.setChecked(True)
        else:
            self.on_network.setEnabled(False)
            self.on_computer.setChecked(True)
        for w in (self.on_network, self.on_relay, self.on_computer):
            w.toggled.connect(self._sync)
        self.name.textChanged.connect(self._sync)
        self.relay.textChanged.connect(self._sync)
        self.ok.clicked.connect(self._accept)
        self.cancel.clicked.connect(self.reject)
        if last is not None:  # the choices of the last room started in this session
            self._restore(last)
        self.retranslate()
        self._sync()

    def _restore(self, last: HostPlan) -> None:
        self.topic.setText(last.topic)
        if last.relay_url:
            self.relay.setText(last.relay_url)
        button = {Where.NETWORK: self.on_network, Where.RELAY: self.on_relay,
                  Where.COMPUTER: self.on_computer}[last.where]
        if button.isEnabled():
            button.setChecked(True)
        self.visible.setChecked(last.visible)
        (self.approve if last.approve_each else self.anyone).setChecked(True)

    def where(self) -> Where:
        if self.on_network.isChecked():
            return Where.NETWORK
        if self.on_relay.isChecked():
            return Where.RELAY
        return Where.COMPUTER

    def plan(self) -> HostPlan:
        where = self.where()
        return HostPlan(
            room_name=self.name.text().strip(), topic=self.topic.text().strip(), where=where,
            relay_url=self.relay.text().strip() if where is Where.RELAY else "",
            approve_each=self.approve.isChecked(),
            visible=where is Where.NETWORK and self.visible.isChecked(),
            lan_interfaces=self.lan_interfaces if where is Where.NETWORK else ())

    def _sync(self) -> None:
        where = self.where()
        self.visible.setEnabled(where is Where.NETWORK)
        self.relay.setEnabled(where is Where.RELAY)
        ok = bool(self.name.text().strip())
        problem = relay_url_problem(self.relay.text()) if where is Where.RELAY else ""
        # Say why Start is greyed while the address is being typed ("relay.example.org" lacks
        # its wss://), not only after a click that does nothing.
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem) and bool(self.relay.text().strip()))
        self.ok.setEnabled(ok and not problem)

    def _accept(self) -> None:
        if self.where() is Where.RELAY and (problem := relay_url_problem(self.relay.text())):
            self.problem.setText(problem)
            self.problem.show()
            return
        self.accept()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Start a room"))
        label(self.name_label, self.tr("Room &name:"))
        label(self.name, self.tr("Room name"), self.tr("Only people in the room see it."))
        label(self.topic_label, self.tr("&Topic:"))
        label(self.topic, self.tr("Topic (optional)"))
        label(self.where_box, self.tr("Where"))
        label(self.on_network, self.tr("This network: no &internet needed"),
              self.tr("The room runs on this computer and people on the same Wi-Fi or cable "
                      "network join it directly."))
        label(self.visible, self.tr("Show the room's name to &others on this network"),
              self.tr("Off: others on the network see only that a room exists. Either way, "
                      "nobody gets in without the invite link."))
        label(self.on_relay, self.tr("A &relay on the internet"),
              self.tr("For people in different places. The relay passes on encrypted audio it "
                      "cannot read."))
        label(self.relay, self.tr("Relay address (wss://…)"),
              self.tr("Several addresses, separated by spaces, go into the invite in order: "
                      "when one is blocked or down, everyone moves on to the next."))
        label(self.on_computer, self.tr("Only this &computer (to try Majlis out)"))
        label(self.who_box, self.tr("Who gets in"))
        label(self.anyone, self.tr("&Anyone with the invite link"))
        label(self.approve, self.tr("I approve each person in a &waiting room"),
              self.tr("You see each person's name and key fingerprint before they come in."))
        label(self.cancel, self.tr("Cancel"))
        label(self.ok, self.tr("&Start"))
        self.where_box.setAlignment(Qt.AlignmentFlag.AlignLeading)
