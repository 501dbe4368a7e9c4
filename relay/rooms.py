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
from relay.limits import BYTE_BURST, Limits, TokenBucket
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

__all__ = ["MAX_CLOSE_REASON", "Close", "Counters", "Effect", "Output", "Router", "Send"]

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
    code: int  # a CloseCode, or 1012 (service restart: connect again) from a shared router
    reason: str


class Effect:
    """Base class of the outputs a Router subclass adds (relay.shared's bus commands)."""

    __slots__ = ()


Output: TypeAlias = Send[C] | Close[C] | Effect


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
    bus_in: int = 0  # messages from other relays delivered here
    bus_out: int = 0  # messages published for other relays
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
            "bus_in": self.bus_in,
            "bus_out": self.bus_out,
            "drops": dict(self.drops),
            "closes": dict(self.closes),
        }


class _Room(Generic[C]):
    """Members by slot in joining order, plus cached tuples of connections for fan-out: every
    member (`conns`), and the members that asked to hear of newcomers (`watchers`).

    Quiet members are left out of `watchers`, so a room of quiet members is filled with one
    Joined per member instead of N^2/2 PeerJoined messages.
    """

    __slots__ = ("conns", "members", "next_slot", "watchers", "watching")

    def __init__(self) -> None:
        self.members: dict[int, C] = {}
        self.conns: tuple[C, ...] = ()
        self.watching: dict[int, C] = {}  # slot -> connection, members whose Join was not quiet
        self.watchers: tuple[C, ...] = ()
        self.next_slot = 1

    def add(self, slot: int, conn: C, quiet: bool) -> None:
        self.members[slot] = conn
        self.conns = tuple(self.members.values())
        if not quiet:
            self.watching[slot] = conn
            self.watchers = tuple(self.watching.values())

    def remove(self, slot: int) -> None:
        del self.members[slot]
        self.conns = tuple(self.members.values())
        if self.watching.pop(slot, None) is not None:
            self.watchers = tuple(self.watching.values())


class _Member(Generic[C]):
    __slots__ = ("bucket", "byte_bucket", "joining", "quiet", "room", "room_id", "slot",
                 "source")

    def __init__(self, bucket: TokenBucket, byte_bucket: TokenBucket | None,
                 source: Hashable | None) -> None:
        self.bucket = bucket
        self.byte_bucket = byte_bucket
        self.source = source  # the client's address when per-address limits apply; else None
        self.room: _Room[C] | None = None
        self.room_id = b""
        self.slot = 0
        self.joining = 0  # shared rooms: the join token while the bus allocates a slot
        self.quiet = False  # its Join asked for no PeerJoined


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
        # source -> room id -> members from that source in that room (per-address room limit)
        self._source_rooms: dict[Hashable, dict[bytes, int]] = {}

    # Read-only views, for the adapter's health checks and for tests.

    @property
    def connection_count(self) -> int:
        """Connections the router routes for now (closed ones are forgotten at once)."""
        return len(self._conns)

    @property
    def room_count(self) -> int:
        """Rooms alive now; a room with no member does not exist."""
        return len(self._rooms)

    def is_connected(self, conn: C) -> bool:
        """Whether the router still routes for `conn` (it forgets a connection it closed)."""
        return conn in self._conns

    def slot_of(self, conn: C) -> int | None:
        """The slot `conn` holds, or None before its Join (or after it left)."""
        member = self._conns.get(conn)
        return member.slot if member is not None and member.room is not None else None

    def rooms(self) -> Mapping[bytes, tuple[int, ...]]:
        """Live rooms and their slots; a copy, so callers cannot disturb routing."""
        return {rid: tuple(room.members) for rid, room in self._rooms.items()}

    # Events from the adapter.

    def connect(self, conn: C, source: Hashable | None = None) -> list[Output[C]]:
        """A websocket finished its handshake. Refused at once when the relay is full.

        `source` (the client's address, kept in memory only) lets the router bound how many
        rooms one address may be in; None exempts the connection from that limit.
        """
        if conn in self._conns:
            raise RouterMisuse("connection is already connected")
        if len(self._conns) >= self.limits.max_connections:
            return [self._count_close(Close(conn, CloseCode.RELAY_FULL, "relay is full"))]
        # The buckets start full at the first message, whenever that comes.
        limits = self.limits
        byte_bucket = (TokenBucket(limits.rate_bytes, -math.inf, limits.rate_bytes * BYTE_BURST)
                       if limits.rate_bytes is not None else None)
        self._conns[conn] = _Member(TokenBucket(limits.rate_messages, -math.inf), byte_bucket,
                                    source if limits.max_rooms_per_source is not None else None)
        self.counters.connections += 1
        self.counters.connections_total += 1
        return []

    def receive(self, conn: C, data: bytes, now: float) -> list[Output[C]]:
        """One binary message from `conn`. Unknown or already-closed connections are ignored,
        since a websocket can still hand over a queued message after the router closed it."""
        member = self._conns.get(conn)
        if member is None:
            return []
        # The reasons name the limit but not its value: a prober learns nothing to fingerprint.
        if not member.bucket.take(now):
            return self._close(conn, CloseCode.RATE_LIMITED, "too many messages")
        if member.byte_bucket is not None and not member.byte_bucket.take(now, len(data)):
            return self._close(conn, CloseCode.RATE_LIMITED, "too much data")
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
            return self._broadcast(room, member, conn, DELIVER_MEDIA_PREFIX + memoryview(data)[2:],
                                   True)
        try:
            message = decode_client(data)
        except WireError as exc:
            return self._close(conn, CloseCode.BAD_MESSAGE, str(exc))
        if room is None:
            if member.joining:
                raise RouterMisuse("a message arrived before the connection's join completed")
            if isinstance(message, Join):
                member.quiet = message.quiet
                return self._join(conn, member, message.room_id)
            return self._close(conn, CloseCode.JOIN_FIRST, "the first message must be Join")
        if isinstance(message, Control):
            data_out = encode(DeliverControl(member.slot, message.payload, False))
            return self._broadcast(room, member, conn, data_out, False)
        if isinstance(message, Unicast):
            return self._unicast(room, member, message)
        if isinstance(message, Join):
            return self._close(conn, CloseCode.BAD_MESSAGE, "already joined a room")
        # Only Media is left, and the hot path has taken every valid Media message.
        raise AssertionError(f"unrouted message {type(message).__name__}")  # pragma: no cover

    def charge(self, conn: C, now: float, cost: float = 1.0) -> list[Output[C]]:
        """Frames that are not messages (ping, pong, close, a message's continuation frames)
        spend the same budget as messages: each costs the relay a read, and a ping a written
        pong, so a flood of them must end in RATE_LIMITED like a flood of messages."""
        member = self._conns.get(conn)
        if member is None or member.bucket.take(now, cost):
            return []
        return self._close(conn, CloseCode.RATE_LIMITED, "too many messages")

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

    # Hooks a router for rooms shared through a bus (relay.shared) extends.

    def _broadcast(self, room: _Room[C], member: _Member[C], conn: C, data: bytes,
                   droppable: bool) -> list[Output[C]]:
        if len(room.conns) < 2:
            return []
        return [Send(room.conns, data, droppable, conn)]

    def _unicast(self, room: _Room[C], member: _Member[C], message: Unicast) -> list[Output[C]]:
        target = room.members.get(message.to_slot)
        if target is None:
            self.counters.drop("unicast_unknown_slot")
            return []
        data_out = encode(DeliverControl(member.slot, message.payload, True))
        return [Send((target,), data_out, False)]

    def _source_limit(self, conn: C, member: _Member[C], room_id: bytes) -> list[Output[C]]:
        """Refuse a join that would put one address in more rooms than it may be in."""
        if member.source is None:
            return []
        rooms = self._source_rooms.get(member.source, {})
        limit = self.limits.max_rooms_per_source
        if room_id not in rooms and limit is not None and len(rooms) >= limit:
            return self._close(conn, CloseCode.RELAY_FULL, "too many rooms from one address")
        return []

    def _source_enter(self, member: _Member[C], room_id: bytes) -> None:
        if member.source is not None:
            rooms = self._source_rooms.setdefault(member.source, {})
            rooms[room_id] = rooms.get(room_id, 0) + 1

    def _source_leave(self, member: _Member[C], room_id: bytes) -> None:
        if member.source is None:
            return
        rooms = self._source_rooms.get(member.source)
        if rooms is None or room_id not in rooms:
            return
        rooms[room_id] -= 1
        if rooms[room_id] <= 0:
            del rooms[room_id]
            if not rooms:
                del self._source_rooms[member.source]

    # Internals.

    def _close(self, conn: C, code: int, reason: str) -> list[Output[C]]:
        outputs: list[Output[C]] = [self._count_close(Close(conn, code, _short(reason)))]
        outputs.extend(self.disconnect(conn))
        return outputs

    def _count_close(self, close: Close[C]) -> Close[C]:
        code = close.code
        name = code.name if isinstance(code, CloseCode) else str(code)
        self.counters.closes[name] = self.counters.closes.get(name, 0) + 1
        return close

    def _join(self, conn: C, member: _Member[C], room_id: bytes) -> list[Output[C]]:
        refused = self._source_limit(conn, member, room_id)
        if refused:
            return refused
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
        watchers = room.watchers
        peers = tuple(room.members)
        room.add(slot, conn, member.quiet)
        member.room, member.room_id, member.slot = room, room_id, slot
        self._source_enter(member, room_id)
        self.counters.joins_total += 1
        outputs: list[Output[C]] = [Send((conn,), encode(Joined(slot, peers)), False)]
        if watchers:
            outputs.append(Send(watchers, encode(PeerJoined(slot)), False))
        return outputs

    def _leave(self, conn: C, member: _Member[C]) -> list[Output[C]]:
        room = member.room
        if room is None:
            return []
        member.room = None
        self._source_leave(member, member.room_id)
        room.remove(member.slot)
        if not room.members:
            del self._rooms[member.room_id]
            self.counters.rooms -= 1
            return []
        return [Send(room.conns, encode(PeerLeft(member.slot)), False)]
