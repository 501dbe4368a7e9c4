"""Light and dark themes on Qt's Fusion style, and "system" (whatever the desktop provides).

Fusion with an explicit palette looks the same on every desktop and in the offscreen screenshots;
the accent is the deep green of the app icon, readable on both backgrounds.
"""

from __future__ import annotations

from app.ui.artwork import ICON_DIR
from app.ui.qt import Qt, QtGui, QtWidgets

ACCENT = "#0f7a64"
ACCENT_DARK = "#3fb89b"
SPEAKING = "#e8b04b"

_STYLE = """
QPushButton[accent="true"] { background: %(accent)s; color: %(on_accent)s; border-radius: 6px;
    padding: 6px 14px; font-weight: bold; border: 2px solid %(accent)s; }
QPushButton[accent="true"]:focus { border: 2px solid %(focus)s; }
QPushButton[accent="true"]:pressed { background: %(pressed)s; }
QPushButton[accent="true"]:disabled { background: palette(mid); border-color: palette(mid); }
QPushButton[danger="true"] { color: %(danger)s; }
QFrame#banner { border-radius: 6px; padding: 4px; }
QFrame#banner[kind="warning"] { background: #fff3cd; color: #5c4400; }
QFrame#banner[kind="info"] { background: %(info)s; color: palette(text); }
QFrame#banner[kind="danger"] { background: #f8d7da; color: #58151c; }
QLabel#badge { border: 1px solid %(accent)s; border-radius: 10px; padding: 2px 8px;
    color: %(accent)s; }
QLabel#title { font-size: 20px; font-weight: bold; }
QLabel#name { font-size: 16px; font-weight: bold; }
QFrame#card { background: palette(base); border-radius: 10px; }
QListView#people, QListView#codes { background: palette(base); border-radius: 10px;
    border: 2px solid palette(base); }
QListView#people:focus, QListView#codes:focus { border: 2px solid %(accent)s; }
QPushButton#encryption { border: 1px solid %(accent)s; border-radius: 13px; padding: 4px 12px;
    color: %(accent)s; font-weight: bold; background: transparent; }
QPushButton#encryption:focus { border-width: 2px; }
QLabel#subtitle { color: palette(mid); }
QCheckBox, QRadioButton { border: 2px solid transparent; border-radius: 4px; padding: 1px 2px; }
QCheckBox:focus, QRadioButton:focus { border-color: %(accent)s; }
QCheckBox::indicator { width: 14px; height: 14px; border: 2px solid %(box)s; border-radius: 3px;
    background: palette(base); }
QCheckBox::indicator:checked { background: %(accent)s; border-color: %(accent)s;
    image: url(%(check)s); }
QCheckBox::indicator:disabled { border-color: palette(mid); }
QRadioButton::indicator { width: 14px; height: 14px; border: 2px solid %(box)s;
    border-radius: 9px; background: palette(base); }
QRadioButton::indicator:checked { background: qradialgradient(cx:0.5, cy:0.5, radius:0.5,
    fx:0.5, fy:0.5, stop:0 %(accent)s, stop:0.55 %(accent)s, stop:0.65 palette(base),
    stop:1 palette(base)); border-color: %(accent)s; }
"""


def _dark_palette() -> QtGui.QPalette:
    p = QtGui.QPalette()
    roles = QtGui.QPalette.ColorRole
    base = QtGui.QColor("#1e2124")
    window = QtGui.QColor("#2a2d31")
    text = QtGui.QColor("#e8e6e3")
    for role, color in ((roles.Window, window), (roles.WindowText, text), (roles.Base, base),
                        (roles.AlternateBase, window), (roles.Text, text),
                        (roles.Button, QtGui.QColor("#33373c")), (roles.ButtonText, text),
                        (roles.Highlight, QtGui.QColor(ACCENT_DARK)),
                        (roles.HighlightedText, QtGui.QColor("#101214")),
                        (roles.ToolTipBase, base), (roles.ToolTipText, text),
                        (roles.PlaceholderText, QtGui.QColor("#8a8f95")),
                        (roles.Link, QtGui.QColor(ACCENT_DARK)),
                        (roles.Mid, QtGui.QColor("#8a8f95"))):
        p.setColor(role, color)
    disabled = QtGui.QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.ButtonText, roles.WindowText):
        p.setColor(disabled, role, QtGui.QColor("#6b7075"))
    return p


def _light_palette() -> QtGui.QPalette:
    p = QtWidgets.QStyleFactory.create("Fusion").standardPalette()
    roles = QtGui.QPalette.ColorRole
    p.setColor(roles.Window, QtGui.QColor("#f6f4ef"))
    p.setColor(roles.Highlight, QtGui.QColor(ACCENT))
    p.setColor(roles.Link, QtGui.QColor(ACCENT))
    p.setColor(roles.Mid, QtGui.QColor("#6f6a60"))
    return p


def apply(app: QtWidgets.QApplication, theme: str) -> None:
    """Apply "light", "dark" or "system" (the desktop's colour scheme, when it says)."""
    app.setStyle(QtWidgets.QStyleFactory.create("Fusion"))
    scheme = QtGui.QGuiApplication.styleHints().colorScheme()
    dark = theme == "dark" or (theme == "system" and scheme == Qt.ColorScheme.Dark)
    app.setPalette(_dark_palette() if dark else _light_palette())
    accent = ACCENT_DARK if dark else ACCENT
    info = "#23463f" if dark else "#dff1ec"
    # The focus ring of a filled button contrasts with the window around it (a ring in the
    # button's own hue was all but invisible); text on the light mint of the dark theme is dark.
    app.setStyleSheet(_STYLE % {
        "accent": accent, "info": info, "focus": "#ffffff" if dark else "#1b1b1b",
        "on_accent": "#101214" if dark else "white",
        "pressed": "#2f9c82" if dark else "#0a5c4b",
        "danger": "#ff8a7a" if dark else "#b03224",  # readable on each theme's button grey
        # Check boxes drawn by the style sheet: Fusion's own border is the window colour made
        # darker, which vanishes on the dark theme's base.
        "box": "#9aa0a6" if dark else "#6f6a60",
        "check": (ICON_DIR / ("check-on-dark.svg" if dark else "check-on-light.svg")).as_posix()})


def is_dark(palette: QtGui.QPalette) -> bool:
    return palette.color(QtGui.QPalette.ColorRole.Window).lightness() < 128
