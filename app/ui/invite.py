"""Invite: the room's link to copy, and the same link as a QR code to show a phone's camera.

The QR code is drawn from segno's module matrix with QPainter (no image files, nothing written
to disk). A warning stays next to both: the link is the key to the room.
"""

from __future__ import annotations

import segno

from app.ui.codes import CodeBoard, CodePanel
from app.ui.common import Retranslates, button, label, plain_dialog
from app.ui.qt import Qt, QtGui, QtWidgets

QUIET_ZONE = 4  # modules of white border that scanners need


def qr_image(text: str, scale: int = 6) -> QtGui.QImage:
    """A black-on-white QR code of `text`, `scale` pixels per module."""
    code = segno.make(text, error="m", micro=False)
    matrix = code.matrix
    size = len(matrix) + 2 * QUIET_ZONE
    image = QtGui.QImage(size * scale, size * scale, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale, scale, scale)
    painter.end()
    return image


class InviteDialog(Retranslates, QtWidgets.QDialog):
    def __init__(self, link: str, room_name: str, parent: QtWidgets.QWidget | None = None,
                 codes: CodeBoard | None = None, internet: bool = False) -> None:
        """`codes`: the host's spoken codes (None for a member, who cannot offer one)."""
        super().__init__(parent)
        plain_dialog(self)
        self.link_text = link
        self.room_name = room_name
        layout = QtWidgets.QVBoxLayout(self)
        self.intro = QtWidgets.QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        row = QtWidgets.QHBoxLayout()
        self.link = QtWidgets.QLineEdit(link, self)
        self.link.setReadOnly(True)
        self.link.setCursorPosition(0)
        self.copy = button("link", accent=True, parent=self)
        row.addWidget(self.link, 1)
        row.addWidget(self.copy)
        layout.addLayout(row)
        self.copied = QtWidgets.QLabel(self)
        self.copied.setWordWrap(True)
        self.copied.hide()
        layout.addWidget(self.copied)
        self.show_qr = button("qr", parent=self)
        self.show_qr.setCheckable(True)
        layout.addWidget(self.show_qr, 0, Qt.AlignmentFlag.AlignLeading)
        self.qr = QtWidgets.QLabel(self)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setPixmap(QtGui.QPixmap.fromImage(qr_image(link)))
        self.qr.hide()
        layout.addWidget(self.qr)
        self.warning = QtWidgets.QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("subtitle")
        layout.addWidget(self.warning)
        self.codes: CodePanel | None = None
        if codes is not None:
            self.codes = CodePanel(codes, internet, self)
            layout.addWidget(self.codes)
        self.close_button = button(parent=self)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTrailing)
        self.copy.clicked.connect(self._copy)
        self.show_qr.toggled.connect(self._toggle_qr)
        self.close_button.clicked.connect(self.accept)
        self.setMinimumWidth(440)
        self.retranslate()

    def _copy(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.link_text)
        self.copied.setText(self.tr("Copied. Paste it into a private message."))
        self.copied.show()
        self._fit()

    def _fit(self) -> None:
        """Grow to show every wrapped line (a dialog does not do so by itself when a label
        appears: its layout's minimum ignores height-for-width)."""
        self.layout().activate()
        width = max(self.width(), self.minimumSizeHint().width())
        height = self.layout().heightForWidth(width) if self.layout().hasHeightForWidth() \
            else self.sizeHint().height()
        if height > self.height() or width > self.width():
            self.resize(width, max(height, self.height()))

    def _toggle_qr(self, on: bool) -> None:
        self.qr.setVisible(on)
        self.adjustSize()
        self._fit()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Invite people to %1").replace("%1", self.room_name))
        self.intro.setText(self.tr("Send this link to the people you want in the room."))
        label(self.link, self.tr("Invite link"))
        self.link.setAccessibleName(self.tr("Invite link"))
        label(self.copy, self.tr("&Copy link"))
        label(self.show_qr, self.tr("Show &QR code"))
        self.qr.setAccessibleName(self.tr("QR code of the invite link"))
        self.warning.setText(self.tr(
            "Anyone who has this link can ask to come in and, unless you approve each person, "
            "listen. Do not post it in public places."))
        label(self.close_button, self.tr("Close"))
        if self.codes is not None:
            self.codes.retranslate()
