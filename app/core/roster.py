"""Members, roles and the table of who may change whose role.

Everything that decides a role change lives in `ROLE_CHANGES`, in the manner of h11's `_state.py`:
a missing entry means the change is illegal. The same table judges local intents (raising
`LocalProtocolError`) and remote messages (dropped and reported), so the two can never disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.IntEnum):
    """A member's role; the values are on the wire (PROTOCOL.md, member record)."""

    HOST = 1
    COHOST = 2
    SPEAKER = 3
    LISTENER = 4

    @property
    def on_stage(self) -> bool:
        return self is not Role.LISTENER


class Actor(enum.Enum):
    """Who signs a role change, relative to its target."""

    HOST = "host"
    COHOST = "cohost"
    SELF = "self"


# (from, to) -> who may sign it.  Promotion to speaker needs the listener's consent, which the
# host's client checks before it signs (see RoomProtocol.confirm_stage); the listener's own client
# never opens the microphone without it.
ROLE_CHANGES: dict[tuple[Role, Role], frozenset[Actor]] = {
    (Role.LISTENER, Role.SPEAKER): frozenset({Actor.HOST, Actor.COHOST}),
    (Role.SPEAKER, Role.LISTENER): frozenset({Actor.HOST, Actor.COHOST, Actor.SELF}),
    (Role.LISTENER, Role.COHOST): frozenset({Actor.HOST}),
    (Role.SPEAKER, Role.COHOST): frozenset({Actor.HOST}),
    (Role.COHOST, Role.SPEAKER): frozenset({Actor.HOST, Actor.SELF}),
    (Role.COHOST, Role.LISTENER): frozenset({Actor.HOST, Actor.SELF}),
}

# Who may do the room-wide things that are not role changes.
MAY_INVITE_TO_STAGE = frozenset({Role.HOST, Role.COHOST})
MAY_KICK = frozenset({Role.HOST, Role.COHOST})
MAY_ADMIT = frozenset({Role.HOST})
MAY_END = frozenset({Role.HOST})


def actor(signer: Member, target: Member) -> Actor | None:
    """How `signer` stands toward `target` for the table above."""
    if signer.member_id == target.member_id:
        return Actor.SELF
    if signer.role is Role.HOST:
        return Actor.HOST
    if signer.role is Role.COHOST:
        return Actor.COHOST
    return None


def role_change_allowed(signer: Member, target: Member, new_role: Role) -> bool:
    """True when the table lets `signer` move `target` to `new_role`."""
    allowed = ROLE_CHANGES.get((target.role, new_role))
    who = actor(signer, target)
    return allowed is not None and who is not None and who in allowed


def may_kick(signer: Member, target: Member) -> bool:
    """Hosts remove anyone but themselves; co-hosts remove speakers and listeners only."""
    if signer.member_id == target.member_id or target.role is Role.HOST:
        return False
    if signer.role is Role.HOST:
        return True
    return signer.role is Role.COHOST and target.role in (Role.SPEAKER, Role.LISTENER)


@dataclass(frozen=True)
class Member:
    """One person in the room, as every member's client knows them.

    `session` is the random id the member chose for this join: it separates their nonces from any
    earlier join with the same identity key.
    """

    member_id: int
    key: bytes
    session: bytes
    slot: int
    name: str
    role: Role
    hand: bool = False
    invited: bool = False
    muted: bool = True
