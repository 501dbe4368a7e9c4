"""Passing an invite link to the app without putting it on a command line (no Qt here).

An invite link is the room's secret, and a process's command line is readable by every account
on the machine (/proc/PID/cmdline, `ps`). The desktop's URL handler can only start `majlis LINK`,
so that process lives just long enough to pass the link on and exits:
- to the app already open for this profile, over its single-instance socket (`app.ui.single`);
- or, with none open, to a new app process that reads the link from its standard input
  (`majlis --link-stdin`), so the app that stays running never had the link in its argv.
On Linux the socket is a Unix socket in $XDG_RUNTIME_DIR, reached here with the standard
library so the short-lived launcher does not load Qt; elsewhere `app.ui.single` does it.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

from app.settings import config_dir

MAX_LINK = 4096  # bytes: an invite is far shorter; anything longer is not one
TIMEOUT = 1.0  # seconds


def server_name() -> str | None:
    """Where this profile's running app listens; None where no private place exists."""
    digest = hashlib.blake2b(str(config_dir()).encode(), digest_size=8).hexdigest()
    if sys.platform.startswith("linux"):
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        return str(Path(runtime) / f"majlis-{digest}.sock") if runtime else None
    return f"majlis-{getpass.getuser()}-{digest}"


def send_unix(link: str, path: str) -> bool:
    """Write `link` to the app listening at the Unix socket `path`; False if none answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(TIMEOUT)
            conn.connect(path)
            conn.sendall(link.encode("utf-8")[:MAX_LINK] + b"\n")
    except OSError:
        return False
    return True


def hand_over(link: str) -> bool:
    """Give `link` to an app already open for this profile; False if there is none."""
    name = server_name()
    if name is None:
        return False
    if sys.platform.startswith("linux"):
        return send_unix(link, name)
    from app.ui.single import hand_over as qt_hand_over  # a named pipe or a private socket

    return qt_hand_over(link, name)


def launch_with_link(link: str, argv: list[str]) -> subprocess.Popen[bytes]:
    """Start the app with `argv` in a process of its own and hand it `link` on standard input.

    The new process has its own session, so it outlives this one (which exits at once)."""
    if getattr(sys, "frozen", False):  # the bundle: its one executable is the app
        command = [sys.executable, "--link-stdin", *argv]
    else:
        command = [sys.executable, "-m", "app.main", "--link-stdin", *argv]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, start_new_session=True,
                            close_fds=True)
    assert proc.stdin is not None
    try:
        proc.stdin.write(link.encode("utf-8")[:MAX_LINK] + b"\n")
        proc.stdin.close()
    except OSError:  # it died at once; it says why on stderr
        pass
    return proc


def read_link(stream: BinaryIO) -> str:
    """The first line of `stream`, at most MAX_LINK bytes ("" when there is none)."""
    data = stream.readline(MAX_LINK + 1)
    return data[:MAX_LINK].decode("utf-8", "replace").strip()
