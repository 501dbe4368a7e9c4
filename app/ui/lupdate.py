"""`python -m app.ui.lupdate`: refresh the translation files from the source, then compile them.

Runs the `lupdate` and `lrelease` that ship inside PySide6 (no system Qt needed). `.ts` files
are written without source locations, so moving code does not churn them; strings that are gone
from the code are dropped (`-no-obsolete`). Translators edit the `.ts` files (Qt Linguist, or any
text editor) and run this again; `tests/ui/test_ui_i18n.py` fails when either file is stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.ui.languages import I18N_DIR, LANGUAGES
from app.ui.qt import QtCore

TOOLS = Path(QtCore.__file__).resolve().parent  # the PySide6 package folder
APP = Path(__file__).resolve().parents[1]


def sources() -> list[Path]:
    """Every file whose strings reach the screen."""
    return [*sorted((APP / "ui").glob("*.py")), APP / "main.py"]


def ts_path(language: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"majlis_{language}.ts"


def qm_path(language: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"majlis_{language}.qm"


def update(ts_files: list[Path]) -> None:
    """Extract strings into `ts_files` (created if missing), keeping existing translations."""
    for ts in ts_files:
        language = ts.stem.removeprefix("majlis_")
        subprocess.run([str(TOOLS / "lupdate"), "-silent", "-locations", "none", "-no-obsolete",
                        "-source-language", "en", "-target-language", language,
                        *map(str, sources()), "-ts", str(ts)], check=True)


def release(ts: Path, qm: Path) -> None:
    subprocess.run([str(TOOLS / "lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)


def main() -> int:
    files = [ts_path(code) for code in LANGUAGES]
    update(files)
    for code in LANGUAGES:
        release(ts_path(code), qm_path(code))
    print("\n".join(str(f) for f in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
