"""Line icons drawn from the SVGs in app/ui/icons, in the palette's text colour.

The SVGs carry a `#COLOR` placeholder instead of a fixed colour, so one file serves the light and
dark themes and disabled states; rendered pixmaps are cached per name, colour and size.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.ui.qt import Qt, QtCore, QtGui, QtSvg

ICON_DIR = Path(__file__).resolve().parent / "icons"
APP_ICON = ICON_DIR / "majlis.svg"


@cache
def _svg(name: str) -> str:
    return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")


@cache
def _pixmap(name: str, color: str, size: int, ratio: float) -> QtGui.QPixmap:
    data = _svg(name).replace("#COLOR", color).encode("utf-8")
    renderer = QtSvg.QSvgRenderer(QtCore.QByteArray(data))
    pixels = max(1, round(size * ratio))
    image = QtGui.QImage(pixels, pixels, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    pixmap = QtGui.QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def pixmap(name: str, color: QtGui.QColor, size: int = 20, ratio: float = 1.0) -> QtGui.QPixmap:
    return _pixmap(name, color.name(), size, ratio)


def icon(name: str, palette: QtGui.QPalette | None = None) -> QtGui.QIcon:
    """An icon for buttons, with a normal and a disabled colour from `palette`."""
    pal = palette if palette is not None else QtGui.QGuiApplication.palette()
    result = QtGui.QIcon()
    ratio = 2.0  # crisp on high-density screens; Qt scales down for others
    for mode, group in ((QtGui.QIcon.Mode.Normal, QtGui.QPalette.ColorGroup.Active),
                        (QtGui.QIcon.Mode.Disabled, QtGui.QPalette.ColorGroup.Disabled)):
        color = pal.color(group, QtGui.QPalette.ColorRole.ButtonText)
        result.addPixmap(pixmap(name, color, 24, ratio), mode)
    return result


def app_icon() -> QtGui.QIcon:
    return QtGui.QIcon(str(APP_ICON))
