#!/usr/bin/env python3
"""Take the README's screenshots from the real app on a virtual X server.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang en --lang ar]
                                            [--theme light --theme dark]

Starts Xvfb on a free display (stopped again by its process id), then for each language runs
the app's own windows under X11 (`xcb`): a home page with rooms announced on the loopback
network, a hosted room with real headless clients (one speaking an espeak-ng sentence, so its
speaking ring is lit; others with raised hands), the host's Invite dialog with a spoken code
open on the room's relay, a listener's view of the same room, the settings dialog, and the
first-run page. Each language is taken in the light and the dark theme
(`NAME-LANG.png` and `NAME-LANG-dark.png`). Everything binds to 127.0.0.1 only. Nothing is
written outside `--out`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

@dataclass(frozen=True)
class Cast:
    """Who is in the pictured room, in one language."""

    host: str
    listener: str
    speaker: str
    hands: tuple[str, ...]
    quiet: tuple[str, ...]
    room: str
    topic: str
    lan: tuple[str, ...]
    voice: str  # espeak-ng voice
    say: str


PEOPLE = {
    "en": Cast("Layla", "Omar", "Sara", ("Yusuf", "Mei"), ("Huda", "Karim", "Nadia"),
               "Evening majlis", "Books we read this month", ("Book club", "Family"), "en",
               "Welcome everyone. Tonight we talk about the books that changed how we see our "
               "city, and nobody else is listening."),
    "ar": Cast("ليلى", "عمر", "سارة", ("يوسف", "مي"), ("هدى", "كريم", "نادية"), "مجلس المساء",
               "كتب قرأناها هذا الشهر", ("نادي الكتاب", "العائلة"), "ar",
               "أهلا بكم جميعا. الليلة نتحدث عن الكتب التي غيرت نظرتنا إلى مدينتنا، ولا أحد "
               "غيرنا يستمع."),
    "zh_CN": Cast("丽拉", "奥马尔", "萨拉", ("优素福", "梅"), ("胡达", "卡里姆", "娜迪娅"),
                  "晚间茶座", "这个月我们读的书", ("读书会", "家人"), "cmn",
                  "欢迎大家。今晚我们聊聊改变了我们看待这座城市的那些书，没有别人在听。"),  # noqa: RUF001
}


# -- the parent: an X server, one child per language ------------------------------------------

def free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and \
                not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise SystemExit("no free X display number between :90 and :199")


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is missing: run scripts/setup-system.sh")
    number = free_display()
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x860x24", "-nolisten",
                             "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 15
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("Xvfb did not start")
        time.sleep(0.05)
    return proc, f":{number}"


def parent(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    xvfb, display = start_xvfb()
    try:
        for lang in args.lang or ["en", "ar", "zh_CN"]:
            for scheme in args.theme or ["light", "dark"]:
                with tempfile.TemporaryDirectory() as config:
                    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
                               MAJLIS_CONFIG_DIR=config, PYTHONUNBUFFERED="1")
                    env.pop("WAYLAND_DISPLAY", None)
                    subprocess.run([sys.executable, __file__, "--child", lang, "--theme", scheme,
                                    "--out", str(out)], env=env, cwd=ROOT, check=True,
                                   timeout=240)
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
    for png in sorted(out.glob("*.png")):
        print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return 0


# -- a child: the app's windows in one language -------------------------------------------------

def child(lang: str, out: Path, scheme: str = "light") -> int:
    from app.settings import Settings, SettingsStore
    from app.ui import artwork, theme
    from app.ui.languages import Translations
    from app.ui.qt import QtCore, QtWidgets
    from app.ui.runner import HostPlan, Where
    from app.ui.window import MainWindow
    from crypto.identity import Identity

    who = PEOPLE[lang]
    app = QtWidgets.QApplication([sys.argv[0]])
    app.setApplicationName("Majlis")
    app.setWindowIcon(artwork.app_icon())
    translations = Translations(app)
    translations.set_language(lang)
    theme.apply(app, scheme)
    suffix = "" if scheme == "light" else f"-{scheme}"
    store = SettingsStore(Path(os.environ["MAJLIS_CONFIG_DIR"]))
    procs: list[subprocess.Popen[bytes]] = []

    def window(name: str, discovery: bool = False) -> MainWindow:
        w = MainWindow(store, Settings(display_name=name, lan_discovery=discovery,
                                       theme=scheme),
                       Identity.generate(), translations, lan_interfaces=("127.0.0.1",),
                       devices=False)
        w.resize(1120, 720)
        w.show()
        return w

    def wait(test: Callable[[], bool], what: str, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while not test():
            if time.monotonic() > deadline:
                raise SystemExit(f"{lang}: timed out waiting for {what}")
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.01)

    def shot(widget: QtWidgets.QWidget, name: str,
             ready: Callable[[], bool] = lambda: True) -> None:
        widget.raise_()  # no window manager: the last window shown would cover it
        widget.activateWindow()
        settle()
        wait(ready, f"{name} to be ready")  # e.g. a speaking ring lit at this very moment
        app.processEvents()
        screen = widget.screen()
        pixmap = screen.grabWindow(widget.winId())  # what the X server shows
        path = out / f"{name}-{lang}{suffix}.png"
        pixmap.save(str(path))

    def spawn(*argv: str) -> None:
        procs.append(subprocess.Popen([sys.executable, "-m", *argv], cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    try:
        # Home, with rooms announced on the (loopback) network: two by name, one opaque.
        rooms: list[str | None] = [*who.lan, None]
        for index, room in enumerate(rooms):
            extra = ["--name", room] if room else []
            spawn("app.lan", "advertise", "--interface", "127.0.0.1", "--port",
                  str(47001 + index), "--for", "60", *extra)
        home = window(who.host, discovery=True)
        wait(lambda: home.home.rooms.rowCount() >= 3, "rooms on the network")
        shot(home, "home")

        # A hosted room with real clients.
        home.lan.stop()
        home.host(HostPlan(who.room, topic=who.topic, where=Where.COMPUTER))
        wait(lambda: bool(home.room.snapshot.invite_link), "the room to open")
        link = home.room.snapshot.invite_link
        speech = Path(tempfile.mkdtemp()) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", who.voice, "-s", "140", "-w", str(speech),
                        who.say * 3], check=True)
        for name in [who.speaker, *who.hands]:
            spawn("app.cli", "join", link, "--as", name, "--speak", str(speech), "--for", "90")
        for name in who.quiet:
            spawn("app.cli", "join", link, "--as", name, "--for", "90")
        listener = window(who.listener)
        listener.home.link.setText(link)
        listener.home.join.click()

        def member(w: MainWindow, name: str):  # type: ignore[no-untyped-def]
            return next((m for m in w.room.snapshot.members if m.name == name), None)

        wait(lambda: len(home.room.snapshot.members) == 8, "everyone to arrive")
        wait(lambda: all(member(home, n) and member(home, n).hand
                         for n in [who.speaker, *who.hands]), "hands")
        speaker = member(home, who.speaker)
        assert home.runner is not None and speaker is not None
        home.runner.act(lambda p, now: p.invite_to_stage(speaker.member_id, now))
        wait(lambda: member(home, who.speaker).role.on_stage, "the speaker on stage")
        wait(lambda: home.room.roster.level(speaker.member_id) > 0.03, "the speaking ring")
        row = next(r for r in range(home.room.audience_model.rowCount())
                   if home.room.audience_model.index(r, 0).data() == who.hands[0])
        home.room.audience_view.setCurrentIndex(home.room.audience_model.index(row, 0))
        shot(home, "room-host", lambda: home.room.roster.level(speaker.member_id) > 0.03)

        # The host's Invite dialog with a spoken code open on the room's relay.
        home.room.show_invite()
        invite = home.room._invite_dialog
        assert invite is not None and invite.codes is not None
        settle()
        invite.codes.make.click()
        wait(lambda: invite.codes.list.count() == 1, "a spoken code")
        invite.codes.list.setCurrentRow(0)
        invite.adjustSize()
        shot(invite, "invite-code")
        invite.close()

        # The same room as a listener sees it, with the host's safety number open.
        wait(lambda: listener.room.snapshot.state == "in-room", "the listener")
        host_row = 0
        listener.room.stage_view.setCurrentIndex(listener.room.stage_model.index(host_row, 0))
        listener.raise_()
        listener.activateWindow()
        shot(listener, "room-listener",
             lambda: listener.room.roster.level(speaker.member_id) > 0.03)

        dialog = home.open_settings()
        dialog.resize(560, 380)
        shot(dialog, "settings")
        dialog.reject()

        # First run, with the opt-in explained (its text wraps and must all show).
        first = window("")
        first.first_run.keep_identity.setChecked(True)
        shot(first, "first-run")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    for w in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            w.shutdown()
    deadline = time.monotonic() + 10
    while any(isinstance(w, MainWindow) and not w._closed
              for w in QtWidgets.QApplication.topLevelWidgets()):
        if time.monotonic() > deadline:
            break
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--lang", action="append", choices=sorted(PEOPLE))
    p.add_argument("--theme", action="append", choices=["light", "dark"])
    p.add_argument("--child", choices=sorted(PEOPLE), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child, Path(args.out), (args.theme or ["light"])[0])
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
