"""The relay envelope: a sans-I/O parser and serializer shared by the relay and its clients.

Every websocket message between a client and the relay is one binary envelope:

    u8 version (1) | u8 type | fields          (integers big-endian)

The relay reads only this envelope. Payloads are opaque to it: media and control payloads are
sealed end to end by the clients, and the relay forwards them byte for byte. Keeping the
envelope this small is what lets the relay stay blind: there is nothing in it but a routing id,
slots and lengths. part 1 of `docs/PROTOCOL.md` specifies every message byte by byte, and
`tests/vectors/relay/` holds golden vectors for other implementations.

Decoders raise only `WireError` and its subclasses (`UnknownVersion`, `MessageTooLarge`), so a
peer cannot crash a reader with a crafted message. Encoders validate their fields as strictly as
decoders do, so whatever `encode` returns decodes back to an equal message.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

from relay.errors import MessageTooLarge, UnknownVersion, WireError

__all__ = [
    "DELIVER_MEDIA_PREFIX",
    "FLAG_QUIET",
    "FLAG_UNICAST",
    "HEADER_SIZE",
    "MAX_PAYLOAD",
    "MAX_PEERS",
    "MAX_REASON",
    "MAX_SLOT",
    "MEDIA_PREFIX",
    "ROOM_ID_SIZE",
    "VERSION",
    "ClientMessage",
    "CloseCode",
    "Control",
    "DeliverControl",
    "DeliverMedia",
    "Error",
    "Join",
    "Joined",
    "Media",
    "MessageType",
    "PeerJoined",
    "PeerLeft",
    "ServerMessage",
    "Unicast",
    "decode_client",
    "decode_server",
    "encode",
    "is_join",
]

VERSION = 1
ROOM_ID_SIZE = 16
MAX_PAYLOAD = 65536
HEADER_SIZE = 2
MAX_SLOT = 0xFFFFFFFF  # slots are u32; 0 is never assigned, so it can never be addressed
MAX_REASON = 200  # bytes of UTF-8 in an Error reason
# A Joined body (slot, count, peers) is capped at MAX_PAYLOAD bytes like every other body.
MAX_PEERS = (MAX_PAYLOAD - 8) // 4
FLAG_UNICAST = 0x01  # DeliverControl flags: a Unicast, not a broadcast
FLAG_QUIET = 0x01  # Join flags: send this member no PeerJoined


class MessageType(IntEnum):
    """The envelope's type byte. Client-to-relay types have the high bit clear, replies set."""

    JOIN = 0x01
    MEDIA = 0x02
    CONTROL = 0x03
    UNICAST = 0x04
    JOINED = 0x81
    DELIVER_MEDIA = 0x82
    DELIVER_CONTROL = 0x83
    PEER_JOINED = 0x84
    PEER_LEFT = 0x85
    ERROR = 0x86


class CloseCode(IntEnum):
    """Websocket close codes the relay uses (the private-use range 4000-4999)."""

    BAD_MESSAGE = 4000
    JOIN_FIRST = 4001
    ROOM_FULL = 4002
    RELAY_FULL = 4003
    RATE_LIMITED = 4004
    TOO_SLOW = 4005
    UNAUTHORIZED = 4006


# The two bytes that start a Media message and a DeliverMedia message. The relay turns one into
# the other by swapping this prefix, without decoding anything else (the media hot path).
MEDIA_PREFIX = bytes((VERSION, MessageType.MEDIA))
DELIVER_MEDIA_PREFIX = bytes((VERSION, MessageType.DELIVER_MEDIA))


# client -> relay


@dataclass(frozen=True, slots=True)
class Join:
    """Enter the room named by an opaque 16-byte routing id (derived by clients from the secret).

    `quiet` asks the relay for no PeerJoined: filling a room of N members would otherwise cost
    N^2/2 of them, and a member learns who joined from the room's own (sealed) messages anyway.
    Only a client waiting for someone to arrive needs to hear of each newcomer. A quiet Join
    carries one more byte (its flags); a plain one is byte for byte what it always was.
    """

    room_id: bytes
    quiet: bool = False


@dataclass(frozen=True, slots=True)
class Media:
    """A frame for every other member; the relay may drop it for a listener that lags."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Control:
    """A message for every other member; never dropped (a too-slow reader is disconnected)."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Unicast:
    """A message for one slot only (welcomes, sealed keys); never dropped."""

    to_slot: int
    payload: bytes


# relay -> client


@dataclass(frozen=True, slots=True)
class Joined:
    """The joiner's own slot and the slots already in the room, in joining order."""

    slot: int
    peers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeliverMedia:
    """A forwarded Media payload. It carries no sender slot: media frames name their sender."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class DeliverControl:
    """A forwarded Control (unicast=False) or Unicast (unicast=True) payload, with its sender."""

    from_slot: int
    payload: bytes
    unicast: bool


@dataclass(frozen=True, slots=True)
class PeerJoined:
    """A new slot entered the room."""

    slot: int


@dataclass(frozen=True, slots=True)
class PeerLeft:
    """A slot left the room; its number is never handed out again while the room lives."""

    slot: int


@dataclass(frozen=True, slots=True)
class Error:
    """Why the relay is about to close this connection (the close frame repeats it)."""

    code: int
    reason: str


ClientMessage: TypeAlias = Join | Media | Control | Unicast
ServerMessage: TypeAlias = Joined | DeliverMedia | DeliverControl | PeerJoined | PeerLeft | Error

_U32 = struct.Struct(">I")
_U32_U8 = struct.Struct(">IB")
_U32_U32 = struct.Struct(">II")
_U16 = struct.Struct(">H")


def _head(kind: MessageType) -> bytes:
    return bytes((VERSION, kind))


# Encoding


def _check_slot(slot: object, what: str) -> int:
    if not isinstance(slot, int) or isinstance(slot, bool):
        raise WireError(f"{what} must be an integer, not {type(slot).__name__}")
    if not 1 <= slot <= MAX_SLOT:
        raise WireError(f"{what} {slot} is outside 1..{MAX_SLOT}")
    return slot


def _check_payload(payload: object, what: str) -> bytes:
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise WireError(f"{what} payload must be bytes, not {type(payload).__name__}")
    size = len(payload)
    if size == 0:
        raise WireError(f"{what} payload is empty")
    if size > MAX_PAYLOAD:
        raise MessageTooLarge(f"{what} payload of {size} bytes exceeds {MAX_PAYLOAD}")
    return bytes(payload)


def _check_peers(slot: int, peers: object) -> tuple[int, ...]:
    if not isinstance(peers, tuple | list):
        raise WireError(f"Joined peers must be a tuple, not {type(peers).__name__}")
    if len(peers) > MAX_PEERS:
        raise MessageTooLarge(f"Joined lists {len(peers)} peers, more than {MAX_PEERS}")
    checked = tuple(_check_slot(p, "peer slot") for p in peers)
    if len(set(checked)) != len(checked):
        raise WireError("Joined lists a peer slot twice")
    if slot in checked:
        raise WireError(f"Joined lists the joiner's own slot {slot} as a peer")
    return checked


def encode(message: ClientMessage | ServerMessage) -> bytes:
    """Serialize one message, refusing any field the decoder would refuse."""
    match message:
        case Media(payload):
            return MEDIA_PREFIX + _check_payload(payload, "Media")
        case DeliverMedia(payload):
            return DELIVER_MEDIA_PREFIX + _check_payload(payload, "DeliverMedia")
        case Join(room_id, quiet):
            if not isinstance(room_id, bytes | bytearray | memoryview):
                raise WireError(f"room id must be bytes, not {type(room_id).__name__}")
            if len(room_id) != ROOM_ID_SIZE:
                raise WireError(f"room id has {len(room_id)} bytes, not {ROOM_ID_SIZE}")
            if not isinstance(quiet, bool):
                raise WireError(f"Join quiet must be a bool, not {type(quiet).__name__}")
            tail = bytes((FLAG_QUIET,)) if quiet else b""  # no flags byte unless a flag is set
            return _head(MessageType.JOIN) + bytes(room_id) + tail
        case Control(payload):
            return _head(MessageType.CONTROL) + _check_payload(payload, "Control")
        case Unicast(to_slot, payload):
            slot = _check_slot(to_slot, "Unicast to_slot")
            body = _check_payload(payload, "Unicast")
            return _head(MessageType.UNICAST) + _U32.pack(slot) + body
        case DeliverControl(from_slot, payload, unicast):
            slot = _check_slot(from_slot, "DeliverControl from_slot")
            body = _check_payload(payload, "DeliverControl")
            flags = FLAG_UNICAST if unicast else 0
            return _head(MessageType.DELIVER_CONTROL) + _U32_U8.pack(slot, flags) + body
        case Joined(slot, peers):
            own = _check_slot(slot, "Joined slot")
            others = _check_peers(own, peers)
            return b"".join(
                (
                    _head(MessageType.JOINED),
                    _U32_U32.pack(own, len(others)),
                    struct.pack(f">{len(others)}I", *others),
                )
            )
        case PeerJoined(slot):
            return _head(MessageType.PEER_JOINED) + _U32.pack(_check_slot(slot, "PeerJoined slot"))
        case PeerLeft(slot):
            return _head(MessageType.PEER_LEFT) + _U32.pack(_check_slot(slot, "PeerLeft slot"))
        case Error(code, reason):
            if not isinstance(code, int) or not 0 <= code <= 0xFFFF:
                raise WireError(f"Error code {code!r} is not a u16")
            if not isinstance(reason, str):
                raise WireError(f"Error reason must be str, not {type(reason).__name__}")
            try:
                text = reason.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise WireError("Error reason is not encodable as UTF-8") from exc
            if len(text) > MAX_REASON:
                raise WireError(f"Error reason has {len(text)} bytes, more than {MAX_REASON}")
            return _head(MessageType.ERROR) + _U16.pack(code) + text
        case _:
            raise WireError(f"cannot encode {type(message).__name__}: not a relay message")


# Decoding


def _bytes_of(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise WireError(f"a relay message is binary, not {type(data).__name__}")


def _type_of(data: bytes) -> int:
    """Check the version byte first, so a future client gets a clear answer, not a type error."""
    if not data:
        raise WireError("empty message")
    if data[0] != VERSION:
        raise UnknownVersion(
            f"envelope version {data[0]} is not supported; this relay speaks version {VERSION}"
        )
    if len(data) < HEADER_SIZE:
        raise WireError("message ends after the version byte")
    return data[1]


def _payload_at(data: bytes, start: int, what: str) -> bytes:
    size = len(data) - start
    if size <= 0:
        raise WireError(f"{what} has an empty payload")
    if size > MAX_PAYLOAD:
        raise MessageTooLarge(f"{what} payload of {size} bytes exceeds {MAX_PAYLOAD}")
    return data[start:]


def _exact(data: bytes, size: int, what: str) -> None:
    if len(data) != size:
        raise WireError(f"{what} must be {size} bytes long, not {len(data)}")


def _at_least(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise WireError(f"{what} is truncated: {len(data)} bytes, at least {size} needed")


def _slot_at(data: bytes, offset: int, what: str) -> int:
    (slot,) = _U32.unpack_from(data, offset)
    if slot == 0:
        raise WireError(f"{what} is 0, which is never a valid slot")
    return int(slot)


def decode_client(data: bytes | bytearray | memoryview) -> ClientMessage:
    """Parse a client-to-relay message; raise only WireError and its subclasses."""
    data = _bytes_of(data)
    kind = _type_of(data)
    if kind == MessageType.MEDIA:
        return Media(_payload_at(data, 2, "Media"))
    if kind == MessageType.JOIN:
        return _decode_join(data)
    if kind == MessageType.CONTROL:
        return Control(_payload_at(data, 2, "Control"))
    if kind == MessageType.UNICAST:
        _at_least(data, 6, "Unicast")
        to_slot = _slot_at(data, 2, "Unicast to_slot")
        return Unicast(to_slot, _payload_at(data, 6, "Unicast"))
    raise WireError(f"unknown client message type 0x{kind:02x}")


def decode_server(data: bytes | bytearray | memoryview) -> ServerMessage:
    """Parse a relay-to-client message; raise only WireError and its subclasses."""
    data = _bytes_of(data)
    kind = _type_of(data)
    if kind == MessageType.DELIVER_MEDIA:
        return DeliverMedia(_payload_at(data, 2, "DeliverMedia"))
    if kind == MessageType.DELIVER_CONTROL:
        _at_least(data, 7, "DeliverControl")
        from_slot = _slot_at(data, 2, "DeliverControl from_slot")
        flags = data[6]
        if flags & ~FLAG_UNICAST:
            raise WireError(f"DeliverControl flags 0x{flags:02x} set reserved bits")
        return DeliverControl(from_slot, _payload_at(data, 7, "DeliverControl"), bool(flags))
    if kind == MessageType.JOINED:
        return _decode_joined(data)
    if kind == MessageType.PEER_JOINED:
        _exact(data, 6, "PeerJoined")
        return PeerJoined(_slot_at(data, 2, "PeerJoined slot"))
    if kind == MessageType.PEER_LEFT:
        _exact(data, 6, "PeerLeft")
        return PeerLeft(_slot_at(data, 2, "PeerLeft slot"))
    if kind == MessageType.ERROR:
        _at_least(data, 4, "Error")
        (code,) = _U16.unpack_from(data, 2)
        raw = data[4:]
        if len(raw) > MAX_REASON:
            raise WireError(f"Error reason has {len(raw)} bytes, more than {MAX_REASON}")
        try:
            reason = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WireError(f"Error reason is not valid UTF-8 ({exc.reason})") from None
        return Error(int(code), reason)
    raise WireError(f"unknown relay message type 0x{kind:02x}")


_JOIN_SIZE = HEADER_SIZE + ROOM_ID_SIZE


def _decode_join(data: bytes) -> Join:
    """A Join is 18 bytes, or 19 with a flags byte. The flags byte exists only to carry a set
    flag: a zero one is refused, so that every Join has exactly one encoding."""
    if len(data) == _JOIN_SIZE:
        return Join(data[2:])
    if len(data) != _JOIN_SIZE + 1:
        raise WireError(f"Join must be {_JOIN_SIZE} or {_JOIN_SIZE + 1} bytes long, "
                        f"not {len(data)}")
    flags = data[_JOIN_SIZE]
    if flags & ~FLAG_QUIET:
        raise WireError(f"Join flags 0x{flags:02x} set reserved bits")
    if not flags:
        raise WireError("Join flags byte is 0: a Join without flags has no flags byte")
    return Join(data[2:_JOIN_SIZE], True)


def is_join(data: bytes | bytearray | memoryview) -> bool:
    """Whether `data` is a well-formed Join, plain or quiet. The relay's stealth mode asks this
    of what a connection sends before it joins; the length check spares it decoding anything
    else."""
    if len(data) not in (_JOIN_SIZE, _JOIN_SIZE + 1):
        return False
    try:
        return isinstance(decode_client(data), Join)
    except WireError:
        return False


def _decode_joined(data: bytes) -> Joined:
    _at_least(data, 10, "Joined")
    own = _slot_at(data, 2, "Joined slot")
    (count,) = _U32.unpack_from(data, 6)
    if count > MAX_PEERS:
        raise MessageTooLarge(f"Joined declares {count} peers, more than {MAX_PEERS}")
    _exact(data, 10 + 4 * count, f"Joined with {count} peers")
    peers = struct.unpack_from(f">{count}I", data, 10)
    if 0 in peers:
        raise WireError("Joined lists peer slot 0, which is never a valid slot")
    if len(set(peers)) != count:
        raise WireError("Joined lists a peer slot twice")
    if own in peers:
        raise WireError(f"Joined lists the joiner's own slot {own} as a peer")
    return Joined(own, tuple(int(p) for p in peers))
