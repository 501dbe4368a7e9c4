"""What the host's (and co-hosts') client does beyond being a member: the door and the keys.

Split out of `protocol.py` to keep each module readable in one sitting; `RoomProtocol` inherits it.
- Knocks: decrypted with the invite's knock key, which proves the knocker holds the invite. The
  host admits at once (`auto_admit`) or holds the knock in a waiting room until `admit()` or
  `refuse()`.
- Joins ratchet the key (one-way), so the joiner cannot read what came before it, at O(1) cost.
- Kicks rotate to a fresh random key at once, sealed to every remaining member; leaves are batched
  and rotate within LEAVE_BATCH_SECONDS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.core import events as ev
from app.core import messages as msg
from app.core.errors import LocalProtocolError, RemoteProtocolError
from app.core.keyring import Keyring
from app.core.roster import Member, Role, may_kick
from crypto import control as cc
from crypto.errors import CryptoError
from crypto.identity import Identity, PublicIdentity
from crypto.invite import Invite
from crypto.keys import EpochKey, seal_epoch_key
from relay import wire

LEAVE_BATCH_SECONDS = 2.0
REKEY_CHUNK = 500  # sealed keys per REKEY message: 500 x 88 bytes stays well under the body limit
WELCOME_MEMBERS = 400  # members listed in a welcome; the rest of the audience is only counted
# A welcome back after a drop lists fewer: after a relay restart thousands come back at once,
# and 400 members each (24 KB) would be 120 MB for 5,000 returners.
RETURN_WELCOME_MEMBERS = 60
KEY_ANSWER_INTERVAL = 1.0


@dataclass(frozen=True)
class PendingKnock:
    knock_id: int
    joiner: bytes
    body: msg.KnockBody
    slot: int


class HostDuties:
    # Provided by RoomProtocol; declared here so the type checker can follow the mixin.
    identity: Identity
    invite: Invite
    members: dict[int, Member]
    me: int | None
    keys: Keyring
    counters: Counter[str]
    room_name: str
    topic: str
    random: Callable[[int], bytes]
    _out: list[bytes]
    _events: list[ev.Event]
    away: dict[int, float]  # see app.core.resume
    _away_unrotated: set[int]
    _returns: dict[int, int]

    def _init_host_duties(self) -> None:
        self.auto_admit = True
        self.knocks: dict[int, PendingKnock] = {}
        self._next_member = 1
        self._next_knock = 1
        self._seen_knocks: set[tuple[bytes, bytes]] = set()
        self._banned: set[bytes] = set()
        self._departed: set[int] = set()
        self._leave_deadline: float | None = None
        self._my_invites: set[int] = set()
        self._key_answers: dict[int, float] = {}

    # Implemented by RoomProtocol.
    def _send_group(self, kind: msg.Kind, body: bytes, now: float) -> None:
        raise NotImplementedError

    def _install(self, key: EpochKey, reason: str, now: float) -> None:
        raise NotImplementedError

    def _public(self, key: bytes) -> PublicIdentity:
        raise NotImplementedError

    def _alert(self, what: str, detail: str, now: float) -> None:
        raise NotImplementedError

    def _receive_resume(self, joiner: bytes, body: msg.KnockBody, slot: int, now: float) -> None:
        raise NotImplementedError

    def _new_member_id(self) -> int:
        mid = self._next_member
        self._next_member += 1
        return mid

    # -- the door --------------------------------------------------------------------------

    def _receive_knock(self, from_slot: int, payload: bytes, now: float) -> None:
        try:
            knock = cc.open_knock(self.invite.room_secret, payload)
            body = msg.decode_knock(knock.body)
        except (CryptoError, RemoteProtocolError):
            self.counters["knock-invalid"] += 1
            self._alert("knock-invalid", "A request to join that did not come from the invite "
                        "link was ignored.", now)
            return
        if body.resume is not None:
            self._receive_resume(knock.joiner.key, body, from_slot, now)
            return
        tag = (knock.joiner.key, body.session)
        if tag in self._seen_knocks:
            self.counters["knock-replayed"] += 1
            return
        self._seen_knocks.add(tag)
        if knock.joiner.key in self._banned:
            self._direct(knock.joiner.key, from_slot, msg.Kind.REFUSED,
                         msg.encode_session(body.session))
            return
        for earlier in self.knocks.values():
            if earlier.joiner == knock.joiner.key:
                # The same person, knocking anew from a new link (theirs dropped while they
                # waited): same place in the queue, answered on the new slot and session. Only
                # they can sign a knock with their key, so nobody else can move it.
                self.knocks[earlier.knock_id] = replace(earlier, body=body, slot=from_slot)
                self._direct(knock.joiner.key, from_slot, msg.Kind.WAITING,
                             msg.encode_session(body.session))
                self.counters["knock-moved"] += 1
                return
        pending = PendingKnock(self._next_knock, knock.joiner.key, body, from_slot)
        self._next_knock += 1
        if self.auto_admit:
            self._admit(pending, now)
            return
        self.knocks[pending.knock_id] = pending
        self._direct(pending.joiner, from_slot, msg.Kind.WAITING, msg.encode_session(body.session))
        self._events.append(ev.KnockReceived(pending.knock_id, body.name,
                                             knock.joiner.fingerprint()))

    def _withdraw_knocks(self, slot: int) -> None:
        """The relay says `slot` is gone: an unanswered knock from there has no one behind it
        (admitting it would welcome nobody and leave a member no one can reach)."""
        for knock_id in [k for k, p in self.knocks.items() if p.slot == slot]:
            del self.knocks[knock_id]
            self._events.append(ev.KnockWithdrawn(knock_id))

    def admit(self, knock_id: int, now: float) -> None:
        pending = self.knocks.pop(knock_id, None)
        if pending is None:
            raise LocalProtocolError(f"no one is waiting with knock {knock_id}")
        self._admit(pending, now)

    def refuse(self, knock_id: int, now: float) -> None:
        pending = self.knocks.pop(knock_id, None)
        if pending is None:
            raise LocalProtocolError(f"no one is waiting with knock {knock_id}")
        self._direct(pending.joiner, pending.slot, msg.Kind.REFUSED,
                     msg.encode_session(pending.body.session))
        self._events.append(ev.KnockRefused(knock_id))

    def _admit(self, pending: PendingKnock, now: float) -> None:
        if self._departed or self._away_unrotated:
            # A leaver (or someone whose link dropped) still holds the current key and could
            # ratchet it forward: rotate first.
            self._rotate(msg.RekeyReason.LEAVE, tuple(sorted(self._departed)), now)
        member = Member(self._new_member_id(), pending.joiner, pending.body.session, pending.slot,
                        pending.body.name, Role.LISTENER)
        current = self.keys.current
        assert current is not None
        self._send_group(msg.Kind.ADMIT, msg.encode_admit(msg.Admit(member, current.number + 1)),
                         now)
        self._welcome(member, resync=False)

    def _welcome(self, member: Member, resync: bool, listed: int = WELCOME_MEMBERS) -> None:
        key = self.keys.current
        assert key is not None
        # Stage and hosts first, in full; the audience as far as it fits, then only counted.
        ordered = sorted(self.members.values(),
                         key=lambda m: (not m.role.on_stage, m.member_id != member.member_id,
                                        m.member_id))
        shown = tuple(ordered[:listed])
        audience = sum(1 for m in self.members.values() if not m.role.on_stage)
        body = msg.encode_welcome(msg.Welcome(member.session, member.member_id, self.room_name,
                                              self.topic, key.number, key.key, shown, audience,
                                              resync))
        self._direct(member.key, member.slot, msg.Kind.WELCOME, body)

    def _answer_key_request(self, sender: PublicIdentity, request: msg.KeyRequest, slot: int,
                            now: float) -> None:
        member = self.members.get(request.member_id)
        if member is None or member.key != sender.key or member.session != request.session:
            self.counters["key-request-refused"] += 1
            return
        if member.member_id in self.away:
            # We took them for gone (their slot was missing when our own link came back), but
            # they are here: announce them back like a resume, which also sends the key.
            self._returns[member.member_id] = slot
            return
        if now < self._key_answers.get(member.member_id, float("-inf")):
            return
        self._key_answers[member.member_id] = now + KEY_ANSWER_INTERVAL
        self.counters["key-requests-answered"] += 1
        self._welcome(member, resync=True)

    def _direct(self, recipient: bytes, slot: int, kind: msg.Kind, body: bytes) -> None:
        sealed = cc.seal_direct(self._public(recipient), self.identity, int(kind), body)
        self._out.append(wire.encode(wire.Unicast(slot, sealed)))

    # -- removals and keys -----------------------------------------------------------------

    def kick(self, member_id: int, now: float) -> None:
        """Remove someone: they are told, and the room moves to a key they never get."""
        me = self.members.get(self.me) if self.me is not None else None
        target = self.members.get(member_id)
        if me is None or target is None:
            raise LocalProtocolError(f"no member {member_id} in the room")
        if not may_kick(me, target):
            raise LocalProtocolError(f"a {me.role.name.lower()} may not remove a "
                                     f"{target.role.name.lower()}")
        self._banned.add(target.key)
        removed = tuple(sorted(self._departed | {member_id}))
        self._rotate(msg.RekeyReason.KICK, removed, now)

    def _schedule_leave_rotation(self, member_id: int, now: float) -> None:
        self._departed.add(member_id)
        if self._leave_deadline is None:
            self._leave_deadline = now + LEAVE_BATCH_SECONDS

    def _host_tick(self, now: float) -> None:
        if self._leave_deadline is not None and now >= self._leave_deadline:
            self._rotate(msg.RekeyReason.LEAVE, tuple(sorted(self._departed)), now)

    def _rotate(self, reason: msg.RekeyReason, removed: tuple[int, ...], now: float) -> None:
        """A fresh random key, sealed to each remaining member, sent under the old key."""
        current = self.keys.current
        assert current is not None
        new = EpochKey.random(current.number + 1, random=self.random)
        # Members whose link dropped keep their place but not the key: they get the current
        # one in their welcome back (app.core.resume).
        keep = [m for m in self.members.values()
                if m.member_id not in removed and m.member_id != self.me
                and m.member_id not in self.away]
        entries = [(m.member_id, seal_epoch_key(self._public(m.key), new)) for m in keep]
        chunks = [entries[i:i + REKEY_CHUNK] for i in range(0, len(entries), REKEY_CHUNK)] or [[]]
        for index, chunk in enumerate(chunks):
            body = msg.encode_rekey(msg.Rekey(new.number, reason, index, len(chunks), removed,
                                              tuple(chunk)))
            self._send_group(msg.Kind.REKEY, body, now)
        self._departed.clear()
        self._away_unrotated.clear()
        self._leave_deadline = None
        self._install(new, "kick" if reason is msg.RekeyReason.KICK else "leave", now)
