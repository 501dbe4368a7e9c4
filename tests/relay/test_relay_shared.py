"""SharedRouter without sockets or Redis: membership events in scripted orders.

`FakeBus` applies the join and leave scripts' rules (one global event counter, `prev` per room)
and hands each relay its answers and channel messages when the test says so, so the races the
real bus allows (an answer before or after its event, two first joiners) are replayed exactly.
"""

from __future__ import annotations

from relay.rooms import Close, Send
from relay.shared import (
    RETRY,
    Admitted,
    BusJoin,
    BusLeave,
    Publish,
    SharedRouter,
    Subscribe,
    Unsubscribe,
)
from relay.wire import (
    Control,
    DeliverControl,
    DeliverMedia,
    Join,
    Joined,
    Media,
    PeerJoined,
    PeerLeft,
    Unicast,
    decode_server,
    encode,
)

ROOM = bytes(range(16))
A, B = b"a" * 16, b"b" * 16


class FakeBus:
    """The Lua scripts' bookkeeping for one room."""

    def __init__(self) -> None:
        self.seq = 0
        self.last = 0  # the room's last event (0: no room)
        self.next_slot = 1
        self.members: dict[int, bytes] = {}

    def join(self, node: bytes, token: int) -> tuple[int, int, bytes, tuple[int, ...]]:
        slot, self.next_slot = self.next_slot, self.next_slot + 1
        self.seq += 1
        prev, self.last = self.last, self.seq
        self.members[slot] = node
        event = b"J" + node + b"%d:%d:%d:%d" % (prev, self.seq, slot, token)
        return slot, self.seq, event, tuple(self.members)

    def leave(self, node: bytes, slot: int) -> bytes:
        assert self.members.pop(slot) == node
        self.seq += 1
        event = b"L" + node + b"%d:%d:%d" % (self.last, self.seq, slot)
        if self.members:
            self.last = self.seq
        else:
            self.last, self.next_slot = 0, 1
        return event


def sent_to(outputs: list[object], conn: str) -> list[object]:
    out = []
    for o in outputs:
        if isinstance(o, Send) and conn in o.targets and o.exclude != conn:
            out.append(decode_server(o.data))
    return out


def of(outputs: list[object], kind: type) -> list[object]:
    return [o for o in outputs if isinstance(o, kind)]


def first_join(router: SharedRouter[str], conn: str) -> BusJoin:
    router.connect(conn)
    outputs = router.receive(conn, encode(Join(ROOM)), 0.0)
    assert of(outputs, Subscribe) == [Subscribe(ROOM)]
    (bus_join,) = of(router.subscribed(ROOM), BusJoin)
    assert isinstance(bus_join, BusJoin) and bus_join.snapshot
    return bus_join


def test_answer_first_then_event_and_event_first_then_answer() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    slot, seq, event_x, members = bus.join(A, j.token)
    out = r.join_answered("x", ROOM, slot, seq, members)
    assert sent_to(out, "x") == [Joined(1, ())] and of(out, Admitted)
    assert r.bus_message(ROOM, event_x) == []  # covered by the snapshot
    # y: the event arrives before the script's answer.
    r.connect("y")
    (jy,) = of(r.receive("y", encode(Join(ROOM)), 0.0), BusJoin)
    assert isinstance(jy, BusJoin) and not jy.snapshot
    slot, seq, event_y, _ = bus.join(A, jy.token)
    out = r.bus_message(ROOM, event_y)
    assert sent_to(out, "y") == [Joined(2, (1,))]
    assert sent_to(out, "x") == [PeerJoined(2)]
    assert r.join_answered("y", ROOM, slot, seq, None) == []  # nothing twice, no leave
    # z on another relay: x and y hear of it once, from the channel.
    _, _, event_z, _ = bus.join(B, 77)
    out = r.bus_message(ROOM, event_z)
    assert sent_to(out, "x") == [PeerJoined(3)] and sent_to(out, "y") == [PeerJoined(3)]


def test_quiet_members_hear_of_no_newcomer_local_or_remote() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    r.connect("q")
    r.receive("q", encode(Join(ROOM, quiet=True)), 0.0)
    (jq,) = of(r.subscribed(ROOM), BusJoin)
    assert isinstance(jq, BusJoin)
    slot, seq, _, members = bus.join(A, jq.token)
    assert sent_to(r.join_answered("q", ROOM, slot, seq, members), "q") == [Joined(1, ())]
    # A loud member joins here (admitted by its event): q is not told, the joiner is.
    r.connect("loud")
    (jl,) = of(r.receive("loud", encode(Join(ROOM)), 0.0), BusJoin)
    assert isinstance(jl, BusJoin)
    out = r.bus_message(ROOM, bus.join(A, jl.token)[2])
    assert sent_to(out, "loud") == [Joined(2, (1,))] and sent_to(out, "q") == []
    # Members join through another relay: only the loud member here hears of them.
    for token in (7, 8):
        slot, _, event, _ = bus.join(B, token)
        out = r.bus_message(ROOM, event)
        assert sent_to(out, "q") == [] and sent_to(out, "loud") == [PeerJoined(slot)]
    # A quiet member joins here: the loud one is told, as of any newcomer.
    r.connect("q2")
    (jq2,) = of(r.receive("q2", encode(Join(ROOM, True)), 0.0), BusJoin)
    assert isinstance(jq2, BusJoin)
    out = r.bus_message(ROOM, bus.join(A, jq2.token)[2])
    assert sent_to(out, "q2") == [Joined(5, (1, 2, 3, 4))]
    assert sent_to(out, "loud") == [PeerJoined(5)] and sent_to(out, "q") == []
    # Data and departures reach quiet members as before.
    incoming = b"C" + B + encode(DeliverControl(3, b"hello", False))
    out = r.bus_message(ROOM, incoming)
    assert all(sent_to(out, c) == [DeliverControl(3, b"hello", False)] for c in ("q", "q2"))
    out = r.bus_message(ROOM, bus.leave(B, 3))
    assert all(sent_to(out, c) == [PeerLeft(3)] for c in ("q", "loud", "q2"))
    r.disconnect("loud")
    out = r.bus_message(ROOM, bus.leave(A, 2))
    assert sent_to(out, "q") == [PeerLeft(2)] and sent_to(out, "q2") == [PeerLeft(2)]
    # With no loud member left here, a newcomer elsewhere costs this relay no message at all.
    assert r.bus_message(ROOM, bus.join(B, 9)[2]) == []


def test_a_burst_of_joins_asks_for_one_snapshot() -> None:
    """N joins waiting for the room's channel must not make the bus send N snapshots."""
    bus, r = FakeBus(), SharedRouter(A)
    for conn in ("x", "y", "z"):
        r.connect(conn)
        assert of(r.receive(conn, encode(Join(ROOM, True)), 0.0), BusJoin) == []
    joins = of(r.subscribed(ROOM), BusJoin)
    assert [j.snapshot for j in joins] == [True, False, False]  # type: ignore[attr-defined]
    answers = [bus.join(A, j.token) for j in joins]  # type: ignore[attr-defined]
    r.connect("w")  # a join while the snapshot is on its way does not ask again
    (jw,) = of(r.receive("w", encode(Join(ROOM)), 0.0), BusJoin)
    assert isinstance(jw, BusJoin) and not jw.snapshot
    r.disconnect("x")  # the asker leaves before its answer: the snapshot still counts
    slot, seq, _, members = answers[0]
    out = r.join_answered("x", ROOM, slot, seq, members)
    assert of(out, BusLeave) == [BusLeave(ROOM, 1)]
    out = r.bus_message(ROOM, answers[1][2])
    assert sent_to(out, "y") == [Joined(2, (1,))]
    out = r.bus_message(ROOM, answers[2][2])
    assert sent_to(out, "z") == [Joined(3, (1, 2))] and sent_to(out, "y") == []  # both quiet
    assert sent_to(r.bus_message(ROOM, bus.join(A, jw.token)[2]), "w") == [Joined(4, (1, 2, 3))]


def test_two_first_joiners_on_one_relay() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    r.connect("x")
    r.connect("y")
    r.receive("x", encode(Join(ROOM)), 0.0)
    r.receive("y", encode(Join(ROOM)), 0.0)
    jx, jy = of(r.subscribed(ROOM), BusJoin)
    assert isinstance(jx, BusJoin) and isinstance(jy, BusJoin)
    sx = bus.join(A, jx.token)
    sy = bus.join(A, jy.token)
    # y's answer (the later snapshot) comes first, then the events, then x's answer.
    out = r.join_answered("y", ROOM, sy[0], sy[1], sy[3])
    assert sent_to(out, "y") == [Joined(2, (1,))]
    assert r.bus_message(ROOM, sx[2]) == [] and r.bus_message(ROOM, sy[2]) == []
    out = r.join_answered("x", ROOM, sx[0], sx[1], sx[3])
    assert sent_to(out, "x") == [Joined(1, (2,))]  # each lists the other; nobody hears twice
    assert sent_to(out, "y") == []


def test_data_goes_local_at_once_and_once_onto_the_bus() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    slot, seq, _, members = bus.join(A, j.token)
    r.join_answered("x", ROOM, slot, seq, members)
    _, _, event, _ = bus.join(B, 5)
    r.bus_message(ROOM, event)
    out = r.receive("x", encode(Media(b"frame")), 1.0)
    assert of(out, Publish) == [Publish(ROOM, b"M" + A + encode(DeliverMedia(b"frame")))]
    out = r.receive("x", encode(Unicast(2, b"key")), 1.0)
    assert of(out, Publish) == [
        Publish(ROOM, b"U" + A + (2).to_bytes(4, "big") + encode(DeliverControl(1, b"key", True)))]
    assert r.receive("x", encode(Unicast(9, b"?")), 1.0) == []  # nobody has slot 9
    assert r.counters.drops["unicast_unknown_slot"] == 1
    # From the other relay: delivered here; our own publication is ignored.
    incoming = b"C" + B + encode(DeliverControl(2, b"hello", False))
    assert sent_to(r.bus_message(ROOM, incoming), "x") == [DeliverControl(2, b"hello", False)]
    assert r.bus_message(ROOM, b"C" + A + encode(DeliverControl(1, b"mine", False))) == []
    out = r.receive("x", encode(Control(b"c")), 1.0)
    assert len(of(out, Publish)) == 1


def test_leaving_goes_through_the_bus_and_the_last_one_unsubscribes() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    r.join_answered("x", ROOM, *bus.join(A, j.token)[:2], (1,))
    r.connect("y")
    (jy,) = of(r.receive("y", encode(Join(ROOM)), 0.0), BusJoin)
    assert isinstance(jy, BusJoin)
    r.bus_message(ROOM, bus.join(A, jy.token)[2])
    out = r.disconnect("y")
    assert out == [BusLeave(ROOM, 2)]  # x is told when the event comes back
    assert sent_to(r.bus_message(ROOM, bus.leave(A, 2)), "x") == [PeerLeft(2)]
    out = r.disconnect("x")
    assert of(out, BusLeave) == [BusLeave(ROOM, 1)] and of(out, Unsubscribe) == [Unsubscribe(ROOM)]
    assert r.room_count == 0


def test_a_slot_answered_after_its_connection_left_is_given_back() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    out = r.disconnect("x")
    assert of(out, Unsubscribe) == [Unsubscribe(ROOM)]
    slot, seq, _, members = bus.join(A, j.token)
    assert r.join_answered("x", ROOM, slot, seq, members) == [BusLeave(ROOM, slot)]


def test_a_gap_in_the_history_closes_this_relays_members() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    r.join_answered("x", ROOM, *bus.join(A, j.token)[:2], (1,))
    bus.join(B, 1)  # an event this relay never receives
    _, _, later, _ = bus.join(B, 2)
    out = r.bus_message(ROOM, later)
    closes = of(out, Close)
    assert closes == [Close("x", RETRY, "the relay lost track of the room")]
    assert r.counters.drops["bus_gap"] == 1
    assert of(out, BusLeave) == [BusLeave(ROOM, 1)]


def test_losing_the_bus_closes_every_shared_member() -> None:
    bus, r = FakeBus(), SharedRouter(A)
    j = first_join(r, "x")
    r.join_answered("x", ROOM, *bus.join(A, j.token)[:2], (1,))
    r.connect("y")
    r.receive("y", encode(Join(ROOM)), 0.0)  # still waiting for its slot
    out = r.bus_lost()
    assert sorted(c.conn for c in of(out, Close)) == ["x", "y"]  # type: ignore[attr-defined]
    assert all(c.code == RETRY for c in of(out, Close))  # type: ignore[attr-defined]
    assert r.connection_count == 0 and r.room_count == 0
