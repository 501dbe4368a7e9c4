"""Real relay processes and real `majlis` client processes on 127.0.0.1, real speech.

Where a test needs to look inside a client (its keys, its counters), that client runs in this
process on the same `RoomClient` code the `majlis` command uses; everything else is a process.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from procs import align, majlis, read_invite, rms, speech_wav
from websockets.asyncio.client import connect

from app.client import Policy, RoomClient
from app.core import messages as msg
from app.core.protocol import RoomProtocol, State
from audio.wav import read_wav
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire

pytestmark = pytest.mark.integration

SENTENCE = ("Peace be upon you. Welcome to the majlis, where we speak freely, "
            "and nobody else is listening.")
FRAME = 960


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("speech") / "speech.wav", SENTENCE)


def finish(proc: subprocess.Popen[str], timeout: float = 30.0) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def test_listener_hears_the_host(relay, speech: Path, tmp_path: Path) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--speak", str(speech), "--for", "12")
    link = read_invite(host)
    out = tmp_path / "heard.wav"
    listener = majlis("join", link, "--as", "Ali", "--record", str(out), "--for", "9")
    code, err = finish(listener)
    assert code == 0, err
    assert finish(host)[0] == 0
    source, heard = read_wav(speech), read_wav(out)
    assert abs(len(heard) / 48000 - 9.0) < 1.0  # the timeline is the room's, silence included
    lag, corr = align(source, heard)
    assert corr > 0.9, f"correlation {corr:.3f} at {lag / 48000:.2f} s"


def test_listener_speaks_after_consent(relay, speech: Path, tmp_path: Path) -> None:
    """--speak on join: raise a hand, the host invites (--auto-stage), accept, speak."""
    out = tmp_path / "host-heard.wav"
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--auto-stage", "--record", str(out), "--for", "13")
    link = read_invite(host)
    speaker = majlis("join", link, "--as", "Ali", "--speak", str(speech), "--for", "10")
    code, err = finish(speaker)
    assert code == 0, err
    code, err = finish(host)
    assert code == 0, err
    assert "Ali raised a hand" in err and "Ali is now speaker" in err
    _, corr = align(read_wav(speech), read_wav(out))
    assert corr > 0.9


class Stubborn(RoomProtocol):
    """A kicked member's client modified to ignore the kick, keep its keys and guess ahead."""

    kicked_at: float | None = None

    def _apply_rekey(self, rekey: msg.Rekey, now: float, local: bool, signer_id: int) -> None:
        if self.me in rekey.removed and self.kicked_at is None:
            self.kicked_at = now
            current = self.keys.current
            assert current is not None
            self.keys.install(current.ratchet(), now)  # its best guess at the next key
            return
        super()._apply_rekey(rekey, now, local, signer_id)


def test_kicked_member_hears_only_silence(relay, speech: Path, tmp_path: Path) -> None:
    long_speech = tmp_path / "long.wav"
    speech_wav(long_speech, " ".join([SENTENCE] * 3))
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--speak", str(long_speech), "--for", "22", stdin=subprocess.PIPE)
    link = read_invite(host)
    honest_out = tmp_path / "bashir.wav"
    honest = majlis("join", link, "--as", "Bashir", "--record", str(honest_out), "--for", "17")
    kicked_proc = majlis("join", link, "--as", "Ali", "--record", str(tmp_path / "ali.wav"),
                         "--for", "17")

    async def run_stubborn() -> tuple[RoomClient, Stubborn, float]:
        invite = Invite.parse(link)
        proto = Stubborn(Identity.generate(), invite, "Mallory", is_host=False,
                         now=time.monotonic())
        client = RoomClient(proto, invite.relays[0], record=True,
                            policy=Policy(exit_on_kick=False))
        task = asyncio.create_task(client.run(14.0))
        await asyncio.sleep(6.0)  # the host has been speaking for a few seconds
        assert host.stdin is not None
        host.stdin.write("kick Mallory\nkick Ali\n")
        host.stdin.flush()
        started = time.monotonic() - 6.0
        await task
        return client, proto, started

    client, proto, started = asyncio.run(run_stubborn())
    code, err = finish(kicked_proc)
    assert code == 5
    assert err.strip().splitlines()[-1] == "You were removed from the room by a host."
    assert finish(honest)[0] == 0

    finish(host)

    assert proto.kicked_at is not None
    assert client.recording is not None
    heard = client.recording.pcm()
    kick_sample = int((proto.kicked_at - started) * 48000)
    before, after = heard[: kick_sample], heard[kick_sample + 24000:]  # 0.5 s for the fade-out
    assert rms(before) > 300  # it did hear the host before the kick
    assert len(after) > 48000 * 4
    assert not after.any(), "the kicked member decoded audio sent after the kick"
    assert proto.counters["audio-forged"] + proto.counters["audio-no-key"] > 100
    # Meanwhile the honest listener kept hearing the host after the kick.
    honest_heard = read_wav(honest_out)
    assert rms(honest_heard[kick_sample + 48000 : kick_sample + 48000 * 4]) > 300


def test_late_joiner_cannot_decrypt_earlier_frames(relay, speech: Path) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                  "--speak", str(speech), "--for", "14")
    link = read_invite(host)
    invite = Invite.parse(link)
    early = majlis("join", link, "--as", "Ali", "--for", "12")  # makes the host start speaking

    async def scenario() -> tuple[int, dict[str, int], RoomClient]:
        captured: list[bytes] = []
        async with connect(invite.relays[0], proxy=None, compression=None) as spy:
            # An observer at the relay: it sits on the room's routing id and keeps every frame.
            await spy.send(wire.encode(wire.Join(invite.routing_id)))

            async def capture() -> None:
                async for data in spy:
                    message = wire.decode_server(data)
                    if isinstance(message, wire.DeliverMedia):
                        captured.append(message.payload)

            capturing = asyncio.create_task(capture())
            await asyncio.sleep(4.0)
            before = list(captured)
            late = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Latif",
                                                now=time.monotonic()), invite.relays[0])
            run = asyncio.create_task(late.run(5.0))
            while late.protocol.state is not State.IN_ROOM:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            proto = late.protocol
            counts = dict(proto.counters)
            # Synchronously, so nothing live interleaves: every pre-join frame, into the joiner.
            for frame in before:
                proto.receive_data(wire.encode(wire.DeliverMedia(frame)), time.monotonic())
            delta = {k: proto.counters[k] - counts.get(k, 0) for k in proto.counters}
            await run
            capturing.cancel()
            return len(before), delta, late

    n_before, delta, late = asyncio.run(scenario())
    finish(early)
    finish(host)
    assert n_before > 50
    assert delta.get("audio-ok", 0) == 0
    assert delta["audio-no-key"] == n_before
    assert late.protocol.counters["audio-ok"] > 50  # while it did hear the host live


def test_embedded_relay_main_job(tmp_path: Path) -> None:
    """The README's run command: a relay in-process and a room on it, with an invite."""
    host = majlis("host", "--name", "Majlis", "--auto-admit", "--for", "6")
    link = read_invite(host)
    assert Invite.parse(link).relays[0].startswith("ws://127.0.0.1:")
    out = tmp_path / "x.wav"
    guest = majlis("join", link, "--record", str(out), "--for", "2")
    assert finish(guest)[0] == 0
    assert finish(host)[0] == 0
    assert len(read_wav(out)) > 48000


@pytest.mark.parametrize(("args", "code", "text"), [
    (["join", "https://example.org/nothing"], 2, "not a Majlis invite"),
    (["join", "majlis://join#AAAA"], 2, ""),
    (["host", "--relay", "ws://127.0.0.1:1", "--name", "X"], 3, "Cannot reach the relay"),
    (["join", "majlis://join#", "--speak", "/nonexistent.wav"], 2, ""),
])
def test_clear_errors(args: list[str], code: int, text: str) -> None:
    got, err = finish(majlis(*args))
    lines = err.strip().splitlines()
    assert got == code
    assert len(lines) == 1, err  # one sentence, no traceback
    assert "Traceback" not in err
    assert text in lines[0]


def test_room_that_ended(relay) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit", "--for", "1")
    link = read_invite(host)
    finish(host)
    got, err = finish(majlis("join", link))
    assert got == 4
    assert err.strip().splitlines() == [
        "Nobody is in this room: it has ended, or the host has not opened it yet."]


def test_full_relay() -> None:
    from relayproc import start_relay

    small = start_relay("--max-connections", "1")
    try:
        host = majlis("host", "--relay", small.url, "--name", "Majlis", "--for", "8")
        link = read_invite(host)
        got, err = finish(majlis("join", link))
        assert got == 3
        assert err.strip().splitlines() == ["The relay is full right now. Try again later."]
        host.kill()
        finish(host)
    finally:
        small.stop()


def test_bad_wav_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    got, err = finish(majlis("host", "--name", "X", "--speak", str(bad), "--for", "1"))
    assert got == 2
    assert len(err.strip().splitlines()) == 1 and "notes.wav" in err


def test_heard_audio_is_silence_without_speakers(relay, tmp_path: Path) -> None:
    host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit", "--for", "6")
    link = read_invite(host)
    out = tmp_path / "quiet.wav"
    assert finish(majlis("join", link, "--record", str(out), "--for", "3"))[0] == 0
    finish(host)
    heard = read_wav(out)
    assert len(heard) > 2 * 48000
    # The host is on stage and sends constant-size silence frames: we hear near silence.
    assert np.abs(heard).max() < 200
