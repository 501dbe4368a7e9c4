"""Mouth to ear through real devices: a chirp into one client's microphone, out of another's
speaker, through a relay process on 127.0.0.1; against the devices' own loopback.

Needs PipeWire (see tests/support/pipewire.py; the packages come from scripts/setup-system.sh).
Both paths use the same virtual devices, the same PortAudio block size and latency, and the same
measurement: the chirps go to a PipeWire combine sink whose two outputs are the microphone's
feed and the listening client's speaker sink, so the speaker sink's monitor holds each chirp
twice, once as it entered the microphone and once as it came out of the client, and the gap
between the two copies is the mouth-to-ear delay, whatever the recorder's own start-up delay.
Noise suppression is off (it adds no delay; a chirp is not speech).

    .venv/bin/python bench/latency.py [--chirps 20] [--quantum 256] [--desktop]

`--quantum N` runs PipeWire's graph at N samples whatever the streams ask for; with `--desktop`
N is only the default and PipeWire negotiates as on a desktop (streams ask for a period, rounded
to a power of two, 32 to 2048): `--quantum 1024 --desktop` is a stock desktop.

Prints one JSON line: added_ms_p50 / added_ms_p99 (the room's pipeline minus the baseline's
median), baseline_ms_p50 (the devices' loopback), and the raw medians.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from pipewire import DEFAULT_QUANTUM, PipeWire, VirtualDevices, stop_recording  # noqa: E402
from procs import read_invite  # noqa: E402
from relayproc import start_relay  # noqa: E402

from audio.devices import BLOCKSIZE, DEFAULT_LATENCY  # noqa: E402
from audio.wav import read_wav, write_wav  # noqa: E402

RATE = 48000
SPACING = 0.6  # seconds between chirps: longer than any delay we expect
CHIRP = 0.02

LOOPBACK = f"""
import sys, time, sounddevice as sd
def copy(indata, outdata, frames, t, status):
    outdata[:] = indata
with sd.Stream(device=(sys.argv[1], sys.argv[2]), samplerate={RATE}, channels=1, dtype="int16",
               blocksize={BLOCKSIZE}, latency={DEFAULT_LATENCY!r}, callback=copy):
    print("ready", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def chirp() -> np.ndarray:
    t = np.arange(int(CHIRP * RATE)) / RATE
    sweep = np.sin(2 * np.pi * (500 * t + (2500 / (2 * CHIRP)) * t**2))
    return (0.3 * sweep * np.hanning(len(t)) * 32767).astype(np.int16)


def chirp_train(count: int) -> np.ndarray:
    out = np.zeros(int((count * SPACING + 1.0) * RATE), dtype=np.int16)
    c = chirp()
    for i in range(count):
        start = int((0.5 + i * SPACING) * RATE)
        out[start : start + len(c)] = c
    return out


def onsets(recording: np.ndarray) -> list[float]:
    """Times (s) where a chirp starts: peaks of the matched filter, at least 10 ms apart."""
    c = chirp().astype(np.float64)
    x = recording.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(len(x) + len(c))))
    score = np.abs(np.fft.irfft(np.fft.rfft(x, n) * np.conj(np.fft.rfft(c, n)), n)[: len(x)])
    threshold = 0.25 * float(np.max(score))
    found: list[float] = []
    i = 0
    gap = int(0.01 * RATE)
    while i < len(score):
        if score[i] >= threshold:
            window = score[i : i + gap]
            peak = i + int(np.argmax(window))
            found.append(peak / RATE)
            i = peak + gap
        else:
            i += 1
    return found


def delays(recording: np.ndarray) -> list[float]:
    """Pair each chirp entering the microphone with its copy leaving the speaker (ms)."""
    times = onsets(recording)
    out = []
    for a, b in itertools.pairwise(times):
        gap = b - a
        if 0.0 < gap < SPACING * 0.8 and (not out or a - out[-1][1] > 0.05):
            out.append((gap, b))
    return [gap * 1000.0 for gap, _ in out]


def measure(pw: PipeWire, mic: VirtualDevices, spk: VirtualDevices, signal: Path,
            work: Path) -> list[float]:
    both = f"chirp_{mic.name}"
    pw.pactl("load-module", "module-combine-sink", f"sink_name={both}",
             f"slaves={mic.feed_sink},{spk.speaker_sink}", "rate=48000", "channels=1")
    recording = work / f"probe_{mic.name}.wav"
    rec = pw.record(spk.speaker_monitor, recording)
    time.sleep(0.5)
    pw.play(both, signal).wait()
    time.sleep(1.0)
    stop_recording(rec)
    return delays(read_wav(recording))


def majlis(pw: PipeWire, *args: str) -> subprocess.Popen[str]:
    env = dict(pw.env, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chirps", type=int, default=20)
    parser.add_argument("--quantum", type=int, default=DEFAULT_QUANTUM,
                        help="PipeWire's period in samples (its own default is 1024)")
    parser.add_argument("--desktop", action="store_true",
                        help="--quantum is only the default; PipeWire's own rules negotiate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="majlis-latency-") as tmp:
        work = Path(tmp)
        signal = work / "chirps.wav"
        write_wav(signal, chirp_train(args.chirps))
        duration = args.chirps * SPACING + 4.0
        pw = PipeWire(work / "pw", quantum=args.quantum, fixed=not args.desktop)
        pw.start()
        relay = None
        procs: list[subprocess.Popen[str]] = []
        try:
            loop_dev, a, b = pw.add_client("loop"), pw.add_client("a"), pw.add_client("b")
            loop = subprocess.Popen([sys.executable, "-c", LOOPBACK, loop_dev.mic_pcm,
                                     loop_dev.speaker_pcm, str(duration + 2)],
                                    stdout=subprocess.PIPE, text=True, env=pw.env)
            procs.append(loop)
            assert loop.stdout is not None and loop.stdout.readline().strip() == "ready"
            baseline = measure(pw, loop_dev, loop_dev, signal, work)

            relay = start_relay()
            quiet = ("--no-noise-suppression", "--no-echo-cancellation")
            host = majlis(pw, "host", "--relay", relay.url, "--name", "Latency", "--auto-admit",
                          "--mic", a.mic_pcm, *quiet, "--for", str(duration + 8))
            procs.append(host)
            link = read_invite(host)
            listener = majlis(pw, "join", link, "--speaker", b.speaker_pcm, *quiet,
                              "--for", str(duration + 4), "--stats")
            procs.append(listener)
            time.sleep(3.0)  # joined, and the jitter buffer has seen a few seconds of packets
            room = measure(pw, a, b, signal, work)
            out, _ = listener.communicate(timeout=30)
            listener_stats: dict[str, object] = {}
            for line in out.splitlines():
                if line.startswith("stats: "):
                    stats = json.loads(line[7:])
                    (heard,) = stats["speakers"].values()
                    listener_stats = {
                        "jitter_buffer_delay_ms": round(heard["delay_ms"], 1),
                        "jitter_buffer_target_ms": round(heard["target_ms"], 1),
                        "jitter_p98_ms": round(heard["jitter_ms"], 1),
                        "output_buffer_ms": round(stats["output_buffer_ms"], 1),
                        "output_underruns": stats["speaker"]["underruns"],
                    }
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=20)
            if relay is not None:
                relay.stop()
            pw.stop()
    base = float(np.median(baseline)) if baseline else float("nan")
    print(json.dumps({
        "benchmark": "latency",
        "chirps": args.chirps,
        "quantum": args.quantum,
        "negotiated": args.desktop,
        "detected": len(room),
        "baseline_detected": len(baseline),
        "added_ms_p50": round(float(np.percentile(room, 50)) - base, 1),
        "added_ms_p99": round(float(np.percentile(room, 99)) - base, 1),
        "baseline_ms_p50": round(base, 1),
        "room_ms_p50": round(float(np.percentile(room, 50)), 1),
        "device_block_ms": BLOCKSIZE / RATE * 1000,
        **listener_stats,
    }), flush=True)


if __name__ == "__main__":
    main()
