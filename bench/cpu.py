"""CPU of one client speaking while it hears three speakers.

Two measurements, each against a baseline in the same run:

* `pipeline`: the client's whole per-frame work in one process, on a simulated clock: capture
  processing (speexdsp echo cancellation and noise suppression), Opus encode, seal, then for
  three speakers the relay's routing to us, open and verify, jitter buffer, decode, and the mix.
  Baseline: the bare codec work, one Opus encode and three decodes per frame.
* `process`: a real `majlis join --mic --speaker` process on PipeWire's virtual devices, on stage
  and talking, in a room with three other speakers through a relay process on 127.0.0.1; its
  CPU time (user + system, from /proc) over 10 s of wall time. Baseline: the same client as a
  listener with no devices (`majlis join`, no --mic/--speaker), in the same room. Also split:
  the client's main thread (the event loop: network, crypto, codecs, mixing) and its other
  threads (PortAudio's and PipeWire's ALSA plugin's, which run at the sound server's period).

    .venv/bin/python bench/cpu.py [--skip-process]

Prints one JSON line per measurement: cpu_percent (of one core) and baseline_cpu_percent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from memrelay import MemoryRelay  # noqa: E402

from app.core import events as ev  # noqa: E402
from app.core.protocol import RoomProtocol  # noqa: E402
from app.core.roster import Role  # noqa: E402
from audio.codec import FRAME_SAMPLES, SAMPLE_RATE, OpusDecoder, OpusEncoder  # noqa: E402
from audio.dsp import SpeexProcessor  # noqa: E402
from audio.pipeline import Listening, Speaking  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from crypto.invite import Invite  # noqa: E402

F = 0.02
FRAMES = 1500  # 30 s of audio


def voice(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(frames * FRAME_SAMPLES) / SAMPLE_RATE
    f0 = 120 + 40 * rng.random()
    pcm = 0.3 * np.sin(2 * np.pi * f0 * t + 3 * np.sin(2 * np.pi * 4 * t))
    pcm += 0.02 * rng.standard_normal(len(t))
    return (pcm * 32767).astype(np.int16).reshape(frames, FRAME_SAMPLES)


def stage_room() -> tuple[MemoryRelay, list[RoomProtocol]]:
    """A host and three members, all on stage."""
    relay = MemoryRelay()
    host = RoomProtocol.host(Identity.generate(), ["ws://127.0.0.1:9"], "Bench", now=0.0)
    relay.add(host)
    relay.pump()
    members = [host]
    for n in range(3):
        p = RoomProtocol.join(Identity.generate(), Invite.parse(host.invite.to_link()),
                              f"S{n}", now=0.0)
        relay.add(p)
        relay.pump()
        members.append(p)
    for p in members[1:]:
        assert p.me is not None
        host.invite_to_stage(p.me, relay.now)
        relay.pump()
        p.accept_stage(relay.now)
        relay.pump()
    for p in members:
        assert p.my_member is not None and p.my_member.role is not Role.LISTENER
        p.events_received()
    return relay, members


def pipeline() -> dict[str, object]:
    relay, members = stage_room()
    me, others = members[1], [members[0], *members[2:]]
    conns = {id(p): relay.conn_of(p) for p in members}
    speaking = Speaking(OpusEncoder(expected_loss=0), SpeexProcessor())
    listening = Listening()
    encoders = [OpusEncoder(expected_loss=0) for _ in others]
    mine, theirs = voice(FRAMES, 0), [voice(FRAMES, 1 + i) for i in range(3)]
    # The other speakers' sealed, routed frames are made outside the measured time.
    inbound: list[list[bytes]] = []
    for k in range(FRAMES):
        batch = []
        for enc, p, pcm in zip(encoders, others, theirs, strict=True):
            p.send_audio(enc.encode(pcm[k]), k * F)
            for data in p.data_to_send():
                for out in relay.router.receive(conns[id(p)], data, k * F):
                    if conns[id(me)] in getattr(out, "targets", ()):
                        batch.append(bytes(out.data))
        inbound.append(batch)
    me_conn = conns[id(me)]
    start = time.process_time()
    for k in range(FRAMES):
        now = 10.0 + k * F
        for data in inbound[k]:
            me.receive_data(data, now)
        for event in me.events_received():
            if isinstance(event, ev.AudioFrame):
                listening.push(event.member_id, event.seq, event.payload, now)
        me.send_audio(speaking.encode_captured(mine[k]), now)
        for data in me.data_to_send():
            relay.router.receive(me_conn, data, now)
        speaking.played(listening.pull(now + 0.01))
    used = time.process_time() - start

    encoder, decoders = OpusEncoder(expected_loss=0), [OpusDecoder() for _ in range(3)]
    packets = [[e.encode(pcm[k]) for k in range(FRAMES)] for e, pcm in zip(
        [OpusEncoder(expected_loss=0) for _ in range(3)], theirs, strict=True)]
    start = time.process_time()
    for k in range(FRAMES):
        encoder.encode(mine[k])
        for d, stream in zip(decoders, packets, strict=True):
            d.decode(stream[k])
    bare = time.process_time() - start
    stats = listening.stats()
    assert len(stats) == 3 and all(s.played > FRAMES * 0.9 for s in stats.values())
    return {"benchmark": "cpu", "measurement": "pipeline", "frames": FRAMES,
            "cpu_percent": round(100 * used / (FRAMES * F), 2),
            "baseline_cpu_percent": round(100 * bare / (FRAMES * F), 2),
            "baseline": "bare Opus: 1 encode + 3 decodes per frame"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main_thread_seconds(pid: int) -> float:
    """CPU of the process' first thread (its id is the process id: the main thread)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process() -> dict[str, object]:
    from pipewire import PipeWire
    from procs import read_invite, speech_wav
    from relayproc import start_relay

    with tempfile.TemporaryDirectory(prefix="majlis-cpu-") as tmp:
        work = Path(tmp)
        long = speech_wav(work / "talk.wav", " ".join(["Peace be upon you, and welcome to the "
                                                         "majlis, where we speak freely."] * 6))
        pw = PipeWire(work / "pw")
        pw.start()
        relay = start_relay()
        procs: list[subprocess.Popen[str]] = []

        def majlis(*args: str) -> subprocess.Popen[str]:
            proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                    cwd=ROOT, env=dict(pw.env, PYTHONUNBUFFERED="1"))
            procs.append(proc)
            return proc

        try:
            me = pw.add_client("me")
            host = majlis("host", "--relay", relay.url, "--name", "Cpu", "--auto-admit",
                          "--auto-stage", "--speak", str(long), "--for", "40")
            link = read_invite(host)
            for n in range(2):
                majlis("join", link, "--as", f"S{n}", "--speak", str(long), "--for", "38")
            client = majlis("join", link, "--as", "Me", "--mic", me.mic_pcm, "--speaker",
                            me.speaker_pcm, "--for", "36")
            listener = majlis("join", link, "--as", "Ear", "--for", "36")
            time.sleep(8.0)  # everyone admitted and on stage, devices open
            talk = pw.play(me.feed_sink, long)
            a0, b0, t0 = cpu_seconds(client.pid), cpu_seconds(listener.pid), time.monotonic()
            m0 = main_thread_seconds(client.pid)
            time.sleep(10.0)
            a1, b1, t1 = cpu_seconds(client.pid), cpu_seconds(listener.pid), time.monotonic()
            m1 = main_thread_seconds(client.pid)
            talk.terminate()
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)
            relay.stop()
            pw.stop()
    return {"benchmark": "cpu", "measurement": "process", "seconds": round(t1 - t0, 1),
            "cpu_percent": round(100 * (a1 - a0) / (t1 - t0), 2),
            "main_thread_cpu_percent": round(100 * (m1 - m0) / (t1 - t0), 2),
            "baseline_cpu_percent": round(100 * (b1 - b0) / (t1 - t0), 2),
            "baseline": "a listener in the same room, no devices"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-process", action="store_true")
    args = parser.parse_args()
    print(json.dumps(pipeline()), flush=True)
    if not args.skip_process:
        print(json.dumps(process()), flush=True)


if __name__ == "__main__":
    main()
