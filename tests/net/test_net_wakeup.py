"""SleepWatch on scripted clock readings: a suspend is what parts CLOCK_BOOTTIME from
CLOCK_MONOTONIC (a real suspend cannot happen on a test machine)."""

from __future__ import annotations

import time

from app.net.wakeup import SLEPT_AFTER, SleepWatch, boot_clock


def test_a_suspend_is_noticed_once() -> None:
    watch = SleepWatch(100.0, 5000.0)
    assert watch.check(100.02, 5000.02) == 0.0  # an ordinary tick
    assert watch.check(100.04, 5060.04) == 60.0  # 60 s asleep between two ticks
    assert watch.check(100.06, 5060.06) == 0.0  # and not again


def test_small_drift_and_a_clock_set_back_are_not_sleeps() -> None:
    watch = SleepWatch(0.0, 0.0)
    assert watch.check(10.0, 10.0 + SLEPT_AFTER / 2) == 0.0
    assert watch.check(20.0, 20.0 + SLEPT_AFTER) == 0.0  # drift accumulates: never 3 s at once
    assert watch.check(30.0, 30.0 - 3600.0) == 0.0  # a wall clock (the fallback) set back
    assert watch.check(40.0, 40.0 - 3600.0 + 4.0) == 4.0  # then a real 4 s sleep


def test_the_boot_clock_runs_with_the_monotonic_one_while_awake() -> None:
    mono, boot = time.monotonic(), boot_clock()
    time.sleep(0.05)
    watch_gap = (boot_clock() - boot) - (time.monotonic() - mono)
    assert abs(watch_gap) < 0.01
