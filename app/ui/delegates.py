"""How a member looks on the stage and in the audience: an avatar with a speaking ring.

The ring's width and opacity follow the member's smoothed audio level (RosterModel.LEVEL), so a
speaker is seen talking the way Clubhouse shows it; badges mark the host (crown), co-hosts (star),
a muted microphone, a raised hand and a verified safety number. Painted, not built from widgets,
so a room of thousands of listeners stays cheap to draw.
"""

from __future__ import annotations

import hashlib

from app.core.roster import Role
from app.ui import artwork
from app.ui.models import Roles
from app.ui.qt import Qt, QtCore, QtGui, QtWidgets
from app.ui.theme import SPEAKING, is_dark

AVATAR_COLORS = ("#0f7a64", "#7a4b0f", "#3b5b92", "#8e3b5f", "#4f7a0f", "#6a3b92", "#92603b",
                 "#2f7f8f")


def initials(name: str) -> str:
    words = [w for w in name.split() if w]
    if not words:
        return "?"
    if len(words) == 1 or not words[0].isascii():
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


def avatar_color(name: str, member_id: int) -> QtGui.QColor:
    digest = hashlib.blake2b(f"{member_id}:{name}".encode(), digest_size=1).digest()[0]
    return QtGui.QColor(AVATAR_COLORS[digest % len(AVATAR_COLORS)])


class MemberDelegate(QtWidgets.QStyledItemDelegate):
    """Paints one member; `stage` members get a larger avatar."""

    def __init__(self, stage: bool, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.avatar = 64 if stage else 48

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem,
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.QSize:
        return QtCore.QSize(self.avatar + 44, self.avatar + 44)

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        rect = QtCore.QRect(option.rect)
        palette: QtGui.QPalette = option.palette
        state = option.state
        if state & QtWidgets.QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            # A pale tint of the accent under the palette's text colour: light text on the dark
            # theme's mint was white on pale green, so that theme gets a deep tint instead.
            highlight = palette.color(QtGui.QPalette.ColorRole.Highlight)
            painter.setBrush(highlight.darker(300) if is_dark(palette) else highlight.lighter(170))
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 8, 8)
        if state & QtWidgets.QStyle.StateFlag.State_HasFocus:
            pen = QtGui.QPen(palette.color(QtGui.QPalette.ColorRole.Highlight), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 8, 8)

        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        member_id = int(index.data(Roles.MEMBER_ID) or 0)
        role = Role(int(index.data(Roles.ROLE) or Role.LISTENER))
        level = float(index.data(Roles.LEVEL) or 0.0)
        muted = bool(index.data(Roles.MUTED))
        if bool(index.data(Roles.AWAY)):
            painter.setOpacity(0.45)  # reconnecting: still in the room, greyed until back
        size = self.avatar
        circle = QtCore.QRectF(rect.center().x() - size / 2, rect.top() + 10, size, size)

        if role.on_stage and level > 0.0 and not muted:
            strength = min(1.0, level * 8.0)  # speech sits around 0.02-0.15 RMS
            ring = QtGui.QColor(SPEAKING)
            ring.setAlphaF(0.35 + 0.65 * strength)
            width = 2.0 + 4.0 * strength
            painter.setPen(QtGui.QPen(ring, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            pad = width / 2 + 2
            painter.drawEllipse(circle.adjusted(-pad, -pad, pad, pad))

        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(avatar_color(name, member_id))
        painter.drawEllipse(circle)
        font = QtGui.QFont(option.font)
        font.setPixelSize(int(size * 0.38))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor("white"))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials(name))

        text_color = palette.color(QtGui.QPalette.ColorRole.Text)
        badge = 20
        rtl = option.direction == Qt.LayoutDirection.RightToLeft
        # The role badge sits at the reading start, state badges at the end of the avatar.
        start_x = circle.right() - badge + 4 if rtl else circle.left() - 4
        end_x = circle.left() - 4 if rtl else circle.right() - badge + 4
        if role in (Role.HOST, Role.COHOST):
            self._badge(painter, "host" if role is Role.HOST else "cohost",
                        QtCore.QRectF(start_x, circle.top() - 4, badge, badge), palette)
        if role.on_stage and muted:
            self._badge(painter, "mic-off",
                        QtCore.QRectF(end_x, circle.bottom() - badge + 4, badge, badge), palette)
        if bool(index.data(Roles.HAND)):
            self._badge(painter, "hand",
                        QtCore.QRectF(end_x, circle.top() - 4, badge, badge), palette)
        if bool(index.data(Roles.INVITED)) and role is Role.LISTENER:
            self._badge(painter, "invite",  # invited to the stage, not answered yet
                        QtCore.QRectF(end_x, circle.bottom() - badge + 4, badge, badge), palette)
        if bool(index.data(Roles.VERIFIED)):
            self._badge(painter, "verified",
                        QtCore.QRectF(start_x, circle.bottom() - badge + 4, badge, badge), palette)

        label = name
        if bool(index.data(Roles.IS_ME)):
            label = QtCore.QCoreApplication.translate("MemberDelegate", "%1 (you)").replace(
                "%1", name)
        font = QtGui.QFont(option.font)
        painter.setFont(font)
        painter.setPen(text_color)
        text_rect = QtCore.QRectF(rect.left() + 2, circle.bottom() + 6, rect.width() - 4, 20)
        metrics = QtGui.QFontMetrics(font)
        elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         elided)
        painter.restore()

    def _badge(self, painter: QtGui.QPainter, name: str, where: QtCore.QRectF,
               palette: QtGui.QPalette) -> None:
        painter.setPen(QtGui.QPen(palette.color(QtGui.QPalette.ColorRole.Mid), 1))
        painter.setBrush(palette.color(QtGui.QPalette.ColorRole.Base))
        painter.drawEllipse(where)
        color = QtGui.QColor(SPEAKING) if name == "hand" else \
            palette.color(QtGui.QPalette.ColorRole.Text)
        pix = artwork.pixmap(name, color, int(where.width() - 6), 2.0)
        painter.drawPixmap(where.adjusted(3, 3, -3, -3).toRect(), pix)
