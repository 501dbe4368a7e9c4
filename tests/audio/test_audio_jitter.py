"""The adaptive jitter buffer against scripted arrival timelines.

A timeline is a list of (arrival time, sequence number) pairs; ticks happen every 20 ms at a
fixed phase, each pushing what has arrived by then and popping once. Outputs are written
compactly: "p" played a packet, "f" rebuilt a lost frame from FEC, "c" concealed a lost frame,
"e" expanded (concealment while waiting, no frame lost), "." idle.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.jitter import FRAME_SECONDS, MIN_DELAY, JitterBuffer, JitterStats, PlayoutState

F = FRAME_SECONDS
WRAP = 1 << 32
SYMBOL = {"packet": "p", "fec": "f", "conceal": "c", "expand": "e"}


def steady(count: int, first: int = 0, transit: float = 0.003, start: float = 1.0,
           jitter: Sequence[float] | None = None) -> list[tuple[float, int]]:
    """Packets sent every 20 ms, arriving after `transit` (+ a jitter each, if given)."""
    out = []
    for i in range(count):
        extra = jitter[i] if jitter is not None else 0.0
        out.append((start + i * F + transit + extra, (first + i) % WRAP))
    return sorted(out)


def run(jb: JitterBuffer, arrivals: Sequence[tuple[float, int]], ticks: int,
        phase: float = 0.010, start: float = 1.0, quiet: bool = False) -> str:
    out = []
    i = 0
    for k in range(ticks):
        now = start + phase + k * F
        while i < len(arrivals) and arrivals[i][0] <= now:
            t, seq = arrivals[i]
            jb.push(seq, str(seq).encode(), t)
            i += 1
        item = jb.pop(now, quiet=quiet)
        out.append("." if item is None else SYMBOL[item[0]])
    return "".join(out)


def assert_adds_up(jb: JitterBuffer) -> None:
    s = jb.stats
    assert s.received == s.played + s.late + s.duplicate + s.dropped + s.skipped + jb.buffered
    assert s.lost == s.recovered + s.concealed


def test_idle_until_the_first_packet() -> None:
    jb = JitterBuffer()
    assert [jb.pop(float(t)) for t in range(3)] == [None, None, None]
    assert jb.state is PlayoutState.IDLE
    assert jb.stats.received == 0


def test_a_clean_stream_plays_every_packet_in_order() -> None:
    jb = JitterBuffer()
    arrivals = steady(200)
    played: list[bytes] = []
    i = 0
    for k in range(215):  # on to the end of the stream
        now = 1.010 + k * F
        while i < len(arrivals) and arrivals[i][0] <= now:
            jb.push(arrivals[i][1], str(arrivals[i][1]).encode(), arrivals[i][0])
            i += 1
        item = jb.pop(now)
        if item is not None and item[0] == "packet":
            assert item[1] is not None
            played.append(item[1])
    assert played == [str(n).encode() for n in range(200)]
    s = jb.stats
    assert (s.lost, s.late, s.skipped, s.stops) == (0, 0, 0, 1)
    assert s.expanded <= 10  # the concealed tail after the last packet
    assert_adds_up(jb)


def test_on_a_steady_link_the_delay_settles_at_the_floor() -> None:
    """No jitter: the target falls to its lower bound and the delay follows it in silence."""
    jb = JitterBuffer()
    out = run(jb, steady(400), 400, quiet=True)
    assert "c" not in out and "f" not in out
    s = jb.stats
    assert s.target_ms == pytest.approx(MIN_DELAY * 1000)
    assert s.target_ms <= s.delay_ms < s.target_ms + 20.0 + 5.0  # at most a frame above target
    assert s.lost == 0 and s.late == 0
    assert_adds_up(jb)


def test_the_target_follows_the_jitter_quantile() -> None:
    rng = random.Random(7)
    quiet_link = JitterBuffer()
    run(quiet_link, steady(500, jitter=[rng.uniform(0, 0.004) for _ in range(500)]), 500)
    rough_link = JitterBuffer()
    run(rough_link, steady(500, jitter=[rng.uniform(0, 0.060) for _ in range(500)]), 500)
    assert quiet_link.stats.target_ms == pytest.approx(MIN_DELAY * 1000)  # bounded below
    assert 55.0 <= rough_link.stats.jitter_ms <= 62.0  # the 95th percentile of U(0, 60 ms)
    assert rough_link.stats.target_ms == pytest.approx(rough_link.stats.jitter_ms + 5.0)


def test_the_target_still_follows_the_jitter_after_a_long_stream() -> None:
    """The histogram forgets lazily (a running scale, folded back in now and then): after many
    folds the quantile is still that of the recent jitter, and an old spell of jitter is
    forgotten. A short memory (forget=0.9) makes the folds come every ~2,200 packets."""
    rng = random.Random(11)
    count = 12_000
    rough = [rng.uniform(0, 0.060) for _ in range(count // 2)]
    calm = [rng.uniform(0, 0.004) for _ in range(count // 2)]
    jb = JitterBuffer(forget=0.9)
    run(jb, steady(count // 2, jitter=rough), count // 2)
    assert 50.0 <= jb.stats.jitter_ms <= 62.0
    assert jb.stats.target_ms == pytest.approx(jb.stats.jitter_ms + 5.0)
    run(jb, steady(count // 2, first=count // 2, start=1.0 + (count // 2) * F, jitter=calm),
        count // 2, start=1.0 + (count // 2) * F)
    assert jb.stats.jitter_ms <= 5.0
    assert jb.stats.target_ms == pytest.approx(MIN_DELAY * 1000)


def test_the_target_is_bounded_at_200_ms() -> None:
    rng = random.Random(3)
    jb = JitterBuffer()
    run(jb, steady(300, jitter=[rng.uniform(0, 0.5) for _ in range(300)]), 320)
    assert jb.stats.target_ms == pytest.approx(200.0)
    assert jb.stats.delay_ms <= 200.0 + 1e-6


def test_jitter_within_the_target_loses_nothing() -> None:
    rng = random.Random(11)
    jb = JitterBuffer()
    jitter = [rng.uniform(0, 0.015) for _ in range(600)]
    out = run(jb, steady(600, jitter=jitter), 620)
    s = jb.stats
    # Only the first second, before the statistics know the link, may stretch.
    assert s.lost == 0 and s.late == 0
    assert "c" not in out[100:600] and "e" not in out[100:600]
    assert_adds_up(jb)


def test_a_lost_packet_is_rebuilt_from_the_next_one() -> None:
    arrivals = [a for a in steady(100) if a[1] != 50]
    jb = JitterBuffer(initial_jitter=0.030)  # a target of more than a frame: FEC is in time
    out = run(jb, arrivals, 100)
    assert out.count("f") == 1 and "c" not in out
    assert jb.stats.lost == 1 and jb.stats.recovered == 1
    assert_adds_up(jb)


def test_two_lost_in_a_row_are_concealed_then_rebuilt() -> None:
    arrivals = [a for a in steady(100) if a[1] not in (50, 51)]
    jb = JitterBuffer(initial_jitter=0.030)
    out = run(jb, arrivals, 100)
    assert "cf" in out
    assert (jb.stats.lost, jb.stats.concealed, jb.stats.recovered) == (2, 1, 1)
    assert_adds_up(jb)


def test_loss_makes_room_for_fec() -> None:
    """With losses seen, the target keeps one more frame so the next packet is in time."""
    rng = random.Random(5)
    arrivals = [a for a in steady(800) if rng.random() > 0.1]
    jb = JitterBuffer()
    run(jb, arrivals, 810, quiet=True)
    s = jb.stats
    assert s.loss_rate > 0.05
    assert s.target_ms == pytest.approx(s.jitter_ms + 5.0 + 20.0)
    # Most single losses found their successor in the buffer.
    assert s.recovered > 2 * s.concealed
    assert_adds_up(jb)


def test_a_delay_spike_stretches_instead_of_dropping_frames() -> None:
    """Packets 100-104 are held up 120 ms (a queue on the path), then arrive in a burst."""
    arrivals = steady(300, jitter=[0.120 - 0.02 * (i - 100) if 100 <= i < 105 else 0.0
                                   for i in range(300)])
    jb = JitterBuffer()
    out = run(jb, arrivals, 300)
    s = jb.stats
    assert "e" in out[95:110]  # it waited for the late packets ...
    assert s.late < 5  # ... so most of them were still played
    assert s.played + s.late + s.skipped == 300 - jb.buffered
    assert_adds_up(jb)


def test_the_delay_comes_back_down_only_in_silence() -> None:
    spike = [0.120 - 0.02 * (i - 100) if 100 <= i < 105 else 0.0 for i in range(600)]
    talking = JitterBuffer()
    run(talking, steady(600, jitter=spike), 600, quiet=False)
    pausing = JitterBuffer()
    run(pausing, steady(600, jitter=spike), 600, quiet=True)
    assert talking.stats.skipped == 0  # while someone talks, no frame is thrown away
    assert pausing.stats.skipped > 0
    assert pausing.stats.delay_ms < talking.stats.delay_ms
    assert pausing.stats.delay_ms < pausing.stats.target_ms + 20.0 + 5.0


def test_duplicates_and_late_packets_are_counted() -> None:
    jb = JitterBuffer()
    arrivals = steady(50)
    arrivals += [(arrivals[10][0] + 0.001, 10)]  # a duplicate while still buffered
    arrivals += [(1.5, 5)]  # long after packet 5 was played
    run(jb, sorted(arrivals), 70)
    assert jb.stats.lost == 0 and jb.stats.played == 50
    assert jb.stats.duplicate == 1 and jb.stats.late == 1
    assert_adds_up(jb)


def test_reordered_packets_in_time_are_played_in_order() -> None:
    arrivals = steady(100)
    swapped = dict(arrivals[i][::-1] for i in range(100))
    swapped[41], swapped[40] = swapped[40] - 0.001, swapped[41]  # 41 overtakes 40
    arrivals = sorted((t, seq) for seq, t in swapped.items())
    jb = JitterBuffer(initial_jitter=0.030)
    played = []
    i = 0
    for k in range(100):
        now = 1.010 + k * F
        while i < len(arrivals) and arrivals[i][0] <= now:
            jb.push(arrivals[i][1], str(arrivals[i][1]).encode(), arrivals[i][0])
            i += 1
        item = jb.pop(now)
        if item is not None and item[0] == "packet":
            assert item[1] is not None
            played.append(int(item[1]))
    assert played == sorted(played)
    assert jb.stats.reordered == 1 and jb.stats.lost == 0
    assert_adds_up(jb)


def test_the_stream_ends_after_a_silence_and_restarts_fresh() -> None:
    first = steady(100)
    second = steady(100, first=100 + 500, start=1.0 + 600 * F)  # the counter kept running
    jb = JitterBuffer()
    out = run(jb, first + second, 800)
    assert jb.stats.starts == 2 and jb.stats.stops == 2  # each stream ended
    assert "." in out[120:600]
    assert out[700:].strip(".") != ""
    assert jb.stats.lost == 0 and jb.stats.played == 200
    assert_adds_up(jb)


def test_sequence_numbers_wrap_around() -> None:
    jb = JitterBuffer()
    run(jb, steady(100, first=WRAP - 50), 120)
    assert jb.stats.lost == 0 and jb.stats.played == 100
    assert_adds_up(jb)


def test_a_sender_whose_clock_runs_slow_is_stretched_not_starved() -> None:
    """A sender 1 % slow (a busy machine dropping samples): the buffer expands now and then."""
    arrivals = [(1.0 + i * F * 1.01 + 0.003, i) for i in range(1000)]
    jb = JitterBuffer()
    run(jb, arrivals, 1000, quiet=True)
    s = jb.stats
    assert s.lost == 0 and s.late == 0
    assert s.expanded >= 5
    assert s.target_ms < 40.0  # the drift did not pass for jitter


def test_the_buffer_is_bounded_and_a_backlog_does_not_become_delay() -> None:
    jb = JitterBuffer(max_frames=50)
    for seq in range(60):  # a second of packets at once, after a stall
        jb.push(seq, str(seq).encode(), 1.0)
    assert jb.buffered == 50 and jb.stats.dropped == 10  # the oldest go first
    assert jb.pop(1.01) == ("packet", b"58")  # the start keeps only what the target needs
    assert jb.stats.dropped == 58
    assert_adds_up(jb)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        JitterBuffer(min_delay=0.3, max_delay=0.2)
    with pytest.raises(ValueError):
        JitterBuffer().push(-1, b"x", 0.0)
    with pytest.raises(ValueError):
        JitterBuffer().push(WRAP, b"x", 0.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 0.3), st.booleans(), st.booleans()), min_size=1,
                max_size=150), st.booleans())
def test_counters_always_add_up(script: list[tuple[float, bool, bool]], quiet: bool) -> None:
    """Any mix of jitter, loss and duplication: the books balance after every tick."""
    arrivals = []
    for seq, (jitter, lost, dup) in enumerate(script):
        if lost:
            continue
        arrivals.append((1.0 + seq * F + jitter, seq))
        if dup:
            arrivals.append((1.0 + seq * F + jitter + 0.001, seq))
    arrivals.sort()
    jb = JitterBuffer()
    i = 0
    for k in range(len(script) + 30):
        now = 1.010 + k * F
        while i < len(arrivals) and arrivals[i][0] <= now:
            jb.push(arrivals[i][1], b"x", arrivals[i][0])
            i += 1
        jb.pop(now, quiet=quiet)
        assert_adds_up(jb)
        assert 0.0 <= jb.stats.target_ms <= 200.0
    assert isinstance(jb.stats, JitterStats)
