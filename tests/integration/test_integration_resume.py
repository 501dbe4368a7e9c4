"""Back in the room after the relay dies, restarts or the host moves the room: real processes.

Real relay processes on 127.0.0.1, real `majlis` clients, real speech. Two relays without a bus
stand for relays of two different operators; with a real redis-server between them, for two
relays of one operator.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from procs import Stderr, align, majlis, read_invite, speech_wav
from relayproc import RelayProcess, start_relay
from servers import folder, start_redis, start_socks

from audio.wav import read_wav
from crypto.invite import Invite

pytestmark = pytest.mark.integration

SENTENCES = [
    "Peace be upon you. Welcome to the majlis, where we speak freely.",
    "The committee will meet again on Thursday evening, after the market closes.",
    "Please bring the documents we discussed, and tell nobody about the new place.",
]


def finish(proc: subprocess.Popen[str], timeout: float = 40.0) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def kill(relay: RelayProcess) -> None:
    """The relay dies at once (no goodbye to anyone), like a crashed or unplugged machine."""
    relay.proc.send_signal(signal.SIGKILL)
    relay.proc.wait()


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    folder = tmp_path_factory.mktemp("speech")
    return [read_wav(speech_wav(folder / f"s{i}.wav", text)) for i, text in enumerate(SENTENCES)]


@pytest.fixture
def long_speech(sentences: list[np.ndarray], tmp_path: Path) -> Path:
    """The sentences with a second of silence between: about 15 s of talk."""
    from audio.wav import write_wav

    gap = np.zeros(48000, dtype=np.int16)
    path = tmp_path / "talk.wav"
    write_wav(path, np.concatenate([part for s in sentences for part in (s, gap)]))
    return path


def heard_last_sentence(sentences: list[np.ndarray], recording: Path) -> float:
    _, corr = align(sentences[-1], read_wav(recording))
    return corr


class Talk:
    """A host and Ali as `majlis` processes, both killed at the end whatever happens."""

    def __init__(self, *host_args: str, stdin: int | None = None) -> None:
        self.host = majlis("host", "--name", "Majlis", "--auto-admit", "--for", "28",
                           *host_args, stdin=stdin)
        self.link = read_invite(self.host)
        self.host_err = Stderr(self.host)
        self.ali: subprocess.Popen[str] | None = None

    def join(self, *args: str, link: str | None = None) -> Stderr:
        self.ali = majlis("join", link or self.link, "--as", "Ali", "--for", "25", *args)
        self.ali_err = Stderr(self.ali)
        return self.ali_err

    def say(self, line: str) -> None:
        assert self.host.stdin is not None
        self.host.stdin.write(line + "\n")
        self.host.stdin.flush()

    def both_end_well(self) -> None:
        assert self.ali is not None
        assert finish(self.ali) == 0, self.ali_err.text
        if self.host.stdin is not None:
            self.host.stdin.close()
        assert finish(self.host) == 0, self.host_err.text

    def __enter__(self) -> Talk:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in (self.host, self.ali):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def test_relay_restart_mid_talk_speaker_comes_back_on_stage(sentences, long_speech,
                                                            tmp_path: Path) -> None:
    """The relay process is killed and restarted; host and speaker resume, roles intact."""
    relay = start_relay()
    port = relay.url.rsplit(":", 1)[1]
    heard = tmp_path / "host-heard.wav"
    try:
        with Talk("--relay", relay.url, "--auto-stage", "--record", str(heard)) as talk:
            ali = talk.join("--speak", str(long_speech))
            ali.wait_for("Ali is now speaker")
            time.sleep(2.0)  # in the middle of the first sentences
            kill(relay)
            lost = ali.wait_for("connection lost")
            time.sleep(1.0)
            relay = start_relay("--port", port)
            ali.wait_for("back in the room", after=lost)
            talk.host_err.wait_for("back in the room")
            talk.both_end_well()
    finally:
        relay.stop()
    assert ali.count("joined 'Majlis'") == 1  # resumed, not joined again
    assert talk.host_err.count("Ali is now speaker") == 1  # still on stage: not invited again
    assert heard_last_sentence(sentences, heard) > 0.85


def test_room_moves_to_the_next_relay_when_its_relay_dies(sentences, long_speech,
                                                          tmp_path: Path) -> None:
    """Relays of two operators share nothing: everyone finds the room on the next one."""
    first, second = start_relay(), start_relay()
    heard = tmp_path / "ali-heard.wav"
    try:
        with Talk("--relay", first.url, "--relay", second.url,
                  "--speak", str(long_speech)) as talk:
            ali = talk.join("--record", str(heard))
            ali.wait_for("joined 'Majlis'")
            time.sleep(3.0)
            kill(first)
            lost = ali.wait_for("connection lost")
            ali.wait_for("back in the room", after=lost)
            talk.both_end_well()
    finally:
        first.stop()
        second.stop()
    assert heard_last_sentence(sentences, heard) > 0.85


def test_host_moves_the_room_and_members_follow(sentences, long_speech, tmp_path: Path) -> None:
    """`move 2`: the room goes to the invite's second relay; the first can then go away."""
    first, second = start_relay(), start_relay()
    heard = tmp_path / "ali-heard.wav"
    try:
        with Talk("--relay", first.url, "--relay", second.url, "--speak", str(long_speech),
                  stdin=subprocess.PIPE) as talk:
            ali = talk.join("--record", str(heard))
            ali.wait_for("joined 'Majlis'")
            time.sleep(3.0)
            talk.say("move 2")
            moved = ali.wait_for(f"the room moves to {second.url}")
            ali.wait_for("back in the room", after=moved)
            kill(first)  # nobody is there any more: nothing happens
            talk.both_end_well()
    finally:
        first.stop()
        second.stop()
    assert ali.count("connection lost") == 1  # the move; killing the old relay was unfelt
    assert heard_last_sentence(sentences, heard) > 0.85


FAST_BUS = ("--bus-heartbeat", "0.2", "--bus-timeout", "1.5")


def test_host_relay_dies_and_the_host_comes_back_through_the_operators_other_relay(
        sentences, long_speech, tmp_path: Path) -> None:
    """Two relays of one operator share the room through Redis. The host is on the first, the
    listener on the second and behind a SOCKS5 proxy. The first relay dies: the host reconnects
    to the second relay (often before that relay has even noticed the first is gone, so the
    listener may never see the host away) and the talk goes on."""
    redis = start_redis(folder(tmp_path, "redis"))
    socks = start_socks(folder(tmp_path, "socks"))
    bus = ("--redis", f"redis://127.0.0.1:{redis.port}/0", *FAST_BUS)
    first, second = start_relay(*bus), start_relay(*bus)
    heard = tmp_path / "ali-heard.wav"
    try:
        with Talk("--relay", first.url, "--relay", second.url,
                  "--speak", str(long_speech)) as talk:
            invite = Invite.parse(talk.link)
            # The same invite, listing the second relay first: this listener lands there.
            there = Invite((second.url, first.url), invite.room_secret, invite.host_key,
                           invite.door_key)
            ali = talk.join("--record", str(heard), "--proxy", f"socks5://127.0.0.1:{socks.port}",
                            link=there.to_link())
            ali.wait_for("joined 'Majlis'")
            time.sleep(3.0)
            kill(first)
            lost = talk.host_err.wait_for("connection lost")
            talk.host_err.wait_for("back in the room", after=lost)
            talk.both_end_well()
    finally:
        for server in (first, second, redis, socks):
            server.stop()
    assert ali.count("connection lost") == 0  # the listener's own link never dropped
    assert talk.host_err.count("back in the room") == 1
    assert heard_last_sentence(sentences, heard) > 0.85
