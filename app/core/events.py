"""Events the room core emits, as frozen dataclasses.

Adapters (the headless client, the Qt app) only react to these; they never look inside the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.roster import Member, Role


@dataclass(frozen=True)
class RoomOpened:
    """The host's room exists on the relay; the invite can be shared now."""


@dataclass(frozen=True)
class KnockReceived:
    """Someone with the invite asks to come in (only when the host approves each person)."""

    knock_id: int
    name: str
    fingerprint: str


@dataclass(frozen=True)
class KnockWithdrawn:
    """A knock the host had not answered is gone: its link dropped (it may knock again)."""

    knock_id: int


@dataclass(frozen=True)
class KnockRefused:
    """The host turned a knock away: it is no longer waiting (lists drop it)."""

    knock_id: int


@dataclass(frozen=True)
class AdmissionPaused:
    """The host's room stopped letting people in by itself (`auto_admit` is now off).

    After a removal an anyone-with-the-link room would let the removed person straight back in
    under a fresh identity, so knocks go to the waiting room; the interface offers a new link or
    keeping the waiting room (docs/THREAT_MODEL.md, "Removal")."""

    reason: str  # "removal"


@dataclass(frozen=True)
class Waiting:
    """The joiner is in the waiting room until the host lets them in."""


@dataclass(frozen=True)
class Welcomed:
    """The joiner is in: it has the room's name, the roster and the current key."""

    room_name: str
    topic: str
    member_id: int


@dataclass(frozen=True)
class MemberJoined:
    member: Member


@dataclass(frozen=True)
class MemberLeft:
    member_id: int
    name: str
    removed: bool  # True when the host or a co-host removed them


@dataclass(frozen=True)
class RoleChanged:
    member_id: int
    role: Role


@dataclass(frozen=True)
class HandChanged:
    member_id: int
    raised: bool


@dataclass(frozen=True)
class MuteChanged:
    member_id: int
    muted: bool


@dataclass(frozen=True)
class StageInvited:
    """The local user is invited to speak; nothing happens until they accept."""

    by_member: int


@dataclass(frozen=True)
class StageAnswered:
    """A listener answered a stage invitation (seen by hosts, who then confirm the role)."""

    member_id: int
    accepted: bool


@dataclass(frozen=True)
class EpochChanged:
    number: int
    reason: str  # "join", "leave", "kick", "resync", "start"


@dataclass(frozen=True)
class KeyMissing:
    """Traffic arrived for a key we do not hold (a rotation was lost); we asked the host again."""

    epoch: int


@dataclass(frozen=True)
class Kicked:
    """The local user was removed from the room; every later key is withheld from them."""


@dataclass(frozen=True)
class Refused:
    """The host did not let the local user in."""


@dataclass(frozen=True)
class RoomEnded:
    reason: str  # "host-ended", "host-left", "left", "kicked", "no-host", "connection-lost"


@dataclass(frozen=True)
class JoinFailed:
    """The join could not complete; `reason` is a sentence for the user."""

    reason: str


@dataclass(frozen=True)
class RelayClosed:
    """The relay refused or dropped us and said why (a `relay.wire.CloseCode`)."""

    code: int
    reason: str


@dataclass(frozen=True)
class AudioFrame:
    """One authenticated, decrypted Opus packet from a member on stage."""

    member_id: int
    seq: int
    payload: bytes


@dataclass(frozen=True)
class SecurityAlert:
    """A message failed verification or broke the room's rules and was dropped.

    `what` is a short machine tag (for counting); `detail` a sentence for logs and the UI.
    """

    what: str
    detail: str


@dataclass(frozen=True)
class Disconnected:
    """Our link to the relay dropped; the room is held while the client reconnects."""


@dataclass(frozen=True)
class Resumed:
    """We are back in the room after a drop, with the same member id, role and a current key."""


@dataclass(frozen=True)
class ResumeUnanswered:
    """Connected again, but nobody answered our resume knock here: the host may be on another
    of the invite's relays (the client tries the next one), or not back yet."""


@dataclass(frozen=True)
class ResumeExpired:
    """We were away too long: the host no longer holds our place, so we knock afresh as a new
    member (a listener again, or the waiting room)."""


@dataclass(frozen=True)
class MemberAway:
    """A member's connection dropped; they keep their place for a while (`RESUME_GRACE`)."""

    member_id: int


@dataclass(frozen=True)
class MemberBack:
    """A member who was away is back."""

    member_id: int


@dataclass(frozen=True)
class RoomMoving:
    """The host moved the room to another relay of the invite; the client follows."""

    url: str


Event = (
    RoomOpened | KnockReceived | KnockWithdrawn | KnockRefused | Waiting | Welcomed | MemberJoined
    | MemberLeft
    | RoleChanged | HandChanged | MuteChanged | StageInvited | StageAnswered | EpochChanged
    | KeyMissing | Kicked | Refused | RoomEnded | JoinFailed | RelayClosed | AudioFrame
    | SecurityAlert
    | Disconnected | Resumed | ResumeUnanswered | ResumeExpired | MemberAway | MemberBack
    | RoomMoving | AdmissionPaused
)
