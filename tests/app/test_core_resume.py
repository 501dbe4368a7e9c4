"""Coming back after a dropped link, a relay restart, and moving the room between relays.

The room core driven through the real relay router in memory (`MemoryRelay`): a drop is the
router's disconnect, a restart is a fresh router that knows nobody.
"""

from __future__ import annotations

from coreroom import RELAY, Room, events_of, seeded, stage
from memrelay import MemoryRelay

from app.core import events as ev
from app.core import messages as msg
from app.core.host import LEAVE_BATCH_SECONDS
from app.core.protocol import RoomProtocol, State
from app.core.resume import RESUME_ANSWER, RESUME_GRACE
from app.core.roster import Role
from crypto import control as cc
from relay import wire

SECOND = "wss://relay-two.example/room"


def audio_between(room: Room, speaker: RoomProtocol, listener: RoomProtocol) -> bool:
    """One frame from `speaker` reaches `listener`, decrypted and authenticated."""
    listener.events_received()
    speaker.send_audio(b"\x07" * 80, room.relay.now)
    room.relay.pump()
    return [e.payload for e in events_of(listener, ev.AudioFrame)] == [b"\x07" * 80]


def tick(room: Room) -> None:
    """One 20 ms tick: the host announces who is back once a tick."""
    room.relay.advance(0.02)


def drop_and_return(room: Room, p: RoomProtocol, kind: int,
                    to: RoomProtocol | None = None) -> list[bytes]:
    """Drop `p`, bring it back, and return the relay's deliveries of envelopes of `kind`
    (to `to` only, if given) meanwhile: what a relay could keep and replay."""
    room.relay.drop(p)
    room.relay.pump()
    mark = len(room.relay.delivered)
    room.relay.rejoin(p)
    tick(room)
    conn = room.relay.conn_of(to) if to is not None else None
    return [d for c, d in room.relay.delivered[mark:] if conn in (None, c)
            and isinstance(m := wire.decode_server(d), wire.DeliverControl)
            and cc.envelope_type(m.payload) == kind]


def test_dropped_speaker_comes_back_with_same_id_role_and_key() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    stage(room, ali)
    me, session = ali.me, ali.session
    for p in (room.host, ali, bashir):
        p.events_received()

    room.relay.drop(ali)
    room.relay.pump()
    assert ali.state is State.RESUMING and ev.Disconnected() in ali.events_received()
    assert ev.MemberAway(me) in bashir.events_received()
    assert bashir.members[me].role is Role.SPEAKER  # away, not gone

    room.relay.rejoin(ali)
    tick(room)
    assert ali.state is State.IN_ROOM
    assert ev.Resumed() in ali.events_received()
    assert (ali.me, ali.session) == (me, session)
    assert ev.MemberBack(me) in bashir.events_received()
    for view in (room.host, ali, bashir):
        assert view.members[me].role is Role.SPEAKER
        assert view.members[me].slot == ali.slot
    assert ali.keys.current == bashir.keys.current == room.host.keys.current
    assert audio_between(room, ali, bashir)  # same sender: nonce counters and replay windows
    assert audio_between(room, room.host, ali)


def test_away_member_is_rotated_out_and_cannot_read_what_was_said_meanwhile() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    held = ali.keys.current
    assert held is not None
    room.relay.drop(ali)
    room.relay.pump()
    room.relay.advance(LEAVE_BATCH_SECONDS + 0.5)
    away_key = room.host.keys.current
    assert away_key is not None and away_key.number > held.number
    assert bashir.keys.current == away_key  # the others got the fresh key, Ali did not
    assert away_key.key not in (held.ratchet().key, held.ratchet().ratchet().key)
    mark = len(room.relay.delivered)
    room.host.send_audio(b"\x01" * 80, room.relay.now)  # said while Ali was away
    room.relay.pump()
    said = [d for _, d in room.relay.delivered[mark:]]

    room.relay.rejoin(ali)
    tick(room)
    assert ali.state is State.IN_ROOM
    assert away_key.number not in ali.keys.numbers  # back under a ratchet of it, not it
    ali.events_received()
    for data in said:
        ali.receive_data(data, room.relay.now)
    assert events_of(ali, ev.AudioFrame) == []


def test_host_drop_and_return_keeps_the_room() -> None:
    room = Room()
    ali = room.join("Ali")
    host_id = room.host.me
    ali.events_received()
    room.relay.drop(room.host)
    room.relay.pump()
    assert ev.MemberAway(host_id) in ali.events_received()
    room.relay.advance(30)
    assert ali.state is State.IN_ROOM

    room.relay.rejoin(room.host)
    assert room.host.state is State.IN_ROOM
    assert ev.MemberBack(host_id) in ali.events_received()
    assert ali.members[host_id].slot == room.host.slot
    assert audio_between(room, room.host, ali)
    # The host can still run the room: Ali goes on stage and is heard.
    stage(room, ali)
    assert audio_between(room, ali, room.host)


def test_relay_restart_everyone_comes_back_in_any_order() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    stage(room, ali)
    room.host.make_cohost(bashir.me, room.relay.now)
    room.relay.pump()
    ids = {p.me for p in (room.host, ali, bashir)}

    dropped = room.relay.restart()
    assert all(p.state is State.RESUMING for p in dropped)
    room.relay.rejoin(ali)  # alone on the new relay: nobody to knock to yet
    assert ali.state is State.RESUMING
    room.relay.rejoin(room.host)  # the host arrives: Ali knocks
    room.relay.rejoin(bashir)
    tick(room)
    for p in (room.host, ali, bashir):
        assert p.state is State.IN_ROOM
        assert {m.member_id for m in p.members.values()} == ids
        assert p.keys.current == room.host.keys.current
    assert room.host.members[ali.me].role is Role.SPEAKER
    assert ali.members[bashir.me].role is Role.COHOST
    assert audio_between(room, ali, bashir)


def test_a_place_expires_and_the_member_knocks_afresh() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    stage(room, ali)
    old = ali.me
    room.relay.drop(ali)
    room.relay.pump()
    room.relay.advance(RESUME_GRACE + 1)
    room.relay.advance(LEAVE_BATCH_SECONDS + 0.5)
    assert old not in room.host.members and old not in bashir.members
    # Ali's own client gave up waiting too; a client that reconnects in time instead:
    ali2 = RoomProtocol.join(ali.identity, ali.invite, "Ali", now=room.relay.now)
    ali2.me, ali2.session, ali2.state = old, ali.session, State.IN_ROOM
    ali2.connection_lost(room.relay.now)
    room.relay.rejoin(ali2)
    got = ali2.events_received()
    assert ev.ResumeExpired() in got
    assert ali2.state is State.IN_ROOM and ali2.me != old
    assert ali2.members[ali2.me].role is Role.LISTENER  # a new member, from the start


def test_a_member_waits_at_most_the_grace_for_its_own_link() -> None:
    room = Room()
    ali = room.join("Ali")
    room.relay.drop(ali)
    ali.tick(RESUME_GRACE - 0.1)  # off every relay: only its own clock moves it
    assert ali.state is State.RESUMING
    ali.tick(RESUME_GRACE + 0.1)
    assert ev.RoomEnded("connection-lost") in ali.events_received()
    assert ali.state is State.CLOSED and ali.keys.current is None


def test_removed_while_away_is_told_on_return() -> None:
    room = Room()
    ali = room.join("Ali")
    room.relay.drop(ali)
    room.relay.pump()
    room.host.kick(ali.me, room.relay.now)
    room.relay.pump()
    room.relay.rejoin(ali)
    assert ev.Kicked() in ali.events_received()
    assert ali.state is State.CLOSED


def test_a_replayed_resume_knock_moves_nobody() -> None:
    room = Room()
    ali = room.join("Ali")
    knocks = drop_and_return(room, ali, cc.KNOCK)
    assert knocks
    slot = room.host.members[ali.me].slot
    spy = RoomProtocol.join(seeded(9), room.host.invite, "Spy", now=0.0)
    spy_conn = room.relay.add(spy)
    room.relay.pump()
    for data in knocks:  # the relay replays Ali's knock from another slot
        room.relay.inbox[room.relay.conn_of(room.host)].append(
            wire.encode(wire.DeliverControl(spy_conn, wire.decode_server(data).payload,
                                                   False)))
    tick(room)
    assert room.host.counters["knock-replayed"] >= 1
    assert room.host.members[ali.me].slot == slot


def test_a_resume_knock_for_someone_else_is_not_believed() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    slot = room.host.members[ali.me].slot
    body = msg.encode_knock(msg.KnockBody("Ali", ali.session, msg.Resume(ali.me, 99)))
    bashir._out.append(wire.encode(wire.Control(
        cc.seal_knock(room.host.invite.room_secret, room.host.identity.public, bashir.identity,
                      body))))
    room.relay.pump()
    tick(room)
    assert room.host.members[ali.me].slot == slot
    assert bashir.state is State.IN_ROOM  # told to knock afresh, which it ignores


def test_only_the_host_says_who_is_back_or_moves_the_room() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    key = ali.keys.current
    assert key is not None and ali.me is not None
    forged = [
        (msg.Kind.RETURN, msg.encode_return(msg.Return(key.number + 1, ((bashir.me, 77),)))),
        (msg.Kind.MOVE, msg.encode_move(msg.Move(0))),
    ]
    for seq, (kind, body) in enumerate(forged, start=100):
        ali._out.append(wire.encode(wire.Control(
            cc.seal_control(key, ali.identity, ali.me, seq, int(kind), body))))
    room.relay.pump()
    assert bashir.counters["control-illegal"] == 2
    assert bashir.members[bashir.me].slot != 77
    assert not events_of(bashir, ev.RoomMoving)


def test_host_moves_the_room_and_everyone_is_told_where() -> None:
    relay = MemoryRelay()
    host = RoomProtocol.host(seeded(1), [RELAY, SECOND], "Majlis", now=0.0)
    relay.add(host)
    relay.pump()
    ali = RoomProtocol.join(seeded(2), host.invite, "Ali", now=0.0)
    relay.add(ali)
    relay.pump()
    host.move_room(1, relay.now)
    relay.pump()
    for p in (host, ali):
        assert ev.RoomMoving(SECOND) in p.events_received()


def test_nobody_answering_a_resume_is_reported_so_the_client_can_try_elsewhere() -> None:
    room = Room()
    ali = room.join("Ali")
    room.relay.drop(ali)
    elsewhere = MemoryRelay()  # another operator's relay: the room is not there
    elsewhere.add(ali)
    ali.reconnect(elsewhere.now)
    elsewhere.pump()
    ali.events_received()
    elsewhere.advance(RESUME_ANSWER + 0.1)
    assert ev.ResumeUnanswered() in ali.events_received()
    assert ali.state is State.RESUMING


def test_a_member_taken_for_away_who_asks_for_the_key_is_back() -> None:
    """After its own reconnect the host may count someone as away who never dropped (their slot
    looked absent); their key request shows they are here, and they stay."""
    room = Room()
    ali = room.join("Ali")
    room.host._mark_away(ali.me, room.relay.now)
    room.relay.advance(LEAVE_BATCH_SECONDS + 0.5)  # rotated out, as if away
    assert ali.keys.current != room.host.keys.current
    room.host.send_audio(b"\x02" * 80, room.relay.now)  # Ali sees a newer epoch and asks
    room.relay.pump()
    tick(room)
    assert ali.me not in room.host.away
    assert ali.keys.current == room.host.keys.current
    room.relay.advance(RESUME_GRACE + 1)
    assert ali.me in room.host.members and ali.state is State.IN_ROOM


def test_knocking_again_while_the_welcome_is_on_its_way_costs_nothing() -> None:
    """A big room's host paces its sending, so a returner may knock again before its welcome
    back arrives; the host does not announce and welcome it twice."""
    from app.core.resume import REWELCOME

    room = Room()
    ali = room.join("Ali")
    room.relay.drop(ali)
    room.relay.pump()
    room.relay.rejoin(ali)
    tick(room)
    epoch = room.host.keys.current
    ali._send_resume_knock(room.relay.now)  # the same client, knocking again
    room.relay.pump()
    tick(room)
    assert room.host.counters["resume-repeated"] == 1
    assert room.host.keys.current == epoch  # no second RETURN, no second ratchet
    room.relay.advance(REWELCOME + 1)
    ali._send_resume_knock(room.relay.now)  # much later: perhaps the welcome was lost
    room.relay.pump()
    tick(room)
    assert room.host.keys.current != epoch  # served again
    assert ali.keys.current == room.host.keys.current


def test_a_false_peer_left_from_the_relay_does_not_end_a_room_whose_host_speaks_up() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    host_id = room.host.me
    ali.receive_data(wire.encode(wire.PeerLeft(room.host.slot)), room.relay.now)  # a lie
    assert ev.MemberAway(host_id) in ali.events_received()
    room.host.send_audio(b"\x05" * 80, room.relay.now)  # its voice: it is here
    room.relay.pump()
    assert ev.MemberBack(host_id) in ali.events_received()
    bashir.receive_data(wire.encode(wire.PeerLeft(room.host.slot)), room.relay.now)
    room.host.invite_to_stage(bashir.me, room.relay.now)  # or anything it signs
    room.relay.pump()
    assert ev.MemberBack(host_id) in bashir.events_received()
    room.relay.advance(RESUME_GRACE + 1)
    assert ali.state is State.IN_ROOM


def test_a_replayed_welcome_back_is_ignored() -> None:
    room = Room()
    ali = room.join("Ali")
    welcomes = drop_and_return(room, ali, cc.DIRECT, to=ali)
    assert welcomes
    first_key = ali.keys.current
    room.relay.drop(ali)  # drops again; the relay replays the first welcome back at once
    ali.reconnect(room.relay.now)
    for data in welcomes:
        ali.receive_data(data, room.relay.now)
    assert ali.state is State.RESUMING and ali.counters["welcome-stale"] >= 1
    assert ali.keys.current == first_key
    room.relay.add(ali)
    room.relay.pump()
    tick(room)
    assert ali.state is State.IN_ROOM
    assert ali.keys.current == room.host.keys.current != first_key
