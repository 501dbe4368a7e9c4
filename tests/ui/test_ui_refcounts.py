"""The Qt binding must not lose references to True, False or None.

PySide6 6.12.0 on CPython 3.11 dropped one reference to `True` for every `Signal.emit()` whose
result was discarded, and references to `None` in void calls (`setText`, `setVisible`, ...).
None, True and False are not immortal before Python 3.12: when a count reaches zero the
interpreter aborts (`Fatal Python error: none_dealloc`), which ended every desktop room after
about sixteen minutes. This test runs the calls the app makes many times a second and checks that
the counts do not move. It guards the pinned binding (pyproject.toml) against an upgrade.

Measuring: `sys.getrefcount` of a singleton also counts references held by this test's own
frames and by whatever other threads happen to hold at that instant (pytest, Qt's threads). So the
same function is run twice, once with 0 and once with 10,000 iterations, each measured from a
quiet point (after `gc.collect()`); the difference between the two deltas is what the 10,000
iterations did. It must be exactly 0: a leak shows as -10,000 (one per call) or more.

The measurement runs in a fresh interpreter: with a leaking binding, 10,000 calls take True's
count (a few thousand at start) through zero, and the abort would end the whole test run instead
of failing this test.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.ui.qt import QtCore, QtGui, QtWidgets, Signal

N = 10_000
SINGLETONS = {"True": True, "False": False, "None": None}


class Emitter(QtCore.QObject):
    plain = Signal()
    flag = Signal(bool)
    thing = Signal(object)


def _counts() -> dict[str, int]:
    # Widgets from the previous run are deleted first (deleteLater), so they hold nothing.
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    QtCore.QCoreApplication.processEvents()
    gc.collect()
    return {name: sys.getrefcount(obj) for name, obj in SINGLETONS.items()}


def _drift(work: Callable[[int], None]) -> dict[str, int]:
    """What `work(N)` did to the counts, beyond what running `work(0)` does.

    `work` uses objects made once, before: the first calls on a new widget or model build
    caches that hold a few references for good, which is not a leak and would blur the count.
    """
    work(100)  # warm-up: method wrappers, signal instances, style caches
    before = _counts()
    work(0)
    after = _counts()
    baseline = {k: after[k] - before[k] for k in before}
    before = _counts()
    work(N)
    after = _counts()
    return {k: after[k] - before[k] - baseline[k] for k in before}


def _emits() -> Callable[[int], None]:
    e = Emitter()
    received: list[object] = []
    e.thing.connect(lambda obj: received.append(obj) if obj is not None else None)
    e.flag.connect(lambda on: None)

    def work(n: int) -> None:
        for i in range(n):
            e.plain.emit()  # no receiver, result discarded: the case that leaked True
            e.flag.emit(i % 2 == 0)
            e.thing.emit(None)

    return work


def _void_calls() -> Callable[[int], None]:
    label = QtWidgets.QLabel()
    button = QtWidgets.QPushButton()
    icon = QtGui.QIcon()

    def work(n: int) -> None:
        for i in range(n):
            label.setText("good" if i % 2 else "fair")  # void calls: the case that leaked None
            label.setVisible(i % 2 == 0)
            label.setAccessibleName("x")
            label.setToolTip("")
            button.setEnabled(i % 3 != 0)
            button.setIcon(icon)
            button.setProperty("accent", i % 2 == 0)

    work.keep = (label, button)  # type: ignore[attr-defined]
    return work


def _model_updates() -> Callable[[int], None]:
    """What the roster model does on every level poll (30 Hz in a room)."""
    model = QtGui.QStandardItemModel(4, 1)
    role = QtCore.Qt.ItemDataRole.UserRole

    def work(n: int) -> None:
        for i in range(n):
            index = model.index(i % 4, 0)
            model.dataChanged.emit(index, index, [role])
            model.setData(index, i, role)

    work.keep = model  # type: ignore[attr-defined]
    return work


WORKS = {"emit": _emits, "void-calls": _void_calls, "model-updates": _model_updates}


def _measure(name: str) -> dict[str, int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, __file__, name], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, (
        f"the interpreter died ({done.returncode}) during {N} {name}: the Qt binding loses "
        f"references to True/False/None\n{done.stderr[-2000:]}")
    result: dict[str, int] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", list(WORKS))
def test_binding_keeps_singletons(name: str) -> None:
    assert _measure(name) == {"True": 0, "False": 0, "None": 0}


def _leaky() -> Callable[[int], None]:
    kept: list[object] = []

    def work(n: int) -> None:
        kept.extend(None for _ in range(n))  # held references, as a lost decref leaves them

    return work


def test_measurement_sees_a_leak() -> None:
    """The method catches what 6.12 did: a deliberate leak of one None per call is counted
    exactly (measured in a fresh interpreter, like the binding: threads left by other tests
    would move None's count in this one)."""
    assert _measure("leak") == {"True": 0, "False": 0, "None": N}

if __name__ == "__main__":
    _app = QtWidgets.QApplication([sys.argv[0]])
    print(json.dumps(_drift({**WORKS, "leak": _leaky}[sys.argv[1]]())))
