"""One room spread over several relay processes joined by Redis: 1 speaker, N listeners.

    .venv/bin/python bench/relay_scale.py [--relays 1,2,4] [--n 1000,5000] [--rate 10]
                                          [--seconds 5] [--workers 2] [--joins quiet,loud]

For each (N, join mode, relays) it prints one JSON line:

    {"relays", "n", "quiet", "rate", "join_s", "delivered", "p50_ms", "p99_ms",
     "cpu_us_per_frame", "bus_added_ms_p50"}

* The speaker joins relay 0; listeners are split evenly over the relays (relay i gets every
  relays-th listener), so with 4 relays three quarters of them hear the speaker through Redis.
* quiet: whether the listeners joined with a quiet Join (no PeerJoined), as real clients do,
  or with a plain one (`--joins` picks the modes; by default both, so the plain joins are the
  same run's baseline for join_s).
* join_s: how long filling the room took: from releasing every listener's Join (all the
  websockets are open by then) to the last Joined or PeerJoined any listener received. With
  plain joins every join sends PeerJoined to every member already in the room, N^2/2 messages.
* delivered: frames received by all listeners / (frames sent x N).
* p50_ms, p99_ms: send-to-receive latency over every delivered frame (CLOCK_MONOTONIC in the
  payload, one clock for every process on the machine).
* cpu_us_per_frame: CPU time (user + kernel) of every relay process and of redis-server over the
  run, divided by the frames delivered.
* Timing of frames starts once the relays are idle after the joins (see `settle`).
* bus_added_ms_p50: p50 minus the p50 of a single relay without a bus at the same N and join
  mode, measured in the same run (the first line for each, with "relays": 0 meaning "no bus").

Listeners are the light clients of bench/_fanout_common.py (one epoll loop per worker process,
sans-I/O handshake, a tiny frame parser), shared with bench/relay_fanout.py. A worker process is
started per relay share, at least `--workers` of them. On the 2-core development machine every
relay, Redis, the workers and the speaker share two cores, so the frame rate for thousands of
listeners must stay under what two cores can write: N x rate deliveries per second (5,000 x 10 =
50,000/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import (
    collect,
    cpu_seconds,
    end_workers,
    join_room,
    last_membership_ns,
    percentile,
    speak,
    start_listening,
    start_workers,
    stop,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(home: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(home)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def start_relay(*args: str) -> tuple[subprocess.Popen[str], str]:
    return start_listening([sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0",
                            "--max-connections-per-ip", "0", "--handshakes-per-ip", "0",
                            # Plain joins of thousands take minutes (N^2/2 PeerJoined); the
                            # light listeners answer no ping while they are still connecting,
                            # so the relay must not ping them meanwhile.
                            "--keepalive", "0", *args], "relay")


def settle(pids: list[int], idle: float = 0.05, limit: float = 900.0) -> None:
    """Wait until the relays and the listeners are idle. With plain joins every join sends
    PeerJoined to every member already in the room, so N joins cost N^2/2 small frames (12.5
    million for 5,000): the speaker must not start while that backlog still fills the
    listeners' sockets."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(0.5)
        if sum(cpu_seconds(pid) for pid in pids) - before < idle * 0.5 * len(pids):
            return
    raise RuntimeError("the relays never went idle after the joins")


def measure(relays: int, n: int, quiet: bool, seconds: float, rate: float, workers: int,
            home: Path) -> dict[str, Any]:
    """relays == 0: one relay without a bus (the baseline)."""
    procs: list[subprocess.Popen[Any]] = []
    listeners: list[subprocess.Popen[str]] = []
    cpu_pids: list[int] = []
    try:
        if relays == 0:
            relay, url = start_relay()
            procs.append(relay)
            urls = [url]
        else:
            redis, port = start_redis(home)
            procs.append(redis)
            cpu_pids.append(redis.pid)
            urls = []
            for _ in range(relays):
                relay, url = start_relay("--redis", f"redis://127.0.0.1:{port}/0")
                procs.append(relay)
                urls.append(url)
        cpu_pids += [p.pid for p in procs if p.args[0] == sys.executable]
        shares = [n // len(urls) + (1 if i < n % len(urls) else 0) for i in range(len(urls))]
        per_relay = max(1, -(-workers // len(urls)))  # worker processes per relay
        counts = []
        for url, share in zip(urls, shares, strict=True):
            for k in range(per_relay):
                count = share // per_relay + (1 if k < share % per_relay else 0)
                if count:
                    counts.append((url, count))
        listeners = start_workers(counts, "quiet" if quiet else "loud")
        released = join_room(listeners)
        settle(cpu_pids + [p.pid for p in listeners])
        join_s = (last_membership_ns(listeners) - released) / 1e9
        before = sum(cpu_seconds(pid) for pid in cpu_pids)
        frames, _ = asyncio.run(speak(urls[0], True, seconds, rate, cpu_pids[-1]))
        cpu = sum(cpu_seconds(pid) for pid in cpu_pids) - before
        received, histogram = collect(listeners)
        return {
            "join_s": join_s,
            "delivered": received / (frames * n),
            "p50_ms": percentile(histogram, 0.50),
            "p99_ms": percentile(histogram, 0.99),
            "cpu_us_per_frame": cpu * 1e6 / received if received else float("inf"),
        }
    finally:
        end_workers(listeners)
        for proc in reversed(procs):
            stop(proc, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--relays", default="1,2,4", help="relay process counts")
    parser.add_argument("--n", default="1000,5000", help="listener counts")
    parser.add_argument("--rate", type=float, default=10.0, help="frames per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="sending time per run")
    parser.add_argument("--workers", type=int, default=2, help="listener processes, at least")
    parser.add_argument("--joins", default="quiet,loud",
                        help="join modes to measure in turn, comma-separated: quiet (no "
                             "PeerJoined, as real clients join) and loud (a plain Join)")
    args = parser.parse_args()
    modes = args.joins.split(",")
    if not modes or set(modes) - {"quiet", "loud"}:
        parser.error("--joins takes quiet, loud or quiet,loud")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.n.split(",")):
            for quiet in (mode == "quiet" for mode in modes):
                base = measure(0, n, quiet, args.seconds, args.rate, args.workers, Path(tmp))
                print(json.dumps(line(0, n, quiet, args.rate, base, base)), flush=True)
                for relays in (int(x) for x in args.relays.split(",")):
                    result = measure(relays, n, quiet, args.seconds, args.rate, args.workers,
                                     Path(tmp))
                    print(json.dumps(line(relays, n, quiet, args.rate, result, base)),
                          flush=True)


def line(relays: int, n: int, quiet: bool, rate: float, result: dict[str, Any],
         base: dict[str, Any]) -> dict[str, Any]:
    """One JSON line; `base` is the same N and join mode on one relay without a bus."""
    return {
        "relays": relays, "n": n, "quiet": quiet, "rate": rate,
        "join_s": round(result["join_s"], 3),
        "delivered": round(result["delivered"], 4),
        "p50_ms": round(result["p50_ms"], 2),
        "p99_ms": round(result["p99_ms"], 2),
        "cpu_us_per_frame": round(result["cpu_us_per_frame"], 2),
        "bus_added_ms_p50": round(result["p50_ms"] - base["p50_ms"], 2),
    }


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
