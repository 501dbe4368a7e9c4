"""Languages: Qt translators for the app's strings and Qt's own, and the layout direction.

The app's strings are English in the source, marked with `tr()` / `QCoreApplication.translate()`;
`app/ui/i18n/majlis_<lang>.ts` hold the translations (edited with Qt Linguist or by hand) and the
compiled `.qm` files sit next to them. `python -m app.ui.lupdate` re-extracts and recompiles.
Switching language at run time sends every widget a LanguageChange event; each widget re-reads
its texts in `retranslate()`, so nothing needs a restart.
"""

from __future__ import annotations

from pathlib import Path

from app.ui.qt import Qt, QtCore, QtGui

I18N_DIR = Path(__file__).resolve().parent / "i18n"
# Shown in each language's own script, so someone who cannot read the current one finds theirs.
LANGUAGES: dict[str, str] = {"en": "English", "ar": "العربية", "zh_CN": "简体中文"}
RIGHT_TO_LEFT = frozenset({"ar"})


def system_language() -> str:
    """The supported language closest to the system's, English when none is close."""
    for name in QtCore.QLocale.system().uiLanguages():
        tag = name.replace("-", "_")
        if tag in LANGUAGES:
            return tag
        if tag.startswith("zh") and ("Hans" in tag or tag.endswith(("CN", "SG")) or tag == "zh"):
            return "zh_CN"
        base = tag.split("_")[0]
        if base in LANGUAGES:
            return base
    return "en"


def resolve(code: str) -> str:
    """"" means the system's language; unknown codes fall back to English."""
    if not code:
        return system_language()
    return code if code in LANGUAGES else "en"


class Translations:
    """Owns the installed translators of one QCoreApplication."""

    def __init__(self, app: QtGui.QGuiApplication) -> None:
        self.app = app
        self.language = ""
        self._installed: list[QtCore.QTranslator] = []

    def set_language(self, code: str) -> str:
        """Install `code` (or the system language for ""); returns the language now in use."""
        language = resolve(code)
        if language == self.language:
            return language
        self.clear()
        qt_dir = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
        for name, folder in ((f"qtbase_{language}", qt_dir), (f"majlis_{language}", str(I18N_DIR))):
            translator = QtCore.QTranslator(self.app)
            if translator.load(name, folder):
                self.app.installTranslator(translator)
                self._installed.append(translator)
        QtCore.QLocale.setDefault(QtCore.QLocale(language))
        direction = (Qt.LayoutDirection.RightToLeft if language in RIGHT_TO_LEFT
                     else Qt.LayoutDirection.LeftToRight)
        QtGui.QGuiApplication.setLayoutDirection(direction)
        self.language = language
        return language

    def clear(self) -> None:
        """Remove this object's translators: back to the English source, left to right."""
        for translator in self._installed:
            self.app.removeTranslator(translator)
        self._installed = []
        self.language = ""
        QtGui.QGuiApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
