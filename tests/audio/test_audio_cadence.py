"""OutputCadence: frames are mixed just before the speaker's callbacks want them, never too late.

A scripted speaker (callbacks at given times, each taking one 960-sample block) and a scripted
loop (waking when the cadence says, some milliseconds late at times) stand in for PortAudio and
asyncio: the cadence is pure, so the whole schedule is checked exactly, without a device.
"""

from __future__ import annotations

import math
import random

import pytest

from audio.cadence import MAX_AHEAD, PERIOD, UNKNOWN_POLL, OutputCadence
from audio.codec import FRAME_SAMPLES

LEAD = 0.006


def run(callbacks: list[float], late: float = 0.0, seed: int = 0) -> tuple[int, list[int]]:
    """Play the script: (underruns, blocks queued when each callback ran, before it took one).

    The loop wakes when `plan` asks (up to `late` seconds after), and also right after each
    callback, as the client's loop may for other reasons."""
    rng = random.Random(seed)
    cadence = OutputCadence()
    queued, underruns, seen = 0, 0, []
    wake = 0.0
    for calls, at in enumerate(callbacks, start=1):
        while wake < at:
            now = wake + rng.uniform(0.0, late)
            if now >= at:
                break
            frames, wake = cadence.plan(now, queued, LEAD)
            queued += frames * FRAME_SAMPLES
        seen.append(queued // FRAME_SAMPLES)
        if queued < FRAME_SAMPLES:
            underruns += 1
        queued = max(0, queued - FRAME_SAMPLES)
        cadence.observe(calls, at)
        frames, wake = cadence.plan(at, queued, LEAD)
        queued += frames * FRAME_SAMPLES
    return underruns, seen


def test_before_any_callback_one_block_waits_and_the_loop_looks_again_soon() -> None:
    cadence = OutputCadence()
    assert cadence.plan(1.0, 0, LEAD) == (1, 1.0 + UNKNOWN_POLL)
    assert cadence.plan(1.0, FRAME_SAMPLES, LEAD) == (0, 1.0 + UNKNOWN_POLL)


def test_a_regular_speaker_gets_each_frame_one_lead_before_it_is_due() -> None:
    cadence = OutputCadence()
    for k in range(1, 11):
        cadence.observe(k, 0.003 + k * PERIOD)
    # Callback 10 has run; 11 is due at 0.003 + 11 x 20 ms: nothing to mix until LEAD before it.
    frames, wake = cadence.plan(0.003 + 10 * PERIOD + 0.001, 0, LEAD)
    assert frames == 0
    assert wake == pytest.approx(0.003 + 11 * PERIOD - LEAD)
    frames, wake = cadence.plan(wake, 0, LEAD)
    assert frames == 1
    assert wake == pytest.approx(0.003 + 12 * PERIOD - LEAD)
    # Already queued: nothing more.
    assert cadence.plan(0.003 + 11 * PERIOD - LEAD, FRAME_SAMPLES, LEAD)[0] == 0


def test_late_callbacks_do_not_make_the_schedule_late() -> None:
    cadence = OutputCadence()
    for k in range(1, 6):
        cadence.observe(k, k * PERIOD + (0.008 if k == 5 else 0.0))  # the 5th waited for the GIL
    assert cadence.due(6) == pytest.approx(6 * PERIOD)
    cadence.observe(5, 99.0)  # a repeat of a callback already seen changes nothing
    assert cadence.due(6) == pytest.approx(6 * PERIOD)


def test_regular_callbacks_never_starve_and_hold_one_block_at_most() -> None:
    callbacks = [0.0021 + k * PERIOD + random.Random(k).uniform(0.0, 0.003) for k in range(500)]
    underruns, seen = run(callbacks, late=0.004)
    assert underruns == 0
    assert set(seen) == {1}  # each block is mixed for the callback just ahead, not earlier


def test_irregular_periods_call_back_early_and_still_find_a_block() -> None:
    """PipeWire at 1024-sample periods: 960-sample blocks complete on period boundaries, two in
    one period every so often; the earliest phase predicts the early ones."""
    quantum = 1024 / 48000
    callbacks = [math.ceil(k * FRAME_SAMPLES / 1024) * quantum + 0.001 for k in range(1, 600)]
    underruns, seen = run(callbacks, late=0.003, seed=1)
    assert underruns <= 1
    assert max(seen[60:]) <= MAX_AHEAD + 1


def test_a_stalled_speaker_does_not_fill_the_ring() -> None:
    cadence = OutputCadence()
    for k in range(1, 20):
        cadence.observe(k, k * PERIOD)
    queued = 0
    now = 19 * PERIOD
    for _ in range(200):  # two seconds without a callback
        frames, wake = cadence.plan(now, queued, LEAD)
        queued += frames * FRAME_SAMPLES
        assert wake > now
        now = wake
    assert queued <= (MAX_AHEAD + math.ceil(LEAD / PERIOD)) * FRAME_SAMPLES


def test_a_phase_that_moved_later_is_followed_once_the_window_forgets() -> None:
    cadence = OutputCadence(window=50)
    for k in range(1, 51):
        cadence.observe(k, k * PERIOD)
    for k in range(51, 102):
        cadence.observe(k, k * PERIOD + 0.007)  # the device restarted its clock 7 ms later
    assert cadence.due(102) == pytest.approx(102 * PERIOD + 0.007)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        OutputCadence(period=0.0)
    with pytest.raises(ValueError):
        OutputCadence().due(1)
