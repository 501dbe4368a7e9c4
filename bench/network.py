"""Speech through the real product over real lossy and throttled networks, against the baseline.

Each run is the product's own path inside a network namespace of its own (tests/support/netns.py):
a relay process, `majlis host --speak` with natural recorded speech, and `majlis join --record
--stats`. The namespace's kernel drops IP packets (at random, or in bursts) or limits the rate, so
TCP retransmits and stalls as it does on a real link; nothing drops frames by itself.

Per condition, each of two clients runs `--runs` times, alternating: `majlis`, this tree, and
`baseline`, the same programs from another commit (`--baseline REV`, default the commit the
lossy-network work started from), checked out into a temporary worktree and run on the same
venv. Rows (one JSON line per condition and client):

- `pesq_wb`, `pesq_wb_min`: the median and worst PESQ-WB (ITU-T P.862.2) of the runs, on the
  recording aligned to the speech;
- `added_ms_p50`, `added_ms_p95`: mouth to ear (the tick that sent a sample to the tick that
  mixed it, bench/_timed_cli.py) per second of speech, minus the same client's median over the
  lossless path in the same run: what the network's loss added;
- `mouth_to_ear_ms_p50`: the raw figure, for reference;
- `late`, `concealed`, `recovered`: the listener's counts (medians of the runs).

    sudo .venv/bin/python bench/network.py [--runs 5] [--conditions 0,2,5,5b] [--baseline REV]

Needs root (namespaces), iptables and tc, `pesq`, alsa-utils' recordings. A run takes about the
speech's length plus ten seconds; the default set is about half an hour.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "bench"))

import netns  # noqa: E402
from quality import pesq_wb, recorded  # noqa: E402

from audio.wav import read_wav, write_wav  # noqa: E402

RATE = 48000
BASE_REV = "05916b5"  # main when this work began: the client and relay as they were
SEGMENT = RATE  # mouth to ear is measured on each second of speech


@dataclass(frozen=True)
class Condition:
    loss: float  # percent of IP packets dropped
    pattern: str  # "random" or "burst"
    rate_kbit: int | None = None

    @property
    def label(self) -> str:
        rate = f"@{self.rate_kbit}k" if self.rate_kbit else ""
        return f"{self.loss:g}{'b' if self.pattern == 'burst' else ''}{rate}"


def parse_condition(text: str) -> Condition:
    rate = None
    if "@" in text:
        text, kbit = text.split("@")
        rate = int(kbit.rstrip("k"))
    pattern = "burst" if text.endswith("b") else "random"
    return Condition(float(text.rstrip("b")), pattern, rate)


def long_speech() -> np.ndarray:
    """At least 30 s of natural speech: the ALSA announcements (14 s) twice, then a pause."""
    once = recorded()
    total = max(2 * len(once), 30 * RATE + SEGMENT)
    tail = np.zeros(total - 2 * len(once), dtype=np.int16)
    return np.concatenate([once, once, tail])


@dataclass
class Run:
    pesq: float
    mouth_to_ear_ms: list[float]
    late: int
    concealed: int
    recovered: int


def _line(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line[len(prefix):].strip()
        if not line and proc.poll() is not None:
            break
    err = proc.stderr.read() if proc.stderr else ""
    raise RuntimeError(f"no {prefix!r} line; stderr: {err[-2000:]}")


def one_run(tree: Path, cond: Condition, speech_wav: Path, pcm: np.ndarray,
            work: Path, seed: int) -> Run:
    py = sys.executable
    timed = str(ROOT / "bench" / "_timed_cli.py")
    seconds = len(pcm) / RATE
    heard = work / "heard.wav"
    common = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(tree))
    if cond.rate_kbit is None:
        with netns.Network("bench") as net:
            relay = net.popen([py, "-m", "relay", "--host", "127.0.0.1", "--port", "0"], **common)
            url = _line(relay, "listening on ", 20)
            return _talk(net, net, url, py, timed, tree, cond, speech_wav, pcm, heard, seconds,
                         seed, common)
    with netns.Pair("bench") as pair:
        # The relay and the speaker on side a; the listener on side b, behind a downlink of
        # rate_kbit (the token bucket on a's egress towards b).
        pair.limit(cond.rate_kbit, side="a")
        relay = pair.a.popen([py, "-m", "relay", "--host", pair.a_addr, "--port", "0"], **common)
        url = _line(relay, "listening on ", 20)
        return _talk(pair.a, pair.b, url, py, timed, tree, cond, speech_wav, pcm, heard, seconds,
                     seed, common)


def _talk(speaker_net: netns.Network, listener_net: netns.Network, url: str, py: str,
          timed: str, tree: Path, cond: Condition, speech_wav: Path, pcm: np.ndarray,
          heard: Path, seconds: float, seed: int, common: dict[str, object]) -> Run:
    host = speaker_net.popen([py, timed, str(tree), "host", "--relay", url, "--name", "Bench",
                              "--auto-admit", "--auto-stage", "--speak", str(speech_wav),
                              "--for", str(seconds + 12)], stdin=subprocess.DEVNULL, **common)
    link = _line(host, "invite: ", 20)
    # Loss starts once the room is open: the benchmark is about speech, not about joining.
    if cond.loss > 0:
        net = speaker_net if cond.rate_kbit is None else listener_net
        if cond.pattern == "random":
            net.drop(cond.loss / 100)
        else:
            net.bursts(cond.loss / 100, seed=seed)
    listener = listener_net.popen([py, timed, str(tree), "join", link, "--as", "Ear",
                                   "--record", str(heard), "--stats",
                                   "--for", str(seconds + 6)], **common)
    stats = json.loads(_line(listener, "stats: ", seconds + 60))
    listen_timing = json.loads(_line(listener, "timing: ", 20))
    speak_timing = json.loads(_line(host, "timing: ", 30))
    listener.wait(timeout=30)
    host.wait(timeout=30)
    recording = read_wav(heard)
    return Run(pesq=pesq_wb(pcm, recording),
               mouth_to_ear_ms=mouth_to_ear(pcm, recording, speak_timing["speech"],
                                            listen_timing["record"]),
               late=sum(s["late"] for s in stats["speakers"].values()),
               concealed=sum(s["concealed"] for s in stats["speakers"].values()),
               recovered=sum(s["recovered"] for s in stats["speakers"].values()))


def mouth_to_ear(pcm: np.ndarray, recording: np.ndarray, spoke: float | None,
                 recorded_from: float | None) -> list[float]:
    """Per second of speech (with enough voice in it): when it was played minus when sent."""
    if spoke is None or recorded_from is None:
        return []
    ref = pcm.astype(np.float64)
    rec = recording.astype(np.float64)
    # Where the whole speech sits first (a wide search), then each second near there.
    n = 1 << int(np.ceil(np.log2(len(ref) + len(rec))))
    xc = np.fft.irfft(np.fft.rfft(rec, n) * np.conj(np.fft.rfft(ref, n)), n)
    start = int(np.argmax(xc[: max(1, len(rec) - len(ref) + 1)]))
    out = []
    for offset in range(0, len(ref) - SEGMENT, SEGMENT):
        seg = ref[offset:offset + SEGMENT]
        if np.sqrt(np.mean(seg ** 2)) < 300:  # mostly pause: nothing to align
            continue
        lo = max(0, start + offset - RATE // 2)
        window = rec[lo:lo + SEGMENT + RATE]
        if len(window) < SEGMENT:
            continue
        m = 1 << int(np.ceil(np.log2(len(window) + SEGMENT)))
        c = np.fft.irfft(np.fft.rfft(window, m) * np.conj(np.fft.rfft(seg, m)), m)
        lag = lo + int(np.argmax(c[: len(window) - SEGMENT + 1]))
        played = recorded_from + lag / RATE
        sent = spoke + offset / RATE
        out.append((played - sent) * 1000.0)
    return out


def baseline_tree(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), rev],
                   check=True)
    return into


def summarize(client: str, cond: Condition, runs: list[Run], lossless_ms: float) -> dict:
    m2e = [x for r in runs for x in r.mouth_to_ear_ms]
    added = sorted(x - lossless_ms for x in m2e)
    pick = (lambda q: round(added[min(len(added) - 1, int(q * len(added)))], 1)) if added \
        else (lambda q: None)
    return {"benchmark": "network", "client": client, "loss": cond.loss,
            "pattern": cond.pattern, "rate_kbit": cond.rate_kbit,
            "pesq_wb": round(statistics.median(r.pesq for r in runs), 3),
            "pesq_wb_min": round(min(r.pesq for r in runs), 3),
            "added_ms_p50": pick(0.5), "added_ms_p95": pick(0.95),
            "mouth_to_ear_ms_p50": round(statistics.median(m2e), 1) if m2e else None,
            "late": statistics.median(r.late for r in runs),
            "concealed": statistics.median(r.concealed for r in runs),
            "recovered": statistics.median(r.recovered for r in runs),
            "runs": len(runs), "pesq_wb_runs": [r.pesq for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--conditions", default="0,2,5,5b",
                        help="comma-separated: 2 (random %%), 5b (bursts), 0@128 (128 kbit/s)")
    parser.add_argument("--baseline", default=BASE_REV, help="the commit to compare against")
    parser.add_argument("--clients", default="majlis,baseline")
    args = parser.parse_args()
    why = netns.why_unavailable()
    if why:
        raise SystemExit(f"bench/network.py: {why}")
    conds = [parse_condition(c) for c in args.conditions.split(",")]
    if conds[0] != Condition(0.0, "random"):
        conds.insert(0, Condition(0.0, "random"))  # the lossless reference comes first
    pcm = long_speech()
    with tempfile.TemporaryDirectory(prefix="majlis-net-") as tmp:
        work = Path(tmp)
        speech_wav = work / "speech.wav"
        write_wav(speech_wav, pcm)
        trees = {}
        for client in args.clients.split(","):
            trees[client] = ROOT if client == "majlis" else baseline_tree(args.baseline,
                                                                          work / "baseline")
        try:
            lossless: dict[str, float] = {}
            for cond in conds:
                runs: dict[str, list[Run]] = {c: [] for c in trees}
                for i in range(args.runs):
                    for client, tree in trees.items():
                        runs[client].append(one_run(tree, cond, speech_wav, pcm, work, i + 1))
                for client in trees:
                    if cond == Condition(0.0, "random"):
                        m2e = [x for r in runs[client] for x in r.mouth_to_ear_ms]
                        lossless[client] = statistics.median(m2e) if m2e else 0.0
                    print(json.dumps(summarize(client, cond, runs[client], lossless[client])),
                          flush=True)
        finally:
            if "baseline" in trees:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(trees["baseline"])], check=False)


if __name__ == "__main__":
    main()
