"""Real sound devices: PipeWire with virtual microphones and speakers, PortAudio in real
`majlis` processes, a real relay process on 127.0.0.1.

Speech is played into client A's virtual microphone; it has to come out of client B's virtual
speaker, recognisably the same (alignment and correlation, and PESQ-WB when the `pesq` package is
there), also with loss and jitter injected by a proxy between the clients and the relay, and the
clients have to survive their devices being pulled out mid-room.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np
import pytest
import soxr
from pipewire import PipeWire, missing_tools, stop_recording
from procs import ROOT, align, read_invite, rms, speech_wav
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from audio.wav import read_wav
from crypto.frame import parse_frame_header
from relay import wire

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bool(missing_tools()), reason=f"PipeWire tools missing: {missing_tools()}"),
]

SENTENCE = ("Peace be upon you. Welcome to the majlis, where we speak freely, "
            "and nobody else is listening.")


@pytest.fixture(scope="module")
def pw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipeWire]:
    server = PipeWire(tmp_path_factory.mktemp("pipewire"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("speech") / "speech.wav", SENTENCE)


ERRORS: dict[int, TextIO] = {}  # client pid -> the file its stderr goes to


def majlis(pw: PipeWire, *args: str) -> subprocess.Popen[str]:
    """A client process; its stderr goes to a file (PortAudio may print a burst of errors when
    a stream breaks, which is no place for a pipe's memory)."""
    err = (pw.root / f"majlis-{time.monotonic_ns()}.err").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], stdout=subprocess.PIPE,
                            stderr=err, text=True, cwd=ROOT,
                            env=dict(pw.env, PYTHONUNBUFFERED="1"))
    ERRORS[proc.pid] = err
    return proc


def finish(proc: subprocess.Popen[str], timeout: float = 40.0) -> tuple[int, str, str]:
    """Exit code, stdout, and our own lines of stderr (PortAudio's are left out)."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    err = ERRORS.pop(proc.pid)
    err.seek(0)
    ours = [line for line in err if not line.startswith(("Expression ", "ALSA lib"))]
    err.close()
    return proc.returncode, out, "".join(ours[:200])


def stats_of(out: str) -> dict[str, object]:
    line = next(x for x in out.splitlines() if x.startswith("stats: "))
    stats: dict[str, object] = json.loads(line.removeprefix("stats: "))
    return stats


def pesq_wb(reference: np.ndarray, degraded: np.ndarray) -> float | None:
    try:
        from pesq import pesq
    except ImportError:
        return None
    ref = soxr.resample(reference.astype(np.float32), 48000, 16000)
    deg = soxr.resample(degraded.astype(np.float32), 48000, 16000)
    return float(pesq(16000, ref, deg, "wb"))


def heard_segment(source: np.ndarray, recording: np.ndarray) -> tuple[np.ndarray, float]:
    """The recording where the speech is, and how well it matches, word by word.

    The jitter buffer may shift the timeline by a frame in a pause (that is its job), which a
    single correlation over the whole sentence would count as damage; so each quarter second
    of speech is aligned on its own (within 100 ms of the overall alignment) and the median
    of those correlations is the score.
    """
    lag, _ = align(source, recording)
    window, slack = 12000, 4800
    scores = []
    for start in range(0, len(source) - window, window):
        piece = source[start : start + window].astype(np.float64)
        if rms(piece) < 300:
            continue
        lo = max(0, lag + start - slack)
        near = recording[lo : lag + start + window + slack]
        _, corr = align(piece.astype(np.int16), near)
        scores.append(corr)
    return recording[lag : lag + len(source)], float(np.median(scores)) if scores else 0.0


def speak_and_listen(pw: PipeWire, relay_url: str, speech: Path, name: str,
                     listener_args: tuple[str, ...] = ()) -> tuple[dict[str, object],
                                                                   dict[str, object], Path]:
    """A hosts with a microphone, B listens on a speaker; speech into A, recorded at B."""
    a, b = pw.add_client(f"{name}a"), pw.add_client(f"{name}b")
    host = majlis(pw, "host", "--relay", relay_url, "--name", "Majlis", "--auto-admit",
                  "--mic", a.mic_pcm, "--for", "16", "--stats")
    link = read_invite(host)
    listener = majlis(pw, "join", link, "--as", "Bashir", "--speaker", b.speaker_pcm,
                      "--for", "12", "--stats", *listener_args)
    time.sleep(2.5)  # admitted, and B's speaker is open
    heard = speech.parent / f"heard-{name}.wav"
    recorder = pw.record(b.speaker_monitor, heard)
    time.sleep(0.3)
    pw.play(a.feed_sink, speech).wait()
    time.sleep(1.5)
    stop_recording(recorder)
    code_b, out_b, err_b = finish(listener)
    assert code_b == 0, err_b
    code_a, out_a, err_a = finish(host)
    assert code_a == 0, err_a
    return stats_of(out_a), stats_of(out_b), heard


def speaker_stats(stats: dict[str, object]) -> dict[str, int]:
    speakers = stats["speakers"]
    assert isinstance(speakers, dict) and len(speakers) == 1
    one: dict[str, int] = next(iter(speakers.values()))
    return one


def assert_books_balance(s: dict[str, int]) -> None:
    assert s["received"] == (s["played"] + s["late"] + s["duplicate"] + s["dropped"]
                             + s["skipped"] + s["buffered"])
    assert s["lost"] == s["recovered"] + s["concealed"]


def test_speech_from_one_microphone_comes_out_of_another_speaker(pw: PipeWire, relay,
                                                                 speech: Path) -> None:
    stats_a, stats_b, heard = speak_and_listen(pw, relay.url, speech, "clean")
    source, recording = read_wav(speech), read_wav(heard)
    segment, corr = heard_segment(source, recording)
    assert corr > 0.85, f"correlation {corr:.3f}"
    score = pesq_wb(source, segment)
    assert score is None or score > 2.3, f"PESQ-WB {score}"
    s = speaker_stats(stats_b)
    assert_books_balance(s)
    assert s["lost"] == 0 and s["late"] == 0  # nothing is lost on 127.0.0.1
    assert 20.0 <= s["target_ms"] <= 200.0
    microphone = stats_a["microphone"]
    assert isinstance(microphone, dict) and microphone["input_callbacks"] > 300
    assert stats_a["frames_sent"] >= s["received"]  # nothing else came from A
    assert stats_b["microphone"] is None  # a listener never opens a microphone


class LossyProxy:
    """Stands between the clients and the relay: drops and delays media frames to clients."""

    def __init__(self, relay_url: str, loss: float, jitter: float, seed: int = 1) -> None:
        self.relay_url = relay_url
        self.loss = loss
        self.jitter = jitter
        self.random = random.Random(seed)
        self.url = ""
        self.log: list[list[tuple[bool, int]]] = []  # per connection: (delivered, frame counter)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> LossyProxy:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._client, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}"
            self._ready.set()
            await self._stop.wait()

    async def _client(self, downstream: ServerConnection) -> None:
        log: list[tuple[bool, int]] = []
        self.log.append(log)
        async with connect(self.relay_url) as upstream:
            async def up() -> None:
                async for message in downstream:
                    await upstream.send(message)

            async def deliver(message: bytes, delay: float) -> None:
                await asyncio.sleep(delay)
                await downstream.send(message)

            async def down() -> None:
                pending = set()
                async for message in upstream:
                    assert isinstance(message, bytes)
                    decoded = wire.decode_server(message)
                    if not isinstance(decoded, wire.DeliverMedia):
                        await downstream.send(message)
                        continue
                    counter = parse_frame_header(decoded.payload).counter
                    if self.random.random() < self.loss:
                        log.append((False, counter))
                        continue
                    log.append((True, counter))
                    task = asyncio.ensure_future(deliver(message, self.random.uniform(
                        0.0, self.jitter)))
                    pending.add(task)
                    task.add_done_callback(pending.discard)

            tasks = [asyncio.ensure_future(up()), asyncio.ensure_future(down())]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()


def test_speech_stays_intelligible_with_loss_and_jitter(pw: PipeWire, relay,
                                                        speech: Path) -> None:
    """10 % of media frames dropped and up to 40 ms of jitter (reordering too) towards B.

    B opens no audio lane (`--no-lanes`): a lane through the same proxy would bring most of
    the dropped frames on its second connection, and this test is about what playout does with
    the frames that do not come (the lanes have tests/integration/test_integration_network.py).
    """
    with LossyProxy(relay.url, loss=0.10, jitter=0.040) as proxy:
        _, stats_b, heard = speak_and_listen(pw, proxy.url, speech, "lossy",
                                             listener_args=("--no-lanes",))
        logs = [log for log in proxy.log if log]
    source, recording = read_wav(speech), read_wav(heard)
    segment, corr = heard_segment(source, recording)
    assert corr > 0.6, f"correlation {corr:.3f}"
    score = pesq_wb(source, segment)
    assert score is None or score > 1.5, f"PESQ-WB {score}"

    s = speaker_stats(stats_b)
    assert_books_balance(s)
    assert s["recovered"] > 0 and s["lost"] > 0
    assert s["target_ms"] > 40.0  # jitter and loss were seen and allowed for
    # Every frame the proxy let through reached B's room core (up to a few in flight at exit)...
    (log,) = logs  # only B receives media
    counters = stats_b["counters"]
    assert isinstance(counters, dict)
    delivered = sum(1 for ok, _ in log if ok)
    arrived = sum(v for k, v in counters.items() if k.startswith("audio-"))
    assert 0 <= delivered - arrived <= 3
    # ... and every frame it dropped after B's stream began is one of B's lost frames.
    early = counters.get("audio-before-welcome", 0)
    first = [c for ok, c in log if ok][early]
    dropped = sum(1 for ok, c in log if not ok and c > first)
    assert abs(s["lost"] - s["late"] - dropped) <= 3, (s, dropped)


def test_a_hung_sound_server_is_survived(pw: PipeWire, relay, speech: Path,
                                         tmp_path: Path) -> None:
    """The sound server stops for two seconds mid-room: both clients notice that their devices
    stopped, carry on without them (A muted, B listening silently), and take them back."""
    a, b = pw.add_client("hang_a"), pw.add_client("hang_b")
    host = majlis(pw, "host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--mic", a.mic_pcm, "--for", "22")
    link = read_invite(host)
    recorded = tmp_path / "b.wav"
    listener = majlis(pw, "join", link, "--as", "Bashir", "--speaker", b.speaker_pcm,
                      "--record", str(recorded), "--for", "19")
    time.sleep(3.0)
    pw.freeze(2.0)
    time.sleep(7.0)  # the devices are tried again every 5 s
    pw.play(a.feed_sink, speech).wait()
    code_b, _, err_b = finish(listener)
    code_a, _, err_a = finish(host)
    assert code_b == 0, err_b
    assert "speaker stopped working" in err_b and "speaker works again" in err_b
    assert code_a == 0, err_a
    assert "microphone stopped working" in err_a and "microphone works again" in err_a
    heard = read_wav(recorded)
    assert len(heard) > 17 * 48000  # the room's timeline went on through the outage
    _, corr = heard_segment(read_wav(speech), heard)
    assert corr > 0.8  # and after it, B heard A again
