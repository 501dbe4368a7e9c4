"""Rooms through Tor against a direct connection, in a private Tor network on 127.0.0.1.

Builds the network of tests/support/tornet.py (real tor processes), a relay process published
as an onion service, a client tor for the host and one for the listener, and Majlis' own tor
(app/net/tor.py). Then, in one process and on one clock, a host and a listener (the `RoomClient`
the `majlis` command runs, headless 20 ms tick) hold a room:

- `direct`: both connect to the relay's 127.0.0.1 port, no proxy (the baseline);
- `onion`: both through their tor to the relay's .onion address, no added delay;
- `onion+D/J`: the same, with the listener's link to its tor through a userspace shaper
  (tests/support/shaper.py) that adds D ms plus up to J ms (uniform) each way, order kept:
  Tor on the real Internet adds hundreds of milliseconds and bursts that loopback does not.
  Each shaped path runs once per jitter-buffer ceiling of `--ceilings` (audio/jitter.py's
  MAX_DELAY, 200 ms, against larger ones).

The host sends low noise with a loud 20 ms click every second. Mouth to ear is the time from
the host's tick that encoded a click to the listener's tick that mixed it (network, relay, Tor,
jitter buffer and the 20 ms ticks; the sound devices add the same to every path and are
measured by bench/latency.py). Transit is per packet, send to arrival. Join is the time from
starting a join with the invite to the first audible frame mixed.

    .venv/bin/python bench/tor.py [--seconds 20] [--no-shaper] [--ceilings 0.2,0.5]

Prints JSON lines: the network's and Majlis' own tor's bootstrap times, then one line per path.
Timing on a shared two-core machine is noisy; compare paths within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from relayproc import start_relay  # noqa: E402
from shaper import Shaper  # noqa: E402
from tornet import TorNetwork  # noqa: E402

from app.client import Policy, RoomClient, Speech  # noqa: E402
from app.core import events as ev  # noqa: E402
from app.core.protocol import RoomProtocol, State  # noqa: E402
from app.net.proxy import ProxySettings  # noqa: E402
from app.net.tor import TorOptions, start_tor  # noqa: E402
from audio.jitter import MAX_DELAY, JitterBuffer  # noqa: E402
from audio.stream import VoiceStream  # noqa: E402
from crypto.identity import Identity  # noqa: E402

FRAME = 960
CLICK_EVERY = 50  # frames: one click a second


class ClickSpeech(Speech):
    """Endless low noise with a loud click every second; notes when each click is encoded."""

    def __init__(self) -> None:
        super().__init__(pcm=None, started=True)
        self.index = 0
        self.clicks: list[float] = []
        self.random = np.random.default_rng(7)

    def next_frame(self) -> np.ndarray:
        self.index += 1
        # Half a second of low noise after each click, then silence: the pauses of speech,
        # where the jitter buffer may shorten its delay.
        level = 300 if self.index % CLICK_EVERY < CLICK_EVERY // 2 else 0
        frame = self.random.normal(0, level, FRAME) if level else np.zeros(FRAME)
        if self.index % CLICK_EVERY == 0:
            frame = self.random.normal(0, 9000, FRAME)
            self.clicks.append(time.monotonic())
        return np.clip(frame, -32767, 32767).astype(np.int16)

    @property
    def finished(self) -> bool:
        return False


class Host(RoomClient):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sent: dict[bytes, float] = {}

    def _send(self, packet: bytes, now: float) -> None:
        self.sent[packet] = time.monotonic()
        super()._send(packet, now)


class Listener(RoomClient):
    def __init__(self, *args: object, ceiling: float = MAX_DELAY, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.heard: list[float] = []
        listening, clock = self.listening, self.clock

        def push(member_id: int, seq: int, packet: bytes, now: float) -> None:
            # As Listening.push, with the jitter buffer's ceiling under test.
            if member_id not in listening.streams:
                listening.streams[member_id] = VoiceStream(JitterBuffer(max_delay=ceiling),
                                                           clock=clock)
            listening.streams[member_id].push(seq, packet, now)

        listening.push = push  # type: ignore[method-assign]
        self.loud = False
        self.first_audible: float | None = None

    def _play_tick(self, now: float) -> np.ndarray:
        frame = super()._play_tick(now)
        level = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2)))
        if level > 50 and self.first_audible is None:
            self.first_audible = time.monotonic()
        if level > 3000 and not self.loud:
            self.heard.append(time.monotonic())
        self.loud = level > 3000
        return frame


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1) if values else float("nan")


async def room(name: str, host_url: str, listen_url: str, host_proxy: ProxySettings | None,
               listen_proxy: ProxySettings | None, seconds: float,
               ceiling: float = MAX_DELAY) -> dict[str, object]:
    speech = ClickSpeech()
    hp = RoomProtocol.host(Identity.generate(), [host_url], "Bench", display_name="Host",
                           auto_admit=True, now=time.monotonic())
    host = Host(hp, host_url, speech=speech, proxy=host_proxy,
                policy=Policy(unmute_on_stage=True))
    host_run = asyncio.create_task(host.run(seconds + 120))
    while hp.state is not State.IN_ROOM:
        await asyncio.sleep(0.05)
        if host_run.done():
            raise RuntimeError(f"{name}: the host could not open the room: {host_run.result()}")
    arrivals: dict[bytes, float] = {}

    def on_event(event: ev.Event, _p: RoomProtocol) -> None:
        if isinstance(event, ev.AudioFrame):
            arrivals[event.payload] = time.monotonic()

    invite = hp.invite
    if listen_url != host_url:
        from dataclasses import replace
        invite = replace(invite, relays=(listen_url,))
    started = time.monotonic()
    lp = RoomProtocol.join(Identity.generate(), invite, "Listener", now=started)
    listener = Listener(lp, listen_url, proxy=listen_proxy, policy=Policy(on_event=on_event),
                        ceiling=ceiling)
    await listener.run(seconds)
    stats = listener.stats()
    host.stop()
    await host_run
    transit = [(t - host.sent[p]) * 1000 for p, t in arrivals.items() if p in host.sent]
    m2e = []
    for heard in listener.heard:
        before = [c for c in speech.clicks if c <= heard]
        if before and heard - before[-1] < 0.9:
            m2e.append((heard - before[-1]) * 1000)
    jb = next(iter(stats.speakers.values()), None)
    return {
        "bench": "tor", "path": name, "ceiling_ms": round(ceiling * 1000),
        "join_to_hearing_s": round(listener.first_audible - started, 2)
        if listener.first_audible else None,
        "mouth_to_ear_ms_p50": pct(m2e, 50), "mouth_to_ear_ms_p95": pct(m2e, 95),
        "mouth_to_ear_ms_max": pct(m2e, 100), "clicks_heard": len(m2e),
        "transit_ms_p50": pct(transit, 50), "transit_ms_p95": pct(transit, 95),
        "transit_ms_p99": pct(transit, 99), "transit_ms_max": pct(transit, 100),
        "jitter_ms_p99_minus_p50": round(pct(transit, 99) - pct(transit, 50), 1),
        "jitter_buffer": None if jb is None else {
            k: getattr(jb, k) for k in ("delay_ms", "target_ms", "jitter_ms", "late", "lost",
                                        "concealed", "expanded", "skipped", "played")},
    }


def socks(port: int) -> ProxySettings:
    return ProxySettings("socks5", "127.0.0.1", port)


async def paths(net: TorNetwork, relay_url: str, onion_url: str, host_port: int,
                listen_port: int, seconds: float, shaped: list[tuple[float, float]],
                ceilings: list[float]) -> None:
    def emit(line: dict[str, object]) -> None:
        print(json.dumps(line), flush=True)

    emit(await room("direct", relay_url, relay_url, None, None, seconds))
    emit(await room("onion", onion_url, onion_url, socks(host_port), socks(listen_port),
                    seconds))
    for delay, jitter in shaped:
        for ceiling in ceilings:
            shaper = Shaper(listen_port, delay, jitter)
            await shaper.start()
            try:
                emit(await room(f"onion+{delay * 1000:.0f}/{jitter * 1000:.0f}ms", onion_url,
                                onion_url, socks(host_port), socks(shaper.port), seconds,
                                ceiling))
            finally:
                await shaper.close()
    started = time.monotonic()
    own = await start_tor(TorOptions(extra_lines=tuple(net.network_lines())))
    try:
        emit({"bench": "tor", "what": "own_tor_bootstrap_s",
              "seconds": round(time.monotonic() - started, 2)})
        emit(await room("onion via own tor", onion_url, onion_url, socks(host_port),
                        socks(own.socks_port), seconds))
    finally:
        await own.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-shaper", action="store_true")
    parser.add_argument("--ceilings", default="0.2,0.5",
                        help="jitter-buffer ceilings (seconds) to try on the shaped paths")
    args = parser.parse_args()
    ceilings = [float(c) for c in args.ceilings.split(",")]
    shaped = [] if args.no_shaper else [(0.1, 0.1), (0.25, 0.3)]
    with tempfile.TemporaryDirectory(prefix="majlis-bench-tor-") as tmp:
        net = TorNetwork(Path(tmp))
        relay = None
        try:
            net.start()
            print(json.dumps({"bench": "tor", "what": "network_bootstrap_s",
                              "seconds": round(net.bootstrap_seconds, 2)}), flush=True)
            relay = start_relay()
            onion = net.add_onion_service("relayonion", int(relay.url.rsplit(":", 1)[1]))
            host_tor = net.add_client("hosttor", bind="127.0.0.2")
            listen_tor = net.add_client("listentor", bind="127.0.0.3")
            reach = net.wait_reachable(onion, 80, host_tor)
            print(json.dumps({"bench": "tor", "what": "onion_reachable_after_publish_s",
                              "seconds": round(reach, 2)}), flush=True)
            asyncio.run(paths(net, relay.url, f"ws://{onion}/", host_tor.socks_port,
                              listen_tor.socks_port, args.seconds, shaped, ceilings))
        finally:
            if relay is not None:
                relay.stop()
            net.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
