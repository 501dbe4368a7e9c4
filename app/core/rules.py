"""Which member may send which group message, how it is checked and what it does: one table.

In the manner of h11's `_state.py`, the room's rules are data: `RULES` maps each message kind to
who may send it, a `check` that decodes the body and raises `RemoteProtocolError` when the rules
forbid it (the same check judges our own intents, as `LocalProtocolError`), and an `apply` that
changes the member's view. `commit` marks the kinds that create the next epoch (one per epoch,
made by the committer: `app/core/authority.py`). A kind missing from the table is refused.

The functions take the `RoomProtocol` they act for; they use its roster, keyring and event queue
and nothing else of it, which is what keeps each rule readable on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core import events as ev
from app.core import messages as msg
from app.core.errors import RemoteProtocolError
from app.core.roster import (
    MAY_END,
    MAY_INVITE_TO_STAGE,
    Member,
    Role,
    may_kick,
    role_change_allowed,
)

if TYPE_CHECKING:
    from app.core.protocol import RoomProtocol

ADMINS = frozenset({Role.HOST, Role.COHOST})
ON_STAGE = frozenset({Role.HOST, Role.COHOST, Role.SPEAKER})
ANYONE = None


@dataclass(frozen=True)
class Rule:
    senders: frozenset[Role] | None  # roles that may send it (None: anyone in the roster)
    check: Callable[[RoomProtocol, Member, bytes], Any]  # decode and judge; the decoded body
    apply: Callable[[RoomProtocol, Member, Any, float, bool], None]  # (p, signer, body, now, local)
    commit: bool = False  # creates epoch current + 1


# -- checks ---------------------------------------------------------------------------------------

def _check_admit(p: RoomProtocol, signer: Member, body: bytes) -> msg.Admit:
    admit = msg.decode_admit(body)
    p._check_next_epoch(admit.new_epoch)
    if admit.tree and signer.role is not Role.HOST:
        raise RemoteProtocolError("only the host holds the key tree")
    if admit.member.member_id in p.members:
        raise RemoteProtocolError("admission reuses a member id")
    return admit


def _check_invite(p: RoomProtocol, signer: Member, body: bytes) -> msg.Target:
    invite = msg.decode_target(body)
    if p._member(invite.member_id).role is not Role.LISTENER:
        raise RemoteProtocolError("that member is already on stage")
    return invite


def _check_answer(p: RoomProtocol, signer: Member, body: bytes) -> msg.Flag:
    if not signer.invited:
        raise RemoteProtocolError("answer to a stage invitation that was never made")
    return msg.decode_flag(body)


def _check_move_allowed(signer: Member, target: Member, role: Role) -> None:
    if not role_change_allowed(signer, target, role):
        raise RemoteProtocolError(f"{signer.role.name.lower()} may not move "
                                  f"{target.role.name.lower()} to {role.name.lower()}")
    if target.role is Role.LISTENER and role is Role.SPEAKER and not target.invited:
        raise RemoteProtocolError("nobody is put on stage without an invitation")


def _check_set_role(p: RoomProtocol, signer: Member, body: bytes) -> msg.SetRole:
    change = msg.decode_set_role(body)
    _check_move_allowed(signer, p._member(change.member_id), change.role)
    p._check_next_epoch(change.new_epoch)
    return change


def _check_propose(p: RoomProtocol, signer: Member, body: bytes) -> msg.Proposal:
    proposal = msg.decode_proposal(body)
    target = p._member(proposal.member_id)
    if proposal.role is None:
        if not may_kick(signer, target):
            raise RemoteProtocolError(f"may not propose removing {target.name}")
    else:
        _check_move_allowed(signer, target, proposal.role)
    return proposal


def _check_rekey(p: RoomProtocol, signer: Member, body: bytes) -> msg.Rekey:
    rekey = msg.decode_rekey(body)
    current = p.keys.current
    # The next epoch only: a jump would let one message exhaust the epoch numbers (and break
    # the next admission), and an older one would undo a removal. A later chunk of the rotation
    # we already installed names the current epoch, and must be of that same rotation.
    seen = p._rekey_seen.get(rekey.new_epoch)
    later_chunk = current is not None and rekey.new_epoch == current.number \
        and seen is not None and seen[:3] == (signer.member_id, rekey.removed, rekey.chunks)
    if not later_chunk:
        p._check_next_epoch(rekey.new_epoch)
    if rekey.updates and signer.role is not Role.HOST:
        raise RemoteProtocolError("only the host holds the key tree")
    # Whatever the stated reason: a removal is a removal, and the role table decides who may
    # remove whom (a co-host never removes the host or another co-host).
    for mid in rekey.removed:
        removed = p.members.get(mid)
        if removed is not None and not may_kick(signer, removed):
            raise RemoteProtocolError(f"may not remove {removed.name}")
    return rekey


def _check_empty(p: RoomProtocol, signer: Member, body: bytes) -> None:
    msg.expect_empty(body)


def _check_leave(p: RoomProtocol, signer: Member, body: bytes) -> msg.Leave:
    leave = msg.decode_leave(body)
    if leave.successor is not None:
        heir = p._member(leave.successor)
        if signer.role is not Role.HOST or heir.role is not Role.COHOST:
            raise RemoteProtocolError("only the host hands the room over, and to a co-host")
    return leave


def _check_loss_report(p: RoomProtocol, signer: Member, body: bytes) -> msg.LossReport:
    report = msg.decode_loss_report(body)
    if report.speaker_id == signer.member_id:
        raise RemoteProtocolError("a loss report about oneself")
    return report


def _check_flag(p: RoomProtocol, signer: Member, body: bytes) -> msg.Flag:
    return msg.decode_flag(body)


# -- effects --------------------------------------------------------------------------------------

def _apply_admit(p: RoomProtocol, signer: Member, admit: msg.Admit, now: float,
                 local: bool) -> None:
    p.members[admit.member.member_id] = admit.member
    if admit.tree and not local:
        p._tree_member.apply((admit.tree,))
    current = p.keys.current
    if current is not None and admit.new_epoch == current.number + 1:
        p._install(current.ratchet(), "join", now)
    p._events.append(ev.MemberJoined(admit.member))


def _apply_hand(p: RoomProtocol, signer: Member, flag: msg.Flag, now: float, local: bool) -> None:
    p._update(signer.member_id, hand=flag.value)
    p._events.append(ev.HandChanged(signer.member_id, flag.value))


def _apply_invite(p: RoomProtocol, signer: Member, invite: msg.Target, now: float,
                  local: bool) -> None:
    p._update(invite.member_id, invited=True)
    if local:
        p._my_invites.add(invite.member_id)
    if invite.member_id == p.me:
        p._events.append(ev.StageInvited(signer.member_id))


def _apply_answer(p: RoomProtocol, signer: Member, flag: msg.Flag, now: float,
                  local: bool) -> None:
    if not flag.value:
        p._update(signer.member_id, invited=False)
    p._events.append(ev.StageAnswered(signer.member_id, flag.value))
    if flag.value and not local and signer.member_id in p._my_invites:
        p._my_invites.discard(signer.member_id)
        p.set_role(signer.member_id, Role.SPEAKER, now)


def _apply_set_role(p: RoomProtocol, signer: Member, change: msg.SetRole, now: float,
                    local: bool) -> None:
    target = p.members[change.member_id]
    # Coming on stage starts muted; leaving it clears hands and invitations.
    p._update(change.member_id, role=change.role, hand=False, invited=False,
              muted=True if not target.role.on_stage else target.muted)
    p._events.append(ev.RoleChanged(change.member_id, change.role))
    if local and change.role is Role.COHOST and p._door_seed is not None:
        # An admin opens the door too: the seed of the door key the invite pins, sealed to it.
        p._direct(target.key, target.slot, msg.Kind.DOOR, p._door_seed)
    current = p.keys.current
    if current is not None and change.new_epoch == current.number + 1:
        p._install(current.ratchet(), "role", now)


def _apply_propose(p: RoomProtocol, signer: Member, proposal: msg.Proposal, now: float,
                   local: bool) -> None:
    if not local and p.is_committer:
        p._commit_proposal(signer, proposal, now)


def _apply_mute(p: RoomProtocol, signer: Member, flag: msg.Flag, now: float, local: bool) -> None:
    p._update(signer.member_id, muted=flag.value)
    p._events.append(ev.MuteChanged(signer.member_id, flag.value))


def _apply_rekey(p: RoomProtocol, signer: Member, rekey: msg.Rekey, now: float,
                 local: bool) -> None:
    p._apply_rekey(rekey, now, local, signer.member_id)


def _apply_leave(p: RoomProtocol, signer: Member, leave: msg.Leave, now: float,
                 local: bool) -> None:
    if local:
        return
    if signer.role is Role.HOST:
        if not p._hand_over(signer.member_id, now, leave.successor):
            p._end("host-left")
        return
    p._remove(signer.member_id, removed=False)
    if p.is_host:
        p._schedule_leave_rotation(signer.member_id, now)
    if not any(m.role in ADMINS for m in p.members.values()):
        p._end("no-admin")  # the last admin is gone: nobody can keep the room


def _apply_end(p: RoomProtocol, signer: Member, _: None, now: float, local: bool) -> None:
    p._end("host-ended")


def _apply_loss_report(p: RoomProtocol, signer: Member, report: msg.LossReport, now: float,
                       local: bool) -> None:
    # Reports about someone else (a relay that copied the unicast) are ignored.
    if not local and report.speaker_id == p.me:
        p.loss_reports[signer.member_id] = (now, report)


def _check_return(p: RoomProtocol, signer: Member, body: bytes) -> msg.Return:
    return p._check_return(signer, body)


def _apply_return(p: RoomProtocol, signer: Member, ret: msg.Return, now: float,
                  local: bool) -> None:
    p._apply_return(ret, now)


def _check_move(p: RoomProtocol, signer: Member, body: bytes) -> msg.Move:
    return p._check_move(signer, body)


def _apply_move(p: RoomProtocol, signer: Member, move: msg.Move, now: float, local: bool) -> None:
    p._apply_move(move)


RULES: dict[int, Rule] = {
    msg.Kind.ADMIT: Rule(frozenset({Role.HOST}), _check_admit, _apply_admit, commit=True),
    msg.Kind.HAND: Rule(frozenset({Role.LISTENER}), _check_flag, _apply_hand),
    msg.Kind.STAGE_INVITE: Rule(MAY_INVITE_TO_STAGE, _check_invite, _apply_invite),
    msg.Kind.STAGE_ANSWER: Rule(ANYONE, _check_answer, _apply_answer),
    msg.Kind.SET_ROLE: Rule(ANYONE, _check_set_role, _apply_set_role, commit=True),
    msg.Kind.PROPOSE: Rule(ANYONE, _check_propose, _apply_propose),
    msg.Kind.MUTE: Rule(ON_STAGE, _check_flag, _apply_mute),
    msg.Kind.REKEY: Rule(ADMINS, _check_rekey, _apply_rekey, commit=True),
    msg.Kind.LEAVE: Rule(ANYONE, _check_leave, _apply_leave),
    msg.Kind.END: Rule(MAY_END, _check_empty, _apply_end),
    msg.Kind.LOSS_REPORT: Rule(ANYONE, _check_loss_report, _apply_loss_report),
    msg.Kind.RETURN: Rule(frozenset({Role.HOST}), _check_return, _apply_return, commit=True),
    msg.Kind.MOVE: Rule(frozenset({Role.HOST}), _check_move, _apply_move),
}
