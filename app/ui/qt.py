"""The one module that imports the Qt binding (qutebrowser's rule).

Every other module in app/ui writes `from app.ui.qt import QtCore, QtGui, QtWidgets`, so moving to
another binding or version, or checking which Qt modules the app (and its frozen bundle) really
needs, is a change in one place. `tests/ui/test_ui_imports.py` keeps it that way.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtNetwork, QtSvg, QtWidgets
from PySide6.QtCore import Qt, Signal, Slot

__all__ = ["Qt", "QtCore", "QtGui", "QtNetwork", "QtSvg", "QtWidgets", "Signal", "Slot"]

QT_VERSION = QtCore.qVersion()
