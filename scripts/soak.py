#!/usr/bin/env python3
"""Keep the desktop app in a live room for hours and watch for leaks.

    .venv/bin/python scripts/soak.py                      # three hours, a report every minute
    .venv/bin/python scripts/soak.py --seconds 90 --every 1 --warmup 20 --json   # the test's run

The real app window (offscreen unless `--show`) hosts a room on a relay inside it, as
`./dev.sh run` does; a real headless member (`majlis join --speak`) joins, raises its hand, is
invited to the stage by the host's own intent, and speaks an espeak-ng sentence over and over.
Each member stays for `--cycle` seconds and is then replaced by a new one, so joins, leaves and
rekeys keep happening too. The window gets everything a room sends it: snapshots, connection
figures every 2 s, the 30 Hz speaking rings.

Every `--every` seconds it reports the process's resident memory and the reference counts of
None, True and False. Before Python 3.12 these singletons are not immortal: a binding that drops
references to them (PySide6 6.12.0 did, ~22 None a second in a room) aborts the interpreter when a
count reaches zero (`Fatal Python error: none_dealloc`). At the end it prints the drift per
second of each figure after `--warmup` (a least-squares slope over the reports, so momentary
references held by the room thread do not count) and exits 1 if a count drifted by more than
`--max-drift` per second or the room ended early. Nothing is written to disk: the settings
directory is a temporary one, the speech file too.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAY = ("Peace be upon you. Can everyone hear me on the stage? We speak freely here, and nobody "
       "else is listening. ")


def rss_mb() -> float:
    """Resident memory now (Linux: /proc; elsewhere the peak, which still shows growth)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def counts() -> dict[str, int]:
    gc.collect()
    return {"none": sys.getrefcount(None), "true": sys.getrefcount(True),
            "false": sys.getrefcount(False)}


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares change per second."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (v - mv) for t, v in points) / den if den else 0.0


def speech(directory: Path, seconds: float) -> Path:
    """A WAV of a spoken sentence repeated to about `seconds`, with pauses between."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is missing: run scripts/setup-system.sh")
    one = directory / "one.wav"
    subprocess.run(["espeak-ng", "-w", str(one), SAY], check=True)
    with wave.open(str(one), "rb") as src:
        params = src.getparams()
        frames = src.readframes(src.getnframes())
    pause = b"\0" * (params.sampwidth * params.nchannels * params.framerate)  # one second
    unit = frames + pause
    unit_seconds = len(unit) / (params.sampwidth * params.nchannels * params.framerate)
    path = directory / "speech.wav"
    with wave.open(str(path), "wb") as dst:
        dst.setparams(params)
        dst.writeframes(unit * max(1, int(seconds / unit_seconds) + 1))
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=3 * 3600.0, help="how long (default 3 h)")
    p.add_argument("--every", type=float, default=60.0, help="seconds between reports")
    p.add_argument("--warmup", type=float, default=60.0,
                   help="seconds before drift is counted (caches, the first member joining)")
    p.add_argument("--cycle", type=float, default=600.0,
                   help="seconds each speaking member stays before a new one replaces it")
    p.add_argument("--max-drift", type=float, default=1.0,
                   help="refcount change per second that fails the run (6.12.0: ~22)")
    p.add_argument("--json", action="store_true", help="reports as JSON lines")
    p.add_argument("--show", action="store_true", help="a real window instead of offscreen")
    args = p.parse_args(argv)
    if not args.show:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="majlis-soak-") as tmp:
        os.environ["MAJLIS_CONFIG_DIR"] = str(Path(tmp) / "config")
        return soak(args, Path(tmp))


def soak(args: argparse.Namespace, tmp: Path) -> int:
    from app.settings import Settings, SettingsStore
    from app.ui import theme
    from app.ui.languages import Translations
    from app.ui.qt import QtCore, QtWidgets
    from app.ui.runner import HostPlan, Where
    from app.ui.window import MainWindow
    from crypto.identity import Identity

    app = QtWidgets.QApplication([sys.argv[0]])
    translations = Translations(app)
    translations.set_language("en")
    theme.apply(app, "light")
    window = MainWindow(SettingsStore(Path(os.environ["MAJLIS_CONFIG_DIR"])),
                        Settings(display_name="Host", lan_discovery=False), Identity.generate(),
                        translations, lan_interfaces=(), devices=False)
    window.show()
    wav = speech(tmp, min(args.cycle, args.seconds) + 10)
    members: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    reports: list[dict[str, float]] = []
    peak_level = 0.0
    joined = 0
    # Our own loop, not app.quit(): quitting the application closes its windows first, and a
    # host's window asks before closing (it would end the room for everyone).
    running = QtCore.QEventLoop()
    failure = ""

    def say(line: dict[str, float] | str) -> None:
        if args.json:
            print(json.dumps(line) if isinstance(line, dict) else json.dumps({"note": line}),
                  flush=True)
        else:
            print(line if isinstance(line, str) else
                  " ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in line.items()), flush=True)

    def new_member() -> None:
        nonlocal joined
        link = window.room.snapshot.invite_link
        stay = min(args.cycle, args.seconds - (time.monotonic() - started) + 5)
        joined += 1
        members.append(subprocess.Popen(
            [sys.executable, "-m", "app.cli", "join", link, "--as", f"Speaker {joined}",
             "--speak", str(wav), "--for", f"{max(stay, 5):.0f}"],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))

    def tend() -> None:
        """Once a second: bring on stage whoever raised a hand, replace a member who left."""
        nonlocal peak_level, failure
        snap = window.room.snapshot
        runner = window.runner
        if runner is None or window.room.ended:
            failure = failure or "the room ended"
            running.quit()
            return
        if not snap.invite_link:
            return
        if not members or members[-1].poll() is not None:
            new_member()
        for m in snap.members:
            if m.hand and m.member_id != snap.me:
                mid = m.member_id
                runner.act(lambda proto, now, mid=mid: proto.invite_to_stage(mid, now))
        levels = runner.levels()
        peak_level = max([peak_level, *(v for k, v in levels.items() if k != snap.me)])

    def report() -> None:
        t = time.monotonic() - started
        row: dict[str, float] = {"t": round(t, 1), "rss_mb": round(rss_mb(), 1), **counts(),
                                 "members": len(window.room.snapshot.members),
                                 "peak_level": round(peak_level, 4)}
        reports.append(row)
        say(row)
        if t >= args.seconds:
            running.quit()

    host_plan = HostPlan("Soak", where=Where.COMPUTER)
    window.host(host_plan)
    tender = QtCore.QTimer()
    tender.timeout.connect(tend)
    tender.start(1000)
    reporter = QtCore.QTimer()
    reporter.timeout.connect(report)
    reporter.start(int(args.every * 1000))
    report()
    running.exec()
    tender.stop()
    reporter.stop()

    done = QtCore.QEventLoop()
    window.shutDown.connect(done.quit)
    window.shutdown()
    if not window._closed:
        QtCore.QTimer.singleShot(10000, done.quit)
        done.exec()
    for proc in members:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    late = [r for r in reports if r["t"] >= args.warmup]
    summary: dict[str, float] = {"summary": 1.0, "seconds": reports[-1]["t"] if reports else 0,
                                 "members_joined": joined, "peak_level": round(peak_level, 4)}
    for key in ("none", "true", "false", "rss_mb"):
        summary[f"{key}_per_s"] = round(slope([(r["t"], r[key]) for r in late]), 4)
    if late:
        summary["rss_mb_growth"] = round(late[-1]["rss_mb"] - late[0]["rss_mb"], 1)
    say(summary)
    if failure:
        say(f"failed: {failure}")
        return 1
    drift = max(abs(summary[f"{k}_per_s"]) for k in ("none", "true", "false"))
    if drift > args.max_drift:
        say(f"failed: a refcount drifted by {drift:.2f} per second")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
