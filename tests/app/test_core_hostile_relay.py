"""A relay (or a member) that attacks the room: each attack is refused or detected.

The relay here is the real router with a `Tamper` hook between it and one recipient, so the
attacks are exactly what a relay operator could do to the bytes it forwards.
"""

from __future__ import annotations

import os

import pytest
from memrelay import MemoryRelay

from app.core import events as ev
from app.core import messages as msg
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from crypto import control as cc
from crypto.identity import Identity
from crypto.invite import Invite
from crypto.keys import EpochKey
from relay import wire

RELAY = "ws://127.0.0.1:9"


def seeded(n: int) -> Identity:
    return Identity.from_seed(bytes([n]) * 32)


def alerts(p: RoomProtocol) -> list[str]:
    return [e.what for e in p.events_received() if isinstance(e, ev.SecurityAlert)]


@pytest.fixture
def room() -> tuple[MemoryRelay, RoomProtocol, RoomProtocol, RoomProtocol]:
    relay = MemoryRelay()
    host = RoomProtocol.host(seeded(1), [RELAY], "Majlis", display_name="Huda", now=0.0)
    relay.add(host)
    relay.pump()
    ali = RoomProtocol.join(seeded(2), Invite.parse(host.invite.to_link()), "Ali", now=0.0)
    relay.add(ali)
    relay.pump()
    bashir = RoomProtocol.join(seeded(3), host.invite, "Bashir", now=0.0)
    relay.add(bashir)
    relay.pump()
    for p in (host, ali, bashir):
        p.events_received()
    return relay, host, ali, bashir


def audio(p: RoomProtocol) -> list[bytes]:
    return [e.payload for e in p.events_received() if isinstance(e, ev.AudioFrame)]


def test_replayed_frames_are_dropped_and_counted(room) -> None:
    relay, host, ali, _ = room

    def twice(to: RoomProtocol, data: bytes) -> list[bytes]:
        return [data, data] if to is ali else [data]

    relay.tamper = twice
    for i in range(4):
        host.send_audio(bytes([i]) * 80, 0.0)
    relay.pump()
    got = ali.events_received()
    assert [e.payload for e in got if isinstance(e, ev.AudioFrame)] == [bytes([i]) * 80
                                                                          for i in range(4)]
    assert ali.counters["audio-replayed"] == 4
    assert "audio-replayed" in [e.what for e in got if isinstance(e, ev.SecurityAlert)]


def test_replay_after_the_fact_is_dropped(room) -> None:
    """The relay stores frames and plays them again later, in a different order."""
    relay, host, ali, _ = room
    mark = len(relay.delivered)
    for i in range(3):
        host.send_audio(bytes([i]) * 80, 0.0)
    relay.pump()
    assert len(audio(ali)) == 3
    stored = [d for c, d in relay.delivered[mark:] if c == relay.conn_of(ali)]
    for data in reversed(stored):
        ali.receive_data(data, 1.0)
    assert audio(ali) == []
    assert ali.counters["audio-replayed"] == 3


def test_injected_frames_are_dropped(room) -> None:
    relay, host, ali, _ = room
    host.send_audio(b"\x01" * 80, 0.0)
    relay.pump()
    audio(ali)
    key = ali.keys.current
    assert key is not None
    # A frame under the right epoch, naming the host as sender, with the relay's own bytes.
    header = bytes([1]) + key.number.to_bytes(4, "big") + host.me.to_bytes(4, "big") \
        + (99).to_bytes(4, "big")
    forged = header + os.urandom(80) + os.urandom(64)
    ali.receive_data(wire.encode(wire.DeliverMedia(forged)), 0.0)
    ali.receive_data(wire.encode(wire.DeliverMedia(os.urandom(157))), 0.0)
    ali.receive_data(b"\x01\x82", 0.0)
    got = ali.events_received()
    assert not [e for e in got if isinstance(e, ev.AudioFrame)]
    assert ali.counters["audio-forged"] == 1
    assert "audio-forged" in [e.what for e in got if isinstance(e, ev.SecurityAlert)]


def test_relay_cannot_forge_control_messages(room) -> None:
    """Without the room key the relay's promotion or kick does not even decrypt."""
    _relay, host, ali, bashir = room
    key = EpochKey.random(ali.keys.current.number)  # the relay's guess at a key
    relay_id = Identity.generate()
    forged_kick = cc.seal_control(key, relay_id, host.me, 1000, msg.Kind.REKEY, msg.encode_rekey(
        msg.Rekey(key.number + 1, msg.RekeyReason.KICK, 0, 1, (bashir.me,), ())))
    forged_promotion = cc.seal_control(key, relay_id, host.me, 1001, msg.Kind.SET_ROLE,
                                       msg.encode_set_role(
                                           msg.SetRole(ali.me, Role.COHOST, key.number + 1)))
    for forged in (forged_kick, forged_promotion):
        ali.receive_data(wire.encode(wire.DeliverControl(1, forged, False)), 0.0)
    assert "control-unreadable" in alerts(ali)  # no key we hold opens it
    assert ali.members[ali.me].role is Role.LISTENER
    assert bashir.me in ali.members
    assert ali.counters["control-unreadable"] == 2


def test_member_cannot_forge_the_hosts_signature(room) -> None:
    """Ali holds the room key, so her forgery decrypts, but the host's signature is missing."""
    relay, host, ali, bashir = room
    key = ali.keys.current
    forged = cc.seal_control(key, ali.identity, host.me, 5000, msg.Kind.SET_ROLE,
                             msg.encode_set_role(
                                 msg.SetRole(ali.me, Role.COHOST, key.number + 1)))
    ali._out.append(wire.encode(wire.Control(forged)))
    relay.pump()
    assert bashir.members[ali.me].role is Role.LISTENER
    assert "control-forged" in alerts(bashir)


def test_member_cannot_promote_or_kick_herself_into_power(room) -> None:
    relay, host, ali, bashir = room
    key = ali.keys.current
    promote = cc.seal_control(key, ali.identity, ali.me, 7000, msg.Kind.SET_ROLE,
                              msg.encode_set_role(
                                  msg.SetRole(ali.me, Role.SPEAKER, key.number + 1)))
    kick = cc.seal_control(key, ali.identity, ali.me, 7001, msg.Kind.REKEY, msg.encode_rekey(
        msg.Rekey(key.number + 1, msg.RekeyReason.KICK, 0, 1, (bashir.me,), ())))
    for data in (promote, kick):
        ali._out.append(wire.encode(wire.Control(data)))
    relay.pump()
    for view in (host, bashir):
        assert view.members[ali.me].role is Role.LISTENER
        assert "control-illegal" in alerts(view)
        assert view.counters["control-illegal"] == 2
    assert bashir.state is State.IN_ROOM and bashir.keys.current == host.keys.current


def test_replayed_control_message_is_dropped(room) -> None:
    """An old 'invite to stage' replayed by the relay after the member left the stage."""
    relay, host, ali, bashir = room
    mark = len(relay.delivered)
    host.invite_to_stage(ali.me, 0.0)
    relay.pump()
    sent = [d for c, d in relay.delivered[mark:] if c == relay.conn_of(bashir)]
    assert sent
    bashir.events_received()
    for data in sent:
        bashir.receive_data(data, 0.0)
    assert "control-replayed" in alerts(bashir)


def test_relay_swapping_keys_during_join_is_detected() -> None:
    """The relay answers a knock with its own welcome (its own key, sealed to the joiner)."""
    relay = MemoryRelay()
    host = RoomProtocol.host(seeded(1), [RELAY], "Majlis", now=0.0)
    relay.add(host)
    relay.pump()
    impostor = Identity.generate()

    def swap(to: RoomProtocol, data: bytes) -> list[bytes]:
        message = wire.decode_server(data)
        if to is joiner and isinstance(message, wire.DeliverControl) and message.unicast:
            fake_key = EpochKey.random(1)
            welcome = msg.encode_welcome(msg.Welcome(
                joiner.session, 2, "Majlis", "", fake_key.number, fake_key.key, (), 0, False))
            fake = cc.seal_direct(joiner.identity.public, impostor, msg.Kind.WELCOME, welcome)
            return [wire.encode(wire.DeliverControl(message.from_slot, fake, True))]
        return [data]

    relay.tamper = swap
    joiner = RoomProtocol.join(seeded(2), host.invite, "Ali", now=0.0)
    relay.add(joiner)
    relay.pump()
    assert joiner.state is State.KNOCKING  # the fake welcome was not believed
    assert joiner.keys.current is None
    assert "direct-forged" in alerts(joiner)
    relay.advance(16.0)
    assert any(isinstance(e, ev.JoinFailed) for e in joiner.events_received())


def test_relay_cannot_read_or_forge_a_knock(room) -> None:
    _relay, host, _, _ = room
    bogus = cc.seal_knock(os.urandom(32), host.identity.public, Identity.generate(),
                          msg.encode_knock(msg.KnockBody("Spy", b"s" * 8)))
    host.receive_data(wire.encode(wire.DeliverControl(77, bogus, False)), 0.0)
    assert "knock-invalid" in alerts(host)
    assert all(m.name != "Spy" for m in host.members.values())


def test_dropped_rotation_is_detected_and_recovered(room) -> None:
    relay, host, ali, bashir = room
    dropping = True

    def drop_control(to: RoomProtocol, data: bytes) -> list[bytes]:
        if dropping and to is bashir and isinstance(wire.decode_server(data),
                                                    wire.DeliverControl):
            return []
        return [data]

    relay.tamper = drop_control
    host.kick(ali.me, 0.0)
    relay.pump()
    assert bashir.keys.current != host.keys.current  # the rotation never reached him
    dropping = False
    host.send_audio(b"\x05" * 80, 0.0)
    relay.pump()
    got = bashir.events_received()
    assert ev.KeyMissing(host.keys.current.number) in got
    assert bashir.keys.current == host.keys.current  # the host answered the key request
    assert ali.me not in bashir.members  # and the resync carried the roster too
    host.send_audio(b"\x06" * 80, 0.0)
    relay.pump()
    assert audio(bashir) == [b"\x06" * 80]


def test_malformed_relay_messages_do_not_break_the_room(room) -> None:
    relay, host, ali, _ = room
    for junk in (b"", b"\x09\x82abc", b"\x01\xff", b"\x01\x83\x00", os.urandom(300)):
        ali.receive_data(junk, 0.0)
    assert ali.state is State.IN_ROOM
    host.send_audio(b"\x02" * 80, 0.0)
    relay.pump()
    assert audio(ali) == [b"\x02" * 80]
