"""How late audio frames arrive over TCP with IP packet loss, per transport design.

A sender and a receiver, plain websocket clients, meet in a room of a real relay process inside
a network namespace whose loopback drops IP packets at random (tests/support/netns.py). The
sender sends a 90-byte frame every 20 ms carrying its send time; the receiver notes when each
frame first arrives. One JSON row per design and loss rate, with the share of frames later
than 60, 100 and 200 ms and the percentiles of the delay:

- `one` (the baseline): one connection each, as every client before the lanes;
- `two`: the sender sends each frame on two connections, the receiver listens on two, the first
  copy counts (app.net.lanes: the room and its lane, two routing ids);
- `thin`: one connection, with Linux's thin-stream linear timeouts on both ends
  (net.ipv4.tcp_thin_linear_timeouts in the namespace), so a lost retransmission does not
  double the timeout;
- `rto50`: one connection, with the minimum retransmission timeout at 50 ms instead of 200
  (net.ipv4.tcp_rto_min_us in the namespace; an operator can set `rto_min` on a relay's routes,
  a client cannot without root).

    sudo .venv/bin/python bench/tcp_stalls.py [--frames 1500] [--trials 3] [--loss 2,5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))

import netns  # noqa: E402

SYSCTLS = {"one": [], "two": [], "thin": ["net.ipv4.tcp_thin_linear_timeouts=1"],
           "rto50": ["net.ipv4.tcp_rto_min_us=50000"]}

# The measuring end, run inside the namespace: prints the first-arrival delays (ms) as JSON.
PROBE = r'''
import asyncio, json, struct, subprocess, sys, time
from websockets.asyncio.client import connect
from relay.wire import Join, Media, encode
from app.net.lanes import lane_room
ROOM = bytes(range(16))
frames, copies = int(sys.argv[1]), int(sys.argv[2])
async def join(url, room):
    ws = await connect(url, compression=None, max_queue=None)
    await ws.send(encode(Join(room, True)))
    await ws.recv()
    return ws
async def main():
    relay = subprocess.Popen([sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port",
                              "0"], stdout=subprocess.PIPE, text=True)
    url = relay.stdout.readline().strip().removeprefix("listening on ")
    rooms = [ROOM, lane_room(ROOM)][:copies]
    rx = [await join(url, r) for r in rooms]
    tx = [await join(url, r) for r in rooms]
    first = {}
    async def read(ws):
        async for m in ws:
            seq, sent = struct.unpack(">Id", m[2:14])
            first.setdefault(seq, time.monotonic() - sent)
    readers = [asyncio.create_task(read(ws)) for ws in rx]
    t0 = time.monotonic()
    for i in range(frames):
        await asyncio.sleep(max(0.0, t0 + i * 0.02 - time.monotonic()))
        payload = struct.pack(">Id", i, time.monotonic()) + bytes(78)
        for ws in tx:
            await ws.send(encode(Media(payload)))
    await asyncio.sleep(3.0)
    print(json.dumps([first.get(i, 9.999) * 1000 for i in range(frames)]), flush=True)
    relay.terminate()
    relay.wait()
asyncio.run(main())
'''


def trial(design: str, loss: float, frames: int) -> list[float]:
    with netns.Network("stall") as net:
        for setting in SYSCTLS[design]:
            net.exec("sysctl", "-q", "-w", setting)
        net.drop(loss)
        proc = net.popen([sys.executable, "-c", PROBE, str(frames),
                          "2" if design == "two" else "1"], stdout=subprocess.PIPE, text=True,
                         cwd=str(ROOT))
        out, _ = proc.communicate(timeout=frames * 0.02 + 60)
    delays: list[float] = json.loads(out)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1500)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--loss", default="2,5", help="percent, comma-separated")
    parser.add_argument("--designs", default="one,two,thin,rto50")
    args = parser.parse_args()
    why = netns.why_unavailable()
    if why:
        raise SystemExit(f"bench/tcp_stalls.py: {why}")
    for loss in (float(x) for x in args.loss.split(",")):
        for design in args.designs.split(","):
            delays = sorted(d for _ in range(args.trials)
                            for d in trial(design, loss / 100, args.frames))
            n = len(delays)

            def q(p: float, d: list[float] = delays, n: int = n) -> float:
                return round(d[min(n - 1, int(p * n))], 1)

            print(json.dumps({
                "benchmark": "tcp_stalls", "design": design, "loss": loss,
                "baseline": design == "one", "frames": n,
                "late_60ms": round(sum(d > 60 for d in delays) / n, 4),
                "late_100ms": round(sum(d > 100 for d in delays) / n, 4),
                "late_200ms": round(sum(d > 200 for d in delays) / n, 4),
                "p50_ms": q(0.5), "p95_ms": q(0.95), "p98_ms": q(0.98), "p99_ms": q(0.99),
                "max_ms": round(delays[-1], 1)}), flush=True)


if __name__ == "__main__":
    main()
