"""The replay window: each counter once, reordering within the window, nothing older."""

from __future__ import annotations

import random

import pytest

from crypto import MalformedMessage, ReplayedMessage, ReplayWindow

U32_MAX = 2**32 - 1


def accept(window: ReplayWindow, counter: int) -> None:
    window.check(counter)
    window.commit(counter)


def test_in_order_counters_are_accepted_once() -> None:
    window = ReplayWindow()
    for counter in range(3000):
        accept(window, counter)
    assert window.highest == 2999
    for counter in (2999, 2500, 1976):
        with pytest.raises(ReplayedMessage):
            window.check(counter)


def test_duplicate_is_rejected() -> None:
    window = ReplayWindow()
    accept(window, 5)
    with pytest.raises(ReplayedMessage, match="already"):
        window.check(5)


def test_reordering_within_the_window_is_accepted_once() -> None:
    window = ReplayWindow(size=64)
    order = list(range(64))
    random.Random(7).shuffle(order)
    accept(window, 63)
    for counter in order:
        if counter == 63:
            continue
        accept(window, counter)
    for counter in range(64):
        with pytest.raises(ReplayedMessage):
            window.check(counter)


def test_counter_older_than_the_window_is_rejected_even_if_never_seen() -> None:
    window = ReplayWindow(size=16)
    accept(window, 100)
    accept(window, 85)  # 15 behind: the oldest the window still judges
    with pytest.raises(ReplayedMessage, match="older"):
        window.check(84)


def test_check_alone_does_not_consume_a_counter() -> None:
    """A forged frame is checked, then fails authentication: the real one must still pass."""
    window = ReplayWindow()
    window.check(10)
    window.check(10)
    accept(window, 10)


def test_a_forged_high_counter_that_never_commits_does_not_move_the_window() -> None:
    window = ReplayWindow(size=16)
    accept(window, 1)
    window.check(10**6)  # checked, then dropped for a bad signature: never committed
    accept(window, 2)
    assert window.highest == 2


def test_huge_jump_forgets_the_past_without_a_huge_mask() -> None:
    window = ReplayWindow()
    accept(window, 0)
    accept(window, U32_MAX - 1)
    assert window._mask == 1  # no 2**32-bit integer was built
    with pytest.raises(ReplayedMessage):
        window.check(0)
    accept(window, U32_MAX - 2)
    accept(window, U32_MAX)


def test_last_counter_before_wrap() -> None:
    window = ReplayWindow()
    accept(window, U32_MAX)
    with pytest.raises(ReplayedMessage):
        window.check(U32_MAX)
    accept(window, U32_MAX - 1023)
    with pytest.raises(ReplayedMessage):
        window.check(U32_MAX - 1024)


def test_first_counter_may_be_anything() -> None:
    window = ReplayWindow()
    accept(window, 500_000)
    accept(window, 499_000)
    with pytest.raises(ReplayedMessage):
        window.check(498_976)


def test_commit_outside_the_window_is_harmless() -> None:
    window = ReplayWindow(size=8)
    accept(window, 100)
    window.commit(3)  # too old to record; must not disturb the recent bits
    accept(window, 99)
    with pytest.raises(ReplayedMessage):
        window.check(99)


def test_control_sequence_numbers_use_64_bits() -> None:
    window = ReplayWindow()
    accept(window, 2**64 - 1)
    with pytest.raises(ReplayedMessage):
        window.check(2**64 - 1)


@pytest.mark.parametrize("counter", [-1, 2**64])
def test_counter_out_of_range(counter: int) -> None:
    with pytest.raises(MalformedMessage):
        ReplayWindow().check(counter)
    with pytest.raises(MalformedMessage):
        ReplayWindow().commit(counter)


def test_window_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ReplayWindow(size=0)


def test_matches_a_set_based_model() -> None:
    """Random arrivals with duplicates: the window agrees with a plain set plus an age rule."""
    rng = random.Random(42)
    window = ReplayWindow(size=32)
    seen: set[int] = set()
    highest = -1
    for _ in range(5000):
        counter = max(0, highest + rng.randint(-40, 5))
        expected_ok = counter not in seen and not (highest - counter >= 32)
        try:
            window.check(counter)
        except ReplayedMessage:
            assert not expected_ok, counter
            continue
        assert expected_ok, counter
        window.commit(counter)
        seen.add(counter)
        highest = max(highest, counter)
