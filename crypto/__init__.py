"""End-to-end cryptography of Majlis: identities, invites, the key schedule, frames, envelopes.

Imports only the standard library and PyNaCl (libsodium). Every parser and opener raises only
`CryptoError` subclasses (see `crypto.errors`). Byte formats: part 2 of `docs/PROTOCOL.md`.
"""

from .control import (
    CONTROL,
    DIRECT,
    KNOCK,
    MAX_BODY,
    PAD_SIZES,
    ControlMessage,
    DirectMessage,
    Knock,
    envelope_type,
    open_control,
    open_direct,
    open_knock,
    seal_control,
    seal_direct,
    seal_knock,
)
from .errors import (
    BadInvite,
    BadSignature,
    CryptoError,
    DecryptionFailed,
    MalformedMessage,
    NonceExhausted,
    ReplayedMessage,
    UnknownVersion,
)
from .frame import FrameHeader, FrameSealer, open_frame, parse_frame_header
from .identity import Identity, PublicIdentity, safety_number
from .invite import Invite
from .keys import (
    EpochKey,
    kdf,
    knock_key,
    open_epoch_key,
    room_code,
    routing_id,
    seal_epoch_key,
)
from .replay import ReplayWindow

__all__ = [
    "CONTROL",
    "DIRECT",
    "KNOCK",
    "MAX_BODY",
    "PAD_SIZES",
    "BadInvite",
    "BadSignature",
    "ControlMessage",
    "CryptoError",
    "DecryptionFailed",
    "DirectMessage",
    "EpochKey",
    "FrameHeader",
    "FrameSealer",
    "Identity",
    "Invite",
    "Knock",
    "MalformedMessage",
    "NonceExhausted",
    "PublicIdentity",
    "ReplayWindow",
    "ReplayedMessage",
    "UnknownVersion",
    "envelope_type",
    "kdf",
    "knock_key",
    "open_control",
    "open_direct",
    "open_epoch_key",
    "open_frame",
    "open_knock",
    "parse_frame_header",
    "room_code",
    "routing_id",
    "safety_number",
    "seal_control",
    "seal_direct",
    "seal_epoch_key",
    "seal_knock",
]
