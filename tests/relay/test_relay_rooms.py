"""The sans-I/O Router: every routing rule and limit, with scripted time and no sockets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay.errors import ConfigError, RelayError, RouterMisuse
from relay.limits import MAX_ROOM_SIZE, Limits, TokenBucket
from relay.rooms import MAX_CLOSE_REASON, Close, Output, Router, Send
from relay.wire import (
    MAX_PAYLOAD,
    CloseCode,
    Control,
    DeliverControl,
    DeliverMedia,
    Join,
    Joined,
    Media,
    PeerJoined,
    PeerLeft,
    Unicast,
    decode_client,
    decode_server,
    encode,
)

ROOM_A = bytes(range(16))
ROOM_B = bytes(range(16, 32))


def join(room: bytes = ROOM_A, quiet: bool = False) -> bytes:
    return encode(Join(room, quiet))


def sends(outputs: list[Output[str]]) -> list[Send[str]]:
    return [o for o in outputs if isinstance(o, Send)]


def delivered(outputs: list[Output[str]]) -> dict[str, list[object]]:
    """Who receives what, decoded, in order: the view a client would have."""
    result: dict[str, list[object]] = {}
    for out in sends(outputs):
        for target in out.targets:
            if target != out.exclude:
                result.setdefault(target, []).append(decode_server(out.data))
    return result


def closes(outputs: list[Output[str]]) -> list[tuple[str, CloseCode]]:
    return [(o.conn, o.code) for o in outputs if isinstance(o, Close)]


def joined_router(*conns: str, limits: Limits | None = None) -> Router[str]:
    router: Router[str] = Router(limits)
    for conn in conns:
        assert router.connect(conn) == []
        router.receive(conn, join(), 0.0)
    return router


def test_join_tells_the_joiner_its_slot_and_the_others_the_newcomer() -> None:
    router: Router[str] = Router()
    router.connect("a")
    assert delivered(router.receive("a", join(), 0.0)) == {"a": [Joined(1, ())]}
    router.connect("b")
    out = router.receive("b", join(), 0.0)
    assert delivered(out) == {"b": [Joined(2, (1,))], "a": [PeerJoined(2)]}
    router.connect("c")
    out = router.receive("c", join(), 0.0)
    assert delivered(out) == {"c": [Joined(3, (1, 2))], "a": [PeerJoined(3)], "b": [PeerJoined(3)]}
    assert router.slot_of("c") == 3
    assert router.rooms() == {ROOM_A: (1, 2, 3)}


def test_a_quiet_member_hears_of_no_newcomer_but_of_every_departure() -> None:
    router: Router[str] = Router()
    for conn in ("q", "loud"):
        router.connect(conn)
    assert delivered(router.receive("q", join(quiet=True), 0.0)) == {"q": [Joined(1, ())]}
    out = router.receive("loud", join(), 0.0)
    assert delivered(out) == {"loud": [Joined(2, (1,))]}  # nothing for q
    router.connect("q2")
    out = router.receive("q2", join(quiet=True), 0.0)
    assert delivered(out) == {"q2": [Joined(3, (1, 2))], "loud": [PeerJoined(3)]}
    # Everything but PeerJoined reaches quiet members as before.
    out = router.receive("loud", encode(Media(b"frame")), 1.0)
    assert delivered(out) == {"q": [DeliverMedia(b"frame")], "q2": [DeliverMedia(b"frame")]}
    out = router.receive("q2", encode(Control(b"roster")), 1.0)
    assert delivered(out) == {"q": [DeliverControl(3, b"roster", False)],
                              "loud": [DeliverControl(3, b"roster", False)]}
    out = router.receive("loud", encode(Unicast(1, b"key")), 1.0)
    assert delivered(out) == {"q": [DeliverControl(2, b"key", True)]}
    assert delivered(router.disconnect("q2")) == {"q": [PeerLeft(3)], "loud": [PeerLeft(3)]}
    assert delivered(router.disconnect("loud")) == {"q": [PeerLeft(2)]}
    # A newcomer to a room of quiet members costs one message: its own Joined.
    router.connect("late")
    out = router.receive("late", join(), 2.0)
    assert [(s.targets, decode_server(s.data)) for s in sends(out)] == [(("late",),
                                                                         Joined(4, (1,)))]


@pytest.mark.parametrize(
    "first", [encode(Media(b"x")), encode(Control(b"x")), encode(Unicast(1, b"x"))]
)
def test_first_message_must_be_join(first: bytes) -> None:
    router: Router[str] = Router()
    router.connect("a")
    out = router.receive("a", first, 0.0)
    assert closes(out) == [("a", CloseCode.JOIN_FIRST)]
    assert router.connection_count == 0
    assert router.receive("a", join(), 0.0) == []  # forgotten: later messages are ignored


def test_malformed_first_message_is_a_bad_message() -> None:
    router: Router[str] = Router()
    router.connect("a")
    out = router.receive("a", b"\x01\x01short", 0.0)
    assert closes(out) == [("a", CloseCode.BAD_MESSAGE)]
    assert "Join must be 18 or 19 bytes" in next(o for o in out if isinstance(o, Close)).reason


def test_second_join_closes_the_connection_and_tells_the_room() -> None:
    router = joined_router("a", "b")
    out = router.receive("a", join(ROOM_B), 1.0)
    assert closes(out) == [("a", CloseCode.BAD_MESSAGE)]
    assert delivered(out) == {"b": [PeerLeft(1)]}
    assert router.rooms() == {ROOM_A: (2,)}


def test_media_goes_to_everyone_else_as_one_droppable_send() -> None:
    router = joined_router("a", "b", "c")
    out = router.receive("b", encode(Media(b"frame")), 1.0)
    assert len(out) == 1
    send = out[0]
    assert isinstance(send, Send)
    assert send.droppable
    assert send.data == encode(DeliverMedia(b"frame"))
    assert delivered(out) == {"a": [DeliverMedia(b"frame")], "c": [DeliverMedia(b"frame")]}


def test_media_in_an_empty_room_goes_nowhere() -> None:
    router = joined_router("a")
    assert router.receive("a", encode(Media(b"frame")), 1.0) == []


def test_oversized_media_is_a_bad_message() -> None:
    router = joined_router("a", "b")
    out = router.receive("a", b"\x01\x02" + bytes(MAX_PAYLOAD + 1), 1.0)
    assert closes(out) == [("a", CloseCode.BAD_MESSAGE)]
    assert "exceeds" in next(o for o in out if isinstance(o, Close)).reason
    assert delivered(out) == {"b": [PeerLeft(1)]}


def test_control_is_never_droppable_and_names_its_sender() -> None:
    router = joined_router("a", "b", "c")
    out = router.receive("c", encode(Control(b"roster")), 1.0)
    assert [s.droppable for s in sends(out)] == [False]
    assert delivered(out) == {
        "a": [DeliverControl(3, b"roster", False)],
        "b": [DeliverControl(3, b"roster", False)],
    }


def test_unicast_reaches_only_its_slot() -> None:
    router = joined_router("a", "b", "c")
    out = router.receive("a", encode(Unicast(3, b"sealed key")), 1.0)
    assert [s.droppable for s in sends(out)] == [False]
    assert delivered(out) == {"c": [DeliverControl(1, b"sealed key", True)]}


def test_unicast_to_an_unknown_slot_is_dropped_and_counted() -> None:
    router = joined_router("a", "b")
    assert router.receive("a", encode(Unicast(9, b"x")), 1.0) == []
    assert router.counters.drops == {"unicast_unknown_slot": 1}
    assert router.slot_of("a") == 1  # not an error: the slot may just have left


def test_slots_are_never_reused_while_the_room_lives() -> None:
    router = joined_router("a", "b", "c")
    out = router.disconnect("b")
    assert delivered(out) == {"a": [PeerLeft(2)], "c": [PeerLeft(2)]}
    router.connect("d")
    out = router.receive("d", join(), 1.0)
    assert delivered(out)["d"] == [Joined(4, (1, 3))]
    # A message for the departed slot must not reach the newcomer.
    assert router.receive("a", encode(Unicast(2, b"x")), 1.0) == []


def test_last_one_out_deletes_the_room_and_every_trace_of_it() -> None:
    router = joined_router("a", "b")
    router.disconnect("a")
    assert router.disconnect("b") == []  # nobody left to tell
    assert router.rooms() == {}
    assert router.room_count == 0
    assert router.connection_count == 0
    assert router.counters.rooms == 0
    assert router.counters.connections == 0
    # The same routing id later starts a new room life at slot 1.
    router.connect("c")
    assert delivered(router.receive("c", join(), 2.0)) == {"c": [Joined(1, ())]}


def test_disconnect_is_idempotent_and_unknown_connections_are_ignored() -> None:
    router = joined_router("a")
    assert router.disconnect("a") == []
    assert router.disconnect("a") == []
    assert router.disconnect("never") == []
    assert router.receive("never", join(), 0.0) == []
    assert router.close("never", CloseCode.TOO_SLOW, "x") == []


def test_connecting_twice_is_a_local_error() -> None:
    router: Router[str] = Router()
    router.connect("a")
    with pytest.raises(RouterMisuse):
        router.connect("a")


def test_adapter_close_tells_the_room() -> None:
    router = joined_router("a", "b")
    out = router.close("a", CloseCode.TOO_SLOW, "too slow")
    assert closes(out) == [("a", CloseCode.TOO_SLOW)]
    assert delivered(out) == {"b": [PeerLeft(1)]}
    assert router.counters.closes == {"TOO_SLOW": 1}


def test_max_connections() -> None:
    router: Router[str] = Router(Limits(max_connections=2))
    assert router.connect("a") == []
    assert router.connect("b") == []
    out = router.connect("c")
    assert closes(out) == [("c", CloseCode.RELAY_FULL)]
    assert router.connection_count == 2
    router.disconnect("a")
    assert router.connect("c") == []


def test_max_rooms_leaves_no_state_for_the_refused_room() -> None:
    router = joined_router("a", limits=Limits(max_rooms=1))
    router.connect("b")
    out = router.receive("b", join(ROOM_B), 1.0)
    assert closes(out) == [("b", CloseCode.RELAY_FULL)]
    assert router.rooms() == {ROOM_A: (1,)}
    router.connect("c")
    assert closes(router.receive("c", join(ROOM_A), 1.0)) == []  # existing rooms still open


def test_max_room_size() -> None:
    router = joined_router("a", "b", limits=Limits(max_room_size=2))
    router.connect("c")
    out = router.receive("c", join(), 1.0)
    assert closes(out) == [("c", CloseCode.ROOM_FULL)]
    assert delivered(out) == {}  # the room never saw "c"
    assert router.rooms() == {ROOM_A: (1, 2)}


def test_rate_limit_allows_a_burst_of_twice_the_rate_then_closes() -> None:
    router = joined_router(limits=Limits(rate_messages=10))
    router.connect("a")
    router.connect("b")
    router.receive("b", join(), 0.0)
    assert router.receive("a", join(), 0.0)  # 1 token spent
    for _ in range(19):  # burst is 20
        assert not closes(router.receive("a", encode(Media(b"x")), 0.0))
    out = router.receive("a", encode(Media(b"x")), 0.0)
    assert closes(out) == [("a", CloseCode.RATE_LIMITED)]
    assert next(o for o in out if isinstance(o, Close)).reason == "too many messages"
    assert delivered(out) == {"b": [PeerLeft(2)]}


def test_rate_limit_refills_with_time() -> None:
    router = joined_router(limits=Limits(rate_messages=10))
    router.connect("a")
    router.receive("a", join(), 0.0)
    for _ in range(19):
        router.receive("a", encode(Control(b"x")), 0.0)
    # Bucket empty at t=0; one message every 0.1 s is exactly the allowed rate, forever.
    for i in range(1, 100):
        assert not closes(router.receive("a", encode(Control(b"x")), i * 0.1 + 1e-9))
    assert router.slot_of("a") == 1


def test_token_bucket_ignores_a_clock_that_steps_back() -> None:
    bucket = TokenBucket(rate=1.0, now=10.0, burst=1.0)
    assert bucket.take(10.0)
    assert not bucket.take(5.0)
    assert bucket.take(11.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_rooms": 0},
        {"max_connections": -1},
        {"max_room_size": MAX_ROOM_SIZE + 1},
        {"rate_messages": 0},
        {"rate_messages": float("nan")},
        {"rate_messages": float("inf")},
        {"max_rooms": 1.5},
    ],
)
def test_limits_refuse_unusable_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Limits(**kwargs)  # type: ignore[arg-type]


def test_close_reasons_fit_a_close_frame() -> None:
    router: Router[str] = Router()
    router.connect("a")
    out = router.close("a", CloseCode.BAD_MESSAGE, "é" * 200)
    (close,) = [o for o in out if isinstance(o, Close)]
    assert len(close.reason.encode()) <= MAX_CLOSE_REASON
    assert close.reason == "é" * (MAX_CLOSE_REASON // 2)


# Fuzzing: random sequences of events, invariants after each one.

CONNS = ["a", "b", "c", "d", "e"]
messages = st.one_of(
    st.tuples(st.sampled_from([ROOM_A, ROOM_B]), st.booleans()).map(
        lambda t: encode(Join(*t))
    ),
    st.binary(min_size=1, max_size=20).map(lambda p: encode(Media(p))),
    st.binary(min_size=1, max_size=20).map(lambda p: encode(Control(p))),
    st.tuples(st.integers(1, 8), st.binary(min_size=1, max_size=8)).map(
        lambda t: encode(Unicast(*t))
    ),
    st.binary(max_size=24),
)
events = st.lists(
    st.one_of(
        st.tuples(st.just("connect"), st.sampled_from(CONNS), st.just(b"")),
        st.tuples(st.just("receive"), st.sampled_from(CONNS), messages),
        st.tuples(st.just("disconnect"), st.sampled_from(CONNS), st.just(b"")),
        st.tuples(st.just("close"), st.sampled_from(CONNS), st.just(b"")),
    ),
    max_size=60,
)


@settings(max_examples=300)
@given(events, st.integers(1, 4), st.floats(1, 50))
def test_fuzz_router_invariants(
    script: list[tuple[str, str, bytes]], room_size: int, rate: float
) -> None:
    router: Router[str] = Router(Limits(max_room_size=room_size, max_rooms=1, rate_messages=rate))
    connected: set[str] = set()
    ever_assigned: dict[bytes, set[int]] = {}  # per room life
    quiet: set[str] = set()  # members whose Join was quiet
    now = 0.0
    for kind, conn, data in script:
        now += 0.01
        was_member = router.slot_of(conn) is not None
        try:
            if kind == "connect":
                if conn in connected:
                    continue
                out = router.connect(conn)
                connected.add(conn)
            elif kind == "receive":
                out = router.receive(conn, data, now)
            elif kind == "disconnect":
                out = router.disconnect(conn)
                connected.discard(conn)
            else:
                out = router.close(conn, CloseCode.TOO_SLOW, "slow")
        except RelayError as exc:  # pragma: no cover - would be a finding
            raise AssertionError(f"router raised {exc!r}") from exc
        rooms = router.rooms()
        if router.slot_of(conn) is None:
            quiet.discard(conn)
        elif not was_member:  # it has just joined, so `data` was its Join
            message = decode_client(data)
            if isinstance(message, Join) and message.quiet:
                quiet.add(conn)
        for closed, _code in closes(out):
            assert router.slot_of(closed) is None
            quiet.discard(closed)
        for send in sends(out):
            decode_server(send.data)  # every output is a valid envelope
            assert len(set(send.targets)) == len(send.targets)
            if isinstance(decode_server(send.data), PeerJoined):
                assert not quiet & set(send.targets)
            for message in delivered([send]).values():
                if isinstance(message[0], Joined):
                    room_id = next(r for r, s in rooms.items() if message[0].slot in s)
                    assert message[0].slot not in ever_assigned.setdefault(room_id, set())
                    ever_assigned[room_id].add(message[0].slot)
        # No empty room is ever kept; counters agree with the state.
        assert all(rooms.values())
        assert router.counters.rooms == router.room_count == len(rooms)
        assert router.counters.connections == router.connection_count
        for room_id in list(ever_assigned):
            if room_id not in rooms:
                del ever_assigned[room_id]  # a new life may start at slot 1 again
        # A slot belongs to exactly one connection.
        all_slots = [(r, s) for r, slots in rooms.items() for s in slots]
        assert len(all_slots) == len(set(all_slots))
        assert all(len(slots) <= room_size for slots in rooms.values())
