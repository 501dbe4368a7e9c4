"""One window per profile: a second launch with a link hands it to the open window.

Real local sockets (QLocalServer in a private runtime directory), a real second `majlis` process,
a real relay process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui.single import LinkServer, hand_over, server_name

WAIT = 20000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $XDG_RUNTIME_DIR (mode 700, as the session's own would be)."""
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    return path


def test_links_arrive_and_a_live_server_keeps_its_name(qtbot, runtime: Path) -> None:  # type: ignore[no-untyped-def]
    name = server_name()
    assert name.startswith(str(runtime))  # never a shared directory such as /tmp
    first = LinkServer()
    assert first.listen()
    assert (os.stat(name).st_mode & 0o077) == 0
    with qtbot.waitSignal(first.linkReceived, timeout=WAIT) as received:
        assert hand_over("majlis://join#abc")
    assert received.args == ["majlis://join#abc"]
    second = LinkServer()
    assert not second.listen()  # the open window keeps the name
    first.close()
    assert not hand_over("majlis://join#abc")  # nobody listening: the launch opens a window


def test_a_socket_left_by_a_crashed_app_is_replaced(qtbot, runtime: Path) -> None:  # type: ignore[no-untyped-def]
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(server_name())  # bound, never listening: what a killed process leaves behind
    stale.close()
    server = LinkServer()
    assert server.listen()
    with qtbot.waitSignal(server.linkReceived, timeout=WAIT):
        assert hand_over("majlis://join#xyz")
    server.close()


def test_a_second_launch_hands_its_link_to_the_open_window(qtbot, make_window, relay,  # type: ignore[no-untyped-def]
                                                           runtime: Path) -> None:
    host = make_window("Layla")
    from app.ui.runner import HostPlan, Where

    host.host(HostPlan("Evening", where=Where.RELAY, relay_url=relay.url))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    link = host.room.snapshot.invite_link
    guest = make_window("Huda")
    server = LinkServer(parent=guest)
    server.linkReceived.connect(guest.receive_link)
    assert server.listen()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    launch = subprocess.run([sys.executable, "-m", "app.main", link], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert launch.returncode == 0, launch.stderr
    assert "already open" in launch.stderr
    qtbot.waitUntil(lambda: guest.room.snapshot.state == "in-room", timeout=WAIT)
    # In a room, the next link waits on the home page instead of pulling us out.
    guest.receive_link(link)
    assert guest.home.link.text() == link
    assert guest.room.notice_banner.isVisible()
    assert guest.room.snapshot.state == "in-room"


def test_without_a_private_runtime_directory_there_is_no_hand_over(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    if sys.platform.startswith("linux"):
        assert server_name() is None  # never a guessable name in /tmp
        assert not hand_over("majlis://join#abc")
        assert not LinkServer().listen()
