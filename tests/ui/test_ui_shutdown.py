"""Clean shutdown: on SIGTERM, on --quit-after and on closing the window the room is left (a host
ends it, so every member drops its keys), devices and threads close, and nothing is written.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import majlis

from app.ui.qt import QtWidgets

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20000
NOISE = ("This plugin does not support",)

pytestmark = pytest.mark.integration


def start_app(config: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MAJLIS_CONFIG_DIR=str(config),
               PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app.main", "--no-lan", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_line(stream, prefix: str, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([stream], [], [], left)
        if not ready:
            break
        line = stream.readline()
        if line.startswith(prefix):
            return str(line).strip()
        if not line:
            break
    raise AssertionError(f"no line starting with {prefix!r}")


def real_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not any(n in line for n in NOISE)]


def test_sigterm_ends_the_room_for_everyone_and_exits_cleanly(tmp_path: Path) -> None:
    app = start_app(tmp_path / "config", "--room", "Evening majlis", "--print-invite")
    try:
        assert app.stdout is not None
        link = read_line(app.stdout, "invite: ").split(" ", 1)[1]
        listener = majlis("join", link, "--as", "Ali", "--for", "60")
        assert listener.stderr is not None
        read_line(listener.stderr, "joined")
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=20)
        assert app.returncode == 0
        assert real_errors(err) == []
        _, listener_err = listener.communicate(timeout=20)
        assert listener.returncode == 7, listener_err
        assert "The host ended the room." in listener_err
    finally:
        for proc in (app,):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not (tmp_path / "config").exists()  # nothing written without opting in


def test_quit_after_closes_by_itself(tmp_path: Path) -> None:
    app = start_app(tmp_path / "config", "--room", "Short", "--print-invite", "--name", "Huda",
                    "--lang", "ar", "--quit-after", "2")
    out, err = app.communicate(timeout=30)
    assert app.returncode == 0
    assert out.startswith("invite: majlis://join#")
    assert real_errors(err) == []


def test_closing_the_window_leaves_the_room_and_wipes_keys(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    from app.ui.runner import HostPlan, Where

    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    runner = host.runner
    assert runner is not None and runner.client is not None

    def answer(role: QtWidgets.QMessageBox.ButtonRole) -> None:
        host.close()  # the window's close button: a host is asked first
        qtbot.waitUntil(lambda: host._close_box is not None and host._close_box.isVisible(),
                        timeout=WAIT)
        box = host._close_box
        assert box is not None and "ends the room for everyone" in box.text()
        next(b for b in box.buttons() if box.buttonRole(b) == role).click()

    answer(QtWidgets.QMessageBox.ButtonRole.RejectRole)  # Cancel: nothing happens
    answer(QtWidgets.QMessageBox.ButtonRole.ActionRole)  # Minimise: the room goes on
    qtbot.waitUntil(host.isMinimized, timeout=WAIT)
    assert runner.running and not guest.room.ended and host.isVisible()
    host.showNormal()
    with qtbot.waitSignal(host.shutDown, timeout=WAIT):
        answer(QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    assert not host.isVisible()
    assert runner.wait(5.0)
    assert runner.client.protocol.keys.current is None
    assert runner.outcome is not None and runner.outcome.code == 0
    qtbot.waitUntil(lambda: guest.room.ended, timeout=WAIT)
    assert "host ended" in guest.room.status_banner.text.text()


def test_a_guest_closing_the_window_just_leaves(qtbot, make_window, relay) -> None:  # type: ignore[no-untyped-def]
    from app.ui.runner import HostPlan, Where

    host = make_window("Layla")
    host.host(HostPlan("Room", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    guest = make_window("Huda")
    guest.home.link.setText(host.room.snapshot.invite_link)
    guest.home.join.click()
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    with qtbot.waitSignal(guest.shutDown, timeout=WAIT):
        guest.close()  # leaving ends nothing for anyone else: no question
    qtbot.waitUntil(lambda: len(host.room.snapshot.members) == 1, timeout=WAIT)
    assert not host.room.ended
