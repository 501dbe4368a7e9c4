"""Envelopes the relay carries as control payloads: knocks, control messages, direct messages.

Every envelope starts with `u8 version (1) | u8 type`; `envelope_type` reads them so a receiver
can dispatch before it holds any key. Bodies are opaque here (the room protocol in `app/core`
gives them meaning) and at most `MAX_BODY` bytes, so the largest envelope stays below the relay's
65,536-byte payload limit.

- KNOCK (0x01): a would-be joiner asks the hosts to be let in. Encrypted under a key derived from
  the room secret, so only invite holders can knock or read knocks; signed by the joiner over the
  room's routing id, so a knock cannot be replayed into another room.
- CONTROL (0x02): roster, roles, hands, rotations. Encrypted under the epoch's control key with the
  clear header as associated data, and signed inside by the member named by `signer_id`.
  `open_control` only decrypts: the caller finds the signer's key by id, then calls `verify`.
- DIRECT (0x03): one member to another (epoch keys for a new member, host-only notes). A sealed
  box, with the sender's signature over the kind, the recipient's key and the body inside: the
  recipient knows who sent it and cannot forward it to a third member as if addressed to them.

Byte layouts are in part 2 of `docs/PROTOCOL.md`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import nacl.bindings as sodium
import nacl.exceptions
import nacl.utils

from .errors import DecryptionFailed, MalformedMessage, UnknownVersion
from .identity import KEY_SIZE, SEALED_BOX_OVERHEAD, SIGNATURE_SIZE, Identity, PublicIdentity
from .keys import U32_MAX, EpochKey, knock_key, routing_id

__all__ = [
    "CONTROL",
    "CONTROL_LABEL",
    "DIRECT",
    "DIRECT_LABEL",
    "KNOCK",
    "KNOCK_LABEL",
    "MAX_BODY",
    "VERSION",
    "ControlMessage",
    "DirectMessage",
    "Knock",
    "envelope_type",
    "open_control",
    "open_direct",
    "open_knock",
    "peek_control_epoch",
    "seal_control",
    "seal_direct",
    "seal_knock",
]

VERSION = 1
KNOCK = 0x01
CONTROL = 0x02
DIRECT = 0x03
MAX_BODY = 60000

KNOCK_LABEL = b"majlis/knock/v1"
CONTROL_LABEL = b"majlis/control/v1"
DIRECT_LABEL = b"majlis/direct/v1"

NONCE_SIZE = 24
TAG_SIZE = 16
_SIGNED = KEY_SIZE + SIGNATURE_SIZE  # sender key and signature inside knocks and directs

_CONTROL_HEAD = struct.Struct(">BBBI")  # version | type | kind | epoch
_CONTROL_IDS = struct.Struct(">IQ")  # signer_id | seq
CONTROL_HEAD_SIZE = _CONTROL_HEAD.size  # 7

MIN_KNOCK = 2 + NONCE_SIZE + TAG_SIZE + _SIGNED
MIN_CONTROL = CONTROL_HEAD_SIZE + NONCE_SIZE + TAG_SIZE + _CONTROL_IDS.size + SIGNATURE_SIZE
MIN_DIRECT = 3 + SEALED_BOX_OVERHEAD + _SIGNED

_aead_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
_aead_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt


def envelope_type(data: bytes) -> int:
    """KNOCK, CONTROL or DIRECT; MalformedMessage or UnknownVersion for anything else."""
    if len(data) < 2:
        raise MalformedMessage("an envelope is at least 2 bytes")
    if data[0] != VERSION:
        raise UnknownVersion(f"envelope version {data[0]} is not supported")
    if data[1] not in (KNOCK, CONTROL, DIRECT):
        raise MalformedMessage(f"unknown envelope type {data[1]}")
    return data[1]


def _check_envelope(data: bytes, kind: int, minimum: int) -> None:
    if envelope_type(data) != kind:
        raise MalformedMessage(f"expected envelope type {kind}, got {data[1]}")
    if not minimum <= len(data) <= minimum + MAX_BODY:
        raise MalformedMessage(f"envelope of type {kind} has a bad length {len(data)}")


def _check_body(body: bytes) -> None:
    if len(body) > MAX_BODY:
        raise MalformedMessage(f"a body is at most {MAX_BODY} bytes")


def _check_kind(kind: int) -> None:
    if not isinstance(kind, int) or not 0 <= kind <= 255:
        raise MalformedMessage("a message kind is one byte")


def _nonce(random: Callable[[int], bytes]) -> bytes:
    nonce = random(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise ValueError("the random source returned the wrong number of bytes")
    return nonce


def _open_aead(ciphertext: bytes, aad: bytes, nonce: bytes, key: bytes) -> bytes:
    try:
        return bytes(_aead_decrypt(ciphertext, aad, nonce, key))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise DecryptionFailed("the envelope did not authenticate under this key") from exc


# Knocks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knock:
    """A verified request to join: who knocks (they proved holding the key) and what they say."""

    joiner: PublicIdentity
    body: bytes


def seal_knock(
    room_secret: bytes,
    joiner: Identity,
    body: bytes,
    random: Callable[[int], bytes] = nacl.utils.random,
) -> bytes:
    """`01 | 01 | nonce | AEAD(joiner_pk | sig | body)` under the room's knock key."""
    _check_body(body)
    head = bytes((VERSION, KNOCK))
    signature = joiner.sign(KNOCK_LABEL, routing_id(room_secret) + body)
    nonce = _nonce(random)
    plain = joiner.public.key + signature + body
    return head + nonce + bytes(_aead_encrypt(plain, head, nonce, knock_key(room_secret)))


def open_knock(room_secret: bytes, data: bytes) -> Knock:
    """Decrypt a knock and check the joiner's signature over this room's routing id and body."""
    _check_envelope(data, KNOCK, MIN_KNOCK)
    nonce = data[2 : 2 + NONCE_SIZE]
    plain = _open_aead(data[2 + NONCE_SIZE :], data[:2], nonce, knock_key(room_secret))
    joiner = PublicIdentity(plain[:KEY_SIZE])
    body = plain[_SIGNED:]
    joiner.verify(KNOCK_LABEL, routing_id(room_secret) + body, plain[KEY_SIZE:_SIGNED])
    return Knock(joiner, body)


# Control messages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlMessage:
    """A decrypted control message. Not trusted until `verify` passed with the signer's key."""

    kind: int
    epoch: int
    signer_id: int
    seq: int
    body: bytes
    signature: bytes = field(default=b"", repr=False)

    def signed_bytes(self) -> bytes:
        """What the signer signed: the 7-byte clear header, signer_id, seq and body."""
        head = _CONTROL_HEAD.pack(VERSION, CONTROL, self.kind, self.epoch)
        return head + _CONTROL_IDS.pack(self.signer_id, self.seq) + self.body

    def verify(self, signer: PublicIdentity) -> None:
        """Raise `BadSignature` unless `signer` (the key of member `signer_id`) signed this."""
        signer.verify(CONTROL_LABEL, self.signed_bytes(), self.signature)


def peek_control_epoch(data: bytes) -> int:
    """The epoch a control envelope was sealed under, to pick the key (MalformedMessage)."""
    _check_envelope(data, CONTROL, MIN_CONTROL)
    epoch: int = _CONTROL_HEAD.unpack_from(data)[3]
    return epoch


def seal_control(
    epoch: EpochKey,
    signer: Identity,
    signer_id: int,
    seq: int,
    kind: int,
    body: bytes,
    random: Callable[[int], bytes] = nacl.utils.random,
) -> bytes:
    """`01 | 02 | kind | u32 epoch | nonce | AEAD(signer_id | seq | sig | body)`."""
    _check_kind(kind)
    _check_body(body)
    if not isinstance(signer_id, int) or not 0 <= signer_id <= U32_MAX:
        raise MalformedMessage("a signer id is a 32-bit unsigned integer")
    if not isinstance(seq, int) or not 0 <= seq < 2**64:
        raise MalformedMessage("a sequence number is a 64-bit unsigned integer")
    head = _CONTROL_HEAD.pack(VERSION, CONTROL, kind, epoch.number)
    ids = _CONTROL_IDS.pack(signer_id, seq)
    signature = signer.sign(CONTROL_LABEL, head + ids + body)
    nonce = _nonce(random)
    sealed = _aead_encrypt(ids + signature + body, head, nonce, epoch.control_key())
    return head + nonce + bytes(sealed)


def open_control(data: bytes, epoch: EpochKey) -> ControlMessage:
    """Decrypt and parse a control envelope sealed under `epoch`; the signature is NOT checked."""
    _check_envelope(data, CONTROL, MIN_CONTROL)
    _, _, kind, number = _CONTROL_HEAD.unpack_from(data)
    if number != epoch.number:
        raise DecryptionFailed(f"the message is for epoch {number}, the key for {epoch.number}")
    start = CONTROL_HEAD_SIZE + NONCE_SIZE
    plain = _open_aead(
        data[start:], data[:CONTROL_HEAD_SIZE], data[CONTROL_HEAD_SIZE:start], epoch.control_key()
    )
    signer_id, seq = _CONTROL_IDS.unpack_from(plain)
    sig_end = _CONTROL_IDS.size + SIGNATURE_SIZE
    return ControlMessage(
        kind, number, signer_id, seq, plain[sig_end:], plain[_CONTROL_IDS.size : sig_end]
    )


# Direct messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectMessage:
    """A verified message from `sender` to the identity that opened it."""

    kind: int
    sender: PublicIdentity
    body: bytes


def _direct_signed(kind: int, recipient: PublicIdentity, body: bytes) -> bytes:
    return bytes((kind,)) + recipient.key + body


def seal_direct(recipient: PublicIdentity, sender: Identity, kind: int, body: bytes) -> bytes:
    """`01 | 03 | kind | sealed box(sender_pk | sig | body)` to the recipient's X25519 key."""
    _check_kind(kind)
    _check_body(body)
    signature = sender.sign(DIRECT_LABEL, _direct_signed(kind, recipient, body))
    return bytes((VERSION, DIRECT, kind)) + recipient.seal(sender.public.key + signature + body)


def open_direct(identity: Identity, data: bytes) -> DirectMessage:
    """Unseal a direct message and check that its sender signed kind, recipient and body."""
    _check_envelope(data, DIRECT, MIN_DIRECT)
    kind = data[2]
    plain = identity.unseal(data[3:])
    sender = PublicIdentity(plain[:KEY_SIZE])
    body = plain[_SIGNED:]
    signed = _direct_signed(kind, identity.public, body)
    sender.verify(DIRECT_LABEL, signed, plain[KEY_SIZE:_SIGNED])
    return DirectMessage(kind, sender, body)
