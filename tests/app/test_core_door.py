"""Finding 11, the door: co-hosts admit after the host has gone (MemoryRelay, real libsodium).

The invite pins a door key besides the host key; the host gives the door's seed to each co-host
it appoints. After a hand-over the new host reads knocks, admits from its waiting room, and
shows each joiner the door's signature so that the joiner accepts an answer from a key its
invite does not pin. Nobody without the seed can do either.
"""

from __future__ import annotations

from dataclasses import replace

from coreroom import Room

from app.core import events as ev
from app.core import messages as msg
from app.core.door import door_pass
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from crypto import control as cc
from crypto.identity import Identity
from relay import wire


def handed_over() -> tuple[Room, RoomProtocol, RoomProtocol]:
    r = Room()
    ali, bashir = r.join("Ali"), r.join("Bashir")
    r.host.make_cohost(ali.me, r.relay.now)
    r.relay.pump()
    assert ali._door() is not None and bashir._door() is None
    r.host.leave(r.relay.now)
    r.relay.pump()
    r.relay.remove(r.host)
    r.relay.advance(3.0)
    assert ali.is_host and bashir.members[ali.me].role is Role.HOST
    return r, ali, bashir


def test_a_cohost_admits_a_newcomer_from_the_waiting_room_after_the_host_has_gone() -> None:
    r, ali, bashir = handed_over()
    ali.events_received()
    dana = r.join("Dana")
    knocks = [e for e in ali.events_received() if isinstance(e, ev.KnockReceived)]
    assert [k.name for k in knocks] == ["Dana"] and dana.state is State.WAITING
    ali.admit(knocks[0].knock_id, r.relay.now)
    r.relay.pump()
    assert dana.state is State.IN_ROOM
    assert dana.keys.current == ali.keys.current == bashir.keys.current
    assert dana.members[ali.me].role is Role.HOST
    ali.send_audio(b"\x09" * 80, r.relay.now)
    r.relay.pump()
    assert [e.payload for e in dana.events_received() if isinstance(e, ev.AudioFrame)] \
        == [b"\x09" * 80]


def test_a_member_without_the_door_cannot_answer_a_joiner() -> None:
    """Bashir (a listener, so no door seed) signs a REFUSED and a forged pass: ignored."""
    r, _, bashir = handed_over()
    dana = RoomProtocol.join(Identity.from_seed(b"\x44" * 32), bashir.invite, "Dana",
                             now=r.relay.now)
    r.relay.add(dana)
    r.relay.pump()
    impostor_door = Identity.from_seed(b"\x55" * 32)
    forged = door_pass(impostor_door, dana.invite.routing_id, bashir.identity.public.key,
                       dana.session)
    slot = r.relay.conn_of(dana)
    for kind, body in ((msg.Kind.DOOR_PASS, forged), (msg.Kind.REFUSED, dana.session)):
        sealed = cc.seal_direct(dana.identity.public, bashir.identity, int(kind), body)
        dana.receive_data(wire.encode(wire.DeliverControl(slot, sealed, True)), r.relay.now)
    assert dana.state in (State.KNOCKING, State.WAITING)
    assert dana.counters["direct-not-from-host"] == 1


def test_a_door_seed_that_does_not_make_the_pinned_door_key_is_refused() -> None:
    r = Room()
    ali = r.join("Ali")
    r.host.make_cohost(ali.me, r.relay.now)
    r.relay.pump()
    good = ali._door_seed
    sealed = cc.seal_direct(ali.identity.public, r.host.identity, int(msg.Kind.DOOR),
                            b"\x66" * 32)
    ali.receive_data(wire.encode(wire.DeliverControl(1, sealed, True)), r.relay.now)
    assert ali._door_seed == good and ali.counters["direct-illegal"] == 1


def test_a_version_1_invite_still_knocks_to_the_host_key() -> None:
    r = Room()
    r.host.invite = replace(r.host.invite, door_key=None)
    r.host._door_seed = None
    assert r.host.invite.to_bytes()[0] == 1
    ali = r.join("Ali")
    assert ali.invite.door_key is None and ali.state is State.IN_ROOM
