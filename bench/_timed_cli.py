"""`majlis` (app.cli) with two timestamps added, for bench/network.py's mouth-to-ear figure.

Run as `python bench/_timed_cli.py TREE ARGS...`: it imports the client from the source tree TREE
(this one, or an older commit checked out for the baseline) and, at exit, prints one line
`timing: {"speech": T1, "record": T2}`: T1 is the 20 ms tick (CLOCK_MONOTONIC, the same clock in
every process and network namespace of the machine) whose frame carried the first sample of the
--speak file, T2 the tick that produced the first sample of the --record file. Both are the
ticks' scheduled times, the timeline the client itself encodes and mixes on, so a sample at
position i of the recording was played at T2 + i / 48000 s. It wraps the two tick methods the
client has always had and changes nothing they do.
"""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path

tree = Path(sys.argv.pop(1)).resolve()
sys.path.insert(0, str(tree))

from app import cli  # noqa: E402
from app import client as client_module  # noqa: E402

marks: dict[str, float | None] = {"speech": None, "record": None}
RoomClient = client_module.RoomClient
_tick = RoomClient._tick
_play_tick = RoomClient._play_tick


def timed_tick(self: RoomClient, now: float) -> None:  # type: ignore[valid-type]
    speech = self.speech
    before = speech.position
    _tick(self, now)
    if marks["speech"] is None and before == 0 and speech.position > 0:
        marks["speech"] = now


def timed_play_tick(self: RoomClient, now: float):  # type: ignore[no-untyped-def,valid-type]
    if marks["record"] is None:
        marks["record"] = now
    return _play_tick(self, now)


RoomClient._tick = timed_tick  # type: ignore[method-assign]
RoomClient._play_tick = timed_play_tick  # type: ignore[method-assign]
atexit.register(lambda: print("timing: " + json.dumps(marks), flush=True))
sys.exit(cli.main())
