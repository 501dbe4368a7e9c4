"""How long to wait before the next reconnection attempt: sans-I/O, randomness passed in.

Exponential growth with "equal jitter": the delay for attempt n is drawn from
[d/2, d] where d = min(cap, base * factor**n). Half of it is fixed, so a client never hammers a
relay that just came back; half is random, so the thousands of listeners a dead relay drops do
not all return in the same millisecond (AWS Architecture Blog, "Exponential Backoff And Jitter").
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5  # seconds before the first retry (before jitter)
    factor: float = 2.0
    cap: float = 30.0  # no wait is longer than this

    def __post_init__(self) -> None:
        if not 0 < self.base <= self.cap or self.factor < 1:
            raise ValueError("Backoff needs 0 < base <= cap and factor >= 1")

    def delay(self, attempt: int, random: Callable[[], float] = _random.random) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry).

        `random()` must return a float in [0, 1), like `random.random`.
        """
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        # Compare in the exponent first: factor**attempt overflows long before it matters.
        ceiling = self.cap
        if attempt < 64:
            ceiling = min(self.cap, self.base * self.factor**attempt)
        return ceiling / 2 + ceiling / 2 * random()
