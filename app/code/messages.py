"""The mailbox messages, byte by byte (docs/PROTOCOL.md, part 5), sans-I/O and strict.

Every message is `u8 version (1) | u8 type | body` and travels as the payload of a relay Control
(broadcast) or Unicast message in the mailbox room. Every type has one exact size, or (INVITE) a
size from a short list, so a parser checks the length before it looks at anything else. The two
sealed bodies are padded to fixed sizes: what the relay sees of an exchange is the same for every
code, room name and invite of up to two relays.

    HELLO    joiner -> all   01 01 | pake_a (33)                              35 bytes
    REPLY    host -> joiner  01 02 | pake_b (33) | host_tag (32)              67 bytes
    CONFIRM  joiner -> host  01 03 | joiner_tag (32) | nonce (24) | sealed    202 bytes
                             sealed = AEAD(joiner_seal, nonce, aad 01 03, 128-byte JOINER)
    INVITE   host -> joiner  01 04 | nonce (24) | sealed                      1066 + 1024 k
                             sealed = AEAD(host_seal, nonce, aad 01 04, 1024 (k+1)-byte ROOM)
    FAILED   host -> joiner  01 05 | u8 reason (1 expired, 2 used up)         3 bytes

    JOINER = identity_key (32) | u8 n | name (n <= 64, UTF-8) | zeros to 128
    ROOM   = u16 m | invite bytes (m) | u8 n | room name (n <= 100, UTF-8) | zeros to 1024 k

Parsers raise only `CodeMessageError` (and `UnknownCodeVersion`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

import nacl.bindings as sodium
import nacl.exceptions

from app.code.errors import CodeMessageError, UnknownCodeVersion

__all__ = ["FAILED_REASONS", "Confirm", "Failed", "Hello", "InviteMessage", "Kind", "Reply",
           "decode", "encode"]

VERSION = 1
PAKE_SIZE = 33  # the spake2 package's side byte (A or B) and a 32-byte Ed25519 group element
TAG_SIZE = 32
NONCE_SIZE = 24
AEAD_TAG = 16
JOINER_BLOCK = 128
ROOM_BLOCK = 1024
MAX_ROOM_BLOCKS = 9  # an invite of 8 relays of 1024 bytes and a 100-byte name fit in 9 KiB
MAX_NAME = 64  # display name bytes, as a knock allows
MAX_ROOM_NAME = 100  # room name bytes, as a welcome allows
MAX_INVITE = 97 + 1 + 8 * (2 + 1024)  # a version-2 invite (with its door key) of 8 relays
IDENTITY_SIZE = 32

_U16 = struct.Struct(">H")


class Kind(IntEnum):
    HELLO = 0x01
    REPLY = 0x02
    CONFIRM = 0x03
    INVITE = 0x04
    FAILED = 0x05


FAILED_REASONS = {1: "expired", 2: "used-up"}

HELLO_SIZE = 2 + PAKE_SIZE
REPLY_SIZE = 2 + PAKE_SIZE + TAG_SIZE
CONFIRM_SIZE = 2 + TAG_SIZE + NONCE_SIZE + JOINER_BLOCK + AEAD_TAG
FAILED_SIZE = 3
INVITE_SIZES = frozenset(2 + NONCE_SIZE + ROOM_BLOCK * k + AEAD_TAG
                         for k in range(1, MAX_ROOM_BLOCKS + 1))
MAX_MESSAGE = max(INVITE_SIZES)


@dataclass(frozen=True)
class Hello:
    pake: bytes


@dataclass(frozen=True)
class Reply:
    pake: bytes
    tag: bytes


@dataclass(frozen=True)
class Confirm:
    tag: bytes
    nonce: bytes
    sealed: bytes


@dataclass(frozen=True)
class InviteMessage:
    nonce: bytes
    sealed: bytes


@dataclass(frozen=True)
class Failed:
    reason: str  # "expired" or "used-up"


Message = Hello | Reply | Confirm | InviteMessage | Failed


def _head(kind: Kind) -> bytes:
    return bytes((VERSION, kind))


def encode(message: Message) -> bytes:
    """The bytes of a message; refuses fields of the wrong size (CodeMessageError)."""
    if isinstance(message, Hello):
        return _sized(_head(Kind.HELLO) + _pake(message.pake, b"A"), {HELLO_SIZE})
    if isinstance(message, Reply):
        return _sized(_head(Kind.REPLY) + _pake(message.pake, b"B") + message.tag, {REPLY_SIZE})
    if isinstance(message, Confirm):
        return _sized(_head(Kind.CONFIRM) + message.tag + message.nonce + message.sealed,
                      {CONFIRM_SIZE})
    if isinstance(message, InviteMessage):
        return _sized(_head(Kind.INVITE) + message.nonce + message.sealed, INVITE_SIZES)
    codes = {v: k for k, v in FAILED_REASONS.items()}
    if message.reason not in codes:
        raise CodeMessageError(f"no FAILED reason {message.reason!r}")
    return _head(Kind.FAILED) + bytes((codes[message.reason],))


def _sized(data: bytes, sizes: set[int] | frozenset[int]) -> bytes:
    if len(data) not in sizes:
        raise CodeMessageError("a field of this message has the wrong size")
    return data


def _pake(pake: bytes, side: bytes) -> bytes:
    if len(pake) != PAKE_SIZE or pake[:1] != side:
        raise CodeMessageError(f"a PAKE message of side {side.decode()} is {PAKE_SIZE} bytes")
    return pake


def decode(data: bytes) -> Message:
    """The message in `data`; CodeMessageError (or UnknownCodeVersion) for anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CodeMessageError("a mailbox message is bytes")
    data = bytes(data)
    if len(data) < 2:
        raise CodeMessageError("a mailbox message has at least 2 bytes")
    if data[0] != VERSION:
        raise UnknownCodeVersion(f"mailbox message version {data[0]} is not supported; this "
                                 f"app speaks version {VERSION}")
    if len(data) > MAX_MESSAGE:
        raise CodeMessageError(f"a mailbox message is at most {MAX_MESSAGE} bytes")
    kind = data[1]
    if kind == Kind.HELLO:
        _exact(data, HELLO_SIZE, "HELLO")
        return Hello(_pake(data[2:], b"A"))
    if kind == Kind.REPLY:
        _exact(data, REPLY_SIZE, "REPLY")
        return Reply(_pake(data[2:35], b"B"), data[35:])
    if kind == Kind.CONFIRM:
        _exact(data, CONFIRM_SIZE, "CONFIRM")
        return Confirm(data[2:34], data[34:58], data[58:])
    if kind == Kind.INVITE:
        if len(data) not in INVITE_SIZES:
            raise CodeMessageError("an INVITE is 1066 + 1024 k bytes (k = 0..8)")
        return InviteMessage(data[2:26], data[26:])
    if kind == Kind.FAILED:
        _exact(data, FAILED_SIZE, "FAILED")
        if data[2] not in FAILED_REASONS:
            raise CodeMessageError(f"FAILED reason {data[2]} is unknown")
        return Failed(FAILED_REASONS[data[2]])
    raise CodeMessageError(f"mailbox message type 0x{kind:02x} is unknown")


def _exact(data: bytes, size: int, name: str) -> None:
    if len(data) != size:
        raise CodeMessageError(f"a {name} is exactly {size} bytes, not {len(data)}")


# -- the sealed bodies -------------------------------------------------------------------------


def seal(key: bytes, nonce: bytes, kind: Kind, plaintext: bytes) -> bytes:
    """XChaCha20-Poly1305 under a one-exchange key; the header is the associated data."""
    out: bytes = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, _head(kind),
                                                                   nonce, key)
    return out


def unseal(key: bytes, nonce: bytes, kind: Kind, sealed: bytes) -> bytes:
    try:
        out: bytes = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, _head(kind),
                                                                       nonce, key)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise CodeMessageError("a sealed mailbox message did not open") from exc
    return out


def _text(text: str, limit: int) -> bytes:
    """UTF-8, cut on a character boundary at `limit` bytes (as the room's messages cut text)."""
    raw = text.encode("utf-8")[:limit]
    return raw.decode("utf-8", errors="ignore").encode("utf-8")


def joiner_block(identity_key: bytes, name: str) -> bytes:
    if len(identity_key) != IDENTITY_SIZE:
        raise CodeMessageError("an identity key is 32 bytes")
    raw = _text(name, MAX_NAME)
    body = identity_key + bytes((len(raw),)) + raw
    return body + bytes(JOINER_BLOCK - len(body))


def read_joiner_block(block: bytes) -> tuple[bytes, str]:
    if len(block) != JOINER_BLOCK:
        raise CodeMessageError(f"a joiner block is {JOINER_BLOCK} bytes")
    n = block[IDENTITY_SIZE]
    end = IDENTITY_SIZE + 1 + n
    if n > MAX_NAME or any(block[end:]):
        raise CodeMessageError("a joiner block's name is too long or its padding is not zero")
    return block[:IDENTITY_SIZE], _decode_text(block[IDENTITY_SIZE + 1 : end])


def room_block(invite: bytes, room_name: str) -> bytes:
    if not 1 <= len(invite) <= MAX_INVITE:
        raise CodeMessageError("an invite is 1 to 8306 bytes")
    raw = _text(room_name, MAX_ROOM_NAME)
    body = _U16.pack(len(invite)) + invite + bytes((len(raw),)) + raw
    size = -(-len(body) // ROOM_BLOCK) * ROOM_BLOCK
    return body + bytes(size - len(body))


def read_room_block(block: bytes) -> tuple[bytes, str]:
    if len(block) % ROOM_BLOCK or not 1 <= len(block) // ROOM_BLOCK <= MAX_ROOM_BLOCKS:
        raise CodeMessageError("a room block is 1024 k bytes")
    (m,) = _U16.unpack_from(block)
    if not 1 <= m <= MAX_INVITE or 2 + m + 1 > len(block):
        raise CodeMessageError("a room block's invite length is out of range")
    invite = block[2 : 2 + m]
    n = block[2 + m]
    end = 3 + m + n
    if n > MAX_ROOM_NAME or end > len(block) or any(block[end:]):
        raise CodeMessageError("a room block's name is too long or its padding is not zero")
    if len(block) != -(-end // ROOM_BLOCK) * ROOM_BLOCK:
        raise CodeMessageError("a room block is padded to the next 1024 bytes, no more")
    return invite, _decode_text(block[3 + m : end])


def _decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodeMessageError("text is not UTF-8") from exc
