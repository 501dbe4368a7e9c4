"""The room page's widgets and their layout, apart from its behaviour (room.py).

`RoomLayout.build()` creates every widget as an attribute and lays them out: header (name, topic,
encryption badge, connection quality), banners, the stage and audience lists beside the member
and waiting-room panels, and the controls. Texts are set later by the page's `retranslate()`.
"""

from __future__ import annotations

from app.ui.common import Banner, button, heading
from app.ui.delegates import MemberDelegate
from app.ui.member import MemberPanel
from app.ui.models import KnockModel, RosterFilter
from app.ui.qt import Qt, QtCore, QtWidgets
from app.ui.waiting import WaitingPanel


def _member_view(model: QtCore.QAbstractItemModel, stage: bool,
                 parent: QtWidgets.QWidget) -> QtWidgets.QListView:
    view = QtWidgets.QListView(parent)
    view.setModel(model)
    view.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
    view.setFlow(QtWidgets.QListView.Flow.LeftToRight)
    view.setWrapping(True)
    view.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
    view.setMovement(QtWidgets.QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setSpacing(4)
    view.setItemDelegate(MemberDelegate(stage, view))
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    view.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    view.setObjectName("people")
    return view


class RoomLayout(QtWidgets.QWidget):
    """Base of RoomPage: the models it shows are made by the page before `build()`."""

    my_key: bytes
    stage_model: RosterFilter
    audience_model: RosterFilter
    knocks: KnockModel

    def build(self) -> None:
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(18, 12, 18, 12)
        header = QtWidgets.QHBoxLayout()
        titles = QtWidgets.QVBoxLayout()
        self.title = heading(self)
        self.topic = QtWidgets.QLabel(self)
        self.topic.setObjectName("subtitle")
        self.topic.setWordWrap(True)
        titles.addWidget(self.title)
        titles.addWidget(self.topic)
        header.addLayout(titles, 1)
        badges = QtWidgets.QVBoxLayout()
        self.badge = button("lock", parent=self)
        self.badge.setObjectName("encryption")
        self.quality = QtWidgets.QLabel(self)
        self.quality.setAlignment(Qt.AlignmentFlag.AlignTrailing)
        badges.addWidget(self.badge)
        badges.addWidget(self.quality)
        header.addLayout(badges)
        outer.addLayout(header)

        self.reconnect_banner = Banner(self)
        self.stage_banner = Banner(self)
        self.status_banner = Banner(self)
        self.notice_banner = Banner(self)
        self.admission_banner = Banner(self)  # a removal paused auto-admit: two ways on
        for b in (self.reconnect_banner, self.stage_banner, self.status_banner,
                  self.notice_banner, self.admission_banner):
            outer.addWidget(b)

        split = self.split = QtWidgets.QSplitter(Qt.Orientation.Horizontal, self)
        lists = QtWidgets.QWidget(split)
        column = QtWidgets.QVBoxLayout(lists)
        column.setContentsMargins(0, 0, 0, 0)
        self.stage_label = QtWidgets.QLabel(lists)
        self.stage_label.setObjectName("subtitle")
        self.stage_view = _member_view(self.stage_model, True, lists)
        self.audience_label = QtWidgets.QLabel(lists)
        self.audience_label.setObjectName("subtitle")
        self.audience_view = _member_view(self.audience_model, False, lists)
        self.stage_label.setBuddy(self.stage_view)
        self.audience_label.setBuddy(self.audience_view)
        for w in (self.stage_label, self.stage_view, self.audience_label, self.audience_view):
            column.addWidget(w)
        column.setStretch(1, 2)
        column.setStretch(3, 3)
        side = QtWidgets.QFrame(split)
        side.setObjectName("card")
        side_layout = QtWidgets.QVBoxLayout(side)
        side_layout.setContentsMargins(4, 4, 4, 4)
        self.waiting = WaitingPanel(self.knocks, side)
        self.member_panel = MemberPanel(self.my_key, side)
        side_layout.addWidget(self.waiting)
        side_layout.addWidget(self.member_panel, 1)
        split.addWidget(lists)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        side.setMinimumWidth(260)
        outer.addWidget(split, 1)

        controls = QtWidgets.QHBoxLayout()
        self.leave = button("leave", parent=self)
        self.end = button("end", danger=True, parent=self)
        self.move_relay = button(parent=self)  # host, when the invite lists several relays
        self.invite = button("invite", parent=self)
        self.hand = button("hand", parent=self)
        self.mute = button("mic-off", accent=True, parent=self)
        self.ptt_hint = QtWidgets.QLabel(self)
        self.ptt_hint.setObjectName("subtitle")
        self.home = button(accent=True, parent=self)
        self.settings = button("settings", parent=self)  # devices, push-to-talk, proxy
        controls.addWidget(self.leave)
        controls.addWidget(self.end)
        controls.addWidget(self.move_relay)
        controls.addWidget(self.settings)
        controls.addStretch(1)
        controls.addWidget(self.ptt_hint)
        controls.addWidget(self.invite)
        controls.addWidget(self.hand)
        controls.addWidget(self.mute)
        controls.addWidget(self.home)
        outer.addLayout(controls)
