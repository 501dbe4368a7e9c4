"""A sliding replay window over counters, one per sender session.

Audio frames carry 32-bit counters and control messages 64-bit sequence numbers; the window takes
both (any counter from 0 to 2**64 - 1).

The relay can record frames and send them again, or hold some back and release them late; audio
over the internet also reorders by itself. The window accepts each counter at most once, accepts
reordering up to `size` counters back, and refuses anything older, because older counters can no
longer be told apart from replays (the IPsec anti-replay window, RFC 4303 section 3.4.3).

Checking and committing are separate steps on purpose: `check` before the (costly) signature
check, `commit` only after the message authenticated, so forged counters can never move the
window forward and lock out the real sender.
"""

from __future__ import annotations

from .errors import MalformedMessage, ReplayedMessage

__all__ = ["ReplayWindow"]

_COUNTER_MAX = 2**64 - 1


class ReplayWindow:
    """Remembers the highest counter seen and a bitmask of the `size` counters below it.

    Bit i of the mask stands for counter `highest - i`; the mask is a Python int, so shifting it
    is one operation whatever the size.
    """

    __slots__ = ("_full", "_highest", "_mask", "size")

    def __init__(self, size: int = 1024) -> None:
        if size < 1:
            raise ValueError("a replay window holds at least one counter")
        self.size = size
        self._full = (1 << size) - 1
        self._highest = -1  # nothing seen yet
        self._mask = 0

    @property
    def highest(self) -> int:
        """The highest counter committed so far, or -1."""
        return self._highest

    def _validate(self, counter: int) -> None:
        if not 0 <= counter <= _COUNTER_MAX:
            raise MalformedMessage("a counter is an unsigned integer of at most 64 bits")

    def check(self, counter: int) -> None:
        """Raise `ReplayedMessage` if `counter` was committed already or is below the window."""
        self._validate(counter)
        if counter > self._highest:
            return
        behind = self._highest - counter
        if behind >= self.size:
            raise ReplayedMessage(f"counter {counter} is older than the replay window")
        if self._mask >> behind & 1:
            raise ReplayedMessage(f"counter {counter} was already received")

    def commit(self, counter: int) -> None:
        """Record `counter` as received; call only once its message authenticated."""
        self._validate(counter)
        if counter > self._highest:
            ahead = counter - self._highest
            # A jump past the whole window forgets everything below it without a huge shift.
            self._mask = 1 if ahead >= self.size else (self._mask << ahead | 1) & self._full
            self._highest = counter
            return
        behind = self._highest - counter
        if behind < self.size:
            self._mask |= 1 << behind
