"""Keep-alive pings at randomised intervals, for relays and clients alike.

websockets pings every `ping_interval` seconds. A fixed interval is a fingerprint an observer of
encrypted traffic can match (a small record in both directions, every 20 s exactly), so both ends
draw each interval from ±25 % around the configured one. Mix `JitteredPings` in before a
websockets connection class; it reads `ping_interval` afresh for every ping.
"""

from __future__ import annotations

import random


class JitteredPings:
    _ping_base: float | None

    @property
    def ping_interval(self) -> float | None:
        base = self._ping_base
        return None if base is None else base * random.uniform(0.75, 1.25)

    @ping_interval.setter
    def ping_interval(self, value: float | None) -> None:
        self._ping_base = value
