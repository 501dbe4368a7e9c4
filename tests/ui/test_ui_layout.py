"""No text is cut off: every wrapped label gets the height its lines need, in every language.

First run and the invite dialog (after Copy, and with the QR code) are laid out offscreen in
English, Arabic and Chinese at the window's usual size and at a small one, and each visible
label is checked against what it needs: `heightForWidth` for wrapped text, the size hint's width
for a single line.
"""

from __future__ import annotations

import pytest

from app.settings import Settings
from app.ui.qt import QtWidgets

LANGS = ["en", "ar", "zh_CN"]


def cut_off(root: QtWidgets.QWidget) -> list[str]:
    """Labels and buttons under `root` that show less than their whole text."""
    QtWidgets.QApplication.processEvents()
    bad = []
    for w in root.findChildren(QtWidgets.QLabel):
        if not w.isVisible() or not w.text():
            continue
        if w.wordWrap():
            need = w.heightForWidth(w.width())
            if w.height() < need:
                bad.append(f"{w.text()[:40]!r}: {w.height()} < {need} px high")
        elif w.width() < w.sizeHint().width() - 1 and w.pixmap().isNull():
            bad.append(f"{w.text()[:40]!r}: {w.width()} < {w.sizeHint().width()} px wide")
    for b in root.findChildren(QtWidgets.QAbstractButton):
        if b.isVisible() and b.text() and b.width() < b.sizeHint().width() - 1 \
                and not isinstance(b, (QtWidgets.QCheckBox, QtWidgets.QRadioButton)):
            bad.append(f"button {b.text()!r}: {b.width()} < {b.sizeHint().width()} px wide")
    return bad


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", [(980, 680), (700, 520)])
def test_first_run_shows_all_its_text(qtbot, make_window, lang: str,  # type: ignore[no-untyped-def]
                                      size: tuple[int, int]) -> None:
    window = make_window(lang=lang, settings=Settings(display_name=""))
    window.resize(*size)
    assert window.pages.currentWidget() is window.first_run
    qtbot.waitExposed(window)
    window.first_run.keep_identity.setChecked(True)
    assert cut_off(window.first_run) == []
    assert window.first_run.keep_note.isVisible()


@pytest.mark.parametrize("lang", LANGS)
def test_invite_dialog_grows_for_its_text(qtbot, make_window, lang: str) -> None:  # type: ignore[no-untyped-def]
    from app.ui.invite import InviteDialog

    window = make_window(lang=lang)
    link = "majlis://join#" + "A" * 120
    dialog = InviteDialog(link, "Evening majlis", window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert cut_off(dialog) == []
    dialog.copy.click()
    assert dialog.copied.isVisible()
    assert cut_off(dialog) == []
    dialog.show_qr.click()
    assert cut_off(dialog) == []
