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
share the CPU: listeners are not websockets connection objects. Each of `--workers` processes
(default 2) holds N / workers plain non-blocking sockets under one `select.epoll` loop. A listener
uses websockets' sans-I/O `ClientProtocol` for the opening handshake and for its one outgoing
message (Join, which must be masked); after that the server's frames are unmasked and simple, so
a small parser reads them straight from the socket, counts media frames and reads their
timestamps, without building an object per frame. A worker sleeps 1 ms between polls so that one
wakeup serves many sockets (a frame reaches the listeners over several milliseconds of
fan-out); this adds at most 1 ms to the measured latency. The speaker is an ordinary websockets
client in this process. Targets at N=1000: delivered 1.0, <= 10 us per delivered frame,
p99 <= 20 ms, ratio <= 1.3. Other load on the machine shows up in the latencies first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.http11 import Response
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
ROOM = bytes(16)  # any 16 bytes: the relay cannot tell one routing id from another
JOIN = bytes((1, 0x01)) + ROOM
MAGIC = b"MJLB"
BUCKET_NS = 100_000  # latency histogram: 0.1 ms buckets up to 2 s
BUCKETS = 20_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
BATCH_SLEEP = 0.001


# Listener worker process.


class Worker:
    """Many listeners in one process: blocking handshakes, then one epoll loop for all sockets.

    A listener uses websockets' sans-I/O ClientProtocol for the opening handshake and for its
    one outgoing message (Join, which must be masked). After that, the relay's frames are
    unmasked and simple, so a small parser reads them straight from the socket: it counts media
    frames and reads their timestamps, and builds no per-frame objects.
    """

    def __init__(self, url: str, count: int, join: bool) -> None:
        self.uri = parse_uri(url)
        self.count, self.join = count, join
        self.received = 0
        self.histogram = [0] * BUCKETS
        self.socks: dict[int, socket.socket] = {}
        self.protocols: dict[int, ClientProtocol] = {}
        self.buffers: dict[int, bytes] = {}
        self.waiting: set[int] = set()  # joined listeners still waiting for their Joined

    def open_all(self) -> None:
        for _ in range(self.count):
            sock = socket.create_connection((self.uri.host, self.uri.port), timeout=30)
            protocol = ClientProtocol(self.uri, max_size=None)
            protocol.send_request(protocol.connect())
            for data in protocol.data_to_send():
                sock.sendall(data)
            response = None
            while response is None:
                # The server sends nothing after its 101 until we speak, so no frame bytes are
                # left inside ClientProtocol when we stop feeding it.
                protocol.receive_data(sock.recv(4096))
                response = next(
                    (e for e in protocol.events_received() if isinstance(e, Response)), None
                )
            if response.status_code != 101:
                raise ConnectionError(f"HTTP {response.status_code}")
            fd = sock.fileno()
            if self.join:
                protocol.send_binary(JOIN)
                for data in protocol.data_to_send():
                    sock.sendall(data)
                self.waiting.add(fd)
            sock.setblocking(False)
            self.socks[fd], self.protocols[fd], self.buffers[fd] = sock, protocol, b""

    def run(self) -> None:
        self.open_all()
        poller = select.epoll()
        for fd in self.socks:
            poller.register(fd, select.EPOLLIN)
        stdin = sys.stdin.fileno()
        poller.register(stdin, select.EPOLLIN)
        announced = False
        while True:
            if not announced and not self.waiting:
                print("ready", flush=True)
                announced = True
            # Sleeping a moment between polls lets one wakeup serve many sockets: a frame
            # reaches the listeners over several milliseconds of fan-out, and waking for each
            # socket would cost the machine more than the relay itself.
            time.sleep(BATCH_SLEEP)
            for fd, _ in poller.poll():
                if fd == stdin:  # "stop": report and leave
                    sys.stdin.readline()
                    report = {"received": self.received, "histogram": self.histogram}
                    print(json.dumps(report), flush=True)
                    return
                try:
                    data = self.socks[fd].recv(16384)
                except BlockingIOError:
                    continue
                if not data:
                    poller.unregister(fd)
                    continue
                self.frames(fd, data)

    def frames(self, fd: int, data: bytes) -> None:
        now = time.monotonic_ns()
        pending = self.buffers[fd]
        buf = pending + data if pending else data
        size = len(buf)
        i = 0
        while size - i >= 2:
            length = buf[i + 1] & 0x7F
            head = 2
            if length == 126:
                if size - i < 4:
                    break
                length = (buf[i + 2] << 8) | buf[i + 3]
                head = 4
            elif length == 127:
                if size - i < 10:
                    break
                length = int.from_bytes(buf[i + 2 : i + 10], "big")
                head = 10
            end = i + head + length
            if end > size:
                break
            opcode = buf[i] & 0x0F
            start = i + head
            if opcode == 2:
                if buf[start + 2 : start + 6] == MAGIC:  # DeliverMedia (relay) or raw (baseline)
                    sent = int.from_bytes(buf[start + 10 : start + 18], "big")
                    self.received += 1
                    self.histogram[min((now - sent) // BUCKET_NS, BUCKETS - 1)] += 1
                elif buf[start + 1] == 0x81:  # Joined
                    self.waiting.discard(fd)
            elif opcode == 9:  # keepalive ping from the server
                protocol = self.protocols[fd]
                protocol.send_pong(buf[start:end])
                for out in protocol.data_to_send():
                    self.socks[fd].sendall(out)
            i = end
        self.buffers[fd] = buf[i:] if i < size else b""


# The orchestrating process.


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc: user and kernel time, socket writes included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_server(kind: str) -> tuple[subprocess.Popen[str], str]:
    if kind == "relay":
        cmd = [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0"]
    else:
        cmd = [sys.executable, str(ROOT / "bench" / "relay_fanout_baseline.py"), "0"]
    # The baseline's stderr is websockets' complaints about listeners that vanish at the end.
    stderr = None if kind == "relay" else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"{kind} did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


async def speak(url: str, join: bool, seconds: float, rate: float, pid: int) -> tuple[int, float]:
    """Send `seconds * rate` frames on a fixed schedule; return frames sent and server CPU."""
    async with connect(url, compression=None) as ws:
        if join:
            await ws.send(JOIN)
            await ws.recv()  # Joined
        loop = asyncio.get_running_loop()
        frames = int(seconds * rate)
        pad = bytes(160 - 16)
        cpu_before = cpu_seconds(pid)
        start = loop.time() + 0.05
        for seq in range(frames):
            delay = start + seq / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            stamp = time.monotonic_ns().to_bytes(8, "big")
            await ws.send(b"\x01\x02" + MAGIC + seq.to_bytes(4, "big") + stamp + pad)
        await asyncio.sleep(0.5)  # let the last frames drain through the server
        return frames, cpu_seconds(pid) - cpu_before


def percentile(histogram: list[int], fraction: float) -> float:
    total = sum(histogram)
    if total == 0:
        return float("nan")
    rank = fraction * total
    seen = 0
    for bucket, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return (bucket + 0.5) * BUCKET_NS / 1e6
    return BUCKETS * BUCKET_NS / 1e6


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus is not None:
        os.sched_setaffinity(pid, cpus)


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
        for share in shares:
            cmd = [sys.executable, __file__, "--worker", url, str(share), "1" if join else "0"]
            procs.append(
                subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
            pin(procs[-1].pid, load_cpus)
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a listener worker failed to connect")
        frames, cpu = asyncio.run(speak(url, join, seconds, rate, server.pid))
        received = 0
        histogram = [0] * BUCKETS
        for proc in procs:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("stop\n")
            proc.stdin.flush()
            report = json.loads(proc.stdout.readline())
            received += report["received"]
            histogram = [a + b for a, b in zip(histogram, report["histogram"], strict=True)]
        return {
            "delivered": received / (frames * n),
            "cpu_us_per_frame": cpu * 1e6 / received if received else float("inf"),
            "p50_ms": percentile(histogram, 0.50),
            "p99_ms": percentile(histogram, 0.99),
        }
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="100,500,1000", help="listener counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="sending time per run")
    parser.add_argument("--rate", type=float, default=50.0, help="frames per second")
    parser.add_argument("--workers", type=int, default=2, help="listener processes")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not give the server a core of its own"
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("URL", "COUNT", "JOIN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        url, count, join = args.worker
        Worker(url, int(count), join == "1").run()
        return
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
