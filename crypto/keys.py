"""The key schedule: every key is derived for one purpose only.

One construction derives everything: `kdf(key, purpose, context)` is keyed BLAKE2b-256 with the
purpose as BLAKE2b's 16-byte personalization. Two derivations with different purposes are
independent pseudo-random functions even with the same key and context, so an audio key can never
equal a control key, a knock key, or the next epoch key (the magic-wormhole way: separate every
key by what it is for).

    room_secret ──┬─ routing_id   BLAKE2b-128  "majlis-route"     what the relay routes on
                  ├─ knock_key    kdf          "majlis-knock"     knocks of would-be joiners
                  └─ room_code    kdf          "majlis-roomcode"  6 digits members compare
    epoch key n ──┬─ ratchet      kdf          "majlis-ratchet"   epoch key n+1 (one way)
                  ├─ control_key  kdf          "majlis-control"   control envelopes of epoch n
                  ├─ commitment   kdf[:16]     "majlis-commit"    names the key in key requests
                  └─ audio_key    kdf          "majlis-audio"     one per (member, session)
                        └─ frame binding  kdf  "majlis-bind"      signed with every audio frame

part 2 of `docs/PROTOCOL.md` has the byte layouts of every context.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import nacl.bindings as sodium
import nacl.utils

from .errors import MalformedMessage, NonceExhausted
from .identity import SEALED_BOX_OVERHEAD, Identity, PublicIdentity

__all__ = [
    "PURPOSES",
    "SEALED_EPOCH_KEY_SIZE",
    "EpochKey",
    "kdf",
    "knock_key",
    "open_epoch_key",
    "room_code",
    "routing_id",
    "seal_epoch_key",
]

KEY_SIZE = 32
SESSION_SIZE = 8
U32_MAX = 2**32 - 1
SEALED_EPOCH_KEY_SIZE = 4 + KEY_SIZE + SEALED_BOX_OVERHEAD  # 84

ROUTE = b"majlis-route"
KNOCK = b"majlis-knock"
RATCHET = b"majlis-ratchet"
CONTROL = b"majlis-control"
AUDIO = b"majlis-audio"
ROOMCODE = b"majlis-roomcode"
SAFETY = b"majlis-safety"
FINGER = b"majlis-finger"
BIND = b"majlis-bind"
COMMIT = b"majlis-commit"
PURPOSES = (ROUTE, KNOCK, RATCHET, CONTROL, AUDIO, ROOMCODE, SAFETY, FINGER, BIND, COMMIT)
COMMITMENT_SIZE = 16

# How many (member, session) frame keys one epoch remembers before starting over: bounded so a
# flood of made-up member ids cannot grow memory, large enough for any real stage.
_FRAME_KEY_CACHE = 4096

_U32 = struct.Struct(">I")
_AUDIO_CONTEXT = struct.Struct(">II8s")


def _hash(key: bytes, purpose: bytes, context: bytes, size: int) -> bytes:
    if not 16 <= len(key) <= 64:
        raise MalformedMessage("a derivation key is 16 to 64 bytes")
    if len(purpose) > 16:
        raise MalformedMessage("a purpose label is at most 16 bytes")
    out: bytes = sodium.crypto_generichash_blake2b_salt_personal(
        context, digest_size=size, key=key, person=purpose
    )
    return out


def kdf(key: bytes, purpose: bytes, context: bytes = b"") -> bytes:
    """32 bytes of keyed BLAKE2b over `context`, personalised with `purpose` (zero-padded to 16)."""
    return _hash(key, purpose, context, KEY_SIZE)


def routing_id(room_secret: bytes) -> bytes:
    """The 16 bytes the relay routes a room by; it reveals nothing of the secret behind it."""
    return _hash(room_secret, ROUTE, b"", 16)


def knock_key(room_secret: bytes) -> bytes:
    """The AEAD key of knocks: only holders of the invite can knock, and only they can read one."""
    return kdf(room_secret, KNOCK)


def room_code(room_secret: bytes, host_key: bytes) -> str:
    """Six digits ("482 913") that members read to each other to see they joined the same room.

    Derived from both the secret and the pinned host key, so two invites that differ in either
    show different codes. First 8 bytes as a big-endian integer modulo 10**6 (bias below 2**-40).
    """
    number = int.from_bytes(kdf(room_secret, ROOMCODE, host_key)[:8], "big") % 10**6
    text = f"{number:06d}"
    return f"{text[:3]} {text[3:]}"


@dataclass(frozen=True)
class EpochKey:
    """The group key of one epoch of a room.

    A join ratchets it (everyone moves to `ratchet()`, the joiner gets only the new key, so it
    cannot read what came before); a leave or kick replaces it with `EpochKey.random` sealed to
    each remaining member. The key is left out of `repr` so it never lands in a log.
    """

    number: int
    key: bytes = field(repr=False)
    _frame_keys: dict[tuple[int, bytes], tuple[bytes, bytes]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.number, int) or not 0 <= self.number <= U32_MAX:
            raise MalformedMessage("an epoch number is a 32-bit unsigned integer")
        if not isinstance(self.key, bytes) or len(self.key) != KEY_SIZE:
            raise MalformedMessage("an epoch key is exactly 32 bytes")

    @classmethod
    def random(cls, number: int, random: Callable[[int], bytes] = nacl.utils.random) -> EpochKey:
        """A fresh epoch key, for a new room or after a leave or kick."""
        return cls(number, random(KEY_SIZE))

    def ratchet(self) -> EpochKey:
        """Epoch number+1, key kdf(key, "majlis-ratchet", u32(number+1)): there is no way back."""
        if self.number >= U32_MAX:
            raise NonceExhausted("the epoch number would wrap: start a new room")
        following = self.number + 1
        return EpochKey(following, kdf(self.key, RATCHET, _U32.pack(following)))

    def commitment(self) -> bytes:
        """16 bytes that name this key without revealing it: two members holding different keys
        under one epoch number (two admins' concurrent commits) tell so by comparing these."""
        return kdf(self.key, COMMIT, _U32.pack(self.number))[:COMMITMENT_SIZE]

    def control_key(self) -> bytes:
        """The AEAD key of this epoch's control envelopes."""
        return kdf(self.key, CONTROL, _U32.pack(self.number))

    def audio_key(self, member_id: int, session: bytes) -> bytes:
        """The stream key of one member's session in this epoch: no two senders share a key."""
        return kdf(self.key, AUDIO, _audio_context(self.number, member_id, session))

    def frame_keys(self, member_id: int, session: bytes) -> tuple[bytes, bytes]:
        """(audio key, binding) for a sender, cached on this object for the hot path.

        The binding is kdf(audio key, "majlis-bind") and is signed with every frame, so a frame
        only verifies for a receiver that holds the very key it was encrypted with. The cache dies
        with the EpochKey, so old keys are not kept alive by a global table.
        """
        slot = (member_id, session)
        cached = self._frame_keys.get(slot)
        if cached is None:
            audio = self.audio_key(member_id, session)
            cached = (audio, kdf(audio, BIND))
            if len(self._frame_keys) >= _FRAME_KEY_CACHE:
                self._frame_keys.clear()
            self._frame_keys[slot] = cached
        return cached


def _audio_context(number: int, member_id: int, session: bytes) -> bytes:
    if not isinstance(member_id, int) or not 0 <= member_id <= U32_MAX:
        raise MalformedMessage("a member id is a 32-bit unsigned integer")
    if not isinstance(session, bytes) or len(session) != SESSION_SIZE:
        raise MalformedMessage("a session id is exactly 8 bytes")
    return _AUDIO_CONTEXT.pack(number, member_id, session)


def seal_epoch_key(recipient: PublicIdentity, epoch: EpochKey) -> bytes:
    """`u32 number | key` in a sealed box to the recipient: 84 bytes, readable by it alone."""
    return recipient.seal(_U32.pack(epoch.number) + epoch.key)


def open_epoch_key(identity: Identity, sealed: bytes) -> EpochKey:
    """The epoch key in a sealed box from `seal_epoch_key` (MalformedMessage/DecryptionFailed)."""
    if len(sealed) != SEALED_EPOCH_KEY_SIZE:
        raise MalformedMessage(f"a sealed epoch key is exactly {SEALED_EPOCH_KEY_SIZE} bytes")
    plain = identity.unseal(sealed)
    if len(plain) != 4 + KEY_SIZE:  # cannot happen for a box of the right size; kept as a guard
        raise MalformedMessage("a sealed epoch key holds exactly 36 bytes")
    return EpochKey(_U32.unpack_from(plain)[0], plain[4:])
