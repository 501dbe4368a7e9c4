"""The desktop app's composition root: `majlis [LINK]`, or `python -m app.main`.

    majlis [majlis://join#...] [--name NAME] [--room NAME] [--lang {en,ar,zh_CN}]
           [--quit-after SECONDS] [--print-invite] [--lan-interface ADDRESS] [--no-lan]

`--room NAME` hosts a room on a relay inside the app on 127.0.0.1 and shows it at once (what
`./dev.sh run` uses). A `majlis://` link (from the desktop's URL handler) is never kept on the
running app's command line: this process hands it to the open window, or to a new app process
that reads it from standard input (`--link-stdin`), and exits (app.ui.linkpass). The link is
joined once a display name is known. Settings and identity come from the opt-in files of
`app.settings`, if any.
SIGTERM and SIGINT close the app the same way as its window's close button: the room is left
(or ended, for a host), devices are closed, and only then does the process exit.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
from dataclasses import replace

from app.lan.service import lan_addresses
from app.settings import LANGUAGES, SettingsStore

log = logging.getLogger("app.main")


def has_display() -> bool:
    """Whether a GUI can start here (a display server, or an explicit Qt platform)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("darwin", "win32"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="majlis", description="Majlis: end-to-end encrypted voice "
                                "rooms (desktop app).")
    p.add_argument("link", nargs="?", help="an invite link to join (majlis://join#...); it is "
                   "handed to the open window, or to a new app process on its standard input, "
                   "so the running app's command line never shows it")
    p.add_argument("--link-stdin", action="store_true",
                   help="read the invite link from standard input (one line)")
    p.add_argument("--name", help="your display name (skips the first-run page)")
    p.add_argument("--room", metavar="NAME",
                   help="host a room called NAME on a relay inside the app, on 127.0.0.1")
    p.add_argument("--topic", default="", help="the topic of the --room room")
    p.add_argument("--lang", choices=[code for code in LANGUAGES if code],
                   help="interface language (default: saved setting, else the system's)")
    p.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="close cleanly after this many seconds (tests, screenshots)")
    p.add_argument("--print-invite", action="store_true",
                   help="print 'invite: LINK' on standard output when the hosted room opens")
    p.add_argument("--relay", default="", metavar="URL",
                   help="relay address to offer when starting a room on a relay")
    p.add_argument("--lan-interface", action="append", default=None, metavar="ADDRESS",
                   help="use only this address for rooms on this network (repeatable)")
    p.add_argument("--no-lan", action="store_true",
                   help="no rooms on this network: neither look for nor announce any")
    return p


def _watch_signals(on_signal: object) -> object:
    """Route SIGTERM/SIGINT into the Qt loop through a wakeup socket (Qt's loop is C++)."""
    from app.ui.qt import QtCore

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)  # the wakeup byte does the work
    notifier = QtCore.QSocketNotifier(reader.fileno(), QtCore.QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        on_signal()  # type: ignore[operator]

    notifier.activated.connect(drain)
    return (reader, writer, notifier)  # kept alive by the caller


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args, qt_args = _parser().parse_known_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from app.ui import linkpass

    if args.link and not args.room:
        # This process's command line shows the link to every account here: pass it on, exit.
        if linkpass.hand_over(args.link):
            print("Majlis is already open: the link went to its window.", file=sys.stderr)
            return 0
        rest = list(argv)
        rest.remove(args.link)
        linkpass.launch_with_link(args.link, rest)
        return 0
    if args.link_stdin:
        args.link = linkpass.read_link(sys.stdin.buffer) or None

    from app.ui import artwork, languages, theme
    from app.ui.qt import QtCore, QtWidgets
    from app.ui.runner import HostPlan, Where
    from app.ui.window import MainWindow, excepthook_to_log
    from crypto.errors import BadInvite
    from crypto.identity import Identity
    from crypto.invite import Invite

    excepthook_to_log()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0], *qt_args])
    assert isinstance(app, QtWidgets.QApplication)
    from app.ui.single import LinkServer, hand_over

    if args.link and hand_over(args.link):  # one opened between our launcher's check and now
        print("Majlis is already open: the link went to its window.", file=sys.stderr)
        return 0
    app.setApplicationName("Majlis")
    app.setDesktopFileName("majlis")
    app.setWindowIcon(artwork.app_icon())

    store = SettingsStore()
    settings = store.load()
    if args.name:
        settings = replace(settings, display_name=args.name.strip()[:64])
    identity = store.load_identity() if settings.keep_identity else None
    if identity is None:
        identity = Identity.generate()
        settings = replace(settings, keep_identity=False)
    translations = languages.Translations(app)
    translations.set_language(args.lang or settings.language)
    if args.lang:
        settings = replace(settings, language=args.lang)
    theme.apply(app, settings.theme)
    if args.room and not settings.display_name:
        settings = replace(settings, display_name=QtCore.QCoreApplication.translate(
            "Main", "Host"))

    if args.no_lan:
        interfaces: tuple[str, ...] = ()
    elif args.lan_interface:
        interfaces = tuple(args.lan_interface)
    else:
        interfaces = tuple(lan_addresses())

    window = MainWindow(store, settings, identity, translations, lan_interfaces=interfaces,
                        print_invite=args.print_invite, relay_url=args.relay)
    window.shutDown.connect(app.quit)
    links = LinkServer(parent=window)  # later launches hand their links to this window
    links.linkReceived.connect(window.receive_link)
    links.listen()
    keep = _watch_signals(window.shutdown)
    window.show()

    if args.room:
        window.host(HostPlan(args.room.strip()[:100], topic=args.topic, where=Where.COMPUTER))
    elif args.link:
        try:
            Invite.parse(args.link)
        except BadInvite as exc:
            print(exc, file=sys.stderr)
        if settings.display_name:
            window.home.open_link(args.link)
        else:
            window.first_run.completed.connect(lambda *_: window.home.open_link(args.link))
    if args.quit_after is not None:
        QtCore.QTimer.singleShot(int(args.quit_after * 1000), window.shutdown)

    code = app.exec()
    runner = window.runner
    if runner is not None:
        runner.stop()
        runner.wait(3.0)
    del keep
    signal.set_wakeup_fd(-1)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
