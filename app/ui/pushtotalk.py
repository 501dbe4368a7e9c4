"""The push-to-talk key: a whole chord (Ctrl+Space, F8, ...), and when it is not ours to take.

The room listens for the key application-wide, so it must never take a key the focused control
needs: a plain Space (or a letter, or Enter) on a focused button, box, list or text field belongs
to that control. Space on a focused "End room" button must press the button, not open the
microphone, and certainly not count as consent. Chords with Ctrl, Alt or Meta and the function
keys are not used by controls, so they work wherever the focus is.
"""

from __future__ import annotations

from app.ui.qt import Qt, QtCore, QtGui, QtWidgets

CHORD_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.MetaModifier | Qt.KeyboardModifier.ShiftModifier)
COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                     | Qt.KeyboardModifier.MetaModifier)
MODIFIER_KEYS = {Qt.Key.Key_Control: Qt.KeyboardModifier.ControlModifier,
                 Qt.Key.Key_Alt: Qt.KeyboardModifier.AltModifier,
                 Qt.Key.Key_Meta: Qt.KeyboardModifier.MetaModifier,
                 Qt.Key.Key_Shift: Qt.KeyboardModifier.ShiftModifier}
# Controls that use plain keys themselves (Space presses a button, ticks a box, types a space).
# The member lists are not among them: selection follows the current row there, so Space is
# free, and the lists are where the focus rests in a room.
KEY_USERS = (QtWidgets.QAbstractButton, QtWidgets.QLineEdit, QtWidgets.QTextEdit,
             QtWidgets.QPlainTextEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox,
             QtWidgets.QAbstractSlider, QtWidgets.QKeySequenceEdit, QtWidgets.QTabBar)


class PushToTalkKey:
    """One key with its modifiers, as chosen in Settings."""

    def __init__(self, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
        self.key = key
        self.modifiers = modifiers & CHORD_MODIFIERS

    @classmethod
    def from_sequence(cls, sequence: QtGui.QKeySequence | None) -> PushToTalkKey | None:
        if sequence is None or sequence.isEmpty():
            return None
        combo = sequence[0]
        return cls(combo.key(), combo.keyboardModifiers())

    def text(self) -> str:
        """The chord as the platform writes it ("Ctrl+Space")."""
        combo = QtCore.QKeyCombination(self.modifiers, self.key)
        return QtGui.QKeySequence(combo).toString(QtGui.QKeySequence.SequenceFormat.NativeText)

    @property
    def is_function_key(self) -> bool:
        return Qt.Key.Key_F1.value <= self.key.value <= Qt.Key.Key_F35.value

    def pressed(self, event: QtGui.QKeyEvent, focus: QtWidgets.QWidget | None) -> bool:
        """Whether this press is ours: the chord exactly, and not a key the focus needs."""
        if event.key() != self.key.value:
            return False
        if (event.modifiers() & CHORD_MODIFIERS) != self.modifiers:
            return False
        return not self.belongs_to(focus)

    def released(self, event: QtGui.QKeyEvent) -> bool:
        """Whether this release ends talking: the key, or one of the chord's modifiers."""
        key = event.key()
        if key == self.key.value:
            return True
        modifier = MODIFIER_KEYS.get(Qt.Key(key)) if key in {k.value for k in MODIFIER_KEYS} \
            else None
        return modifier is not None and bool(self.modifiers & modifier)

    def belongs_to(self, focus: QtWidgets.QWidget | None) -> bool:
        """A plain key on a control that uses plain keys is the control's."""
        if self.modifiers & COMMAND_MODIFIERS or self.is_function_key:
            return False
        return isinstance(focus, KEY_USERS)
