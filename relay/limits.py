"""Limits the router enforces, and the token bucket behind the per-connection message rate.

A relay anyone can reach must bound what one client can cost it: how many rooms and connections
exist, how many members one room may have, and how many messages per second one connection may
send. Every bound here ends in a close with a specific `CloseCode`, so a client can tell the
user which limit it hit instead of failing silently. Time is passed in (`now`, seconds on any
monotonic clock), which keeps this module sans-I/O and its tests exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from relay.errors import ConfigError
from relay.wire import MAX_PEERS

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_ROOMS",
    "DEFAULT_MAX_ROOM_SIZE",
    "DEFAULT_RATE",
    "DEFAULT_RATE_BYTES",
    "MAX_ROOM_SIZE",
    "Limits",
    "TokenBucket",
]

DEFAULT_MAX_ROOMS = 10_000
DEFAULT_MAX_CONNECTIONS = 10_000  # each is a file descriptor; see relay/cli.py
DEFAULT_MAX_ROOM_SIZE = 10_000
DEFAULT_RATE = 200.0  # messages per second per connection; a speaker sends 50 media frames/s
BURST_FACTOR = 2.0
# Bytes per second per connection: a speaker sends about 8 KB/s of audio; a host re-keying a
# room of 5,000 sends about 1 MB of sealed keys at once, so the burst is a few seconds' worth.
DEFAULT_RATE_BYTES = 1024 * 1024
BYTE_BURST = 4.0
# A Joined message must list every other member, and its peer list is capped by the envelope.
MAX_ROOM_SIZE = MAX_PEERS + 1


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds one Router enforces. Construct through `Limits(...)`; `check()` validates."""

    max_rooms: int = DEFAULT_MAX_ROOMS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_room_size: int = DEFAULT_MAX_ROOM_SIZE
    rate_messages: float = DEFAULT_RATE
    rate_bytes: float | None = None  # bytes/s per connection (burst 4x); None: no byte limit
    max_rooms_per_source: int | None = None  # rooms one client address may be in at once

    def __post_init__(self) -> None:
        for name in ("max_rooms", "max_connections", "max_room_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, not {value!r}")
        if self.max_room_size > MAX_ROOM_SIZE:
            raise ConfigError(
                f"max_room_size {self.max_room_size} is above {MAX_ROOM_SIZE}, the most members "
                "a Joined message can list"
            )
        rate = self.rate_messages
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not rate > 0:
            raise ConfigError(f"rate_messages must be a positive number, not {rate!r}")
        if rate == float("inf"):
            raise ConfigError("rate_messages must be finite")
        rb = self.rate_bytes
        if rb is not None and (isinstance(rb, bool) or not isinstance(rb, int | float)
                               or not 0 < rb < float("inf")):
            raise ConfigError(f"rate_bytes must be a positive number, not {rb!r}")
        per = self.max_rooms_per_source
        if per is not None and (isinstance(per, bool) or not isinstance(per, int) or per < 1):
            raise ConfigError(f"max_rooms_per_source must be a positive integer, not {per!r}")


class TokenBucket:
    """Allows `rate` events per second on average and bursts of up to `burst` events.

    The bucket starts full, so a client that connects and immediately sends its join, a knock
    and a few control messages is never punished for the burst that every join produces.
    """

    __slots__ = ("_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, now: float, burst: float | None = None) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else self.rate * BURST_FACTOR
        self._tokens = self.burst
        self._last = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend `cost` tokens if there are that many; a clock that steps back adds nothing."""
        elapsed = now - self._last
        if elapsed > 0:
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            self._last = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def full_at(self, now: float) -> bool:
        """Whether the bucket would be full at `now` (so forgetting it changes nothing)."""
        return self._tokens + max(0.0, now - self._last) * self.rate >= self.burst

    @property
    def tokens(self) -> float:
        """Tokens left at the last `take` (for tests and metrics)."""
        return self._tokens
