"""Who may commit, and who answers for the room's state: the rules of one order, as data.

Every change of membership, roles or key is a commit that creates the next epoch, and one
member of the room makes them all: the *committer*, which is the host while it is present, else
the co-host with the lowest member id among those present. Other admins and members send a
PROPOSE that the committer turns into a commit (after checking the proposer's right with the same
role table every member uses). So the relay's order has almost nothing to choose between: two
commits for one epoch happen only while two admins disagree on who is present (a dropped link),
and then every member accepts the first in the relay's order and refuses the second
(`StaleCommit`).

The author of the refused commit, and any member who followed it, find out when the room's
traffic no longer opens for them: they ask the committer with that traffic as evidence and the
epoch key's commitment; the committer answers such a fork with its own key and roster, and
authors make their lost removals again. Two honest members hold different keys for one epoch
number only for that round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.core.roster import Member, Role

ADMIN_ROLES = frozenset({Role.HOST, Role.COHOST})


def priority(member: Member) -> tuple[bool, int]:
    """The host first, then co-hosts by member id."""
    return (member.role is not Role.HOST, member.member_id)


def admins_present(members: Mapping[int, Member], away: Iterable[int]) -> list[Member]:
    gone = set(away)
    return sorted((m for m in members.values() if m.role in ADMIN_ROLES
                   and m.member_id not in gone), key=priority)


def committer(members: Mapping[int, Member], away: Iterable[int]) -> int | None:
    """The member id that commits for the room in this view, or None with no admin present."""
    present = admins_present(members, away)
    return present[0].member_id if present else None


def ask_whom(members: Mapping[int, Member], away: Iterable[int], me: int) -> Member | None:
    """Whom to ask for a key: the committer, or (if that is us) the next admin present; with
    nobody present, the first admin we took for away (a relay can fake a departure, and a
    forked member cannot open the messages that would show the admin is here)."""
    others = [m for m in members.values() if m.role in ADMIN_ROLES and m.member_id != me]
    present = [m for m in admins_present(members, away) if m.member_id != me]
    if present:
        return present[0]
    return min(others, key=priority) if others else None


def successor(members: Mapping[int, Member], away: Iterable[int], host: int,
              present_only: bool = False) -> int | None:
    """Who becomes the host when `host` leaves: the co-host with the lowest member id among
    those present, else (unless `present_only`) among all. A host that leaves names it in its
    LEAVE, so every member agrees; members who saw the host vanish compute it themselves."""
    gone = set(away)
    cohosts = sorted(m.member_id for m in members.values()
                     if m.role is Role.COHOST and m.member_id != host)
    present = [mid for mid in cohosts if mid not in gone]
    if present or present_only:
        return present[0] if present else None
    return cohosts[0] if cohosts else None
