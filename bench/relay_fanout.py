"""Relay fan-out: one speaker at 50 frames/s to N listeners through a real `python -m relay`.

    .venv/bin/python bench/relay_fanout.py [--n 100,500,1000] [--seconds 5]

For each N it prints one JSON line:

    {"n", "delivered", "cpu_us_per_frame", "p50_ms", "p99_ms",
     "baseline_cpu_us_per_frame", "ratio"}

* delivered: frames received by all listeners / (frames sent x N).
* cpu_us_per_frame: the relay process's CPU time (utime + stime from /proc/PID/stat, user and
  kernel, so the socket writes count) over the sending window plus a short drain, divided by
  the frames delivered.
* p50_ms, p99_ms: send-to-receive latency over every delivered frame. The sender puts its
  CLOCK_MONOTONIC time inside the 160-byte payload (the size of a real sealed audio frame);
  CLOCK_MONOTONIC is one clock for every process on the machine.
* baseline_cpu_us_per_frame, ratio: the same run against bench/relay_fanout_baseline.py, a
  fan-out server that only calls `websockets.broadcast` (no rooms, parsing or limits); ratio is
  relay / baseline.

How the load is made cheap enough for a 2-core machine, where listeners, relay and speaker
share the CPU: listeners are not websockets connection objects but the light listeners of
bench/_fanout_common.py, N / `--workers` plain sockets under one epoll loop per process (default
2 processes), which parse the relay's frames straight from the socket; waking once per
millisecond adds at most 1 ms to the measured latency. They join with a plain (not quiet) Join.
The speaker is an ordinary websockets client in this process. Targets at N=1000:
delivered 1.0, <= 10 us per delivered frame, p99 <= 20 ms, ratio <= 1.3. Other load on the
machine shows up in the latencies first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import (
    ROOT,
    collect,
    end_workers,
    join_room,
    percentile,
    pin,
    speak,
    start_listening,
    start_workers,
    stop,
)


def start_server(kind: str) -> tuple[subprocess.Popen[str], str]:
    if kind == "relay":
        return start_listening([sys.executable, "-m", "relay", "--host", "127.0.0.1",
                                "--port", "0"], kind)
    # The baseline's stderr is websockets' complaints about listeners that vanish at the end.
    return start_listening([sys.executable, str(ROOT / "bench" / "relay_fanout_baseline.py"),
                            "0"], kind, quiet_stderr=True)


Cores = tuple[set[int], set[int]] | None  # (server's, load generators') or None: no pinning


def measure(
    kind: str, n: int, seconds: float, rate: float, workers: int, cores: Cores
) -> dict[str, Any]:
    server, url = start_server(kind)
    server_cpus, load_cpus = cores if cores else (None, None)
    pin(server.pid, server_cpus)
    join = kind == "relay"
    procs: list[subprocess.Popen[str]] = []
    try:
        shares = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
        procs = start_workers([(url, share) for share in shares], "loud" if join else "none",
                              load_cpus)
        join_room(procs)
        frames, cpu = asyncio.run(speak(url, join, seconds, rate, server.pid))
        received, histogram = collect(procs)
        return {
            "delivered": received / (frames * n),
            "cpu_us_per_frame": cpu * 1e6 / received if received else float("inf"),
            "p50_ms": percentile(histogram, 0.50),
            "p99_ms": percentile(histogram, 0.99),
        }
    finally:
        end_workers(procs)
        stop(server, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="100,500,1000", help="listener counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="sending time per run")
    parser.add_argument("--rate", type=float, default=50.0, help="frames per second")
    parser.add_argument("--workers", type=int, default=2, help="listener processes")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not give the server a core of its own"
    )
    args = parser.parse_args()
    # The server gets one core to itself and the load generators share the others, so the relay
    # is measured as it would run in production, not fighting its own listeners for a core.
    cpus = sorted(os.sched_getaffinity(0))
    cores: Cores = None
    if not args.no_pin and len(cpus) >= 2:
        cores = ({cpus[0]}, set(cpus[1:]))
        pin(0, cores[1])  # this process is the speaker: it belongs with the load
    for n in (int(x) for x in args.n.split(",")):
        relay = measure("relay", n, args.seconds, args.rate, args.workers, cores)
        base = measure("baseline", n, args.seconds, args.rate, args.workers, cores)
        result = {
            "n": n,
            "delivered": round(relay["delivered"], 4),
            "cpu_us_per_frame": round(relay["cpu_us_per_frame"], 2),
            "p50_ms": round(relay["p50_ms"], 2),
            "p99_ms": round(relay["p99_ms"], 2),
            "baseline_cpu_us_per_frame": round(base["cpu_us_per_frame"], 2),
            "ratio": round(relay["cpu_us_per_frame"] / base["cpu_us_per_frame"], 3),
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
