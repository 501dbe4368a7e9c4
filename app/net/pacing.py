"""Keep a client's control traffic under the relay's per-connection limits: sans-I/O.

Relays close a connection that sends more than a set number of messages (200/s by default,
bursts of 400) or bytes (1 MiB/s, bursts of 4 MiB) a second (relay/limits.py). A member never
comes near that, but a host can: after a relay restart thousands of members come back at once
and each gets its own welcome, and a rotation in a large room is a megabyte of sealed keys. A
host closed for that would reconnect and do it all again. So control messages wait in a queue
and leave at a pace below the default limits; media frames (50 a second at most, constant size)
never wait behind them, so a host's voice is not delayed by the paperwork. Time is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from relay import wire

MEDIA_PREFIX = bytes((wire.VERSION, wire.MessageType.MEDIA))


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    last: float | None = None

    def refill(self, now: float) -> None:
        if self.last is not None and now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now


class Pacer:
    """`push()` what the protocol wants sent, `ready(now)` what may go now, in order."""

    def __init__(self, messages_per_second: float = 140.0, message_burst: float = 280.0,
                 bytes_per_second: float = 768 * 1024,
                 byte_burst: float = 3 * 1024 * 1024) -> None:
        self._messages = _Bucket(messages_per_second, message_burst, message_burst)
        self._bytes = _Bucket(bytes_per_second, byte_burst, byte_burst)
        self._queue: deque[bytes] = deque()
        self._media: list[bytes] = []

    @property
    def waiting(self) -> int:
        """Control messages held back."""
        return len(self._queue)

    def push(self, data: bytes) -> None:
        if data[:2] == MEDIA_PREFIX:
            self._media.append(data)
        else:
            self._queue.append(data)

    def ready(self, now: float) -> list[bytes]:
        """Media at once; control as far as the budgets allow, oldest first."""
        out, self._media = self._media, []
        self._messages.refill(now)
        self._bytes.refill(now)
        while self._queue:
            size = len(self._queue[0])
            # A message larger than the whole byte burst goes when the bucket is full.
            need = min(size, self._bytes.burst)
            if self._messages.tokens < 1 or self._bytes.tokens < need:
                break
            self._messages.tokens -= 1
            self._bytes.tokens -= need
            out.append(self._queue.popleft())
        return out

    def clear(self) -> None:
        """The link dropped: nothing queued for it is sent on the next."""
        self._queue.clear()
        self._media.clear()
