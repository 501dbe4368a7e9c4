"""Sans-I/O routing for rooms whose members are spread over several relay processes.

`SharedRouter` is the `Router` with one difference: the room's membership lives on a message bus
(relay/bus.py, Redis), not in this process. Slots must be unique across every relay of the room
and the `Joined` peer list must be the whole room, so one place has to decide them in order. Here
that place is the bus: a join or a leave is a script that updates the room's members, takes the
next number of one global sequence, and publishes a membership event on the room's channel, all
at once. Every relay applies those events in the order the channel delivers them, to a mirror of
the room's members, and tells its own members (`Joined`, `PeerJoined`, `PeerLeft`) from that
mirror. So every member, whichever relay it uses, sees one history of the room. As on a single
relay, PeerJoined goes only to members whose Join was not quiet.

Data is not sequenced: a relay delivers its own members' media and control to its other local
members at once (as the single-process router does) and publishes each message once on the
room's channel; the other relays deliver it to theirs. A relay ignores its own publications.

Bus messages (the channel `PREFIX:c:ROOMHEX`; NODE is the publishing relay's 16-hex-digit id):

    b"M" NODE envelope               DeliverMedia for every member          (droppable)
    b"C" NODE envelope               DeliverControl for every member
    b"U" NODE u32 slot envelope      DeliverControl for one slot
    b"J" NODE "prev:seq:slot:token"  a member joined through NODE          (made by the bus)
    b"L" NODE "prev:seq:slot"        a member of NODE left                   (made by the bus)

`seq` is one counter for every room (so a room that ends and is opened again never reuses a
number); `prev` is the room's previous event, 0 when the event opens the room. A relay applies
an event whose `prev` is the last one it applied, ignores one it has already covered, and treats
anything else as a lost message: it closes its members of that room, which reconnect, instead of
guessing at a history it did not see.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from relay.errors import RouterMisuse, WireError
from relay.limits import Limits
from relay.rooms import Close, Effect, Output, Router, Send, _Member, _Room
from relay.wire import (
    MAX_SLOT,
    CloseCode,
    DeliverControl,
    Joined,
    PeerJoined,
    PeerLeft,
    Unicast,
    encode,
)

__all__ = [
    "NODE_SIZE",
    "Admitted",
    "BusJoin",
    "BusLeave",
    "BusOutput",
    "Publish",
    "SharedRouter",
    "Subscribe",
    "Unsubscribe",
]

C = TypeVar("C", bound=Hashable)
NODE_SIZE = 16  # hex digits of a relay's bus id
RETRY = 1012  # websocket "service restart": the client should connect again


@dataclass(frozen=True, slots=True)
class Subscribe(Effect):
    """Listen to a room's channel; the adapter confirms with `SharedRouter.subscribed`."""

    room_id: bytes


@dataclass(frozen=True, slots=True)
class Unsubscribe(Effect):
    """No member of this room is left here: stop listening to its channel."""

    room_id: bytes


@dataclass(frozen=True, slots=True)
class BusJoin(Effect):
    """Run the join script for `conn` (only after the room's Subscribe is confirmed).

    `snapshot` asks for the room's member list with the answer: this relay has no mirror yet.
    """

    conn: Hashable
    room_id: bytes
    token: int
    snapshot: bool


@dataclass(frozen=True, slots=True)
class BusLeave(Effect):
    """Run the leave script: `slot`, held by this relay, has left."""

    room_id: bytes
    slot: int


@dataclass(frozen=True, slots=True)
class Publish(Effect):
    """Publish `data` once on the room's channel."""

    room_id: bytes
    data: bytes


@dataclass(frozen=True, slots=True)
class Admitted(Effect):
    """`conn`'s join is complete (Joined is queued): its handler may read again."""

    conn: Hashable


BusOutput: TypeAlias = Subscribe | Unsubscribe | BusJoin | BusLeave | Publish | Admitted


class _SharedRoom(_Room[C]):
    """A room as this relay sees it: local members (`members`) and the whole room's mirror."""

    __slots__ = ("asking", "joining", "mirror", "ready", "seq", "subscribed", "waiting")

    def __init__(self) -> None:
        super().__init__()
        self.asking = 0  # the join token whose answer will carry the snapshot; 0: none asked
        self.mirror: dict[int, None] = {}  # every slot of the room, in joining order
        self.seq = 0  # the last membership event applied
        self.ready = False  # the mirror holds a snapshot
        self.subscribed = False
        self.joining: dict[int, C] = {}  # token -> local connection waiting for its slot
        self.waiting: list[bytes] = []  # membership events that arrived before the snapshot


def _parse_fields(data: bytes, count: int) -> list[int]:
    try:
        fields = [int(x) for x in data[1 + NODE_SIZE :].split(b":")]
    except ValueError:
        raise WireError("malformed membership event") from None
    if len(fields) != count or min(fields) < 0:
        raise WireError("malformed membership event")
    return fields


class SharedRouter(Router[C]):
    """A Router whose rooms are shared with other relays through a bus.

    `node` is this relay's id on the bus (16 lowercase hex digits as bytes); it changes whenever
    the relay reconnects to the bus, after `bus_lost()` has closed every member.
    """

    def __init__(self, node: bytes, limits: Limits | None = None) -> None:
        super().__init__(limits)
        self.node = node
        self._tokens = 0
        self._shared_rooms: dict[bytes, _SharedRoom[C]] = {}

    def is_joining(self, conn: C) -> bool:
        """Whether `conn` sent Join and waits for the bus to give it a slot."""
        member = self._conns.get(conn)
        return member is not None and member.joining != 0

    def set_node(self, node: bytes) -> None:
        if len(node) != NODE_SIZE:
            raise RouterMisuse(f"a node id has {NODE_SIZE} characters")
        self.node = node

    # Joining and leaving.

    def _join(self, conn: C, member: _Member[C], room_id: bytes) -> list[Output[C]]:
        refused = self._source_limit(conn, member, room_id)
        if refused:
            return refused
        room = self._shared_rooms.get(room_id)
        outputs: list[Output[C]] = []
        if room is None:
            if len(self._shared_rooms) >= self.limits.max_rooms:
                return self._close(conn, CloseCode.RELAY_FULL, "relay has too many rooms")
            room = _SharedRoom()
            self._shared_rooms[room_id] = room
            self._rooms[room_id] = room
            self.counters.rooms += 1
            outputs.append(Subscribe(room_id))
        self._tokens += 1
        member.joining, member.room_id = self._tokens, room_id
        room.joining[self._tokens] = conn
        self._source_enter(member, room_id)
        if room.subscribed:
            outputs.append(self._bus_join(room, conn, room_id, self._tokens))
        return outputs

    def _bus_join(self, room: _SharedRoom[C], conn: C, room_id: bytes, token: int) -> BusJoin:
        """Ask for the room's members with one join only: a burst of joins (a room filling
        with quiet members, everyone coming back after a restart) must not make the bus send
        N snapshots of N members while the first is on its way."""
        snapshot = not room.ready and not room.asking
        if snapshot:
            room.asking = token
        return BusJoin(conn, room_id, token, snapshot)

    def subscribed(self, room_id: bytes) -> list[Output[C]]:
        """The room's channel is confirmed: joins that waited for it may run now."""
        room = self._shared_rooms.get(room_id)
        if room is None or room.subscribed:
            return []
        room.subscribed = True
        return [self._bus_join(room, conn, room_id, token)
                for token, conn in room.joining.items()]

    def join_failed(self, conn: C, code: int, reason: str) -> list[Output[C]]:
        """The bus refused a join (room full, no slot left, bus unavailable)."""
        member = self._conns.get(conn)
        if member is None:
            return []
        return self._close(conn, code, reason)

    def join_answered(self, conn: C, room_id: bytes, slot: int, seq: int,
                      snapshot: Sequence[int] | None) -> list[Output[C]]:
        """The join script gave `conn` its slot (and, if asked, the members at `seq`)."""
        room = self._shared_rooms.get(room_id)
        outputs: list[Output[C]] = []
        if room is not None and snapshot is not None and not room.ready:
            # The room's first snapshot, even if its joiner has gone: the others wait for it.
            room.mirror = dict.fromkeys(sorted(snapshot))
            room.seq, room.ready, room.asking = seq, True, 0
            waiting, room.waiting = room.waiting, []
            for event in waiting:
                outputs.extend(self.bus_message(room_id, event))
        member = self._conns.get(conn)
        if member is not None and not member.joining and member.slot == slot:
            return outputs  # the event stream admitted it first
        if room is None or member is None or not member.joining:
            # Gone while the bus was answering: give the slot back.
            outputs.append(BusLeave(room_id, slot))
            return outputs
        if room.ready and room.seq >= seq and member.joining:
            # The snapshot already covers this join: its event was not (and will not be) applied.
            if slot in room.mirror:
                outputs.extend(self._admit(room, member, conn, slot, notify=False))
            else:  # and a later event removed it again
                outputs.extend(self._close_retry(conn, "the relay lost track of the room"))
        return outputs

    def _admit(self, room: _SharedRoom[C], member: _Member[C], conn: C, slot: int,
               notify: bool) -> list[Output[C]]:
        del room.joining[member.joining]
        member.joining = 0
        watchers = room.watchers
        room.add(slot, conn, member.quiet)
        member.room, member.slot = room, slot
        self.counters.joins_total += 1
        peers = tuple(s for s in room.mirror if s != slot)
        outputs: list[Output[C]] = [Send((conn,), encode(Joined(slot, peers)), False),
                                    Admitted(conn)]
        if notify and watchers:
            outputs.append(Send(watchers, encode(PeerJoined(slot)), False))
        return outputs

    def _leave(self, conn: C, member: _Member[C]) -> list[Output[C]]:
        room_id = member.room_id
        room = self._shared_rooms.get(room_id)
        if room is None:
            return []
        outputs: list[Output[C]] = []
        if member.joining:
            room.joining.pop(member.joining, None)
            if room.asking == member.joining:
                # Refused before the bus answered (or the bus is gone): the next join asks.
                # Joins already sent without asking wait for their admission and time out.
                room.asking = 0
            member.joining = 0
            self._source_leave(member, room_id)
        elif member.room is not None:
            member.room = None
            self._source_leave(member, room_id)
            room.remove(member.slot)
            # The others hear PeerLeft when the bus's event comes back, in the room's order.
            outputs.append(BusLeave(room_id, member.slot))
        if not room.members and not room.joining:
            del self._shared_rooms[room_id]
            del self._rooms[room_id]
            self.counters.rooms -= 1
            outputs.append(Unsubscribe(room_id))
        return outputs

    # Data from local members.

    def _broadcast(self, room: _Room[C], member: _Member[C], conn: C, data: bytes,
                   droppable: bool) -> list[Output[C]]:
        outputs = super()._broadcast(room, member, conn, data, droppable)
        outputs.append(Publish(member.room_id, (b"M" if droppable else b"C") + self.node + data))
        self.counters.bus_out += 1
        return outputs

    def _unicast(self, room: _Room[C], member: _Member[C], message: Unicast) -> list[Output[C]]:
        if message.to_slot in room.members:
            return super()._unicast(room, member, message)
        assert isinstance(room, _SharedRoom)
        if message.to_slot not in room.mirror:
            self.counters.drop("unicast_unknown_slot")
            return []
        data = encode(DeliverControl(member.slot, message.payload, True))
        self.counters.bus_out += 1
        return [Publish(member.room_id,
                        b"U" + self.node + message.to_slot.to_bytes(4, "big") + data)]

    # The bus.

    def bus_message(self, room_id: bytes, data: bytes) -> list[Output[C]]:
        """One message from a room's channel."""
        room = self._shared_rooms.get(room_id)
        if room is None or len(data) < 1 + NODE_SIZE:
            return []
        kind = data[0]
        if kind in b"JL":
            try:
                return self._membership(room_id, room, data)
            except WireError:
                return self._reset(room_id, room, "the relay lost track of the room")
        if data[1 : 1 + NODE_SIZE] == self.node or not room.conns:
            return []
        self.counters.bus_in += 1
        body = data[1 + NODE_SIZE :]
        if kind == ord("M"):
            return [Send(room.conns, body, True)]
        if kind == ord("C"):
            return [Send(room.conns, body, False)]
        if kind == ord("U") and len(body) > 4:
            target = room.members.get(int.from_bytes(body[:4], "big"))
            return [Send((target,), body[4:], False)] if target is not None else []
        return []

    def _membership(self, room_id: bytes, room: _SharedRoom[C], data: bytes) -> list[Output[C]]:
        if not room.ready:
            room.waiting.append(data)
            return []
        joined = data[0] == ord("J")
        fields = _parse_fields(data, 4 if joined else 3)
        prev, seq, slot = fields[0], fields[1], fields[2]
        if seq <= room.seq:
            return []  # already in the snapshot
        if prev not in (room.seq, 0) or not 1 <= slot <= MAX_SLOT:
            return self._reset(room_id, room, "the relay lost track of the room")
        outputs: list[Output[C]] = []
        if prev == 0 and room.mirror:
            # The room ended and a new one opened under the same id: nobody here is in it.
            outputs.extend(self._reset(room_id, room, "the room was restarted", keep=True))
        room.seq = seq
        if joined:
            room.mirror[slot] = None
            node = data[1 : 1 + NODE_SIZE]
            conn = room.joining.get(fields[3]) if node == self.node else None
            if conn is not None:
                outputs.extend(self._admit(room, self._conns[conn], conn, slot, notify=True))
            elif room.watchers:
                outputs.append(Send(room.watchers, encode(PeerJoined(slot)), False))
            if node == self.node and conn is None and slot not in room.members:
                outputs.append(BusLeave(room_id, slot))
        else:
            room.mirror.pop(slot, None)
            gone = room.members.get(slot)
            if gone is not None:
                # Removed by the bus (this relay was presumed dead): the member must reconnect.
                outputs.extend(self._close_retry(gone, "the relay lost its place in the room"))
            if room.conns:
                outputs.append(Send(room.conns, encode(PeerLeft(slot)), False))
        return outputs

    def _reset(self, room_id: bytes, room: _SharedRoom[C], reason: str,
               keep: bool = False) -> list[Output[C]]:
        """Close this relay's members of a room whose history it lost; they reconnect."""
        self.counters.drop("bus_gap")
        outputs: list[Output[C]] = []
        for conn in [*room.members.values(), *([] if keep else room.joining.values())]:
            outputs.extend(self._close_retry(conn, reason))
        room.mirror.clear()
        return outputs

    def _close_retry(self, conn: C, reason: str) -> list[Output[C]]:
        outputs: list[Output[C]] = [Close(conn, RETRY, reason)]
        outputs.extend(self.disconnect(conn))
        return outputs

    def bus_lost(self) -> list[Output[C]]:
        """The bus is gone (or declared this relay dead): every member of a shared room must
        reconnect, here once the bus is back, or through another relay."""
        outputs: list[Output[C]] = []
        for room in list(self._shared_rooms.values()):
            for conn in [*room.members.values(), *room.joining.values()]:
                outputs.extend(self._close_retry(conn, "the relay is restarting"))
        return outputs
