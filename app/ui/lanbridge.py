"""The live list of rooms on this network, as a Qt signal.

`app.lan.browse.LanBrowser` calls back on zeroconf's thread; emitting a signal from there makes
Qt queue it to the GUI thread. Starting (binding sockets) and closing (goodbyes, thread joins)
run on a short-lived worker thread, so the window never waits on the network.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from app.lan.browse import LanBrowser
from app.lan.service import LanError, LanRoom
from app.ui.qt import QtCore, Signal

log = logging.getLogger(__name__)


class LanWatcher(QtCore.QObject):
    roomsChanged = Signal(object)  # tuple[LanRoom, ...]
    problem = Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._browser: LanBrowser | None = None
        self._workers: list[threading.Thread] = []

    @property
    def active(self) -> bool:
        return self._browser is not None

    def start(self, interfaces: Sequence[str]) -> None:
        self.stop()
        try:
            browser = LanBrowser(interfaces, lambda rooms: self._changed(browser, rooms))
        except LanError as exc:
            self.problem.emit(str(exc))
            return
        self._browser = browser

        def run() -> None:
            try:
                browser.start()
            except LanError as exc:
                log.info("LAN browsing failed: %s", exc)
                self.problem.emit(str(exc))

        self._spawn(run)

    def stop(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            self._spawn(browser.close)
        self.roomsChanged.emit(())

    def wait(self, timeout: float) -> None:
        """At exit only: give the workers a moment to say goodbye on the network."""
        for worker in list(self._workers):
            worker.join(timeout)

    def _spawn(self, job: Callable[[], None]) -> None:
        worker = threading.Thread(target=job, name="majlis-lan", daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def _changed(self, source: LanBrowser, rooms: tuple[LanRoom, ...]) -> None:
        if source is self._browser:  # a browser being closed may still report once
            self.roomsChanged.emit(rooms)
