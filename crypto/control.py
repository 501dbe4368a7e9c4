"""Envelopes the relay carries as control payloads: knocks, control messages, direct messages.

Every envelope starts with `u8 version (2) | u8 type`; `envelope_type` reads them so a receiver
can dispatch before it holds any key. Everything else (the message kind, the epoch, who signed)
is inside the encryption, and every envelope is padded to one of `PAD_SIZES` bytes: the relay and
an observer of TLS record sizes learn the envelope type and a size class, not whether a message
raises a hand, mutes a microphone, changes a role or removes someone, nor how long a name is.
Bodies are opaque here (the room protocol in `app/core` gives them meaning) and at most `MAX_BODY`
bytes, so the largest envelope stays below the relay's 65,536-byte payload limit.

- KNOCK (0x01): a would-be joiner asks to be let in. Sealed to the host's key pinned in the
  invite (only the host reads a knock: not a member, not an ex-member who kept the link), inside
  an AEAD under a key derived from the room secret (only invite holders can knock at all), and
  signed by the joiner over the room's routing id, so it cannot be replayed into another room.
- CONTROL (0x02): roster, roles, hands, rotations. Encrypted under the epoch's control key and
  signed inside by the member named by `signer_id`. The receiver finds the key by trying the few
  it holds; `open_control` only decrypts: the caller finds the signer's key by id, then `verify`.
- DIRECT (0x03): one member to another (epoch keys for a new member, host-only notes). A sealed
  box, with the kind, the sender's key and signature over kind, recipient key and body inside: the
  recipient knows who sent it and cannot forward it to a third member as if addressed to them.

Padding is ISO/IEC 7816-4 style inside the encryption (`0x80` then zeros), so it is
authenticated. Byte layouts are in part 2 of `docs/PROTOCOL.md`.
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
    "PAD_SIZES",
    "VERSION",
    "ControlMessage",
    "DirectMessage",
    "Knock",
    "envelope_type",
    "open_control",
    "open_direct",
    "open_knock",
    "seal_control",
    "seal_direct",
    "seal_knock",
]

VERSION = 2
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

# What the signature covers starts with this 7-byte pseudo-header (it is not sent in clear).
_SIGNED_HEAD = struct.Struct(">BBBI")  # version | type | kind | epoch
_CONTROL_INNER = struct.Struct(">BIIQ")  # kind | epoch | signer_id | seq, inside the AEAD
_CONTROL_IDS = struct.Struct(">IQ")  # signer_id | seq
HEAD_SIZE = 2

# Every envelope is exactly one of these sizes. An ordinary room's knocks, control and direct
# messages all fit the first; a welcome or rotation for dozens of members the second; rooms of
# hundreds or thousands the others. The last is below the relay's 65,536-byte payload limit.
PAD_SIZES = (512, 2048, 8192, 32768, 61440)

MIN_KNOCK = PAD_SIZES[0]
MIN_CONTROL = PAD_SIZES[0]
MIN_DIRECT = PAD_SIZES[0]

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
    if len(data) not in PAD_SIZES:
        raise MalformedMessage(f"envelope of type {kind} has a bad length {len(data)}")


def padded_size(content: int, overhead: int) -> int:
    """The envelope size (one of PAD_SIZES) for `content` bytes of body plus `overhead`."""
    for size in PAD_SIZES:
        if content + overhead <= size:
            return size
    raise MalformedMessage("the message is too large for any envelope")


def _pad(plain: bytes, overhead_outside: int) -> bytes:
    """`plain | 0x80 | zeros` so that the whole envelope is one of PAD_SIZES."""
    size = padded_size(len(plain) + 1, overhead_outside)
    return plain + b"\x80" + bytes(size - overhead_outside - len(plain) - 1)


def _unpad(padded: bytes) -> bytes:
    end = len(padded.rstrip(b"\x00"))
    if end == 0 or padded[end - 1] != 0x80:
        raise MalformedMessage("the padding is malformed")
    return padded[: end - 1]


def _check_body(body: bytes) -> None:
    if not isinstance(body, bytes) or len(body) > MAX_BODY:
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
    host: PublicIdentity,
    joiner: Identity,
    body: bytes,
    random: Callable[[int], bytes] = nacl.utils.random,
) -> bytes:
    """`02 | 01 | nonce | AEAD_knock(sealed box to host(joiner_pk | sig | body | pad))`."""
    _check_body(body)
    head = bytes((VERSION, KNOCK))
    signature = joiner.sign(KNOCK_LABEL, routing_id(room_secret) + body)
    outside = HEAD_SIZE + NONCE_SIZE + TAG_SIZE + SEALED_BOX_OVERHEAD
    sealed = host.seal(_pad(joiner.public.key + signature + body, outside))
    nonce = _nonce(random)
    return head + nonce + bytes(_aead_encrypt(sealed, head, nonce, knock_key(room_secret)))


def open_knock(room_secret: bytes, host: Identity, data: bytes) -> Knock:
    """Decrypt a knock (the host's key opens it), check the joiner's signature over this room's
    routing id and body."""
    _check_envelope(data, KNOCK, MIN_KNOCK)
    nonce = data[HEAD_SIZE : HEAD_SIZE + NONCE_SIZE]
    sealed = _open_aead(data[HEAD_SIZE + NONCE_SIZE :], data[:HEAD_SIZE], nonce,
                        knock_key(room_secret))
    plain = _unpad(host.unseal(sealed))
    if len(plain) < _SIGNED:
        raise MalformedMessage("a knock is too short")
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
        """What the signer signed: version, type, kind, epoch, signer_id, seq and body."""
        head = _SIGNED_HEAD.pack(VERSION, CONTROL, self.kind, self.epoch)
        return head + _CONTROL_IDS.pack(self.signer_id, self.seq) + self.body

    def verify(self, signer: PublicIdentity) -> None:
        """Raise `BadSignature` unless `signer` (the key of member `signer_id`) signed this."""
        signer.verify(CONTROL_LABEL, self.signed_bytes(), self.signature)


def seal_control(
    epoch: EpochKey,
    signer: Identity,
    signer_id: int,
    seq: int,
    kind: int,
    body: bytes,
    random: Callable[[int], bytes] = nacl.utils.random,
) -> bytes:
    """`02 | 02 | nonce | AEAD(kind | epoch | signer_id | seq | sig | body | pad)`."""
    _check_kind(kind)
    _check_body(body)
    if not isinstance(signer_id, int) or not 0 <= signer_id <= U32_MAX:
        raise MalformedMessage("a signer id is a 32-bit unsigned integer")
    if not isinstance(seq, int) or not 0 <= seq < 2**64:
        raise MalformedMessage("a sequence number is a 64-bit unsigned integer")
    head = bytes((VERSION, CONTROL))
    signed = _SIGNED_HEAD.pack(VERSION, CONTROL, kind, epoch.number) \
        + _CONTROL_IDS.pack(signer_id, seq) + body
    signature = signer.sign(CONTROL_LABEL, signed)
    inner = _CONTROL_INNER.pack(kind, epoch.number, signer_id, seq) + signature + body
    nonce = _nonce(random)
    plain = _pad(inner, HEAD_SIZE + NONCE_SIZE + TAG_SIZE)
    return head + nonce + bytes(_aead_encrypt(plain, head, nonce, epoch.control_key()))


def open_control(data: bytes, epoch: EpochKey) -> ControlMessage:
    """Decrypt and parse a control envelope sealed under `epoch`; the signature is NOT checked.
    `DecryptionFailed` when it was sealed under another key (or forged)."""
    _check_envelope(data, CONTROL, MIN_CONTROL)
    start = HEAD_SIZE + NONCE_SIZE
    plain = _unpad(_open_aead(data[start:], data[:HEAD_SIZE], data[HEAD_SIZE:start],
                              epoch.control_key()))
    if len(plain) < _CONTROL_INNER.size + SIGNATURE_SIZE:
        raise MalformedMessage("a control message is too short")
    kind, number, signer_id, seq = _CONTROL_INNER.unpack_from(plain)
    if number != epoch.number:
        raise DecryptionFailed(f"the message is for epoch {number}, the key for {epoch.number}")
    sig_end = _CONTROL_INNER.size + SIGNATURE_SIZE
    return ControlMessage(kind, number, signer_id, seq, plain[sig_end:],
                          plain[_CONTROL_INNER.size : sig_end])


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
    """`02 | 03 | sealed box(kind | sender_pk | sig | body | pad)` to the recipient's X25519 key."""
    _check_kind(kind)
    _check_body(body)
    signature = sender.sign(DIRECT_LABEL, _direct_signed(kind, recipient, body))
    inner = bytes((kind,)) + sender.public.key + signature + body
    return bytes((VERSION, DIRECT)) + recipient.seal(
        _pad(inner, HEAD_SIZE + SEALED_BOX_OVERHEAD))


def open_direct(identity: Identity, data: bytes) -> DirectMessage:
    """Unseal a direct message and check that its sender signed kind, recipient and body."""
    _check_envelope(data, DIRECT, MIN_DIRECT)
    plain = _unpad(identity.unseal(data[HEAD_SIZE:]))
    if len(plain) < 1 + _SIGNED:
        raise MalformedMessage("a direct message is too short")
    kind = plain[0]
    sender = PublicIdentity(plain[1 : 1 + KEY_SIZE])
    body = plain[1 + _SIGNED :]
    signed = _direct_signed(kind, identity.public, body)
    sender.verify(DIRECT_LABEL, signed, plain[1 + KEY_SIZE : 1 + _SIGNED])
    return DirectMessage(kind, sender, body)
