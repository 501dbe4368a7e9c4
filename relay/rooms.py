"""Sans-I/O routing: which bytes go to which connections, and when a connection must be closed.

The Router owns every rule the relay applies and nothing else: no sockets, no clock, no threads.
The server adapter feeds it events (`connect`, `receive`, `disconnect`, `close`) and carries out
the outputs it returns (`Send`, `Close`), the way websockets' `Protocol` returns `data_to_send()`
instead of writing. Outputs are returned, never called back, so routing cannot re-enter itself.

What the router knows is what the relay is allowed to know: an opaque 16-byte routing id per
room, a slot number per member, and message sizes. Payloads pass through unread. Each broadcast
is encoded once and the same `bytes` object goes to every target, so fan-out cost does not
depend on how the envelope is built.

A room exists only while it has a member: the last one out deletes it, and no per-room trace
(id, slot counter, sizes) survives. Slots start at 1 and are never reused while the room lives,
so a late message addressed to a departed slot can never reach a newcomer.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeAlias, TypeVar

from relay.errors import RouterMisuse, WireError
from relay.limits import Limits, TokenBucket
from relay.wire import (
    DELIVER_MEDIA_PREFIX,
    MAX_PAYLOAD,
    MAX_SLOT,
    VERSION,
    CloseCode,
    Control,
    DeliverControl,
    Join,
    Joined,
    MessageType,
    PeerJoined,
    PeerLeft,
    Unicast,
    decode_client,
    encode,
)

__all__ = ["MAX_CLOSE_REASON", "Close", "Counters", "Output", "Router", "Send"]

C = TypeVar("C", bound=Hashable)

# RFC 6455 leaves 123 bytes for the reason in a close frame (125 minus the 2-byte code).
MAX_CLOSE_REASON = 123
_MEDIA = int(MessageType.MEDIA)
_MEDIA_MAX = MAX_PAYLOAD + 2


@dataclass(frozen=True, slots=True)
class Send(Generic[C]):
    """Write `data` to every connection in `targets` except `exclude`.

    `droppable` marks media: the adapter may skip a target whose write buffer is too full.
    Everything else must be queued (or the target closed), never silently skipped.
    `targets` is a snapshot shared with the router; the adapter must not rely on it changing.
    """

    targets: tuple[C, ...]
    data: bytes
    droppable: bool
    exclude: C | None = None


@dataclass(frozen=True, slots=True)
class Close(Generic[C]):
    """Close `conn` with a relay close code and a short reason (at most 123 UTF-8 bytes).

    The router has already forgotten `conn` when it returns this: the others have been told
    (PeerLeft) and nothing more will be routed to or from it.
    """

    conn: C
    code: CloseCode
    reason: str


Output: TypeAlias = Send[C] | Close[C]


@dataclass
class Counters:
    """Counts only, for operators: never a room id, slot or address.

    The router updates the routing counts; the server adapter adds what only it can see
    (deliveries written, media dropped for slow listeners).
    """

    connections: int = 0  # open now
    rooms: int = 0  # alive now
    connections_total: int = 0
    joins_total: int = 0
    messages_in: int = 0
    bytes_in: int = 0
    frames_out: int = 0
    bytes_out: int = 0
    drops: dict[str, int] = field(default_factory=dict)  # reason -> count
    closes: dict[str, int] = field(default_factory=dict)  # CloseCode name -> count

    def drop(self, reason: str, count: int = 1) -> None:
        """Count messages not delivered, by a short reason such as "media_slow"."""
        self.drops[reason] = self.drops.get(reason, 0) + count

    def as_dict(self) -> dict[str, object]:
        """A copy that is safe to serialize (for metrics and tests)."""
        return {
            "connections": self.connections,
            "rooms": self.rooms,
            "connections_total": self.connections_total,
            "joins_total": self.joins_total,
            "messages_in": self.messages_in,
            "bytes_in": self.bytes_in,
            "frames_out": self.frames_out,
            "bytes_out": self.bytes_out,
            "drops": dict(self.drops),
            "closes": dict(self.closes),
        }


class _Room(Generic[C]):
    """Members by slot in joining order, plus a cached tuple of their connections for fan-out."""

    __slots__ = ("conns", "members", "next_slot")

    def __init__(self) -> None:
        self.members: dict[int, C] = {}
        self.conns: tuple[C, ...] = ()
        self.next_slot = 1

    def refresh(self) -> None:
        self.conns = tuple(self.members.values())


class _Member(Generic[C]):
    __slots__ = ("bucket", "room", "room_id", "slot")

    def __init__(self, bucket: TokenBucket) -> None:
        self.bucket = bucket
        self.room: _Room[C] | None = None
        self.room_id = b""
        self.slot = 0


def _short(reason: str) -> str:
    raw = reason.encode("utf-8")
    if len(raw) <= MAX_CLOSE_REASON:
        return reason
    return raw[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


class Router(Generic[C]):
    """Routing state for one relay process; `C` is whatever handle the adapter uses."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits if limits is not None else Limits()
        self.counters = Counters()
        self._conns: dict[C, _Member[C]] = {}
        self._rooms: dict[bytes, _Room[C]] = {}

    # Read-only views, for the adapter's health checks and for tests.

    @property
    def connection_count(self) -> int:
        """Connections the router routes for now (closed ones are forgotten at once)."""
        return len(self._conns)

    @property
    def room_count(self) -> int:
        """Rooms alive now; a room with no member does not exist."""
        return len(self._rooms)

    def slot_of(self, conn: C) -> int | None:
        """The slot `conn` holds, or None before its Join (or after it left)."""
        member = self._conns.get(conn)
        return member.slot if member is not None and member.room is not None else None

    def rooms(self) -> Mapping[bytes, tuple[int, ...]]:
        """Live rooms and their slots; a copy, so callers cannot disturb routing."""
        return {rid: tuple(room.members) for rid, room in self._rooms.items()}

    # Events from the adapter.

    def connect(self, conn: C) -> list[Output[C]]:
        """A websocket finished its handshake. Refused at once when the relay is full."""
        if conn in self._conns:
            raise RouterMisuse("connection is already connected")
        if len(self._conns) >= self.limits.max_connections:
            return [self._count_close(Close(conn, CloseCode.RELAY_FULL, "relay is full"))]
        # The bucket starts full at the first message, whenever that comes.
        self._conns[conn] = _Member(TokenBucket(self.limits.rate_messages, -math.inf))
        self.counters.connections += 1
        self.counters.connections_total += 1
        return []

    def receive(self, conn: C, data: bytes, now: float) -> list[Output[C]]:
        """One binary message from `conn`. Unknown or already-closed connections are ignored,
        since a websocket can still hand over a queued message after the router closed it."""
        member = self._conns.get(conn)
        if member is None:
            return []
        if not member.bucket.take(now):
            rate = self.limits.rate_messages
            return self._close(conn, CloseCode.RATE_LIMITED, f"more than {rate:g} messages/s")
        counters = self.counters
        counters.messages_in += 1
        counters.bytes_in += len(data)
        room = member.room
        # Media hot path: check the two header bytes and the size, swap the prefix, done.
        if (
            room is not None
            and 2 < len(data) <= _MEDIA_MAX
            and data[1] == _MEDIA
            and data[0] == VERSION
        ):
            if len(room.conns) < 2:
                return []
            return [Send(room.conns, DELIVER_MEDIA_PREFIX + memoryview(data)[2:], True, conn)]
        try:
            message = decode_client(data)
        except WireError as exc:
            return self._close(conn, CloseCode.BAD_MESSAGE, str(exc))
        if room is None:
            if isinstance(message, Join):
                return self._join(conn, member, message.room_id)
            return self._close(conn, CloseCode.JOIN_FIRST, "the first message must be Join")
        if isinstance(message, Control):
            if len(room.conns) < 2:
                return []
            data_out = encode(DeliverControl(member.slot, message.payload, False))
            return [Send(room.conns, data_out, False, conn)]
        if isinstance(message, Unicast):
            target = room.members.get(message.to_slot)
            if target is None:
                counters.drop("unicast_unknown_slot")
                return []
            data_out = encode(DeliverControl(member.slot, message.payload, True))
            return [Send((target,), data_out, False)]
        if isinstance(message, Join):
            return self._close(conn, CloseCode.BAD_MESSAGE, "already joined a room")
        # Only Media is left, and the hot path has taken every valid Media message.
        raise AssertionError(f"unrouted message {type(message).__name__}")  # pragma: no cover

    def disconnect(self, conn: C) -> list[Output[C]]:
        """The websocket is gone. Idempotent: a closed or unknown connection yields nothing."""
        member = self._conns.pop(conn, None)
        if member is None:
            return []
        self.counters.connections -= 1
        return self._leave(conn, member)

    def close(self, conn: C, code: CloseCode, reason: str) -> list[Output[C]]:
        """Close `conn` for a reason only the adapter sees (a text frame, a full buffer)."""
        if conn not in self._conns:
            return []
        return self._close(conn, code, reason)

    # Internals.

    def _close(self, conn: C, code: CloseCode, reason: str) -> list[Output[C]]:
        outputs: list[Output[C]] = [self._count_close(Close(conn, code, _short(reason)))]
        outputs.extend(self.disconnect(conn))
        return outputs

    def _count_close(self, close: Close[C]) -> Close[C]:
        name = close.code.name
        self.counters.closes[name] = self.counters.closes.get(name, 0) + 1
        return close

    def _join(self, conn: C, member: _Member[C], room_id: bytes) -> list[Output[C]]:
        room = self._rooms.get(room_id)
        if room is None:
            if len(self._rooms) >= self.limits.max_rooms:
                return self._close(conn, CloseCode.RELAY_FULL, "relay has too many rooms")
            room = _Room()
        if len(room.members) >= self.limits.max_room_size:
            return self._close(conn, CloseCode.ROOM_FULL, "room is full")
        if room.next_slot > MAX_SLOT:
            return self._close(conn, CloseCode.ROOM_FULL, "room has used every slot")
        if not room.members:
            self._rooms[room_id] = room
            self.counters.rooms += 1
        slot = room.next_slot
        room.next_slot += 1
        others = room.conns
        peers = tuple(room.members)
        room.members[slot] = conn
        room.refresh()
        member.room, member.room_id, member.slot = room, room_id, slot
        self.counters.joins_total += 1
        outputs: list[Output[C]] = [Send((conn,), encode(Joined(slot, peers)), False)]
        if others:
            outputs.append(Send(others, encode(PeerJoined(slot)), False))
        return outputs

    def _leave(self, conn: C, member: _Member[C]) -> list[Output[C]]:
        room = member.room
        if room is None:
            return []
        member.room = None
        del room.members[member.slot]
        if not room.members:
            del self._rooms[member.room_id]
            self.counters.rooms -= 1
            return []
        room.refresh()
        return [Send(room.conns, encode(PeerLeft(member.slot)), False)]
