"""Room authority under attack: rogue co-hosts, removed members, a hostile relay, floods.

Each test scripts one attack on the MemoryRelay harness (the real router, real libsodium) and
checks that the room refuses it, reports it and goes on. The numbers in the names refer to the
findings of the authority review listed in docs/THREAT_MODEL.md ("Room authority").
"""

from __future__ import annotations

import pytest
from coreroom import Room, events_of

from app.core import events as ev
from app.core import host as host_mod
from app.core import messages as msg
from app.core import protocol as proto_mod
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from crypto import control as cc
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire


def stranger(n: int) -> Identity:
    return Identity.from_seed(n.to_bytes(32, "big"))


def alerts(p: RoomProtocol) -> list[str]:
    return [e.what for e in p.events_received() if isinstance(e, ev.SecurityAlert)]


def send_as(room: Room, p: RoomProtocol, kind: msg.Kind, body: bytes) -> None:
    """`p` signs and sends a group message its own client would refuse to send: a member whose
    client was modified, or whose key was stolen."""
    assert p.keys.current is not None and p.me is not None
    p._seq += 1
    sealed = cc.seal_control(p.keys.current, p.identity, p.me, p._seq, int(kind), body)
    room.relay.send_from(p, wire.encode(wire.Control(sealed)))
    room.relay.pump()


@pytest.fixture
def room() -> tuple[Room, RoomProtocol, RoomProtocol, RoomProtocol]:
    """Host Huda, co-host Ali, listener Bashir."""
    r = Room()
    ali, bashir = r.join("Ali"), r.join("Bashir")
    r.host.make_cohost(ali.me, r.relay.now)
    r.relay.pump()
    for p in (r.host, ali, bashir):
        p.events_received()
    assert ali.members[ali.me].role is Role.COHOST
    return r, r.host, ali, bashir


# -- finding 5: one message must not end the host's room ---------------------------------------

def test_5_a_rekey_that_jumps_epochs_is_refused_and_admissions_go_on(room) -> None:
    r, host, ali, _ = room
    before = host.keys.current.number
    body = msg.encode_rekey(msg.Rekey(2**32 - 1, msg.RekeyReason.LEAVE, 0, 1, (), ()))
    send_as(r, ali, msg.Kind.REKEY, body)
    assert host.keys.current.number == before
    assert "control-illegal" in alerts(host)
    # The next admission works (it used to raise struct.error out of receive_data).
    newcomer = r.join("Dana")
    assert newcomer.state is State.IN_ROOM
    assert host.keys.current.number == before + 1 == newcomer.keys.current.number


def test_5_an_unexpected_fault_becomes_an_alert_not_an_ended_thread(room, monkeypatch) -> None:
    r, host, _, _ = room

    def broken(*args: object) -> None:
        raise KeyError("a bug somewhere in the core")

    monkeypatch.setattr(host, "_receive_knock", broken)
    r.join("Dana")  # the host's knock handling raises inside receive_data
    assert host.counters["internal-error"] == 1
    assert "internal-error" in alerts(host)
    monkeypatch.undo()
    assert r.join("Eli").state is State.IN_ROOM  # the room goes on
    monkeypatch.setattr(host, "_host_tick", broken)
    host.tick(r.relay.now + 1)  # and so does a timer that trips
    assert host.counters["internal-error"] == 2
    monkeypatch.setattr(host, "_lost", broken)
    host.connection_lost(r.relay.now + 1)  # and a dropped link
    assert host.counters["internal-error"] == 3


# -- finding 2: a co-host removes only speakers and listeners, whatever the stated reason --------

@pytest.mark.parametrize("reason", [msg.RekeyReason.LEAVE, msg.RekeyReason.KICK])
def test_2_a_cohost_cannot_remove_the_host(room, reason) -> None:
    r, host, ali, bashir = room
    body = msg.encode_rekey(msg.Rekey(host.keys.current.number + 1, reason, 0, 1,
                                      (host.me,), ()))
    send_as(r, ali, msg.Kind.REKEY, body)
    assert host.state is State.IN_ROOM
    assert not events_of(host, ev.Kicked)
    assert host.me in bashir.members
    assert "control-illegal" in alerts(bashir)


def test_2_a_cohost_cannot_remove_another_cohost(room) -> None:
    r, host, ali, bashir = room
    host.make_cohost(bashir.me, r.relay.now)
    r.relay.pump()
    body = msg.encode_rekey(msg.Rekey(host.keys.current.number + 1, msg.RekeyReason.LEAVE, 0, 1,
                                      (bashir.me,), ()))
    send_as(r, ali, msg.Kind.REKEY, body)
    assert bashir.state is State.IN_ROOM and bashir.me in host.members


# -- finding 3: removal is final, whoever removed -----------------------------------------------

def test_3_a_cohosts_removal_bans_the_key_at_the_host(room) -> None:
    r, host, ali, bashir = room
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    assert bashir.state is State.CLOSED
    again = RoomProtocol.join(bashir.identity, Invite.parse(host.invite.to_link()), "Bashir",
                              now=r.relay.now)
    r.relay.add(again)
    r.relay.pump()
    assert events_of(again, ev.Refused) and again.state is State.CLOSED
    assert all(m.key != bashir.identity.public.key for m in host.members.values())


def test_3_removed_while_away_the_resume_is_refused(room) -> None:
    r, host, ali, bashir = room
    r.relay.drop(bashir)
    r.relay.pump()
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    r.relay.rejoin(bashir)
    r.relay.advance(0.1)
    got = bashir.events_received()
    assert ev.Kicked() in got and bashir.state is State.CLOSED
    assert not any(isinstance(e, ev.ResumeExpired) for e in got)
    assert all(m.key != bashir.identity.public.key for m in host.members.values())


def test_3_after_a_removal_an_open_room_stops_admitting_by_itself(room) -> None:
    r, host, ali, bashir = room
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    assert ev.AdmissionPaused("removal") in host.events_received()
    assert host.auto_admit is False
    # The removed person with a fresh identity knocks: the host's user decides, not the room.
    fresh = r.join("Not Bashir")
    assert fresh.state is State.WAITING
    assert [e.name for e in events_of(host, ev.KnockReceived)] == ["Not Bashir"]


def test_3_an_admin_away_during_a_removal_learns_it_with_the_key(room) -> None:
    """The host's link is down while a co-host removes Bashir; back, the host asks the co-host
    for the key it missed (showing a message it could not open) and learns the ban with it."""
    r, host, ali, bashir = room
    r.relay.drop(host)
    r.relay.pump()
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    r.relay.rejoin(host)
    r.relay.advance(0.1)
    ali.set_muted(False, r.relay.now)  # any message under the new key is evidence
    r.relay.pump()
    r.relay.advance(0.1)
    assert host.keys.current.number == ali.keys.current.number
    assert host.counters["key-requests"] >= 1 and ali.counters["key-requests-answered"] == 1
    assert bashir.identity.public.key in host._banned
    assert bashir.me not in host.members


# -- finding 6: key requests only with proof, within budgets ------------------------------------

def test_6_forged_future_epoch_frames_get_no_welcome(room) -> None:
    """Someone who knows only the routing id (the relay, an ex-member) sends one 80-byte frame
    a second marked with a future epoch. Members may ask, but no admin answers, and the asking
    backs off."""
    r, host, ali, bashir = room
    extra = [r.join(f"M{i}") for i in range(4)]
    base = host.keys.current.number
    for p in (host, ali, bashir, *extra):
        p.counters.clear()
    for second in range(20):
        forged = bytes([1]) + (99).to_bytes(4, "big") + (base + 5).to_bytes(4, "big") \
            + second.to_bytes(4, "big") + bytes(67)
        for p in (ali, bashir, *extra):
            p.receive_data(wire.encode(wire.DeliverMedia(forged)), r.relay.now)
        r.relay.advance(1.0)
    assert host.counters["key-requests-answered"] == 0
    assert ali.counters["key-requests-answered"] == 0
    # Asked, and refused: they hold the current key already (a request for an epoch at or
    # above the admin's own is never answered), or their evidence does not open.
    assert host.counters["key-request-refused"] + host.counters["key-request-unproven"] >= 5
    for p in (bashir, *extra):
        assert 1 <= p.counters["key-requests"] <= 5  # 1, 2, 4, 8 s apart: not 20


def test_6_a_member_not_behind_with_forged_evidence_gets_nothing(room) -> None:
    """Claiming a fork (same epoch, another key) needs a message that opens under the admin's
    key; a forged frame does not."""
    r, host, _, bashir = room
    current = host.keys.current
    forged = bytes([1]) + bashir.me.to_bytes(4, "big") + current.number.to_bytes(4, "big") \
        + bytes(4) + bytes(67)
    request = msg.encode_key_request(msg.KeyRequest(bashir.me, bashir.session, current.number,
                                                    bytes(16), msg.Evidence.AUDIO, forged))
    direct = cc.seal_direct(host._public(host.identity.public.key), bashir.identity,
                            msg.Kind.KEY_REQUEST, request)
    r.relay.send_from(bashir, wire.encode(wire.Unicast(host.members[host.me].slot, direct)))
    r.relay.pump()
    assert host.counters["key-request-unproven"] == 1
    assert host.counters["key-requests-answered"] == 0


def test_6_a_member_flooding_key_requests_gets_one_answer_a_second(room) -> None:
    r, host, ali, bashir = room
    current = host.keys.current
    sealed = cc.seal_control(current, ali.identity, ali.me, 10_000, int(msg.Kind.MUTE), b"\x01")
    request = msg.encode_key_request(msg.KeyRequest(bashir.me, bashir.session, current.number - 1,
                                                    bytes(16), msg.Evidence.CONTROL, sealed))
    me = host.members[host.me]
    for _ in range(50):
        direct = cc.seal_direct(host._public(host.identity.public.key), bashir.identity,
                                msg.Kind.KEY_REQUEST, request)
        r.relay.send_from(bashir, wire.encode(wire.Unicast(me.slot, direct)))
    r.relay.pump()
    assert host.counters["key-requests-answered"] == 1
    assert host.counters["key-request-over-budget"] == 49


def test_6_requests_from_many_members_are_bounded_per_second() -> None:
    r = Room()
    members = []
    for i in range(30):
        members.append(r.join(f"M{i}"))
        r.relay.advance(0.1)
    current = r.host.keys.current
    speaker = members[0]
    evidence = cc.seal_control(current, speaker.identity, speaker.me, 10_000,
                               int(msg.Kind.HAND), b"\x01")
    slot = r.host.members[r.host.me].slot
    for p in members:
        request = msg.encode_key_request(msg.KeyRequest(p.me, p.session, current.number - 1,
                                                        bytes(16), msg.Evidence.CONTROL, evidence))
        direct = cc.seal_direct(r.host._public(r.host.identity.public.key), p.identity,
                                msg.Kind.KEY_REQUEST, request)
        r.relay.send_from(p, wire.encode(wire.Unicast(slot, direct)))
    r.relay.pump()
    assert r.host.counters["key-requests-answered"] == host_mod.KEY_ANSWER_BURST


# -- finding 9: a knock flood meets bounds ------------------------------------------------------

def test_9_the_waiting_room_and_caches_are_bounded_under_a_knock_flood() -> None:
    r = Room(auto_admit=False)
    invite = Invite.parse(r.host.invite.to_link())
    knockers = []
    for i in range(150):
        p = RoomProtocol.join(stranger(1000 + i), invite, f"K{i}", now=r.relay.now)
        r.relay.add(p)
        knockers.append(p)
        r.relay.advance(0.25)  # under the knock rate, so the cap is what holds
    assert len(r.host.knocks) == host_mod.MAX_WAITING
    # Those turned away knock again every few seconds and are turned away again.
    assert r.host.counters["knock-waiting-room-full"] >= 150 - host_mod.MAX_WAITING
    assert len(r.host._seen_knocks) <= host_mod.SEEN_KNOCKS
    assert len(r.host._verify_keys) <= proto_mod.VERIFY_KEYS


def test_9_knocks_beyond_the_rate_are_not_even_opened() -> None:
    r = Room(auto_admit=False)
    invite = Invite.parse(r.host.invite.to_link())
    knockers = []
    for i in range(60):
        p = RoomProtocol.join(stranger(2000 + i), invite, f"K{i}", now=r.relay.now)
        r.relay.add(p)
        knockers.append(p)
    r.relay.pump()
    assert len(r.host.knocks) == host_mod.KNOCK_BURST
    assert r.host.counters["knock-over-budget"] == 60 - host_mod.KNOCK_BURST
    # The ones dropped knock again, and all are in the waiting room within seconds.
    for _ in range(8):
        r.relay.advance(1.0)
    assert len(r.host.knocks) == 60
    assert all(p.state is State.WAITING for p in knockers)


# -- findings 1 and 4: one commit per epoch, in the relay's order -------------------------------

def honest_keys(*ps: RoomProtocol) -> set[tuple[int, bytes]]:
    return {(p.keys.current.number, p.keys.current.key) for p in ps}


def test_1_a_cohosts_removal_is_committed_by_the_host_in_one_order(room) -> None:
    """Host and co-host remove people at the same moment. The co-host proposes, the host (the
    committer) commits both: one commit per epoch, no fork, both removed."""
    r, host, ali, bashir = room
    dana, eli = r.join("Dana"), r.join("Eli")
    host.kick(dana.me, r.relay.now)
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    assert host.counters["proposals-committed"] == 1
    assert dana.state is State.CLOSED and bashir.state is State.CLOSED
    assert len(honest_keys(host, ali, eli)) == 1
    assert sum(p.counters["commit-stale"] for p in (host, ali, eli)) == 0
    assert set(host.members) == set(ali.members) == set(eli.members) == {host.me, ali.me, eli.me}


def test_1_two_would_be_committers_race_and_converge(room) -> None:
    """The relay makes the host look gone to the co-host, so both believe they commit for the
    room, and their removals cross on the wire. Members take the first in the relay's order
    (the host's); the co-host's key is forked until the host's audio does not verify under it:
    it asks the committer, showing that audio, resynchronises, and its removal is made again.
    Nobody removed holds the final key."""
    r, host, ali, bashir = room
    dana, eli = r.join("Dana"), r.join("Eli")
    ali.receive_data(wire.encode(wire.PeerLeft(host.members[host.me].slot)), r.relay.now)
    assert ali.is_committer
    host.kick(dana.me, r.relay.now)  # both commit on the same epoch, before either hears
    ali.kick(bashir.me, r.relay.now)
    r.relay.pump()
    assert host.keys.current.number == ali.keys.current.number  # one number...
    assert host.keys.current.key != ali.keys.current.key  # ...two keys: a fork, for now
    assert eli.counters["commit-stale"] == 1  # Eli took the first in the relay's order
    assert not ali.is_committer  # the host's stale commit was signed: it is here after all
    for _ in range(5):
        host.send_audio(b"\x01" * 80, r.relay.now)
        r.relay.advance(0.5)
    assert ali.counters["fork-resolved"] == 1 and ali.counters["removal-redone"] == 1
    assert dana.state is State.CLOSED and bashir.state is State.CLOSED
    assert len(honest_keys(host, ali, eli)) == 1
    final = host.keys.current.key
    assert final not in {k.key for k in (bashir.keys.current, dana.keys.current) if k}
    assert set(host.members) == set(ali.members) == set(eli.members) \
        == {host.me, ali.me, eli.me}


def test_4_a_relay_that_swaps_two_role_changes_changes_nothing(room) -> None:
    """The host makes Ali co-host, then moves her to the audience; the relay delivers the two
    to Bashir the other way round. Roles are per epoch: the demotion does not open under the
    key Bashir holds, he asks for it, and the promotion then comes too late to count."""
    r, host, ali, bashir = room
    host.move_to_audience(ali.me, r.relay.now)  # Ali starts as a plain listener
    r.relay.pump()
    held: list[bytes] = []
    swapped = False

    def swap(to: RoomProtocol, data: bytes) -> list[bytes]:
        nonlocal swapped
        if swapped or to is not bashir \
                or not isinstance(wire.decode_server(data), wire.DeliverControl):
            return [data]
        if not held:
            held.append(data)  # the promotion waits...
            return []
        swapped = True
        return [data, held.pop()]  # ...until after the demotion

    r.relay.tamper = swap
    host.make_cohost(ali.me, r.relay.now)
    host.move_to_audience(ali.me, r.relay.now)
    r.relay.pump()
    r.relay.tamper = None
    r.relay.advance(1.0)
    assert bashir.members[ali.me].role is Role.LISTENER
    assert len(honest_keys(host, ali, bashir)) == 1
    assert not bashir.is_admin and ali.members[ali.me].role is Role.LISTENER


# -- finding 11: the room goes on under its co-hosts ---------------------------------------------

def test_11_the_host_leaves_for_good_and_the_cohost_carries_the_room(room) -> None:
    r, host, ali, bashir = room
    dana = r.join("Dana")
    old = host.keys.current
    host.leave(r.relay.now)
    r.relay.pump()
    r.relay.remove(host)
    r.relay.advance(3.0)  # the new host's leave rotation
    for p in (ali, bashir, dana):
        assert p.state is State.IN_ROOM
        assert p.members[ali.me].role is Role.HOST and host.me not in p.members
    assert ali.is_host and ali.is_committer
    assert len(honest_keys(ali, bashir, dana)) == 1
    assert ali.keys.current.number > old.number and old.key != ali.keys.current.key
    assert host.keys.current is None  # the departed host wiped its keys
    ali.kick(dana.me, r.relay.now)  # and the room is governed
    r.relay.pump()
    assert dana.state is State.CLOSED and dana.me not in bashir.members
    ali.send_audio(b"\x07" * 80, r.relay.now)
    r.relay.pump()
    assert [e.payload for e in bashir.events_received() if isinstance(e, ev.AudioFrame)] \
        == [b"\x07" * 80]


def test_11_a_host_gone_past_the_grace_period_hands_over_too(room) -> None:
    r, host, ali, bashir = room
    r.relay.drop(host)
    r.relay.pump()
    r.relay.advance(121.0)
    r.relay.advance(3.0)
    assert ali.state is State.IN_ROOM and bashir.state is State.IN_ROOM
    assert bashir.members[ali.me].role is Role.HOST
    assert len(honest_keys(ali, bashir)) == 1


def test_11_the_room_ends_with_its_last_admin(room) -> None:
    r, host, ali, bashir = room
    host.move_to_audience(ali.me, r.relay.now)
    r.relay.pump()
    host.leave(r.relay.now)  # no co-host: leaving ends the room
    r.relay.pump()
    assert ev.RoomEnded("host-ended") in bashir.events_received()
    assert bashir.state is State.CLOSED
