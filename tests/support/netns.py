"""Real lossy and throttled networks for tests and benchmarks: Linux network namespaces.

A `Network` is one namespace of its own (`ip netns`), with its own loopback: a relay and clients
started inside it (`Network.popen`) talk over that loopback, and what the namespace's kernel does
to their packets is what a lossy link does to ours. TCP sees real drops and retransmits them, so
a lost packet stalls the stream until the retransmission arrives, exactly as on a mobile or
throttled international link; nothing here drops whole frames by itself.

- `drop(p)`: every IP packet entering the loopback is dropped with probability p
  (iptables' statistic match; both directions of every connection, so a speaker's frame meets
  the loss twice on its way to a listener, once up to the relay and once down from it).
- `bursts(p, mean_ms)`: the same average loss in bursts: a userspace thread switches a rule that
  drops everything on and off, for bursts of exponentially distributed length around `mean_ms`
  (a Gilbert model with a lossless good state), so whole runs of packets go missing together.
- `Pair`: two namespaces joined by a veth pair, for a link with its own rate: `limit(kbit)` puts
  a token bucket (`tc qdisc tbf`) on one side's egress, e.g. the relay's side towards a listener
  is that listener's downlink. (netem is not in these kernels; tbf is.)

Addresses live only inside the namespaces this module creates (loopback, and a /30 of 10.231.x
on the veth pair); nothing reaches the machine's own interfaces. Namespaces are named with a
prefix, a tag and the process id, so parallel runs do not meet. Needs root, `ip` (iproute2),
`iptables` and `tc`, which scripts/setup-system.sh installs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Network", "Pair", "available", "why_unavailable"]

PREFIX = "mjnet"
_serial = itertools.count()


def why_unavailable() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "iptables", "tc"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"{tool} is missing (scripts/setup-system.sh installs it)"
    return None


def available() -> bool:
    return why_unavailable() is None


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Network:
    """One namespace with its loopback up; processes inside it; loss on its loopback."""

    def __init__(self, tag: str = "n") -> None:
        self.name = f"{PREFIX}{tag}{os.getpid()}x{next(_serial)}"
        self.procs: list[subprocess.Popen[Any]] = []
        self._burst_thread: threading.Thread | None = None
        self._burst_stop = threading.Event()
        _run("ip", "netns", "add", self.name)
        try:
            self.exec("ip", "link", "set", "lo", "up")
        except BaseException:
            _run("ip", "netns", "del", self.name)
            raise

    def exec(self, *cmd: str) -> None:
        """Run a command inside the namespace and wait for it (raises on failure)."""
        _run("ip", "netns", "exec", self.name, *cmd)

    def popen(self, cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a process inside the namespace; `close()` stops it by process id."""
        proc: subprocess.Popen[Any] = subprocess.Popen(
            ["ip", "netns", "exec", self.name, *cmd], **kwargs)
        self.procs.append(proc)
        return proc

    # -- loss ------------------------------------------------------------------------------

    def drop(self, probability: float, interface: str = "lo") -> None:
        """Drop each packet arriving on `interface` with this probability, at random."""
        if not 0.0 <= probability < 1.0:
            raise ValueError(f"a drop probability is in [0, 1), got {probability}")
        if probability > 0.0:
            self.exec("iptables", "-A", "INPUT", "-i", interface, "-m", "statistic",
                      "--mode", "random", "--probability", f"{probability:.6f}", "-j", "DROP")

    def bursts(self, loss: float, mean_ms: float = 60.0, seed: int = 0,
               interface: str = "lo") -> None:
        """Drop everything during bursts averaging `mean_ms`, `loss` of the time on average.

        A thread in this process inserts and deletes a DROP rule; each switch takes a few
        milliseconds, which only blurs the bursts' edges.
        """
        if not 0.0 < loss < 1.0:
            raise ValueError(f"burst loss is in (0, 1), got {loss}")
        rng = random.Random(seed)
        gap_ms = mean_ms * (1.0 - loss) / loss
        rule = ["INPUT", "-i", interface, "-j", "DROP"]

        def switch() -> None:
            while not self._burst_stop.wait(rng.expovariate(1.0 / gap_ms) / 1000.0):
                self.exec("iptables", "-I", *rule)
                time.sleep(rng.expovariate(1.0 / mean_ms) / 1000.0)
                self.exec("iptables", "-D", *rule)

        self._burst_thread = threading.Thread(target=switch, name=f"{self.name}-bursts",
                                              daemon=True)
        self._burst_thread.start()

    def clear_loss(self) -> None:
        """Stop bursts and remove every drop rule."""
        self._stop_bursts()
        self.exec("iptables", "-F", "INPUT")

    def _stop_bursts(self) -> None:
        if self._burst_thread is not None:
            self._burst_stop.set()
            self._burst_thread.join(timeout=5)
            self._burst_thread = None
            self._burst_stop.clear()

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every process started inside (by pid), then remove the namespace."""
        self._stop_bursts()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        # Anything still inside (a child of a child) would keep the namespace alive.
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True)
        for pid in out.stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        with contextlib.suppress(subprocess.CalledProcessError):
            _run("ip", "netns", "del", self.name)

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Pair:
    """Two namespaces joined by a veth pair: `a` at 10.231.N.1, `b` at 10.231.N.2 (a /30)."""

    def __init__(self, tag: str = "p") -> None:
        self.a = Network(tag + "a")
        self.b = Network(tag + "b")
        n = (os.getpid() + next(_serial)) % 250
        self.a_addr, self.b_addr = f"10.231.{n}.1", f"10.231.{n}.2"
        self.a_if, self.b_if = f"{PREFIX}a{n}", f"{PREFIX}b{n}"
        try:
            _run("ip", "link", "add", self.a_if, "netns", self.a.name, "type", "veth", "peer",
                 "name", self.b_if, "netns", self.b.name)
            self.a.exec("ip", "addr", "add", f"{self.a_addr}/30", "dev", self.a_if)
            self.b.exec("ip", "addr", "add", f"{self.b_addr}/30", "dev", self.b_if)
            self.a.exec("ip", "link", "set", self.a_if, "up")
            self.b.exec("ip", "link", "set", self.b_if, "up")
        except BaseException:
            self.close()
            raise

    def limit(self, kbit: int, side: str = "a", burst_bytes: int = 4000,
              latency_ms: int = 100) -> None:
        """A token bucket of `kbit` on `side`'s egress (side a's egress is b's downlink).

        `latency_ms` bounds how long a packet may wait in the bucket's queue, as a real
        access link's buffer does; past it packets are dropped.
        """
        net, dev = (self.a, self.a_if) if side == "a" else (self.b, self.b_if)
        net.exec("tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", f"{kbit}kbit",
                 "burst", str(burst_bytes), "latency", f"{latency_ms}ms")

    def close(self) -> None:
        self.b.close()
        self.a.close()

    def __enter__(self) -> Pair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def network(tag: str = "n") -> Iterator[Network]:
    with Network(tag) as net:
        yield net
