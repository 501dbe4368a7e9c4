"""Identities: one Ed25519 key pair per person, and the X25519 key derived from it.

A member is known to the room by a 32-byte Ed25519 public key. The same key pair, converted to
X25519 (libsodium's `crypto_sign_ed25519_*_to_curve25519`), receives sealed boxes, so one key both
signs and is the address for private deliveries: there is no second key to pin or to mix up.

Every signature is domain separated: `sign(label, msg)` signs `u8 len(label) | label | msg`, so a
signature made for one purpose (an audio frame) can never be replayed as another (a knock), even if
the two messages happen to have the same bytes.

The low-level `nacl.bindings` calls are used instead of `nacl.signing` objects because audio frames
are signed and verified 50 times a second per speaker, and the binding calls skip the per-call
object construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import nacl.bindings as sodium
import nacl.exceptions
import nacl.utils

from .errors import BadSignature, DecryptionFailed, MalformedMessage

__all__ = [
    "KEY_SIZE",
    "SEALED_BOX_OVERHEAD",
    "SIGNATURE_SIZE",
    "Identity",
    "PublicIdentity",
    "safety_number",
]

KEY_SIZE = 32
SIGNATURE_SIZE = 64
SEALED_BOX_OVERHEAD = 48  # ephemeral X25519 public key (32) + Poly1305 tag (16)

_FINGER_PERSON = b"majlis-finger"
_SAFETY_PERSON = b"majlis-safety"


def _labelled(label: bytes, message: bytes) -> bytes:
    """The exact bytes that get signed: the label's length first, so no label is a prefix trick."""
    if len(label) > 255:
        raise MalformedMessage("a signature label is at most 255 bytes")
    return bytes((len(label),)) + label + message


@dataclass(frozen=True)
class PublicIdentity:
    """Someone's public key: what a room pins, verifies against and seals to.

    Frozen and compared by key, so it can index a roster. The X25519 form is computed once, on
    first use, because converting a point costs about as much as a signature check.
    """

    key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != KEY_SIZE:
            raise MalformedMessage("a public identity key is exactly 32 bytes")

    def verify(self, label: bytes, message: bytes, signature: bytes) -> None:
        """Raise `BadSignature` unless `signature` is this key's signature of `label`/`message`."""
        if len(signature) != SIGNATURE_SIZE:
            raise BadSignature("a signature is exactly 64 bytes")
        try:
            sodium.crypto_sign_open(signature + _labelled(label, message), self.key)
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise BadSignature("the signature does not match the sender's key") from exc

    @cached_property
    def x25519_key(self) -> bytes:
        """The X25519 public key sealed boxes go to (raises `MalformedMessage` for a bad point)."""
        try:
            return bytes(sodium.crypto_sign_ed25519_pk_to_curve25519(self.key))
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise MalformedMessage("this public key is not a usable Ed25519 point") from exc

    def seal(self, plaintext: bytes) -> bytes:
        """An anonymous libsodium sealed box only this identity can open (48 bytes overhead)."""
        return bytes(sodium.crypto_box_seal(plaintext, self.x25519_key))

    def fingerprint(self) -> str:
        """16 hex digits people can read aloud: BLAKE2b-256(pk, person "majlis-finger")[:8]."""
        digest = sodium.crypto_generichash_blake2b_salt_personal(
            self.key, digest_size=32, person=_FINGER_PERSON
        )
        text = digest[:8].hex().upper()
        return " ".join(text[i : i + 4] for i in range(0, 16, 4))


class Identity:
    """A private identity: signs, and opens sealed boxes addressed to its public key.

    Built from a 32-byte seed so that an opt-in persistent identity is just those 32 bytes on
    disk, and so that tests and vectors are deterministic.
    """

    __slots__ = ("_secret", "_x25519_secret", "public", "seed")

    seed: bytes
    public: PublicIdentity

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != KEY_SIZE:
            raise MalformedMessage("an identity seed is exactly 32 bytes")
        public_key, secret = sodium.crypto_sign_seed_keypair(seed)
        self.seed = seed
        self._secret: bytes = secret  # libsodium's 64-byte form: seed | public key
        self._x25519_secret: bytes = sodium.crypto_sign_ed25519_sk_to_curve25519(secret)
        self.public = PublicIdentity(bytes(public_key))

    @classmethod
    def generate(cls, random: Callable[[int], bytes] = nacl.utils.random) -> Identity:
        """A fresh identity from 32 bytes of `random`."""
        return cls(random(KEY_SIZE))

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        """The identity a stored or test seed stands for."""
        return cls(seed)

    def __repr__(self) -> str:
        return f"Identity({self.public.fingerprint()!r})"  # never the seed

    def sign(self, label: bytes, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature of `u8 len(label) | label | message`."""
        signed: bytes = sodium.crypto_sign(_labelled(label, message), self._secret)
        return signed[:SIGNATURE_SIZE]

    def unseal(self, ciphertext: bytes) -> bytes:
        """Open a sealed box addressed to this identity (`DecryptionFailed` otherwise)."""
        if len(ciphertext) < SEALED_BOX_OVERHEAD:
            raise DecryptionFailed("a sealed box is at least 48 bytes")
        try:
            return bytes(
                sodium.crypto_box_seal_open(
                    ciphertext, self.public.x25519_key, self._x25519_secret
                )
            )
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise DecryptionFailed("the sealed box did not open with this identity") from exc


def safety_number(a: PublicIdentity, b: PublicIdentity) -> str:
    """20 digits two people compare out of band to rule out a man in the middle.

    The keys are sorted first so both sides compute the same number. BLAKE2b-256 with person
    "majlis-safety"; its first 16 bytes as a big-endian integer modulo 10**20 (bias below 2**-60),
    zero-padded and shown in four groups of five.
    """
    first, second = sorted((a.key, b.key))
    digest = sodium.crypto_generichash_blake2b_salt_personal(
        first + second, digest_size=32, person=_SAFETY_PERSON
    )
    text = f"{int.from_bytes(digest[:16], 'big') % 10**20:020d}"
    return " ".join(text[i : i + 5] for i in range(0, 20, 5))
