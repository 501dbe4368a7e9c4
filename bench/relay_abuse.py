"""A healthy room beside each attack on one real relay: does the relay hold, and does the room?

    .venv/bin/python bench/relay_abuse.py [--seconds 10] [--listeners 50] [--only NAME,...]

The healthy room is one speaker at 50 frames/s and `--listeners` listeners (the light
listeners of bench/_fanout_common.py, joined quietly). Each row starts a fresh relay with
default settings (TLS with a throw-away certificate for the TLS row), runs the room for
`--seconds` while one attacker process does its worst, then measures. First comes the
baseline: the same room with no attack, on the same machine in the same run. One JSON line per
row:

    {"attack", "rss_peak_mb", "rss_after_mb", "healthy_delivered", "healthy_p99_ms",
     "baseline_p99_ms", "relay_cpu_pct", "detail"}

* rss_peak_mb: the relay process's resident memory, sampled every 20 ms, at its highest.
* rss_after_mb: the same, 2 s after the attack ended.
* healthy_delivered: frames the listeners received / (frames sent x listeners).
* healthy_p99_ms: send-to-receive latency of the healthy frames (baseline_p99_ms: no attack).
* relay_cpu_pct: the relay process's CPU time over the room's window, in % of one core.
* detail: what the attacker managed (pings sent, connections opened, ...).

Goals: rss_peak_mb <= 256 under any single-source attack with default settings, healthy p99
within 2x of the baseline, healthy_delivered 1.0.

The attacker is one source, 127.0.0.2: loopback, but not one of the two addresses (127.0.0.1,
::1) the relay exempts from per-address limits as a local proxy or Tor daemon, so it meets the
limits a single address on the internet would. Attacks:

* ping_flood_unread: pings as fast as the socket takes them, never reading; reconnects when
  the relay closes it.
* ping_flood_read: the same, reading every pong.
* stalled_control: a sender and 100 members of its room that never read; the sender sends
  60 KB Control messages at 150/s; closed members are replaced.
* stalled_media: the same with 16 KB Media at 150/s.
* tls_bare_tcp: 500 TCP connections a second to the relay's TLS port that never say hello.
* connection_flood: TCP connections as fast as they open, holding every one, sending nothing.

Two cores are shared by the relay, the listeners, the speaker and the attacker, and with other
work on the machine: latencies are noisy, and an attacker that burns a core raises the
healthy p99 through CPU contention alone, which a relay on its own machine would not see.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import (
    ROOT,
    collect,
    end_workers,
    join_room,
    percentile,
    speak,
    start_listening,
    start_workers,
    stop,
)

sys.path.insert(0, str(ROOT))
from relay.wire import Control, Join, Media, encode

SOURCE = "127.0.0.2"
ATTACKS = ("ping_flood_unread", "ping_flood_read", "stalled_control", "stalled_media",
           "tls_bare_tcp", "connection_flood")
ATTACK_ROOM = bytes(range(1, 17))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# The attacker process (`relay_abuse.py --attack NAME URL SECONDS`).


def _mask(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (a zero mask: the relay must accept any)."""
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    return head + bytes(4) + payload


def _upgrade(host: str, port: int, path: str, rcvbuf: int = 4096) -> socket.socket | None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((SOURCE, 0))
    sock.settimeout(5)
    try:
        sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                raise OSError("closed")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise OSError(head.split(b"\r\n")[0].decode())
    except OSError:
        sock.close()
        return None
    return sock


def _address(url: str) -> tuple[str, int, str]:
    authority, _, path = url.split("//", 1)[1].partition("/")
    host, port = authority.rsplit(":", 1)
    return host, int(port), "/" + path


def attack(name: str, url: str, seconds: float) -> dict[str, Any]:
    host, port, path = _address(url)
    end = time.monotonic() + seconds
    counts: dict[str, int] = {}

    def count(key: str, n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    if name.startswith("ping_flood"):
        reading = name == "ping_flood_read"
        ping = _mask(0x9, bytes(125))
        while time.monotonic() < end:
            sock = _upgrade(host, port, path)
            if sock is None:
                count("refused")
                time.sleep(0.05)
                continue
            count("connections")
            if reading:
                threading.Thread(target=_drain, args=(sock,), daemon=True).start()
            try:
                while time.monotonic() < end:
                    sock.sendall(ping * 32)
                    count("pings", 32)
            except OSError:
                count("closed_by_relay")
            sock.close()
    elif name.startswith("stalled"):
        media = name == "stalled_media"
        sender = _upgrade(host, port, path, rcvbuf=1 << 20)
        assert sender is not None, "the attacker's sender was refused"
        sender.sendall(_mask(0x2, encode(Join(ATTACK_ROOM, quiet=True))))
        threading.Thread(target=_drain, args=(sender,), daemon=True).start()
        members: list[socket.socket] = []
        message = _mask(0x2, encode(Media(bytes(16_000)) if media else Control(bytes(60_000))))
        next_refill, sent = 0.0, 0
        start = time.monotonic()
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_refill:  # keep 100 stalled members in the room
                members = [m for m in members if _alive(m)]
                while len(members) < 100:
                    member = _upgrade(host, port, path, rcvbuf=2048)
                    if member is None:
                        count("refused")
                        break
                    member.sendall(_mask(0x2, encode(Join(ATTACK_ROOM, quiet=True))))
                    members.append(member)
                    count("members")
                next_refill = now + 0.5
            delay = start + sent / 150 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                sender.sendall(message)
            except OSError:
                count("sender_closed")
                break
            sent += 1
        count("messages", sent)
        for member in members:
            member.close()
        sender.close()
    elif name == "tls_bare_tcp":
        held: list[socket.socket] = []
        start, opened = time.monotonic(), 0
        while time.monotonic() < end:
            delay = start + opened / 500 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            held.append(_connect(host, port))
            opened += 1
        count("connections", opened)
        for sock in held:
            sock.close()
    elif name == "connection_flood":
        held = []
        while time.monotonic() < end:
            held.append(_connect(host, port))
            count("connections")
            if len(held) > 5000:  # the attacker's own descriptors
                held.pop(0).close()
        for sock in held:
            sock.close()
    return counts


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind((SOURCE, 0))
    sock.setblocking(False)
    try:
        sock.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        pass
    return sock


def _alive(sock: socket.socket) -> bool:
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def _drain(sock: socket.socket) -> None:
    try:
        sock.settimeout(None)
        while sock.recv(65536):
            pass
    except OSError:
        pass


# The orchestrator.


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return cert, key


def row(name: str, args: argparse.Namespace, tls: tuple[Path, Path] | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "relay", "--host", "127.0.0.1", "--port", "0"]
    if tls is not None:
        cmd += ["--cert", str(tls[0]), "--key", str(tls[1])]
    relay, url = start_listening(cmd, "relay", quiet_stderr=True)
    peak = [rss_mb(relay.pid)]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.02):
            peak[0] = max(peak[0], rss_mb(relay.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    attacker = None
    workers = start_workers([(url, args.listeners)], "quiet")
    try:
        join_room(workers)
        if name != "baseline":
            attacker = subprocess.Popen(
                [sys.executable, __file__, "--attack", name, url, str(args.seconds + 1)],
                stdout=subprocess.PIPE, text=True)
            time.sleep(1.0)  # the attack is under way before the room is measured
        sent, cpu = asyncio.run(speak(url, True, args.seconds, 50.0, relay.pid))
        received, histogram = collect(workers)
        detail: dict[str, Any] = {}
        if attacker is not None:
            out, _ = attacker.communicate(timeout=60)
            detail = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        time.sleep(2.0)
        after = rss_mb(relay.pid)
    finally:
        end_workers(workers)
        if attacker is not None and attacker.poll() is None:
            attacker.kill()
        sampling.set()
        sampler.join()
        stop(relay, 10)
    return {"attack": name, "rss_peak_mb": round(peak[0], 1), "rss_after_mb": round(after, 1),
            "healthy_delivered": round(received / (sent * args.listeners), 4),
            "healthy_p99_ms": round(percentile(histogram, 0.99), 1),
            "relay_cpu_pct": round(100 * cpu / (args.seconds + 0.5), 1), "detail": detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--listeners", type=int, default=50)
    parser.add_argument("--only", default=",".join(ATTACKS))
    parser.add_argument("--attack", nargs=3, metavar=("NAME", "URL", "SECONDS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attack:
        name, url, seconds = args.attack
        print(json.dumps(attack(name, url, float(seconds))), flush=True)
        return
    chosen = [a for a in args.only.split(",") if a]
    with tempfile.TemporaryDirectory() as tmp:
        tls = certificate(Path(tmp))
        baseline = row("baseline", args, None)
        baseline_tls = row("baseline", args, tls) if "tls_bare_tcp" in chosen else None
        print(json.dumps({**baseline, "baseline_p99_ms": baseline["healthy_p99_ms"]}),
              flush=True)
        for name in chosen:
            base = baseline_tls if name == "tls_bare_tcp" and baseline_tls else baseline
            result = row(name, args, tls if name == "tls_bare_tcp" else None)
            result["baseline_p99_ms"] = base["healthy_p99_ms"]
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
