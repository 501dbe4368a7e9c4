"""Room authority with real processes: a co-host removes someone while the host's link is down,
and carries the room when the host quits.

A real relay process on 127.0.0.1 and a real `majlis host` process that speaks real speech. The
host reaches the relay through a TCP forwarder on 127.0.0.1 that the test cuts (a network
change: both ends see the connection close). The co-host, the honest listener and the removed
member run in this process on the same `RoomClient` code the `majlis` command uses, so the test
can act as the co-host and look at the removed member's keys; they connect to the relay directly.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
from forwarder import Forwarder
from procs import majlis, read_invite, rms, speech_wav

from app.client import Policy, RoomClient
from app.clienttypes import Speech
from app.core import events as ev
from app.core import messages as msg
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from audio.wav import read_wav
from crypto.identity import Identity
from crypto.invite import Invite

pytestmark = pytest.mark.integration

SENTENCE = ("Peace be upon you. Welcome to the majlis, where we speak freely, "
            "and nobody else is listening.")


class Stubborn(RoomProtocol):
    """A removed member's client modified to ignore its removal, keep its keys and ratchet them
    forward (its best guess at the next key)."""

    removed_at: float | None = None

    def _apply_rekey(self, rekey: msg.Rekey, now: float, local: bool, signer_id: int) -> None:
        if self.me in rekey.removed and self.removed_at is None:
            self.removed_at = now
            current = self.keys.current
            assert current is not None
            self.keys.install(current.ratchet(), now)
            return
        super()._apply_rekey(rekey, now, local, signer_id)


def finish(proc: subprocess.Popen[str], timeout: float = 40.0) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise
    return proc.returncode, err


def test_cohost_removes_while_the_hosts_link_is_down(relay, tmp_path: Path) -> None:
    talk = speech_wav(tmp_path / "talk.wav", " ".join([SENTENCE] * 4))

    async def scenario() -> tuple[subprocess.Popen[str], RoomClient, Stubborn, RoomClient,
                                  float, float]:
        port = int(relay.url.rsplit(":", 1)[1])
        forwarder = Forwarder(port)
        await forwarder.start()
        host = majlis("host", "--relay", f"ws://127.0.0.1:{forwarder.port}", "--name", "Majlis",
                      "--auto-admit", "--speak", str(talk), "--for", "24",
                      stdin=subprocess.PIPE)
        link = await asyncio.to_thread(read_invite, host)
        invite = Invite.parse(link)
        now = time.monotonic()
        cora = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Cora", now=now),
                          relay.url)
        bashir = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Bashir", now=now),
                            relay.url, record=True)
        mallory_proto = Stubborn(Identity.generate(), invite, "Mallory", is_host=False, now=now)
        mallory = RoomClient(mallory_proto, relay.url, record=True,
                             policy=Policy(exit_on_kick=False))
        started = time.monotonic()
        runs = [asyncio.create_task(c.run(19.0)) for c in (cora, bashir, mallory)]
        while not all(c.protocol.state is State.IN_ROOM for c in (cora, bashir, mallory)):
            await asyncio.sleep(0.05)
        assert host.stdin is not None
        host.stdin.write("cohost Cora\n")
        host.stdin.flush()
        while not cora.protocol.is_admin:
            await asyncio.sleep(0.05)
        await asyncio.sleep(5.0 - (time.monotonic() - started))  # the host has been talking
        forwarder.cut()  # the host's link drops; the relay tells the room at once
        host_id = next(m.member_id for m in cora.protocol.members.values()
                       if m.role is Role.HOST)
        while host_id not in cora.protocol.away:
            await asyncio.sleep(0.01)
        removed_at = time.monotonic() - started
        cora.act(lambda p, t: p.kick(mallory_proto.me or 0, t))
        await asyncio.gather(*runs)
        await forwarder.stop()
        return host, bashir, mallory_proto, mallory, removed_at, started

    host, bashir, mallory_proto, mallory, removed_at, _ = asyncio.run(scenario())
    code, err = finish(host)
    assert code == 0, err

    # The removed member, still holding its keys and ratcheting them, decodes nothing after.
    assert mallory_proto.removed_at is not None
    assert mallory.recording is not None and bashir.recording is not None
    heard = mallory.recording.pcm()
    cut = int(removed_at * 48000)
    assert rms(heard[: cut]) > 300  # it heard the host before
    after = heard[cut + 24000:]
    assert len(after) > 48000 * 5
    assert not after.any(), "the removed member decoded audio sent after its removal"
    # The honest listener hears the host again once the host is back and has the new key.
    honest = bashir.recording.pcm()
    assert rms(honest[cut + 48000 * 5: cut + 48000 * 10]) > 300
    assert bashir.protocol.counters["audio-ok"] > 300


def test_the_room_goes_on_under_its_cohost_when_the_host_quits(relay, tmp_path: Path) -> None:
    """The host process quits for good while a co-host is in the room: the co-host becomes the
    host, rotates the old host out, and the listener keeps hearing the co-host under the new
    key. Then a newcomer knocks with the host's invite: the co-host (which holds the room's
    door key, given by the host when it appointed it) admits it from the waiting room, and the
    newcomer hears the co-host's speech."""
    talk = speech_wav(tmp_path / "talk.wav", " ".join([SENTENCE] * 5))
    knocks: list[ev.KnockReceived] = []

    def on_event(event: ev.Event, _: RoomProtocol) -> None:
        if isinstance(event, ev.KnockReceived):
            knocks.append(event)

    async def scenario() -> tuple[subprocess.Popen[str], RoomClient, float, RoomClient]:
        host = majlis("host", "--relay", relay.url, "--name", "Majlis", "--auto-admit",
                      "--for", "9", stdin=subprocess.PIPE)
        link = await asyncio.to_thread(read_invite, host)
        invite = Invite.parse(link)
        now = time.monotonic()
        cora = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Cora", now=now),
                          relay.url, speech=Speech(read_wav(talk)),
                          policy=Policy(accept_stage=True, on_event=on_event))
        bashir = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Bashir", now=now),
                            relay.url, record=True)
        started = time.monotonic()
        runs = [asyncio.create_task(c.run(27.0)) for c in (cora, bashir)]
        while not all(c.protocol.state is State.IN_ROOM for c in (cora, bashir)):
            await asyncio.sleep(0.05)
        assert host.stdin is not None
        host.stdin.write("cohost Cora\n")
        host.stdin.flush()
        while host.poll() is None:
            await asyncio.sleep(0.05)
        quit_at = time.monotonic() - started
        epoch = bashir.protocol.keys.current.number if bashir.protocol.keys.current else 0
        await asyncio.sleep(4.0)  # the hand-over and the successor's rotation (2 s batch)
        # While the room still runs (when the clients' time is up, the last host ends it).
        assert cora.protocol.is_host and cora.protocol.state is State.IN_ROOM
        assert bashir.protocol.state is State.IN_ROOM
        successor = bashir.protocol.members[cora.protocol.me or 0]
        assert successor.role is Role.HOST and len(bashir.protocol.members) == 2
        assert bashir.protocol.counters["host-handed-over"] == 1
        current = bashir.protocol.keys.current
        assert current is not None and current.number > epoch  # the old host rotated out
        assert current == cora.protocol.keys.current
        # A newcomer with the same link, after the host has gone: the co-host admits it.
        dana = RoomClient(RoomProtocol.join(Identity.generate(), invite, "Dana",
                                            now=time.monotonic()), relay.url, record=True)
        runs.append(asyncio.create_task(dana.run(27.0 - (time.monotonic() - started))))
        while not knocks:
            await asyncio.sleep(0.05)
        assert knocks[0].name == "Dana" and dana.protocol.state is State.WAITING
        cora.act(lambda p, t: p.admit(knocks[0].knock_id, t))
        while dana.protocol.state is not State.IN_ROOM:
            await asyncio.sleep(0.05)
        assert dana.protocol.keys.current == cora.protocol.keys.current
        await asyncio.gather(*runs)
        return host, bashir, quit_at, dana

    host, bashir, quit_at, dana = asyncio.run(scenario())
    code, err = finish(host)
    assert code == 0, err
    assert bashir.recording is not None
    heard = bashir.recording.pcm()
    quit_sample = int(quit_at * 48000)
    assert rms(heard[quit_sample + 48000 * 3: quit_sample + 48000 * 8]) > 300
    # The newcomer heard the co-host's speech (its recording starts when it was let in).
    assert dana.recording is not None and dana.protocol.counters["audio-ok"] > 100
    newcomer = dana.recording.pcm()
    assert len(newcomer) > 48000 * 3 and rms(newcomer) > 300
