"""The second audio lane's pure parts, on scripted time: which copy passes, when a lane is
wanted, and when a link is too slow for the room. (The lane over real lossy links is tested in
tests/integration/test_integration_network.py.)"""

from __future__ import annotations

import asyncio

import pytest

from app.net.lanes import Backlog, Firsts, LaneKeeper, LanePolicy, lane_room, too_slow_sentence
from relay.wire import DeliverMedia, Media, encode


def delivered(payload: bytes) -> bytes:
    return encode(DeliverMedia(payload))


def test_lane_room_is_a_fixed_one_way_function_of_the_routing_id() -> None:
    room = bytes(range(16))
    lane = lane_room(room)
    assert lane.hex() == "fed357ec39820e2dad9cbfb1064717ff"  # docs/PROTOCOL.md, "Audio lanes"
    assert lane_room(room) == lane
    assert lane_room(bytes(16)) != lane
    with pytest.raises(ValueError):
        lane_room(b"short")


def test_the_first_copy_passes_and_the_second_is_dropped() -> None:
    firsts = Firsts()
    frame = delivered(b"sealed frame 1")
    assert firsts.first(frame)
    assert not firsts.first(frame)
    assert firsts.duplicates == 1


def test_a_forged_frame_cannot_shadow_the_real_one() -> None:
    """Only a byte-identical copy is dropped: a frame that differs anywhere (a relay's forgery
    with the same counter) goes on to the core, which rejects it, and the real one still
    passes."""
    firsts = Firsts()
    real = delivered(b"\x01\x02counter-7 real ciphertext")
    forged = delivered(b"\x01\x02counter-7 forged bytes!!")
    assert firsts.first(forged)
    assert firsts.first(real)


def test_the_memory_of_firsts_is_bounded() -> None:
    firsts = Firsts(size=100)
    for i in range(1000):
        assert firsts.first(delivered(i.to_bytes(4, "big")))
    assert len(firsts._seen) == len(firsts._order) == 100
    assert firsts.first(delivered((0).to_bytes(4, "big")))  # long forgotten: passes again


def test_a_speaker_always_wants_a_lane_a_listener_after_a_stall_until_calm() -> None:
    policy = LanePolicy(calm=120.0, narrow_hold=300.0)
    policy.observe(0.0, stalls=0, too_slow=False)
    assert policy.wanted(0.0, speaking=True)
    assert not policy.wanted(0.0, speaking=False)  # a new listener: no lane until a stall
    policy.observe(10.0, stalls=1, too_slow=False)
    assert policy.wanted(10.0, speaking=False)
    policy.observe(129.0, stalls=1, too_slow=False)
    assert policy.wanted(129.0, speaking=False)
    policy.observe(130.5, stalls=1, too_slow=False)
    assert not policy.wanted(130.5, speaking=False)  # calm for two minutes: closed
    assert policy.wanted(130.5, speaking=True)
    policy.observe(200.0, stalls=2, too_slow=False)  # a stall: open again
    assert policy.wanted(200.0, speaking=False)
    assert policy.wanted(319.0, speaking=False)
    policy.observe(321.0, stalls=2, too_slow=False)  # the same count: no new stall
    assert not policy.wanted(321.0, speaking=False)


def test_a_link_too_slow_for_the_room_closes_the_lane_for_a_while() -> None:
    policy = LanePolicy(calm=120.0, narrow_hold=300.0)
    policy.observe(0.0, stalls=5, too_slow=True)
    assert not policy.wanted(1.0, speaking=True)
    assert not policy.wanted(1.0, speaking=False)
    assert policy.wanted(301.0, speaking=True)


def test_jitter_alone_is_not_falling_behind() -> None:
    backlog = Backlog()
    base = 100.0
    for seq in range(1000):  # 20 s of frames, each up to 150 ms late at random-ish
        backlog.frame(7, seq, base + seq * 0.02 + (seq * 37 % 150) / 1000)
    assert not backlog.too_slow(base + 20.0)


def test_a_growing_queue_is_falling_behind() -> None:
    """Frames sent every 20 ms arrive every 25 ms: the queue grows 5 ms each frame."""
    backlog = Backlog()
    base = 100.0
    now = base
    for seq in range(500):
        now = base + seq * 0.025
        backlog.frame(7, seq, now)
    assert backlog.behind(now) > 0.15
    assert backlog.too_slow(now)
    backlog.forget(7)
    assert not backlog.too_slow(now)


def test_the_backlog_remembers_a_bounded_number_of_speakers() -> None:
    backlog = Backlog(max_speakers=4)
    for member in range(100):
        backlog.frame(member, 0, 1.0)
    assert len(backlog._fastest) == 4


def test_the_keeper_copies_only_audio_and_says_when_too_slow() -> None:
    said: list[str] = []

    async def scenario() -> None:
        keeper = LaneKeeper(lambda data: None, proxy=None, enabled=False,
                            on_too_slow=lambda n: said.append(too_slow_sentence(n)))
        keeper.outgoing(encode(Media(b"x" * 80)))  # no lane: nothing happens, nothing breaks
        assert keeper.first(b"\x01\x81control")  # not media: never deduplicated
        assert keeper.first(b"\x01\x81control")
        for seq in range(500):
            keeper.frame(3, seq, 100.0 + seq * 0.025)
        await keeper.tick(112.5, url="ws://127.0.0.1:9", routing_id=bytes(16), in_room=True,
                          speaking=False, stalls=0, speakers=2)
        assert keeper.too_slow and keeper.lane is None
        await keeper.tick(113.5, url="ws://127.0.0.1:9", routing_id=bytes(16), in_room=True,
                          speaking=False, stalls=0, speakers=2)
        assert said == [too_slow_sentence(2)]  # said once, not every second
        assert keeper.stats()["too_slow"] is True

    asyncio.run(scenario())


def test_falling_behind_with_a_lane_closes_the_lane_before_blaming_the_link() -> None:
    """The lane's copies may be what does not fit (one speaker, two copies, a 128 kbit/s link):
    the lane closes silently and the link is judged again without it; only a link that falls
    behind with no lane open is too slow for the room."""
    said: list[int] = []

    async def scenario() -> None:
        keeper = LaneKeeper(lambda data: None, proxy=None, on_too_slow=said.append)
        where = {"url": "ws://127.0.0.1:9", "routing_id": bytes(16), "in_room": True,
                 "speaking": False, "stalls": 0, "speakers": 1}
        await keeper.tick(100.0, **{**where, "stalls": 1})  # a stall: a lane
        assert keeper.lane is not None
        for seq in range(500):  # the queue grows 5 ms a frame
            keeper.frame(3, seq, 100.0 + seq * 0.025)
        await keeper.tick(112.5, **where)
        assert keeper.lane is None and said == [] and not keeper.too_slow
        for seq in range(500, 1000):  # still behind without the lane: the link is too slow
            keeper.frame(3, seq, 100.0 + seq * 0.025)
        await keeper.tick(125.0, **where)
        assert said == [1] and keeper.too_slow and keeper.lane is None
        await keeper.close()

    asyncio.run(scenario())


def test_our_own_frames_dropped_behind_a_narrow_uplink_close_the_lane() -> None:
    async def scenario() -> None:
        keeper = LaneKeeper(lambda data: None, proxy=None)
        where = {"url": "ws://127.0.0.1:9", "routing_id": bytes(16), "in_room": True,
                 "speaking": True, "stalls": 0, "speakers": 0}
        await keeper.tick(1.0, **where, uplink_drops=0)
        assert keeper.lane is not None  # a speaker sends copies
        await keeper.tick(2.0, **where, uplink_drops=7)
        assert keeper.lane is None
        await keeper.tick(3.0, **where, uplink_drops=7)
        assert keeper.lane is None  # held closed for a while
        await keeper.close()

    asyncio.run(scenario())
