"""First run: a display name, a fresh identity key shown by its fingerprint, and the two opt-ins.

The key is made in memory before the page appears; nothing is written unless the user ticks
"Keep my identity on this computer". The language can be changed here first of all, so someone
who does not read the system's language is not stuck on the first page.
"""

from __future__ import annotations

from app.ui.common import LanguageAware, button, heading, label, ltr
from app.ui.languages import LANGUAGES
from app.ui.qt import Qt, QtWidgets, Signal
from crypto.identity import Identity

MAX_NAME = 64


class FirstRunPage(LanguageAware):
    """Emits `completed(name, keep_identity, remember)` when the user continues."""

    completed = Signal(str, bool, bool)
    languageChosen = Signal(str)
    newKeyRequested = Signal()

    def __init__(self, identity: Identity, language: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.identity = identity
        # A column at most 560 px wide, centred by stretches rather than by an alignment flag:
        # a layout item with an alignment gets its size hint, and wrapped text then loses the
        # lines that height-for-width would have given it. Scrolls when the window is short.
        page = QtWidgets.QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the controls; it follows
        page.addWidget(scroll)
        content = QtWidgets.QWidget(scroll)
        scroll.setWidget(content)
        outer = QtWidgets.QVBoxLayout(content)
        outer.addStretch(1)
        centre = QtWidgets.QHBoxLayout()
        box = QtWidgets.QWidget(content)
        box.setMaximumWidth(560)
        box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                          QtWidgets.QSizePolicy.Policy.Preferred)
        form = QtWidgets.QVBoxLayout(box)
        form.setSpacing(10)
        self.title = heading(box)
        self.intro = QtWidgets.QLabel(box)
        self.intro.setWordWrap(True)

        lang_row = QtWidgets.QHBoxLayout()
        self.language_label = QtWidgets.QLabel(box)
        self.language = QtWidgets.QComboBox(box)
        for code, native in LANGUAGES.items():
            self.language.addItem(native, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.language_label.setBuddy(self.language)
        lang_row.addWidget(self.language_label)
        lang_row.addWidget(self.language, 1)

        self.name_label = QtWidgets.QLabel(box)
        self.name = QtWidgets.QLineEdit(box)
        self.name.setMaxLength(MAX_NAME)
        self.name_label.setBuddy(self.name)
        self.name_note = QtWidgets.QLabel(box)
        self.name_note.setObjectName("subtitle")
        self.name_note.setWordWrap(True)

        self.key_title = QtWidgets.QLabel(box)
        key_row = QtWidgets.QHBoxLayout()
        self.fingerprint = QtWidgets.QLabel(box)
        self.fingerprint.setObjectName("badge")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_key = button(parent=box)
        key_row.addWidget(self.fingerprint)
        key_row.addWidget(self.new_key)
        key_row.addStretch(1)
        self.key_note = QtWidgets.QLabel(box)
        self.key_note.setObjectName("subtitle")
        self.key_note.setWordWrap(True)

        self.keep_identity = QtWidgets.QCheckBox(box)
        self.keep_note = QtWidgets.QLabel(box)
        self.keep_note.setObjectName("subtitle")
        self.keep_note.setWordWrap(True)
        self.remember = QtWidgets.QCheckBox(box)
        self.go = button(accent=True, parent=box)
        self.go.setEnabled(False)

        widgets: list[QtWidgets.QWidget] = [self.title, self.intro]
        for w in widgets:
            form.addWidget(w)
        form.addLayout(lang_row)
        widgets = [self.name_label, self.name, self.name_note, self.key_title]
        for w in widgets:
            form.addWidget(w)
        form.addLayout(key_row)
        widgets = [self.key_note, self.keep_identity, self.keep_note, self.remember]
        for w in widgets:
            form.addWidget(w)
        form.addSpacing(8)
        form.addWidget(self.go, 0, Qt.AlignmentFlag.AlignRight)
        centre.addStretch(1)
        centre.addWidget(box, 100)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)

        self.name.textChanged.connect(lambda text: self.go.setEnabled(bool(text.strip())))
        self.name.returnPressed.connect(self._continue)
        self.go.clicked.connect(self._continue)
        self.new_key.clicked.connect(self.newKeyRequested)
        self.language.currentIndexChanged.connect(
            lambda _: self.languageChosen.emit(str(self.language.currentData())))
        self.setTabOrder(self.language, self.name)
        self.setTabOrder(self.name, self.new_key)
        self.setTabOrder(self.new_key, self.keep_identity)
        self.setTabOrder(self.keep_identity, self.remember)
        self.setTabOrder(self.remember, self.go)
        self.retranslate()

    def set_identity(self, identity: Identity) -> None:
        self.identity = identity
        self.retranslate()

    def _continue(self) -> None:
        name = self.name.text().strip()
        if name:
            self.completed.emit(name, self.keep_identity.isChecked(), self.remember.isChecked())

    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome to Majlis"))
        self.intro.setText(self.tr(
            "Voice rooms that only the people inside can hear. Everything is encrypted on your "
            "computer before it leaves, and nothing is recorded."))
        label(self.language_label, self.tr("&Language:"))
        label(self.language, self.tr("Language"))
        label(self.name_label, self.tr("Your &name in rooms:"))
        label(self.name, self.tr("Your name"),
              self.tr("Only people in the same room see it. It does not have to be your real "
                      "name."))
        self.name_note.setText(self.tr(
            "Only people in the same room see it. It does not have to be your real name."))
        self.key_title.setText(self.tr("Your key fingerprint:"))
        fingerprint = ltr(self.identity.public.fingerprint())
        self.fingerprint.setText(fingerprint)
        self.fingerprint.setAccessibleName(self.tr("Your key fingerprint: %1").replace(
            "%1", fingerprint))
        label(self.new_key, self.tr("Make a new key"),
              self.tr("Throw this key away and make another one."))
        self.key_note.setText(self.tr(
            "Others in a room can compare this fingerprint, or your safety number, to be sure "
            "they are talking to you."))
        label(self.keep_identity, self.tr("&Keep my identity on this computer"))
        self.keep_note.setText(self.tr(
            "Off (recommended): a new key every time you open Majlis, and nothing is saved. "
            "On: people who verified you can recognise you next time, but a file on this "
            "computer shows that Majlis was used here."))
        label(self.remember, self.tr("&Remember my name and settings on this computer"))
        label(self.go, self.tr("&Continue"))
