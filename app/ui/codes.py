"""Spoken codes in the desktop: the host's codes (a board and the Invite dialog's panel) and the
sentences both sides see, in the user's language.

app.code explains itself in English, for logs and the headless client. The app keys its own
translated sentences on the stable `reason` of `BadCode` and `CodeFailed`, on the steps of
`link.PROGRESS` and on an `IssuedCode`'s `state`; the English detail stays in a tooltip. A code
is always shown inside a left-to-right isolate (`ltr`), so `7-451-938` keeps its order in an
Arabic sentence.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from app.code.codes import CODE_TTL, MAX_ATTEMPTS
from app.code.link import MAX_LIVE, PROGRESS, IssuedCode, Redeemed
from app.ui.common import button, label, ltr, set_text
from app.ui.messages import Plurals
from app.ui.qt import Qt, QtCore, QtWidgets, Signal

translate = QtCore.QCoreApplication.translate
MAX_SHOWN = 16  # codes kept on the board (open ones and the last finished ones)


def code(text: str) -> str:
    """A code as it appears inside a sentence: its digits in order in every direction."""
    return ltr(text)


def failure(reason: str, english: str = "") -> str:
    """The sentence for a `BadCode.reason` or `CodeFailed.reason` (app/code/codes.py,
    redeem.SENTENCES, link.py); unknown reasons fall back to the English detail."""
    minutes = str(round(CODE_TTL / 60))
    sentences = {
        "not-a-code": translate("Codes", "This is not a Majlis code. A code looks like %1: a "
                                         "short number, then six digits."),
        "nameplate": translate("Codes", "The code starts with a short number and a dash, like "
                                        "the 7 in %1; type it with that first number."),
        "length": translate("Codes", "After its first number a code has exactly six digits, "
                                     "like %1. Check it with the person who gave it."),
        "no-such-code": translate("Codes", "Nobody is offering this code here. It may have "
                                           "expired or been used, or its first number may be "
                                           "wrong. Check it, or ask for a new code."),
        "wrong-code": translate("Codes", "The code does not match. Check the digits with the "
                                         "person who gave it to you; after %2 wrong tries a "
                                         "code stops working."),
        "expired": translate("Codes", "This code has expired. Ask for a new one: a code works "
                                      "for %3 minutes."),
        "used-up": translate("Codes", "This code no longer works: it was used, or tried "
                                      "wrongly too many times. Ask for a new one."),
        "host-left": translate("Codes", "The person who offered this code closed it before "
                                        "the exchange finished."),
        "timeout": translate("Codes", "The other side did not answer in time. Try again, or "
                                      "ask for a new code."),
        "tampered": translate("Codes", "Something on the way changed the exchange, so nothing "
                                       "was accepted. Try again, or ask for a new code."),
        "relay": translate("Codes", "Could not reach the relay, or it refused the connection."),
        "no-relay": translate("Codes", "Say which relay the code is on: type the relay's "
                                       "address (the host's app shows it with the code), or "
                                       "choose the room in the list of rooms on this network."),
        "proxy": translate("Codes", "Could not connect through the proxy set in Settings. "
                                    "Majlis does not connect without it."),
        "too-many": translate("Codes", "%4 codes are open already; wait until one is used or "
                                       "expires, or withdraw one."),
        "relay-address": translate("Codes", "A relay's address starts with wss:// (or ws:// on "
                                            "this network), like the one the host's app shows "
                                            "with the code."),
        "room-closed": translate("Codes", "The room is not open, so no code can be made for "
                                          "it."),
        "taken": translate("Codes", "Every short code on this relay seems taken right now; try "
                                    "again in a minute."),
    }
    text = sentences.get(reason)
    if text is None:
        return english or translate("Codes", "Joining with this code did not work.")
    return (text.replace("%1", code("7-451-938")).replace("%2", str(MAX_ATTEMPTS))
            .replace("%3", minutes).replace("%4", str(MAX_LIVE)))


def progress(english: str) -> str:
    """A step of the joiner's exchange (`link.PROGRESS`), translated."""
    steps = {
        PROGRESS["mailbox"]: translate("Codes", "Looking for the code on the relay…"),
        PROGRESS["exchanging"]: translate("Codes", "Checking the code with the host's app…"),
        PROGRESS["confirming"]: translate("Codes", "The code matches; receiving the invite…"),
    }
    return steps.get(english, english)


def remaining(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def describe(issued: IssuedCode, internet: bool, now: float) -> str:
    """One line of the host's list: the code, where, and how long and how many tries are left."""
    head = code(issued.text)
    if internet:
        head += "  " + ltr(issued.relay_url)
    if issued.state == "open":
        tries = Plurals().tries_left(issued.attempts_left)
        left = translate("Codes", "%1 left").replace("%1", ltr(remaining(issued.expires_at - now)))
        return f"{head}  ·  {left}  ·  {tries}"
    state = {
        "used": translate("Codes", "used by %1").replace("%1", issued.joiner_name),
        "burned": translate("Codes", "stopped after %1 wrong tries").replace(
            "%1", str(MAX_ATTEMPTS)),
        "expired": translate("Codes", "expired"),
        "revoked": translate("Codes", "withdrawn"),
    }.get(issued.state, translate("Codes", "closed"))
    return f"{head}  ·  {state}"


def change_sentence(issued: IssuedCode, english: str) -> str:
    """What the host is told when a code changes (the desk's English sentence, translated)."""
    text = code(issued.text)
    if issued.state == "open" and english:
        return translate("Codes", "Someone tried code %1 and it did not match (%2 of %3 tries "
                                  "left).").replace("%1", text).replace(
            "%2", str(issued.attempts_left)).replace("%3", str(MAX_ATTEMPTS))
    if issued.state == "used":
        return translate("Codes", "Code %1 was used by %2 (%3); their knock will say it came "
                                  "through this code.").replace("%1", text).replace(
            "%2", issued.joiner_name).replace("%3", ltr(issued.joiner_fingerprint))
    if issued.state == "burned":
        return translate("Codes", "Code %1 stopped working after %2 tries that did not match. "
                                  "Make a new one if someone still needs to join.").replace(
            "%1", text).replace("%2", str(MAX_ATTEMPTS))
    if issued.state == "expired":
        return translate("Codes", "Code %1 expired unused.").replace("%1", text)
    if issued.state == "revoked":
        return translate("Codes", "Code %1 was withdrawn.").replace("%1", text)
    if issued.state == "open":
        return translate("Codes", "Say code %1 to the person who should join. It works once, "
                                  "for %2 minutes.").replace("%1", text).replace(
            "%2", str(round(CODE_TTL / 60)))
    return translate("Codes", "Code %1 closed: the connection to the relay was lost.").replace(
        "%1", text)


def knock_question(got: Redeemed, parent: QtWidgets.QWidget
                   ) -> tuple[QtWidgets.QMessageBox, QtWidgets.QAbstractButton]:
    """Before knocking: which room the code opened and whose key hosts it (not yet shown)."""
    box = QtWidgets.QMessageBox(
        QtWidgets.QMessageBox.Icon.Question,
        translate("Codes", "Join %1?").replace("%1", got.room_name),
        translate("Codes", "The code worked. It is for the room “%1”, hosted by the key with "
                           "fingerprint:\n\n%2\n\nIf you can, compare this fingerprint with "
                           "the host's before you knock.")
        .replace("%1", got.room_name).replace("%2", ltr(got.host_fingerprint)),
        QtWidgets.QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # a room's name is text, never markup
    knock = box.addButton(translate("Codes", "&Knock"),
                          QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    box.addButton(translate("Codes", "Ca&ncel"), QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(knock)  # type: ignore[arg-type]
    return box, knock


class CodeBoard(QtCore.QObject):
    """The host's codes on the GUI thread, fed by the runner's queued `codeChanged` and
    `codeRefused`. The Invite dialog shows it; it outlives the dialog for the room's life."""

    changed = Signal()

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.codes: OrderedDict[str, IssuedCode] = OrderedDict()
        self.sentence = ""  # the last thing to tell the host, translated at arrival
        self.detail = ""  # its English original, for a tooltip
        self.last: tuple[str, IssuedCode | str, str] | None = None

    def clear(self) -> None:
        self.codes.clear()
        self.sentence = self.detail = ""
        self.last = None
        self.changed.emit()

    def code_changed(self, issued: IssuedCode, english: str) -> None:
        self.codes[issued.text] = issued
        self.codes.move_to_end(issued.text)
        while len(self.codes) > MAX_SHOWN:
            self.codes.popitem(last=False)
        self.last = ("change", issued, english)
        self._say()
        self.changed.emit()

    def code_refused(self, reason: str, english: str) -> None:
        self.last = ("refused", reason, english)
        self._say()
        self.changed.emit()

    def _say(self) -> None:
        """(Re)build the sentence in the current language."""
        if self.last is None:
            return
        kind, what, english = self.last
        if kind == "change" and isinstance(what, IssuedCode):
            self.sentence = change_sentence(what, english)
        else:
            self.sentence = failure(str(what), english)
        self.detail = english

    def live(self) -> list[IssuedCode]:
        return [c for c in self.codes.values() if c.live]


class CodePanel(QtWidgets.QGroupBox):
    """The Invite dialog's spoken codes: make one, see each with its time and tries left,
    withdraw the chosen one."""

    issueRequested = Signal()
    revokeRequested = Signal(str)

    def __init__(self, board: CodeBoard, internet: bool,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.internet = internet  # a relay on the internet: the joiner needs its address too
        layout = QtWidgets.QVBoxLayout(self)
        self.about = QtWidgets.QLabel(self)
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        row = QtWidgets.QHBoxLayout()
        self.make = button("add", accent=True, parent=self)
        self.withdraw = button(parent=self)
        row.addWidget(self.make)
        row.addWidget(self.withdraw)
        row.addStretch(1)
        layout.addLayout(row)
        self.list = QtWidgets.QListWidget(self)
        self.list.setObjectName("codes")  # the theme's focus ring for lists
        layout.addWidget(self.list)
        self.status = QtWidgets.QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._opening = False  # a code is being opened on the relay: one click, one code
        self.make.clicked.connect(self._make)
        self.withdraw.clicked.connect(self._withdraw)
        self.list.currentRowChanged.connect(lambda _row: self._sync_withdraw())
        board.changed.connect(self._board_changed)
        self.retranslate()

    def _board_changed(self) -> None:
        self._opening = False
        self.refresh()

    def _make(self) -> None:
        self._opening = True
        self.make.setEnabled(False)
        set_text(self.status, translate("Codes", "Opening a code on the relay…"))
        self.issueRequested.emit()

    def _withdraw(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            text = item.data(Qt.ItemDataRole.UserRole)
            if text in {c.text for c in self.board.live()}:
                self.revokeRequested.emit(text)

    def _sync_withdraw(self) -> None:
        item = self.list.currentItem()
        live = {c.text for c in self.board.live()}
        self.withdraw.setEnabled(item is not None
                                 and item.data(Qt.ItemDataRole.UserRole) in live)

    def refresh(self) -> None:
        """Rebuild the lines (each second for the countdowns; only texts that changed)."""
        now = time.monotonic()
        codes = list(self.board.codes.values())
        while self.list.count() > len(codes):
            self.list.takeItem(self.list.count() - 1)
        for row, issued in enumerate(codes):
            item = self.list.item(row)
            if item is None:
                item = QtWidgets.QListWidgetItem()
                self.list.addItem(item)
            text = describe(issued, self.internet, now)
            if item.text() != text:
                item.setText(text)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
                item.setData(Qt.ItemDataRole.UserRole, issued.text)
        self.list.setVisible(bool(codes))
        if codes:  # as tall as its lines, up to four (then it scrolls)
            rows = min(len(codes), 4)
            height = rows * max(self.list.sizeHintForRow(0), 1) + 2 * self.list.frameWidth() + 6
            if self.list.height() != height:
                self.list.setFixedHeight(height)
        self.make.setEnabled(not self._opening and len(self.board.live()) < MAX_LIVE)
        if self.board.sentence:
            set_text(self.status, self.board.sentence)
            self.status.setToolTip(self.board.detail)
        self._sync_withdraw()

    def retranslate(self) -> None:
        label(self, translate("Codes", "Or say a code"))
        self.about.setText(translate(
            "Codes", "A spoken code lets one person in without sending the link: they type it "
                     "on their home page. Each code works once, for a few minutes, and stops "
                     "after %1 wrong tries.").replace("%1", str(MAX_ATTEMPTS)))
        if self.internet:
            self.about.setText(self.about.text() + " " + translate(
                "Codes", "Tell them the relay's address too."))
        label(self.make, translate("Codes", "&Make a spoken code"))
        label(self.withdraw, translate("Codes", "&Withdraw code"))
        label(self.list, translate("Codes", "Spoken codes"))
        self.board._say()
        self.refresh()
