"""What the relay (and anyone watching TLS record sizes) learns from control traffic: little.

A scripted ordinary session runs on the MemoryRelay with the real router; the test then looks at
the bytes exactly as the relay received them.
"""

from __future__ import annotations

from collections import Counter

import pytest
from coreroom import Room, stage

from crypto import control as cc
from crypto.errors import DecryptionFailed
from relay import wire


def session(names: tuple[str, str] = ("Ali", "Bashir Abdulrahman al-Farsi")) -> Room:
    """Three people: a knock and welcome each, a raised hand, an accepted invitation to the
    stage, speech, mute and unmute, a loss report, a leave and its rotation."""
    room = Room()
    ali, bashir = room.join(names[0]), room.join(names[1])
    stage(room, ali)
    for i in range(10):
        ali.send_audio(bytes([i]) * 80, room.relay.now)
    room.relay.pump()
    ali.set_muted(True, room.relay.now)
    ali.set_muted(False, room.relay.now)
    bashir.report_loss(ali.me, 50, 2, 20, room.relay.now)
    room.relay.pump()
    bashir.leave(room.relay.now)
    room.relay.advance(3.0)  # the host's batched rotation
    return room


def client_sizes(room: Room) -> Counter[int]:
    sizes: Counter[int] = Counter()
    for _, data in room.relay.sent:
        if data[:2] != bytes((wire.VERSION, wire.MessageType.MEDIA)):
            sizes[len(data)] += 1
    return sizes


def test_an_ordinary_session_shows_at_most_three_sizes_besides_audio() -> None:
    room = session()
    sizes = client_sizes(room)
    assert sum(sizes.values()) >= 15  # the session did what it says
    assert len(sizes) <= 3, sizes


def test_name_lengths_do_not_show() -> None:
    short = client_sizes(session(("A", "B")))
    long = client_sizes(session(("A" * 60, "عبد الرحمن بن محمد")))
    assert short == long


def test_every_envelope_the_relay_carries_is_padded() -> None:
    room = session()
    payloads = []
    for _, data in room.relay.sent:
        message = wire.decode_client(data)
        if isinstance(message, (wire.Control, wire.Unicast)):
            payloads.append(message.payload)
    assert payloads and {len(p) for p in payloads} == {cc.PAD_SIZES[0]}


def test_an_ex_member_with_the_link_cannot_read_later_knocks() -> None:
    """Finding 7: a removed member keeps its socket and the invite (so the knock key); the next
    joiner's knock does not open for it, only for the host."""
    room = Room()
    ali = room.join("Ali")
    room.host.kick(ali.me, room.relay.now)
    room.relay.pump()
    mark = len(room.relay.sent)
    room.host.auto_admit = True
    dana = room.join("Dana")
    knocks = [wire.decode_client(d).payload for c, d in room.relay.sent[mark:]
              if room.relay.clients.get(c) is dana
              and isinstance(wire.decode_client(d), wire.Control)]
    assert knocks and cc.envelope_type(knocks[0]) == cc.KNOCK
    secret = ali.invite.room_secret
    with pytest.raises(DecryptionFailed):
        cc.open_knock(secret, ali.identity, knocks[0])
    door = room.host._door()  # the room's door key (app.core.door), which the invite pins
    assert door is not None and door.public.key == room.host.invite.door_key
    assert cc.open_knock(secret, door, knocks[0]).joiner == dana.identity.public
