"""The one error tree of `crypto/`.

Everything in this package that reads bytes from the network, from a link or from a file raises
only these exceptions, never libsodium's, `ValueError`, `struct.error` or `IndexError`: a caller
that catches `CryptoError` has caught every way a hostile peer can make a message fail.

    CryptoError
    ├── MalformedMessage        bad length or field
    │   └── UnknownVersion      a version byte this code does not speak
    ├── BadInvite               an invite link that cannot be used; str() is for the user
    ├── BadSignature            a signature did not verify
    ├── DecryptionFailed        an AEAD or sealed box did not open (wrong key or tampered)
    ├── ReplayedMessage         a counter already seen or older than the replay window
    └── NonceExhausted          a counter would wrap: rotate the key or rejoin first
"""

from __future__ import annotations

__all__ = [
    "BadInvite",
    "BadSignature",
    "CryptoError",
    "DecryptionFailed",
    "MalformedMessage",
    "NonceExhausted",
    "ReplayedMessage",
    "UnknownVersion",
]


class CryptoError(Exception):
    """Base of every error this package raises on purpose."""


class MalformedMessage(CryptoError):
    """A length or field is out of range, so the bytes were not even worth authenticating."""


class UnknownVersion(MalformedMessage):
    """The version byte is one this code does not speak (probably a newer peer)."""


class BadInvite(CryptoError):
    """An invite link that cannot be used.

    `str(error)` is a whole sentence meant to be shown as is to someone who is not technical;
    `reason` is a short stable code ("not-majlis", "damaged", "newer-version", "bad-relay",
    "invalid") for programs that want to react differently.
    """

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


class BadSignature(CryptoError):
    """A signature failed: the message was forged, altered, or attributed to the wrong sender."""


class DecryptionFailed(CryptoError):
    """An AEAD or sealed box did not open: wrong key, wrong recipient, or tampered bytes."""


class ReplayedMessage(CryptoError):
    """A counter was already accepted, or is too old for the replay window to judge."""


class NonceExhausted(CryptoError):
    """A counter would wrap around and reuse a nonce; a new key or session is needed first."""
