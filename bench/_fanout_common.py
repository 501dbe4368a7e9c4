"""What bench/relay_fanout.py and bench/relay_scale.py share: light listeners, a timed speaker,
process plumbing and the latency histogram.

Listeners are not websockets connection objects. Each worker process (started by
`start_workers`, running this file) holds many plain non-blocking sockets under one
`select.epoll` loop. A listener uses websockets' sans-I/O `ClientProtocol` for the opening
handshake and for its one outgoing message (Join, which must be masked); after that the server's
frames are unmasked and simple, so a small parser reads them straight from the socket, counts
media frames and reads their timestamps, without building an object per frame. A worker sleeps
1 ms between polls so that one wakeup serves many sockets (a frame reaches the listeners over
several milliseconds of fan-out); this adds at most 1 ms to the measured latency.

A worker speaks to the orchestrating process one line at a time, so that connecting and
joining can be timed apart:

    worker: "connected"          every handshake is done; nothing sent yet
    "join"  -> worker: "ready"   every listener sent its Join and read its Joined
    "mark"  -> worker: {"last_ns"}                 when the last Joined or PeerJoined arrived
    "stop"  -> worker: {"received", "histogram"}   then it exits

Worker command line: `python bench/_fanout_common.py URL COUNT MODE`, MODE being `loud` (a plain
Join: the listener hears PeerJoined for every later member), `quiet` (a quiet Join) or `none`
(no Join: the bare broadcast baseline).
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import ssl
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
sys.path.insert(0, str(ROOT))

from relay.wire import Join, encode  # noqa: E402

ROOM = bytes(16)  # any 16 bytes: the relay cannot tell one routing id from another
JOIN = encode(Join(ROOM))
JOINS = {"loud": JOIN, "quiet": encode(Join(ROOM, quiet=True)), "none": None}
MAGIC = b"MJLB"
BUCKET_NS = 100_000  # latency histogram: 0.1 ms buckets up to 2 s
BUCKETS = 20_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
BATCH_SLEEP = 0.001
_JOINED, _PEER_JOINED = 0x81, 0x84


# Listener worker process.


class Worker:
    """Many listeners in one process: blocking handshakes, then one epoll loop for all sockets.

    After the handshake, the relay's frames are unmasked and simple, so a small parser reads
    them straight from the socket: it counts media frames and reads their timestamps, notes when
    the last membership message (Joined, PeerJoined) arrived, and builds no per-frame objects.
    """

    def __init__(self, url: str, count: int, join: bytes | None) -> None:
        self.uri = parse_uri(url)
        self.count, self.join = count, join
        self.received = 0
        self.last_ns = 0  # CLOCK_MONOTONIC of the last Joined or PeerJoined
        self.histogram = [0] * BUCKETS
        self.socks: dict[int, socket.socket] = {}
        self.protocols: dict[int, ClientProtocol] = {}
        self.buffers: dict[int, bytes] = {}
        self.waiting: set[int] = set()  # joined listeners still waiting for their Joined

    def open_all(self) -> None:
        for _ in range(self.count):
            sock = socket.create_connection((self.uri.host, self.uri.port), timeout=30)
            if self.uri.secure:  # a relay with its own test certificate (bench/relay_abuse.py)
                sock = insecure_tls().wrap_socket(sock, server_hostname=self.uri.host)
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
            self.socks[fd], self.protocols[fd], self.buffers[fd] = sock, protocol, b""

    def join_all(self) -> None:
        """Every listener sends its Join, back to back (the sockets are still blocking)."""
        if self.join is None:
            return
        for fd, sock in self.socks.items():
            protocol = self.protocols[fd]
            protocol.send_binary(self.join)
            for data in protocol.data_to_send():
                sock.sendall(data)
            self.waiting.add(fd)

    def run(self) -> None:
        self.open_all()
        print("connected", flush=True)
        if sys.stdin.readline().strip() != "join":
            return
        self.join_all()
        poller = select.epoll()
        for fd, sock in self.socks.items():
            sock.setblocking(False)
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
                if fd == stdin:
                    command = sys.stdin.readline().strip()
                    if command == "mark":
                        print(json.dumps({"last_ns": self.last_ns}), flush=True)
                        continue
                    # "stop" (or the orchestrator has gone): report and leave
                    report = {"received": self.received, "histogram": self.histogram}
                    print(json.dumps(report), flush=True)
                    return
                sock = self.socks[fd]
                try:
                    data = sock.recv(16384)
                    while isinstance(sock, ssl.SSLSocket) and sock.pending():
                        data += sock.recv(16384)
                except (BlockingIOError, ssl.SSLWantReadError):
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
                elif buf[start + 1] == _JOINED:
                    self.waiting.discard(fd)
                    self.last_ns = now
                elif buf[start + 1] == _PEER_JOINED:
                    self.last_ns = now
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


def start_listening(cmd: list[str], what: str, quiet_stderr: bool = False
                    ) -> tuple[subprocess.Popen[str], str]:
    """Start a server that prints `listening on URL` when ready; return it and the URL."""
    stderr = subprocess.DEVNULL if quiet_stderr else None
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"{what} did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def stop(proc: subprocess.Popen[Any], timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_workers(shares: list[tuple[str, int]], mode: str,
                  cpus: set[int] | None = None) -> list[subprocess.Popen[str]]:
    """One worker per (url, count), each joining in `mode`; return once all have connected."""
    if mode not in JOINS:
        raise ValueError(f"join mode {mode!r} is not one of {sorted(JOINS)}")
    workers: list[subprocess.Popen[str]] = []
    try:
        for url, count in shares:
            cmd = [sys.executable, __file__, url, str(count), mode]
            workers.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            text=True))
            pin(workers[-1].pid, cpus)
        expect(workers, "connected")
    except BaseException:
        end_workers(workers)
        raise
    return workers


def expect(workers: list[subprocess.Popen[str]], line: str) -> None:
    for proc in workers:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != line:
            raise RuntimeError(f"a listener worker failed before {line!r}")


def ask(workers: list[subprocess.Popen[str]], command: str) -> None:
    for proc in workers:
        assert proc.stdin is not None
        proc.stdin.write(command + "\n")
        proc.stdin.flush()


def join_room(workers: list[subprocess.Popen[str]]) -> int:
    """Let every listener join; return the CLOCK_MONOTONIC time the joins were released, once
    every listener has its Joined."""
    start = time.monotonic_ns()
    ask(workers, "join")
    expect(workers, "ready")
    return start


def last_membership_ns(workers: list[subprocess.Popen[str]]) -> int:
    """When the last Joined or PeerJoined reached any listener (CLOCK_MONOTONIC)."""
    ask(workers, "mark")
    marks = []
    for proc in workers:
        assert proc.stdout is not None
        marks.append(int(json.loads(proc.stdout.readline())["last_ns"]))
    return max(marks)


def collect(workers: list[subprocess.Popen[str]]) -> tuple[int, list[int]]:
    """Stop the listeners; return media frames received and their latency histogram."""
    ask(workers, "stop")
    received = 0
    histogram = [0] * BUCKETS
    for proc in workers:
        assert proc.stdout is not None
        report = json.loads(proc.stdout.readline())
        received += report["received"]
        histogram = [a + b for a, b in zip(histogram, report["histogram"], strict=True)]
    return received, histogram


def end_workers(workers: list[subprocess.Popen[str]]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def insecure_tls() -> ssl.SSLContext:
    """A client context that accepts the bench's own self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def speak(url: str, join: bool, seconds: float, rate: float, pid: int) -> tuple[int, float]:
    """Send `seconds * rate` frames on a fixed schedule; return frames sent and server CPU."""
    tls = {"ssl": insecure_tls()} if url.startswith("wss:") else {}
    async with connect(url, compression=None, **tls) as ws:
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


if __name__ == "__main__":
    url, count, mode = sys.argv[1:4]
    Worker(url, int(count), JOINS[mode]).run()
