"""The room core driven through the real relay router in memory: joins, roles, keys, audio."""

from __future__ import annotations

import pytest
from coreroom import RELAY, Room, events_of, seeded, stage
from memrelay import MemoryRelay

from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from app.core.resume import RESUME_GRACE
from app.core.roster import ROLE_CHANGES, Actor, Member, Role, role_change_allowed
from crypto.errors import CryptoError
from crypto.frame import open_frame, parse_frame_header
from crypto.invite import Invite
from relay import wire


def test_host_opens_room_and_invite_round_trips() -> None:
    room = Room()
    got = room.host.events_received()
    assert ev.RoomOpened() in got
    assert room.host.state is State.IN_ROOM
    invite = Invite.parse(room.host.invite.to_link())
    assert invite.host_key == seeded(1).public.key
    assert invite.relays == (RELAY,)


def test_join_welcome_and_shared_key() -> None:
    room = Room()
    ali = room.join("Ali")
    welcomed = events_of(ali, ev.Welcomed)
    assert welcomed == [ev.Welcomed("Majlis", "tea", ali.me)]
    assert ali.state is State.IN_ROOM
    assert ali.keys.current == room.host.keys.current
    assert room.host.keys.current is not None and room.host.keys.current.number == 1
    assert ali.members[ali.me].role is Role.LISTENER
    assert {m.name for m in ali.members.values()} == {"Huda", "Ali"}
    assert [e.member.name for e in events_of(room.host, ev.MemberJoined)] == ["Ali"]


def test_each_join_ratchets_everyone() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    assert ali.keys.current == bashir.keys.current == room.host.keys.current
    assert bashir.keys.current is not None and bashir.keys.current.number == 2
    # Bashir holds only the key he was welcomed with: nothing older.
    assert bashir.keys.numbers == [2]


def test_waiting_room_admit_and_refuse() -> None:
    room = Room(auto_admit=False)
    ali = room.join("Ali")
    assert ali.state is State.WAITING
    assert events_of(ali, ev.Waiting) == [ev.Waiting()]
    knocks = events_of(room.host, ev.KnockReceived)
    assert [k.name for k in knocks] == ["Ali"]
    assert knocks[0].fingerprint == seeded(2).public.fingerprint()
    room.host.admit(knocks[0].knock_id, 0.0)
    room.relay.pump()
    assert ali.state is State.IN_ROOM

    omar = room.join("Omar")
    knock = events_of(room.host, ev.KnockReceived)[0]
    room.host.refuse(knock.knock_id, 0.0)
    room.relay.pump()
    assert events_of(omar, ev.Refused) == [ev.Refused()]
    assert omar.state is State.CLOSED
    with pytest.raises(LocalProtocolError):
        room.host.admit(knock.knock_id, 0.0)


def test_empty_room_fails_clearly() -> None:
    relay = MemoryRelay()
    invite = Invite.create([RELAY], seeded(1).public.key)
    p = RoomProtocol.join(seeded(2), invite, "Ali", now=0.0)
    relay.add(p)
    relay.pump()
    [failed] = events_of(p, ev.JoinFailed)
    assert "Nobody is in this room" in failed.reason
    assert p.state is State.CLOSED


def test_knock_times_out_when_no_host_answers() -> None:
    room = Room()
    # Someone who is not the host holds the routing id: the knock reaches no host.
    impostor_invite = Invite(room.host.invite.relays, room.host.invite.room_secret,
                             seeded(9).public.key)
    stranger = RoomProtocol.join(seeded(3), impostor_invite, "Zed", now=0.0)
    room.relay.remove(room.host)
    squatter = RoomProtocol.join(seeded(4), impostor_invite, "Sam", now=0.0)
    room.relay.add(squatter)
    room.relay.add(stranger)
    room.relay.pump()
    assert stranger.state is State.KNOCKING
    room.relay.advance(16.0)
    [failed] = events_of(stranger, ev.JoinFailed)
    assert "did not answer" in failed.reason


def test_stage_invitation_needs_consent_and_starts_muted() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    stage(room, ali)
    for view in (room.host, ali, bashir):
        member = view.members[ali.me]
        assert member.role is Role.SPEAKER
        assert member.muted and not member.hand and not member.invited
    ali.set_muted(False, room.relay.now)
    room.relay.pump()
    assert not bashir.members[ali.me].muted


def test_declined_invitation_changes_nothing() -> None:
    room = Room()
    ali = room.join("Ali")
    room.host.invite_to_stage(ali.me, 0.0)
    room.relay.pump()
    ali.decline_stage(0.0)
    room.relay.pump()
    assert room.host.members[ali.me].role is Role.LISTENER
    assert not room.host.members[ali.me].invited
    assert ev.StageAnswered(ali.me, False) in room.host.events_received()


def test_local_illegal_actions_raise_and_send_nothing() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    ali.data_to_send()
    with pytest.raises(LocalProtocolError):
        ali.invite_to_stage(bashir.me, 0.0)
    with pytest.raises(LocalProtocolError):
        ali.kick(bashir.me, 0.0)
    with pytest.raises(LocalProtocolError):
        ali.send_audio(b"x" * 80, 0.0)
    with pytest.raises(LocalProtocolError):
        ali.set_role(ali.me, Role.SPEAKER, 0.0)
    with pytest.raises(LocalProtocolError):
        room.host.raise_hand(0.0)  # the host is on stage
    with pytest.raises(LocalProtocolError):
        ali.end_room(0.0)
    assert ali.data_to_send() == []


def test_audio_reaches_everyone_but_the_speaker() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    for view in (ali, bashir):
        view.events_received()
    for i in range(5):
        room.host.send_audio(bytes([i]) * 80, room.relay.now)
    room.relay.pump()
    for view in (ali, bashir):
        frames = events_of(view, ev.AudioFrame)
        assert [f.payload for f in frames] == [bytes([i]) * 80 for i in range(5)]
        assert [f.seq for f in frames] == list(range(5))
        assert {f.member_id for f in frames} == {room.host.me}


def test_listener_audio_is_not_played() -> None:
    """A listener's client refuses to send; forged frames from a listener are dropped."""
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    # Ali bypasses her own client's check and seals a frame anyway.
    assert ali._sealer is not None and ali.keys.current is not None
    frame = ali._sealer.seal(ali.keys.current, b"\x01" * 80)
    ali._out.append(wire.encode(wire.Media(frame)))
    room.relay.pump()
    assert events_of(bashir, ev.AudioFrame) == []
    assert bashir.counters["audio-not-on-stage"] == 1


def test_kick_rotates_and_the_kicked_cannot_decrypt() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    old = ali.keys.current
    assert old is not None
    room.host.kick(ali.me, room.relay.now)
    room.relay.pump()
    assert ev.Kicked() in ali.events_received()
    assert ali.state is State.CLOSED
    assert ev.MemberLeft(ali.me, "Ali", True) in bashir.events_received()
    assert bashir.keys.current == room.host.keys.current
    assert bashir.keys.current is not None and bashir.keys.current.number == old.number + 1
    mark = len(room.relay.delivered)
    room.host.send_audio(b"\x07" * 80, room.relay.now)
    room.relay.pump()
    assert [f.payload for f in events_of(bashir, ev.AudioFrame)] == [b"\x07" * 80]
    # The kicked member's old key, and every key it can ratchet from it, open nothing new.
    frames = [wire.decode_server(d) for _, d in room.relay.delivered[mark:]]
    media = [f.payload for f in frames if isinstance(f, wire.DeliverMedia)]
    assert media
    host_pub = seeded(1).public
    for frame in media:
        header = parse_frame_header(frame)
        for guess in (old, old.ratchet(), old.ratchet().ratchet()):
            if guess.number != header.epoch:
                continue
            with pytest.raises(CryptoError):
                open_frame(frame, guess, host_pub, room.host.session)
    # And the host will not let the same identity back in with the same link.
    again = RoomProtocol.join(seeded(2), room.host.invite, "Ali", now=room.relay.now)
    room.relay.add(again)
    room.relay.pump()
    assert events_of(again, ev.Refused) == [ev.Refused()]


def test_leave_rotates_within_seconds() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    before = room.host.keys.current
    ali.leave(room.relay.now)
    room.relay.pump()
    room.relay.remove(ali)
    room.relay.pump()
    assert ev.MemberLeft(ali.me, "Ali", False) in bashir.events_received()
    assert room.host.keys.current == before  # batched, not yet
    room.relay.advance(2.5)
    assert room.host.keys.current != before
    assert bashir.keys.current == room.host.keys.current
    assert any(e == ev.EpochChanged(room.host.keys.current.number, "leave")
               for e in bashir.events_received())


def test_disconnect_without_goodbye_also_rotates() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    before = room.host.keys.current
    room.relay.remove(ali)  # the laptop lid closed: only the relay's PeerLeft tells us
    room.relay.pump()
    room.relay.advance(2.5)
    assert room.host.keys.current != before
    assert bashir.keys.current == room.host.keys.current


def test_join_during_pending_leave_rotates_first() -> None:
    """A leaver holds the current key and could ratchet it: a join must not just ratchet."""
    room = Room()
    ali = room.join("Ali")
    held = ali.keys.current
    assert held is not None
    ali.leave(0.0)
    room.relay.pump()
    room.relay.remove(ali)
    room.relay.pump()
    bashir = room.join("Bashir")
    assert bashir.keys.current is not None
    assert bashir.keys.current.key not in (held.ratchet().key, held.ratchet().ratchet().key)


def test_end_room_closes_everyone() -> None:
    room = Room()
    ali = room.join("Ali")
    room.host.end_room(0.0)
    room.relay.pump()
    assert ev.RoomEnded("host-ended") in ali.events_received()
    assert ali.state is State.CLOSED and room.host.state is State.CLOSED
    assert ali.keys.current is None and room.host.keys.current is None


def test_host_gone_for_good_ends_room() -> None:
    """Members wait RESUME_GRACE for a host whose link dropped, then the room ends."""
    room = Room()
    ali = room.join("Ali")
    host_id = room.host.me
    room.relay.remove(room.host)
    room.relay.pump()
    assert ev.MemberAway(host_id) in ali.events_received()
    room.relay.advance(RESUME_GRACE - 1)
    assert ali.state is State.IN_ROOM
    room.relay.advance(2)
    assert ev.RoomEnded("host-left") in ali.events_received()
    assert ali.state is State.CLOSED and ali.keys.current is None


def test_late_joiner_cannot_read_the_past() -> None:
    room = Room()
    ali = room.join("Ali")
    mark = len(room.relay.delivered)
    for i in range(3):
        room.host.send_audio(bytes([i]) * 80, 0.0)
    room.relay.pump()
    past = [wire.decode_server(d) for _, d in room.relay.delivered[mark:]]
    past_media = [m.payload for m in past if isinstance(m, wire.DeliverMedia)]
    assert len(past_media) == 3
    assert len(events_of(ali, ev.AudioFrame)) == 3
    late = room.join("Latif")
    late.events_received()
    for frame in past_media:
        late._receive_audio(frame, 0.0)
    assert events_of(late, ev.AudioFrame) == []
    assert late.counters["audio-no-key"] == 3


def test_cohost_can_stage_and_kick_but_not_end() -> None:
    room = Room()
    ali = room.join("Ali")
    bashir = room.join("Bashir")
    room.host.make_cohost(ali.me, 0.0)
    room.relay.pump()
    assert bashir.members[ali.me].role is Role.COHOST
    ali.invite_to_stage(bashir.me, 0.0)
    room.relay.pump()
    bashir.accept_stage(0.0)
    room.relay.pump()
    assert room.host.members[bashir.me].role is Role.SPEAKER
    with pytest.raises(LocalProtocolError):
        ali.end_room(0.0)
    with pytest.raises(LocalProtocolError):
        ali.kick(room.host.me, 0.0)
    ali.kick(bashir.me, 0.0)
    room.relay.pump()
    assert bashir.state is State.CLOSED
    assert ali.keys.current == room.host.keys.current


ROLES = list(Role)


@pytest.mark.parametrize(("old", "new"), [(a, b) for a in ROLES for b in ROLES if a != b])
@pytest.mark.parametrize("who", ["host", "cohost", "speaker", "listener", "self"])
def test_role_table_is_the_only_judge(old: Role, new: Role, who: str) -> None:
    target = Member(5, b"t" * 32, b"s" * 8, 5, "T", old)
    signer = target if who == "self" else Member(
        9, b"k" * 32, b"s" * 8, 9, "K",
        {"host": Role.HOST, "cohost": Role.COHOST, "speaker": Role.SPEAKER,
         "listener": Role.LISTENER}[who])
    allowed = ROLE_CHANGES.get((old, new), frozenset())
    expected = {"host": Actor.HOST in allowed, "cohost": Actor.COHOST in allowed,
                "self": Actor.SELF in allowed, "speaker": False, "listener": False}[who]
    assert role_change_allowed(signer, target, new) is expected
