"""Cost of one audio frame on its way through a client: encode, seal, open, decode.

Prints one JSON object per line:
- one per step (`step`, `us_per_frame` median over the run, `p99_us`), with the baseline in
  the same run: sealing/opening with a plain XChaCha20-Poly1305 AEAD and no signature, which is
  the cheapest thing that still encrypts (it does not say WHO spoke, which is why we sign);
- one `wire` line: bytes and kbit/s of a frame as sent, against the 64 kbit/s budget, and the
  naive "AEAD tag + signature" layout for comparison.

Run: .venv/bin/python bench/frame_path.py [--frames 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nacl.bindings as sodium

from audio.codec import FRAME_SAMPLES, SAMPLE_RATE, OpusDecoder, OpusEncoder
from crypto.frame import FrameSealer, open_frame
from crypto.identity import Identity
from crypto.keys import EpochKey
from relay import wire

FRAMES_PER_SECOND = SAMPLE_RATE // FRAME_SAMPLES


def speechlike(n_frames: int) -> list[np.ndarray]:
    """Harmonic, amplitude-modulated noise: busy enough that Opus works as on speech."""
    rng = np.random.default_rng(1)
    t = np.arange(n_frames * FRAME_SAMPLES) / SAMPLE_RATE
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / SAMPLE_RATE) / k for k in range(1, 12))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
    pcm = 6000 * env * voice + 300 * rng.standard_normal(len(t))
    pcm16 = np.clip(pcm, -32768, 32767).astype(np.int16)
    return [pcm16[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(n_frames)]


def timed(fn: Callable[[int], object], n: int) -> tuple[list[float], list[object]]:
    times, results = [], []
    for i in range(n):
        start = time.perf_counter()
        results.append(fn(i))
        times.append((time.perf_counter() - start) * 1e6)
    return times, results


def report(step: str, times: list[float], **extra: object) -> None:
    times_sorted = sorted(times)
    print(json.dumps({"step": step, "us_per_frame": round(statistics.median(times), 1),
                      "p99_us": round(times_sorted[int(0.99 * (len(times) - 1))], 1), **extra}),
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=2000)
    n = ap.parse_args().frames
    pcm = speechlike(n)
    identity = Identity.generate()
    session = os.urandom(8)
    epoch = EpochKey.random(7)
    sealer = FrameSealer(identity, 3, session)
    encoder, decoder = OpusEncoder(), OpusDecoder()

    t_enc, packets = timed(lambda i: encoder.encode(pcm[i]), n)
    t_seal, frames = timed(lambda i: sealer.seal(epoch, packets[i]), n)  # type: ignore[arg-type]
    pub = identity.public
    t_open, opened = timed(lambda i: open_frame(frames[i], epoch, pub, session), n)  # type: ignore[arg-type]
    assert all(o[1] == p for o, p in zip(opened, packets, strict=True))  # type: ignore[index]
    t_dec, _ = timed(lambda i: decoder.decode(packets[i]), n)  # type: ignore[arg-type]

    # Baseline: AEAD only (group key, 16-byte tag, no sender signature).
    key = os.urandom(32)
    nonces = [os.urandom(24) for _ in range(n)]
    t_aead_seal, boxes = timed(lambda i: sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        packets[i], None, nonces[i], key), n)
    t_aead_open, _ = timed(lambda i: sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        boxes[i], None, nonces[i], key), n)  # type: ignore[arg-type]

    report("encode", t_enc)
    report("seal", t_seal, baseline_us_per_frame=round(statistics.median(t_aead_seal), 1),
           baseline="xchacha20poly1305 without signature")
    report("open", t_open, baseline_us_per_frame=round(statistics.median(t_aead_open), 1),
           baseline="xchacha20poly1305 without signature")
    report("decode", t_dec)
    total = [a + b for a, b in zip(t_enc, t_seal, strict=True)]
    report("speaker_total", total,
           cpu_percent_of_core=round(statistics.median(total) * FRAMES_PER_SECOND / 1e4, 2))
    total_rx = [a + b for a, b in zip(t_open, t_dec, strict=True)]
    report("listener_total_per_speaker", total_rx,
           cpu_percent_of_core=round(statistics.median(total_rx) * FRAMES_PER_SECOND / 1e4, 2))

    sizes = {len(p) for p in packets}
    frame_sizes = {len(f) for f in frames}  # type: ignore[arg-type]
    assert len(sizes) == 1 and len(frame_sizes) == 1, "every frame must have the same size"
    opus = sizes.pop()
    frame = frame_sizes.pop()
    envelope = len(wire.encode(wire.Media(frames[0])))  # type: ignore[arg-type]
    naive = 13 + opus + 16 + 64
    def kbps(b):
        return (round(b * 8 * FRAMES_PER_SECOND / 1000, 1))
    print(json.dumps({
        "step": "wire", "opus_bytes": opus, "frame_bytes": frame, "relay_envelope_bytes": envelope,
        "frame_kbps": kbps(frame), "with_envelope_kbps": kbps(envelope), "budget_kbps": 64.0,
        "within_budget": kbps(envelope) < 64.0,
        "baseline": "aead tag + signature", "baseline_frame_bytes": naive,
        "baseline_kbps": kbps(naive),
    }), flush=True)


if __name__ == "__main__":
    main()
