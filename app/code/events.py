"""What the code machines tell their adapters, as frozen dataclasses (drained, never called back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto.invite import Invite

# -- the host's side (one per code) -------------------------------------------------------------


@dataclass(frozen=True)
class CodeOpened:
    """The mailbox is ours on the relay: the code can be said now."""


@dataclass(frozen=True)
class NameplateTaken:
    """Someone already sits in this nameplate's mailbox: try another nameplate."""


@dataclass(frozen=True)
class AttemptFailed:
    """An exchange on this code ended without a match (wrong code, or someone guessing)."""

    attempts_left: int


@dataclass(frozen=True)
class CodeUsed:
    """A joiner proved it knew the code and got the invite; its knock will carry this key."""

    joiner_key: bytes
    joiner_name: str


@dataclass(frozen=True)
class CodeClosed:
    """The code no longer works: "used", "burned" (too many failed tries), "expired",
    "revoked" (the host withdrew it), "taken" or "relay" (the relay refused or dropped us)."""

    reason: str
    detail: str = ""


HostEvent = CodeOpened | NameplateTaken | AttemptFailed | CodeUsed | CodeClosed

# -- the joiner's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A step of the exchange, for a progress line: "mailbox", "exchanging", "confirming"."""

    step: str


@dataclass(frozen=True)
class InviteReceived:
    """The exchange worked: the invite, the room's name and the host's fingerprint to show."""

    invite: Invite = field(repr=False)
    room_name: str
    host_fingerprint: str


@dataclass(frozen=True)
class ExchangeFailed:
    """No invite: `reason` is stable (see app.code.redeem.SENTENCES), `sentence` for people."""

    reason: str
    sentence: str


JoinerEvent = Progress | InviteReceived | ExchangeFailed
