"""Playout as scripted arrival timelines: one list of arriving frames per 20 ms tick.

Each tick pushes the listed sequence numbers, then pops once. Outputs are written compactly:
"7" played packet 7, "fec8" rebuilt the missing frame from packet 8, "~" concealed, "." idle.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.playout import Playout, PlayoutState, PlayoutStats

WRAP = 1 << 32


def packet(seq: int) -> bytes:
    return str(seq).encode()


def show(item: tuple[str, bytes | None] | None) -> str:
    if item is None:
        return "."
    kind, data = item
    if kind == "packet":
        assert data is not None
        return data.decode()
    if kind == "fec":
        assert data is not None
        return "fec" + data.decode()
    assert kind == "conceal" and data is None
    return "~"


def run(playout: Playout, timeline: Sequence[Sequence[int]], extra_ticks: int = 0) -> list[str]:
    out = []
    for arrivals in [*timeline, *([()] * extra_ticks)]:
        for seq in arrivals:
            playout.push(seq, packet(seq))
        out.append(show(playout.pop()))
    return out


def assert_adds_up(playout: Playout) -> None:
    s = playout.stats
    assert s.received == s.played + s.late + s.duplicate + s.dropped + playout.buffered
    assert s.lost == s.recovered + s.concealed


def steady(first: int, count: int) -> list[list[int]]:
    return [[(first + i) % WRAP] for i in range(count)]


def test_idle_until_the_first_packet() -> None:
    playout = Playout()
    assert [show(playout.pop()) for _ in range(5)] == ["."] * 5
    assert playout.state is PlayoutState.IDLE
    assert playout.stats == PlayoutStats()


def test_in_order_stream_plays_after_the_delay() -> None:
    playout = Playout(delay_frames=3)
    assert run(playout, steady(0, 6)) == [".", ".", "0", "1", "2", "3"]
    assert playout.state is PlayoutState.PLAYING
    assert playout.buffered == 2
    assert playout.stats.played == 4 and playout.stats.starts == 1
    assert_adds_up(playout)


def test_a_lone_packet_starts_after_delay_ticks() -> None:
    playout = Playout(delay_frames=3)
    assert run(playout, [[40]], extra_ticks=3) == [".", ".", "40", "~"]


def test_zero_delay_plays_at_once() -> None:
    playout = Playout(delay_frames=0)
    assert run(playout, steady(9, 3)) == ["9", "10", "11"]


def test_reordered_packets_play_in_order() -> None:
    playout = Playout(delay_frames=2)
    timeline = [[0], [2], [1], [3], [5], [4], [6]]
    assert run(playout, timeline, extra_ticks=1) == [".", "0", "1", "2", "3", "4", "5", "6"]
    assert playout.stats.lost == 0 and playout.stats.late == 0
    assert_adds_up(playout)


def test_reordering_before_the_start_moves_the_start_back() -> None:
    playout = Playout(delay_frames=3)
    assert run(playout, [[11], [10], [12], [13]]) == [".", ".", "10", "11"]


def test_duplicates_are_counted_and_played_once() -> None:
    playout = Playout(delay_frames=1)
    assert run(playout, [[0, 0], [1, 2, 2], [1], [2]]) == ["0", "1", "2", "~"]
    assert playout.stats.duplicate == 2
    assert playout.stats.late == 2  # copies of frames already played are late, not duplicates
    assert_adds_up(playout)


def test_missing_frame_with_the_next_packet_here_uses_fec() -> None:
    playout = Playout(delay_frames=2)
    timeline = [[0], [1], [], [3], [4]]  # 2 never arrives
    assert run(playout, timeline, extra_ticks=1) == [".", "0", "1", "fec3", "3", "4"]
    assert playout.stats.recovered == 1 and playout.stats.lost == 1
    assert_adds_up(playout)


def test_missing_frame_without_the_next_packet_is_concealed() -> None:
    playout = Playout(delay_frames=1)
    timeline = [[0], [1], [], [], [4], [5]]
    assert run(playout, timeline) == ["0", "1", "~", "~", "4", "5"]
    assert playout.stats.concealed == 2 and playout.stats.lost == 2
    assert_adds_up(playout)


def test_late_packet_is_counted_not_played() -> None:
    playout = Playout(delay_frames=1)
    timeline = [[0], [1], [], [2, 3], [4]]  # 2 arrives after its tick
    assert run(playout, timeline) == ["0", "1", "~", "3", "4"]
    assert playout.stats.late == 1 and playout.stats.concealed == 1
    assert_adds_up(playout)


def test_packet_after_its_fec_recovery_is_late() -> None:
    playout = Playout(delay_frames=1)
    assert run(playout, [[0], [2], [1], [3]]) == ["0", "fec2", "2", "3"]
    assert playout.stats.late == 1 and playout.stats.recovered == 1
    assert_adds_up(playout)


def test_stream_stops_after_stop_after_missing_frames_then_restarts() -> None:
    playout = Playout(delay_frames=2, stop_after=4)
    out = run(playout, steady(0, 3), extra_ticks=6)
    assert out == [".", "0", "1", "2", "~", "~", "~", ".", "."]
    assert playout.state is PlayoutState.IDLE
    assert playout.stats.stops == 1 and playout.stats.concealed == 3
    # New packets restart it with the full delay.
    assert run(playout, steady(20, 3)) == [".", "20", "21"]
    assert playout.stats.starts == 2
    assert_adds_up(playout)


def test_default_stop_after_is_ten_frames() -> None:
    playout = Playout(delay_frames=1)
    out = run(playout, [[0]], extra_ticks=11)
    assert out == ["0"] + ["~"] * 9 + [".", "."]


def test_old_packet_while_stopped_is_late_and_does_not_restart() -> None:
    playout = Playout(delay_frames=1, stop_after=2)
    assert run(playout, steady(100, 2), extra_ticks=3) == ["100", "101", "~", ".", "."]
    assert run(playout, [[101], [99]]) == [".", "."]
    assert playout.stats.late == 2
    assert playout.state is PlayoutState.IDLE


def test_sender_that_started_over_is_heard_again() -> None:
    playout = Playout(delay_frames=1, stop_after=2)
    run(playout, steady(5000, 3), extra_ticks=3)
    assert playout.state is PlayoutState.IDLE
    assert run(playout, steady(7, 3)) == ["7", "8", "9"]


def test_gap_longer_than_stop_after_rebuffers_from_the_waiting_packets() -> None:
    playout = Playout(delay_frames=2, stop_after=3)
    timeline = [[0], [1], [], [], [10], [11], [12], [13]]
    # 10 and 11 wait while the stream stops; at the restart only delay_frames are kept, so 10 is
    # dropped and 11 plays one tick after it arrived, exactly like 0 did.
    assert run(playout, timeline) == [".", "0", "1", "~", "~", ".", "11", "12"]
    assert playout.stats.stops == 1 and playout.stats.starts == 2
    assert playout.stats.dropped == 1
    assert_adds_up(playout)


def test_fec_keeps_a_stream_alive_at_the_stop_limit() -> None:
    playout = Playout(delay_frames=1, stop_after=3)
    timeline = [[0], [], [], [4], [5]]  # 1, 2, 3 missing; 4 arrives in time to rebuild 3
    assert run(playout, timeline) == ["0", "~", "~", "fec4", "4"]
    assert playout.stats.stops == 0


def test_sequence_numbers_wrap_around() -> None:
    playout = Playout(delay_frames=2)
    first = WRAP - 3
    out = run(playout, steady(first, 7))
    assert out == [".", str(WRAP - 3), str(WRAP - 2), str(WRAP - 1), "0", "1", "2"]
    assert playout.stats.late == 0 and playout.stats.lost == 0


def test_reordering_across_the_wrap() -> None:
    playout = Playout(delay_frames=2)
    timeline = [[WRAP - 2], [0], [WRAP - 1], [1], [2]]
    assert run(playout, timeline) == [".", str(WRAP - 2), str(WRAP - 1), "0", "1"]


def test_fec_across_the_wrap() -> None:
    playout = Playout(delay_frames=1)
    assert run(playout, [[WRAP - 2], [], [0], [1]]) == [str(WRAP - 2), "~", "0", "1"]
    playout = Playout(delay_frames=1)
    assert run(playout, [[WRAP - 2], [0], [], [1]]) == [str(WRAP - 2), "fec0", "0", "1"]


def test_late_across_the_wrap() -> None:
    playout = Playout(delay_frames=1)
    assert run(playout, [[WRAP - 1], [0], [1, WRAP - 1], [2]]) == [str(WRAP - 1), "0", "1", "2"]
    assert playout.stats.late == 1


def test_buffer_is_bounded_and_a_backlog_does_not_become_delay() -> None:
    playout = Playout(delay_frames=3, max_frames=50)
    for seq in range(60):
        playout.push(seq, packet(seq))
    assert playout.buffered == 50 and playout.stats.dropped == 10
    # At the start only delay_frames are kept: a burst after a stall must not add latency.
    assert run(playout, [], extra_ticks=3) == ["57", "58", "59"]
    assert playout.stats.dropped == 57
    assert_adds_up(playout)


def test_buffer_bound_while_playing_drops_the_oldest() -> None:
    playout = Playout(delay_frames=1, max_frames=5)
    assert run(playout, [[0]]) == ["0"]
    for seq in range(1, 9):
        playout.push(seq, packet(seq))
    assert playout.buffered == 5 and playout.stats.dropped == 3
    assert run(playout, [], extra_ticks=2) == ["4", "5"]
    assert_adds_up(playout)


def test_far_future_packet_is_kept_and_the_stream_resyncs_to_it() -> None:
    playout = Playout(delay_frames=1, stop_after=3)
    timeline = [[0], [1], [1_000_000], [], [], []]
    assert run(playout, timeline) == ["0", "1", "~", "~", ".", "1000000"]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((-1,), {}), ((50,), {}), ((3,), {"max_frames": 3}), ((3,), {"stop_after": 0})],
)
def test_bad_settings_are_refused(args: tuple[int], kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Playout(*args, **kwargs)


@pytest.mark.parametrize("seq", [-1, WRAP])
def test_sequence_numbers_must_be_u32(seq: int) -> None:
    with pytest.raises(ValueError, match="u32"):
        Playout().push(seq, b"x")


# A sender at one frame per tick over a network that delays, reorders, duplicates and loses.
@settings(max_examples=150, deadline=None)
@given(
    first=st.sampled_from([0, 12345, WRAP - 40, WRAP - 1]),
    fates=st.lists(
        st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 12)), min_size=1, max_size=120
    ),
    delay=st.integers(0, 6),
    pauses=st.lists(st.integers(0, 119), max_size=3),
)
def test_any_network_behaviour_keeps_order_and_counts(
    first: int, fates: list[tuple[int, bool, int]], delay: int, pauses: list[int]
) -> None:
    """Whatever arrives when: frames play in order, none twice, and the counts add up."""
    arrivals: dict[int, list[int]] = {}
    for i, (extra_delay, duplicated, loss_roll) in enumerate(fates):
        if loss_roll == 0 or i in pauses:
            continue  # lost
        arrivals.setdefault(i + extra_delay, []).append(i)
        if duplicated:
            arrivals.setdefault(i + extra_delay + 1, []).append(i)
    playout = Playout(delay_frames=delay, max_frames=20, stop_after=5)
    played: list[int] = []
    expected: int | None = None  # the frame the next tick must produce, while a run lasts
    for tick in range(len(fates) + 30):
        for i in arrivals.get(tick, []):
            playout.push((first + i) % WRAP, packet(i))
        item = playout.pop()
        if item is None:
            expected = None
            continue
        kind, data = item
        if kind == "packet":
            assert data is not None
            frame = int(data)
            assert expected is None or frame == expected  # a run never skips or repeats
            played.append(frame)
        elif kind == "fec":
            assert data is not None and expected is not None
            assert int(data) == expected + 1  # FEC comes from the frame right after
            frame = expected
        else:
            assert expected is not None
            frame = expected
        expected = frame + 1
        assert_adds_up(playout)
    assert played == sorted(set(played))
    assert playout.stats.played == len(played)
    assert playout.state is PlayoutState.IDLE and playout.buffered == 0
