"""Speech quality through the whole pipeline under loss, against plain Opus concealment.

The pipeline is the real one, in one process and on a simulated clock: a host's `RoomProtocol`
encodes (Opus, constant size, FEC) and seals each 20 ms frame, the relay's own router forwards
it, the network drops some frames (random, or in bursts) and delays the rest by 5-35 ms (so
packets also arrive out of order), the listener's `RoomProtocol` opens them and a `VoiceStream`
(adaptive jitter buffer, FEC recovery, concealment) plays them. The speaker's encoder is set to
the expected loss that its listeners' reports would give (`audio.pipeline.expected_loss_for`).

The baseline, in the same run, decodes the very same packets with plain Opus: every packet that
arrived is decoded in order, every lost one concealed by libopus' classic concealment (decoder
complexity 0), with no jitter at all and no FEC.

Two kinds of speech. `recorded`: a woman's voice, the eight channel announcements ALSA ships
(/usr/share/sounds/alsa, alsa-utils), 14 s with pauses; PESQ (ITU-T P.862) is defined and
validated on natural recorded speech, so the goals are read on this one. `synthetic`: three
sentences from espeak-ng's formant synthesizer, a harsher case for concealment (its buzzy,
perfectly periodic voice is what every concealer extrapolates worst), kept for comparison.

    .venv/bin/python bench/quality.py [--speech recorded|synthetic|both]

One JSON line per condition: speech, loss (percent), pattern (random or burst), pesq_wb,
baseline_pesq_wb, and the libopus in use. Needs `pesq` (pip), alsa-utils and espeak-ng.
MAJLIS_LIBOPUS=system runs it on the system's libopus (audio/libopus.py).
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from memrelay import MemoryRelay  # noqa: E402

from app.core import events as ev  # noqa: E402
from app.core.protocol import RoomProtocol  # noqa: E402
from audio.codec import (  # noqa: E402
    ENHANCED_DECODING,
    FRAME_SAMPLES,
    LIBRARY_VERSION,
    OpusDecoder,
    OpusEncoder,
)
from audio.pipeline import expected_loss_for  # noqa: E402
from audio.stream import VoiceStream  # noqa: E402
from audio.wav import read_wav  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from crypto.invite import Invite  # noqa: E402

F = 0.02
SENTENCES = [
    "The committee will meet again on Thursday evening, after the market closes.",
    "Please bring the documents we discussed, and tell nobody about the new place.",
    "We heard the news from the border this morning. The roads are closed again.",
]


RECORDINGS = Path("/usr/share/sounds/alsa")


def recorded() -> np.ndarray:
    names = sorted(p for p in RECORDINGS.glob("*.wav") if p.name != "Noise.wav")
    if len(names) < 8:
        raise SystemExit(f"the recordings in {RECORDINGS} are missing (apt install alsa-utils)")
    parts = [np.zeros(24000, dtype=np.int16)]
    for path in names:
        parts += [read_wav(path), np.zeros(14400, dtype=np.int16)]
    return _whole_frames(np.concatenate(parts))


def _whole_frames(pcm: np.ndarray) -> np.ndarray:
    return np.concatenate([pcm, np.zeros(-len(pcm) % FRAME_SAMPLES, dtype=np.int16)])


def speech() -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed (scripts/setup-system.sh installs it)")
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(SENTENCES):
            path = Path(tmp) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
            parts += [read_wav(path), np.zeros(24000, dtype=np.int16)]
    return _whole_frames(np.concatenate([np.zeros(24000, dtype=np.int16), *parts]))


def lost_frames(count: int, percent: float, pattern: str, seed: int) -> set[int]:
    rng = random.Random(seed)
    if pattern == "random":
        return {k for k in range(count) if rng.random() < percent / 100}
    # Gilbert-Elliott: bursts of 3 frames on average, `percent` lost overall.
    p_exit = 1 / 3
    p_enter = (percent / 100) * p_exit / (1 - percent / 100) if percent < 100 else 1.0
    lost, bad = set(), False
    for k in range(count):
        bad = rng.random() >= p_exit if bad else rng.random() < p_enter
        if bad:
            lost.add(k)
    return lost


def room() -> tuple[MemoryRelay, RoomProtocol, RoomProtocol]:
    relay = MemoryRelay()
    host = RoomProtocol.host(Identity.generate(), ["ws://127.0.0.1:9"], "Bench", now=0.0)
    relay.add(host)
    relay.pump()
    listener = RoomProtocol.join(Identity.generate(), Invite.parse(host.invite.to_link()),
                                 "Listener", now=0.0)
    relay.add(listener)
    relay.pump()
    host.events_received()
    listener.events_received()
    return relay, host, listener


def run(pcm: np.ndarray, percent: float, pattern: str, seed: int) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    frames = pcm.reshape(-1, FRAME_SAMPLES)
    lost = lost_frames(len(frames), percent, pattern, seed)
    encoder = OpusEncoder(expected_loss=expected_loss_for([percent]))
    relay, host, listener = room()
    host_conn, listener_conn = relay.conn_of(host), relay.conn_of(listener)
    rng = random.Random(seed + 1)
    stream = VoiceStream()
    baseline = OpusDecoder(complexity=0)
    in_flight: list[tuple[float, int, bytes]] = []
    heard, plain = [], []
    for k in range(len(frames) + 20):
        now = 10.0 + k * F
        if k < len(frames):
            packet = encoder.encode(frames[k])
            plain.append(baseline.conceal() if k in lost else baseline.decode(packet))
            host.send_audio(packet, now)
            for data in host.data_to_send():
                for out in relay.router.receive(host_conn, data, now):
                    sent = getattr(out, "targets", ())
                    if listener_conn in sent and k not in lost:
                        delay = 0.005 + rng.uniform(0.0, 0.030)
                        heapq.heappush(in_flight, (now + delay, k, bytes(out.data)))
        while in_flight and in_flight[0][0] <= now + 0.007:
            arrival, _, data = heapq.heappop(in_flight)
            listener.receive_data(data, arrival)
            for event in listener.events_received():
                if isinstance(event, ev.AudioFrame):
                    stream.push(event.seq, event.payload, arrival)
        frame = stream.pull(now + 0.007)
        heard.append(frame if frame is not None else np.zeros(FRAME_SAMPLES, dtype=np.int16))
    return np.concatenate(heard), np.concatenate(plain)


def aligned(reference: np.ndarray, degraded: np.ndarray) -> np.ndarray:
    ref, deg = reference.astype(np.float64), degraded.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
    xc = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(xc[: max(1, len(deg) - len(ref) + 1)]))
    out = degraded[lag : lag + len(reference)]
    return np.concatenate([out, np.zeros(len(reference) - len(out), dtype=np.int16)])


def pesq_wb(reference: np.ndarray, degraded: np.ndarray) -> float:
    from pesq import pesq

    ref = soxr.resample(reference.astype(np.float32), 48000, 16000)
    deg = soxr.resample(aligned(reference, degraded).astype(np.float32), 48000, 16000)
    return round(float(pesq(16000, ref, deg, "wb")), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speech", choices=("recorded", "synthetic", "both"), default="both")
    kinds = parser.parse_args().speech
    try:
        import pesq  # noqa: F401
    except ImportError:
        raise SystemExit("the `pesq` package is needed: .venv/bin/pip install pesq==0.0.4") \
            from None
    sources = {"recorded": recorded, "synthetic": speech}
    for kind in ("recorded", "synthetic") if kinds == "both" else (kinds,):
        measure(kind, sources[kind]())


def measure(kind: str, pcm: np.ndarray) -> None:
    conditions = [(0.0, "random"), (5.0, "random"), (10.0, "random"), (20.0, "random"),
                  (10.0, "burst"), (20.0, "burst")]
    for percent, pattern in conditions:
        scores, base = [], []
        for seed in (1, 2, 3):
            heard, plain = run(pcm, percent, pattern, seed)
            scores.append(pesq_wb(pcm, heard))
            base.append(pesq_wb(pcm, plain))
        print(json.dumps({"benchmark": "quality", "speech": kind, "loss": percent,
                          "pattern": pattern,
                          "pesq_wb": round(float(np.mean(scores)), 3),
                          "baseline_pesq_wb": round(float(np.mean(base)), 3),
                          "expected_loss_setting": expected_loss_for([percent]),
                          "seeds": 3, "library": LIBRARY_VERSION,
                          "enhanced_decoding": ENHANCED_DECODING}), flush=True)


if __name__ == "__main__":
    main()
