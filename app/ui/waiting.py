"""The host's waiting room: each person's name and key fingerprint, let in or turn away."""

from __future__ import annotations

from app.ui.common import LanguageAware, button, label
from app.ui.models import KnockModel
from app.ui.qt import QtCore, QtWidgets, Signal


class WaitingPanel(LanguageAware):
    admit = Signal(int)  # knock id
    refuse = Signal(int)

    def __init__(self, model: KnockModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QtWidgets.QLabel(self)
        self.title.setObjectName("subtitle")
        self.list = QtWidgets.QListView(self)
        self.list.setModel(model)
        self.list.setMaximumHeight(140)
        row = QtWidgets.QHBoxLayout()
        self.refuse_button = button(danger=True, parent=self)
        self.admit_button = button(accent=True, parent=self)
        row.addWidget(self.refuse_button)
        row.addWidget(self.admit_button)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.admit_button.clicked.connect(lambda: self._answer(self.admit))
        self.refuse_button.clicked.connect(lambda: self._answer(self.refuse))
        model.modelReset.connect(self._changed)
        self._changed()

    def _answer(self, signal: QtCore.SignalInstance) -> None:
        rows = self.list.selectionModel().selectedRows()
        row = rows[0].row() if rows else 0
        knock = self.model.knock(row)
        if knock is not None:
            signal.emit(knock.knock_id)

    def _changed(self) -> None:
        count = self.model.rowCount()
        self.setVisible(count > 0)
        if count and not self.list.selectionModel().hasSelection():
            self.list.setCurrentIndex(self.model.index(0))
        self.retranslate()

    def retranslate(self) -> None:
        count = self.model.rowCount()
        self.title.setText(self.tr("%n waiting to come in", "", count))
        label(self.list, self.tr("People waiting to come in"))
        label(self.admit_button, self.tr("&Let in"))
        label(self.refuse_button, self.tr("&Turn away"))
