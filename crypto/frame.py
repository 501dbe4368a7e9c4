"""Audio frames: encrypt with a stream cipher, then sign. The hot path of the whole app.

A speaker sends 50 frames a second, so the format spends as few bytes as security allows:

    u8 version (1) | u32 epoch | u32 member_id | u32 counter | ciphertext | Ed25519 signature (64)
    └──────────────── header: 13 bytes ────────────────────┘

77 bytes of overhead: an 80-byte Opus packet (32 kbit/s) travels as 157 bytes, 62.8 kbit/s, under
the 64 kbit/s budget. There is no Poly1305 tag. Every member holds the epoch key, so a group-key
tag proves only "some member made this"; the per-frame signature already proves "this member made
exactly these bytes" (Ed25519 is strongly unforgeable), which implies everything the tag would
say. The signature is checked before anything is decrypted.

The ciphertext is XChaCha20 with block counter 1: taken portably as the first bytes of libsodium's
XChaCha20-Poly1305-IETF encryption of zeros, which is exactly the keystream that AEAD applies.

The signed message also starts with a 32-byte binding derived from the sender's audio key (never
sent). It costs nothing on the wire and makes a frame verify only under the key and session it was
made with, so a stale key, a wrong session or a frame replayed from an earlier session of the same
member fails the signature check instead of decrypting to noise.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import nacl.bindings as sodium

from .errors import DecryptionFailed, MalformedMessage, NonceExhausted, UnknownVersion
from .identity import SIGNATURE_SIZE, Identity, PublicIdentity
from .keys import SESSION_SIZE, U32_MAX, EpochKey

__all__ = [
    "AUDIO_LABEL",
    "FRAME_OVERHEAD",
    "HEADER_SIZE",
    "MAX_FRAME",
    "MAX_PAYLOAD",
    "MIN_FRAME",
    "VERSION",
    "FrameHeader",
    "FrameSealer",
    "open_frame",
    "parse_frame_header",
]

VERSION = 1
AUDIO_LABEL = b"majlis/audio/v1"
HEADER_SIZE = 13
FRAME_OVERHEAD = HEADER_SIZE + SIGNATURE_SIZE  # 77
MAX_PAYLOAD = 1275  # the largest Opus packet (RFC 6716, section 3.4)
MIN_FRAME = FRAME_OVERHEAD + 1
MAX_FRAME = FRAME_OVERHEAD + MAX_PAYLOAD

_HEADER = struct.Struct(">BIII")
_NONCE_TAIL = struct.Struct(">IIQ")  # member_id | epoch | counter, after the 8-byte session
_TAG_BITS = 128  # the Poly1305 tag the keystream call appends, dropped by a shift
_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt


@dataclass(frozen=True)
class FrameHeader:
    """The clear part of a frame: which epoch key, which sender, which counter (all u32)."""

    epoch: int
    member_id: int
    counter: int


def parse_frame_header(frame: bytes) -> FrameHeader:
    """Read the header of a whole frame, before any key is chosen (MalformedMessage).

    Receivers use it to pick the epoch key and the sender, and to ask the replay window, so it
    checks the frame's total length too: what passes here is worth a signature check.
    """
    size = len(frame)
    if size < MIN_FRAME or size > MAX_FRAME:
        raise MalformedMessage(f"an audio frame is {MIN_FRAME} to {MAX_FRAME} bytes, not {size}")
    version, epoch, member_id, counter = _HEADER.unpack_from(frame)
    if version != VERSION:
        raise UnknownVersion(f"audio frame version {version} is not supported")
    return FrameHeader(epoch, member_id, counter)


def _keystream_xor(data: bytes, nonce: bytes, key: bytes) -> bytes:
    """data XOR XChaCha20(key, nonce) starting at block 1, on Python ints to avoid a byte loop."""
    size = len(data)
    stream = int.from_bytes(_encrypt(bytes(size), None, nonce, key), "big") >> _TAG_BITS
    return (int.from_bytes(data, "big") ^ stream).to_bytes(size, "big")


class FrameSealer:
    """Seals one member's audio frames for one session, keeping the frame counter.

    The counter starts at 0 and is never reset, not even when the epoch changes, so a replay
    window per sender session is enough. After 2**32 frames (2.7 years at 50 frames a second)
    `seal` raises `NonceExhausted` rather than reuse a nonce.
    """

    __slots__ = ("_counter", "_identity", "_member_id", "_session")

    def __init__(self, identity: Identity, member_id: int, session: bytes) -> None:
        if not isinstance(member_id, int) or not 0 <= member_id <= U32_MAX:
            raise MalformedMessage("a member id is a 32-bit unsigned integer")
        if not isinstance(session, bytes) or len(session) != SESSION_SIZE:
            raise MalformedMessage("a session id is exactly 8 bytes")
        self._identity = identity
        self._member_id = member_id
        self._session = session
        self._counter = 0

    @property
    def counter(self) -> int:
        """The counter the next frame will carry."""
        return self._counter

    def seal(self, epoch: EpochKey, payload: bytes) -> bytes:
        """Encrypt and sign one Opus packet (1 to 1275 bytes) under `epoch`."""
        counter = self._counter
        if counter > U32_MAX:
            raise NonceExhausted("the frame counter is exhausted: rejoin with a new session")
        if not 1 <= len(payload) <= MAX_PAYLOAD:
            raise MalformedMessage(f"an audio payload is 1 to {MAX_PAYLOAD} bytes")
        member_id = self._member_id
        number = epoch.number
        key, binding = epoch.frame_keys(member_id, self._session)
        header = _HEADER.pack(VERSION, number, member_id, counter)
        nonce = self._session + _NONCE_TAIL.pack(member_id, number, counter)
        body = header + _keystream_xor(payload, nonce, key)
        self._counter = counter + 1
        return body + self._identity.sign(AUDIO_LABEL, binding + body)


def open_frame(
    frame: bytes, epoch: EpochKey, sender: PublicIdentity, session: bytes
) -> tuple[FrameHeader, bytes]:
    """Verify a frame's signature, then decrypt it: (header, Opus packet).

    `sender` and `session` are those the roster holds for `header.member_id`. Raises
    MalformedMessage or UnknownVersion for bad framing, DecryptionFailed when `epoch` is not the
    frame's epoch, BadSignature when the frame is not exactly what that sender signed under that
    key. Replay is the caller's job: `parse_frame_header`, `ReplayWindow.check`, this, `commit`.
    """
    header = parse_frame_header(frame)
    if header.epoch != epoch.number:
        raise DecryptionFailed(
            f"the frame is for epoch {header.epoch}, the key for epoch {epoch.number}"
        )
    key, binding = epoch.frame_keys(header.member_id, session)
    body = frame[:-SIGNATURE_SIZE]
    sender.verify(AUDIO_LABEL, binding + body, frame[-SIGNATURE_SIZE:])
    nonce = session + _NONCE_TAIL.pack(header.member_id, header.epoch, header.counter)
    return header, _keystream_xor(body[HEADER_SIZE:], nonce, key)
