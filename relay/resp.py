"""RESP2, the Redis wire protocol, as a sans-I/O encoder and parser.

The relay talks to Redis through these ~100 lines rather than a general client library because
it needs two guarantees a general client hides: every command of one relay travels, in order, on
one pipelined connection (so a member's Control and its departure reach the other relays in the
order the member caused them), and a broken subscriber connection is an error the relay sees,
never a silent reconnect-and-resubscribe that would skip the messages published meanwhile.

Replies are `bytes` (simple and bulk strings), `int`, `None` (nil), lists of replies, or a
`RedisReplyError` instance (an error reply is a value, so one failed command in a pipeline does
not hide the replies after it). Malformed input raises `BusProtocolError`.
"""

from __future__ import annotations

from typing import TypeAlias

from relay.errors import RelayError

__all__ = ["BusProtocolError", "RedisReplyError", "Reply", "RespParser", "encode_command"]

MAX_BULK = 512 * 1024 * 1024  # Redis' own limit for one string
MAX_ARRAY = 1 << 24


class BusProtocolError(RelayError):
    """The bus server sent bytes that are not RESP (or the connection broke mid-reply)."""


class RedisReplyError(RelayError):
    """An error reply (`-ERR ...`); returned as a value, raised by callers that expect success."""


Reply: TypeAlias = "bytes | int | list[Reply] | RedisReplyError | None"


def encode_command(*args: bytes | str | int) -> bytes:
    """One command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n" % len(raw))
        parts.append(raw)
        parts.append(b"\r\n")
    return b"".join(parts)


class RespParser:
    """Feed bytes in any pieces; take complete replies out in order."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0

    def feed(self, data: bytes) -> None:
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def replies(self) -> list[Reply]:
        """Every complete reply buffered so far."""
        out: list[Reply] = []
        while True:
            start = self._pos
            try:
                reply = self._read()
            except _Incomplete:
                self._pos = start
                return out
            out.append(reply)

    def _line(self) -> bytes:
        end = self._buf.find(b"\r\n", self._pos)
        if end < 0:
            if len(self._buf) - self._pos > 64 * 1024:
                raise BusProtocolError("RESP line too long")
            raise _Incomplete
        line = bytes(self._buf[self._pos : end])
        self._pos = end + 2
        return line

    def _int(self, text: bytes) -> int:
        try:
            return int(text)
        except ValueError:
            raise BusProtocolError(f"RESP integer expected, got {text[:20]!r}") from None

    def _read(self) -> Reply:
        line = self._line()
        if not line:
            raise BusProtocolError("empty RESP line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RedisReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return self._int(rest)
        if kind == b"$":
            size = self._int(rest)
            if size < 0:
                return None
            if size > MAX_BULK:
                raise BusProtocolError("RESP bulk string too long")
            end = self._pos + size
            if len(self._buf) < end + 2:
                raise _Incomplete
            if self._buf[end : end + 2] != b"\r\n":
                raise BusProtocolError("RESP bulk string not terminated")
            data = bytes(self._buf[self._pos : end])
            self._pos = end + 2
            return data
        if kind == b"*":
            count = self._int(rest)
            if count < 0:
                return None
            if count > MAX_ARRAY:
                raise BusProtocolError("RESP array too long")
            return [self._read() for _ in range(count)]
        raise BusProtocolError(f"unknown RESP type {kind!r}")


class _Incomplete(Exception):
    """More bytes are needed (internal to the parser)."""
