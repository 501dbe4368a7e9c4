"""A joiner whose link drops at the door: it reconnects and knocks again, and the host's queue
stays true (no ghost member for a knock nobody is behind any more).

The room core driven through the real relay router in memory (`MemoryRelay`).
"""

from __future__ import annotations

from coreroom import Room, events_of

from app.core import events as ev
from app.core.protocol import KNOCK_TIMEOUT, RoomProtocol, State
from app.core.resume import RESUME_ANSWER, RESUME_GRACE
from relay import wire


def waiting(room: Room, name: str) -> tuple[RoomProtocol, int]:
    """A joiner in the host's waiting room, and its knock id."""
    p = room.join(name)
    assert p.state is State.WAITING
    knocks = events_of(room.host, ev.KnockReceived)
    assert [k.name for k in knocks] == [name]
    return p, knocks[0].knock_id


def test_dropped_at_the_door_knocks_again_and_is_let_in_on_the_new_link() -> None:
    room = Room(auto_admit=False)
    ali, first = waiting(room, "Ali")

    room.relay.drop(ali)
    room.relay.pump()
    assert ali.state is State.CONNECTING and ali.rejoining and ali.reconnectable
    assert ev.Disconnected() in ali.events_received()
    # The relay told the host the slot is gone: the knock is withdrawn, nobody is behind it.
    assert events_of(room.host, ev.KnockWithdrawn) == [ev.KnockWithdrawn(first)]
    assert room.host.knocks == {}

    room.relay.rejoin(ali)
    assert ali.state is State.WAITING and not ali.rejoining
    again = events_of(room.host, ev.KnockReceived)
    assert [k.name for k in again] == ["Ali"]
    room.host.admit(again[0].knock_id, room.relay.now)
    room.relay.pump()
    assert ali.state is State.IN_ROOM
    assert sorted(m.name for m in room.host.members.values()) == ["Ali", "Huda"]
    assert room.host.members[ali.me].slot == ali.slot


def test_a_knock_from_a_new_link_keeps_its_place_before_the_relay_notices() -> None:
    room = Room(auto_admit=False)
    ali, first = waiting(room, "Ali")
    bashir, second = waiting(room, "Bashir")
    old_session = ali.session

    old = room.relay.lose(ali)
    room.relay.rejoin(ali)
    assert ali.state is State.WAITING and ali.session != old_session
    # Moved, not added: same knock id, the new slot, no second notice to the host.
    assert events_of(room.host, ev.KnockReceived) == []
    assert sorted(room.host.knocks) == [first, second]
    assert room.host.knocks[first].slot == ali.slot
    assert room.host.counters["knock-moved"] == 1

    room.host.admit(first, room.relay.now)
    room.relay.pump()
    assert ali.state is State.IN_ROOM
    # The relay finally notices the old link: that is nobody now.
    room.relay.notice(old)
    room.relay.pump()
    assert events_of(room.host, ev.KnockWithdrawn) == []
    assert events_of(room.host, ev.MemberAway) == []
    assert bashir.state is State.WAITING and second in room.host.knocks


def test_a_replayed_knock_cannot_move_someone_elses_place() -> None:
    """Only the joiner can sign a knock with its key: a copy of Ali's knock sent again from
    another slot is a knock already seen, and moves nothing."""
    room = Room(auto_admit=False)
    ali, first = waiting(room, "Ali")
    host_conn = room.relay.conn_of(room.host)
    (knock,) = [m.payload for c, d in room.relay.delivered if c == host_conn
                and isinstance(m := wire.decode_server(d), wire.DeliverControl)
                and m.from_slot == ali.slot]
    spy = room.join("Spy")
    events_of(room.host, ev.KnockReceived)
    room.relay.send_from(spy, wire.encode(wire.Control(knock)))
    room.relay.pump()
    assert room.host.knocks[first].slot == ali.slot
    assert room.host.counters["knock-moved"] == 0
    assert room.host.counters["knock-replayed"] == 1


def test_alone_on_the_relay_the_joiner_knocks_until_the_host_is_back() -> None:
    """The relay restarts: the waiting joiner is back first, alone; the host comes back
    quietly (no PeerJoined), so the joiner repeats its knock until it is answered."""
    room = Room(auto_admit=False)
    ali, _ = waiting(room, "Ali")
    room.relay.restart()
    assert ali.rejoining and room.host.state is State.RESUMING
    room.relay.rejoin(ali)
    assert ali.state is State.KNOCKING  # a knock into an empty room: nobody heard it
    room.relay.advance(KNOCK_TIMEOUT + 1.0)  # longer than a first knock may wait
    assert ali.state is State.KNOCKING
    room.relay.rejoin(room.host)
    room.relay.advance(RESUME_ANSWER + 0.1)
    assert ali.state is State.WAITING
    (knock_id,) = room.host.knocks  # Ali's, once: moved to the new slot, or new
    assert room.host.knocks[knock_id].slot == ali.slot
    room.host.admit(knock_id, room.relay.now)
    room.relay.pump()
    assert ali.state is State.IN_ROOM


def test_a_joiner_that_cannot_get_back_gives_up_after_the_grace() -> None:
    room = Room(auto_admit=False)
    ali, _ = waiting(room, "Ali")
    room.relay.drop(ali)
    ali.events_received()
    ali.tick(room.relay.now + RESUME_GRACE - 1.0)
    assert ali.rejoining
    ali.tick(room.relay.now + RESUME_GRACE)
    assert ali.state is State.CLOSED and not ali.reconnectable
    (failed,) = events_of(ali, ev.JoinFailed)
    assert "waiting to be let in" in failed.reason
