"""Small pieces shared by the pages: banners, labelled buttons, non-blocking confirmations.

Every control gets an accessible name from the same translated text as its label (`label()`),
re-applied on each language change, so a screen reader never reads a stale or empty name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.ui import artwork
from app.ui.qt import Qt, QtCore, QtGui, QtWidgets, Signal


def label(widget: QtWidgets.QWidget, text: str, description: str = "") -> None:
    """Set a control's visible text (where it has one) and its accessible name together.

    Only what differs is set: pages call this from paths that run while a room is live, and a
    call that changes nothing still costs a relayout and a trip through the binding."""
    if isinstance(widget, (QtWidgets.QAbstractButton, QtWidgets.QLabel)):
        set_text(widget, text)
    elif isinstance(widget, QtWidgets.QLineEdit):
        if widget.placeholderText() != text:
            widget.setPlaceholderText(text)
    elif isinstance(widget, QtWidgets.QGroupBox) and widget.title() != text:
        widget.setTitle(text)
    name = plain(text)
    if widget.accessibleName() != name:
        widget.setAccessibleName(name)
    if description and widget.accessibleDescription() != description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)


def set_text(widget: QtWidgets.QLabel | QtWidgets.QAbstractButton, text: str) -> None:
    """setText only when the text changes (see `label`)."""
    if widget.text() != text:
        widget.setText(text)


def set_name(widget: QtWidgets.QWidget, name: str) -> None:
    """setAccessibleName only when the name changes (see `label`)."""
    if widget.accessibleName() != name:
        widget.setAccessibleName(name)


def set_visible(widget: QtWidgets.QWidget, on: bool) -> None:
    """setVisible only when visibility changes (see `label`)."""
    if widget.isHidden() == on:
        widget.setVisible(on)


def ltr(text: str) -> str:
    """Keep digit groups in reading order inside right-to-left text.

    Fingerprints, safety numbers and room codes are compared between people whose screens may
    run in different directions; the bidi algorithm would reverse "482 913" to "913 482" in an
    Arabic sentence. A left-to-right isolate (U+2066 ... U+2069) keeps it as written everywhere.
    """
    return f"\u2066{text}\u2069" if text else text


def plain(text: str) -> str:
    """`text` without its keyboard mnemonic: "&Join" and "加入(&J)" read as "Join", "加入"."""
    return re.sub(r"\s*\(&\w\)", "", text).replace("&&", "\0").replace("&", "").replace(
        "\0", "&")


class Button(QtWidgets.QPushButton):
    """A push button that Enter presses too, when it has the focus.

    Qt's buttons answer only Space outside dialogs, and in a dialog Enter goes to the default
    button whatever has the focus; people expect the focused button to be the one pressed."""

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~(
                Qt.KeyboardModifier.KeypadModifier):
            if self.isEnabled() and not event.isAutoRepeat():
                self.animateClick()
            event.accept()
            return
        super().keyPressEvent(event)


def button(icon_name: str = "", accent: bool = False, danger: bool = False,
           parent: QtWidgets.QWidget | None = None) -> QtWidgets.QPushButton:
    b = Button(parent)
    if icon_name:
        b.setIcon(artwork.icon(icon_name))
    if accent:
        b.setProperty("accent", True)
    if danger:
        b.setProperty("danger", True)
    b.setAutoDefault(False)
    return b


def heading(parent: QtWidgets.QWidget | None = None, name: str = "title") -> QtWidgets.QLabel:
    h = QtWidgets.QLabel(parent)
    h.setObjectName(name)
    h.setWordWrap(True)
    h.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return h


class Banner(QtWidgets.QFrame):
    """A strip across the page with a message and up to two actions (consent, waiting, ended)."""

    primaryClicked = Signal()
    secondaryClicked = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.text = QtWidgets.QLabel(self)
        self.text.setWordWrap(True)
        self.text.setAccessibleName("")
        self.primary = button(accent=True, parent=self)
        self.secondary = button(parent=self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.secondary)
        layout.addWidget(self.primary)
        self.primary.clicked.connect(self.primaryClicked)
        self.secondary.clicked.connect(self.secondaryClicked)
        self.hide()

    def show_message(self, text: str, kind: str = "info", primary: str = "",
                     secondary: str = "") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.text.setAccessibleName(text)
        for widget, caption in ((self.primary, primary), (self.secondary, secondary)):
            widget.setVisible(bool(caption))
            if caption:
                label(widget, caption)
        self.show()
        self.setAccessibleName(text)


def confirm(parent: QtWidgets.QWidget, title: str, text: str, yes: str,
            on_yes: Callable[[], None]) -> QtWidgets.QMessageBox:
    """Ask without blocking: the box is window-modal and `on_yes` runs only if confirmed."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    ok = box.addButton(yes, QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    ok.setAccessibleName(plain(yes))
    cancel.setAccessibleName(plain(cancel.text()))
    box.setDefaultButton(cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def done() -> None:
        if box.clickedButton() is ok:
            on_yes()

    box.finished.connect(done)
    box.open()
    return box


def plain_dialog(dialog: QtWidgets.QDialog) -> None:
    """A title and a close button only: no minimise or maximise on a dialog."""
    dialog.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint
                          | Qt.WindowType.WindowTitleHint | Qt.WindowType.WindowCloseButtonHint)


class Retranslates:
    """Mixin for a Qt widget class, listed before its Qt base: `retranslate()` on every language
    change. A plain class, so dialogs and windows can take it beside their own Qt base (a second
    QWidget base in one class is what PySide6 cannot build)."""

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]

    def retranslate(self) -> None:
        raise NotImplementedError


class LanguageAware(Retranslates, QtWidgets.QWidget):
    """A page or panel that follows the language."""
