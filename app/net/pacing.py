"""Keep a client's control traffic under the relay's per-connection limits: sans-I/O.

Relays close a connection that sends more than a set number of messages (200/s by default,
bursts of 400) or bytes (1 MiB/s, bursts of 4 MiB) a second (relay/limits.py). A member never
comes near that, but a host can: after a relay restart thousands of members come back at once
and each gets its own welcome, and a rotation in a large room is a megabyte of sealed keys. A
host closed for that would reconnect and do it all again. So control messages wait in a queue
and leave at a pace below the default limits; media frames (50 a second at most, constant size)
never wait behind them, so a host's voice is not delayed by the paperwork. Messages to the whole
room (a rotation, a RETURN, role changes) go before messages to one member (welcomes): frames
under a new key must not run far ahead of the rotation that hands it out, and a returner's
welcome comes after the RETURN that ratchets everyone else anyway. Time is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from relay import wire

MEDIA_PREFIX = bytes((wire.VERSION, wire.MessageType.MEDIA))
UNICAST_PREFIX = bytes((wire.VERSION, wire.MessageType.UNICAST))


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
        self._room: deque[bytes] = deque()  # to everyone: first
        self._direct: deque[bytes] = deque()  # to one member
        self._media: list[bytes] = []

    @property
    def waiting(self) -> int:
        """Control messages held back."""
        return len(self._room) + len(self._direct)

    def push(self, data: bytes) -> None:
        head = data[:2]
        if head == MEDIA_PREFIX:
            self._media.append(data)
        elif head == UNICAST_PREFIX:
            self._direct.append(data)
        else:
            self._room.append(data)

    def ready(self, now: float) -> list[bytes]:
        """Media at once; control as far as the budgets allow, the room's before one member's,
        each oldest first."""
        out, self._media = self._media, []
        self._messages.refill(now)
        self._bytes.refill(now)
        for queue in (self._room, self._direct):
            while queue:
                # A message larger than the whole byte burst goes when the bucket is full.
                need = min(len(queue[0]), self._bytes.burst)
                if self._messages.tokens < 1 or self._bytes.tokens < need:
                    return out
                self._messages.tokens -= 1
                self._bytes.tokens -= need
                out.append(queue.popleft())
        return out

    def drain(self) -> list[bytes]:
        """Everything, now, in order of priority: the last words before the link closes (a
        host ending the room must not leave END behind in the queue)."""
        out = [*self._media, *self._room, *self._direct]
        self.clear()
        return out

    def clear(self) -> None:
        """The link dropped: nothing queued for it is sent on the next."""
        self._room.clear()
        self._direct.clear()
        self._media.clear()
