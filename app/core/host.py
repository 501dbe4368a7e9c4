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
from app.core.door import door_pass
from app.core.errors import LocalProtocolError, RemoteProtocolError
from app.core.keyring import Keyring
from app.core.roster import Member, Role, may_kick
from app.core.treekeys import AdminKeys
from crypto import control as cc
from crypto.errors import CryptoError
from crypto.frame import open_frame, parse_frame_header
from crypto.identity import Identity, PublicIdentity
from crypto.invite import Invite
from crypto.keys import EpochKey, seal_epoch_key
from relay import wire

LEAVE_BATCH_SECONDS = 2.0
# Answers to a knock: each body starts with the joiner's session; one from an admin other than
# the pinned host is preceded by a DOOR_PASS (app.core.door).
DOOR_ANSWERS = frozenset({msg.Kind.WAITING, msg.Kind.REFUSED, msg.Kind.WELCOME,
                          msg.Kind.RESUME_EXPIRED})
# Sealed keys per REKEY message: 90 x 88 bytes and the headers fill one 8,192-byte envelope
# (crypto.control.PAD_SIZES), so padding adds at most one partly filled envelope per rotation.
REKEY_CHUNK = 90
WELCOME_MEMBERS = 400  # members listed in a welcome; the rest of the audience is only counted
# A welcome back after a drop lists fewer: after a relay restart thousands come back at once,
# and 400 members each (24 KB) would be 120 MB for 5,000 returners.
RETURN_WELCOME_MEMBERS = 60
KEY_ANSWER_INTERVAL = 1.0  # at most one key answer a second to one member
KEY_ANSWERS_PER_SECOND = 10.0  # and this many to everyone, in bursts of KEY_ANSWER_BURST
KEY_ANSWER_BURST = 20.0
MAX_WAITING = 100  # knocks held in the waiting room; more are told to wait outside (ignored)
KNOCKS_PER_SECOND = 10.0  # new knocks an admin opens, in bursts of KNOCK_BURST
KNOCK_BURST = 40.0
SEEN_KNOCKS = 4096  # (key, session) of knocks already handled, newest kept


class TokenBucket:
    """`rate` a second, up to `burst`: the one budget shape every flood-facing path uses."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens = rate, burst, burst
        self.last: float | None = None

    def take(self, now: float) -> bool:
        if self.last is not None and now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now if self.last is None else max(self.last, now)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass(frozen=True)
class PendingKnock:
    knock_id: int
    joiner: bytes
    body: msg.KnockBody
    slot: int


class HostDuties:
    # Provided by RoomProtocol; declared here so the type checker can follow the mixin.
    is_host: bool
    _my_removals: dict[int, bytes]
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
    _tree_admin: AdminKeys | None

    def _init_host_duties(self) -> None:
        self.auto_admit = True
        self.knocks: dict[int, PendingKnock] = {}
        self._next_member = 1
        self._next_knock = 1
        # Bounded: a knock flood must not grow memory. Insertion order is age.
        self._seen_knocks: dict[tuple[bytes, bytes], None] = {}
        self._knock_budget = TokenBucket(KNOCKS_PER_SECOND, KNOCK_BURST)
        self._answer_budget = TokenBucket(KEY_ANSWERS_PER_SECOND, KEY_ANSWER_BURST)
        # Keys any admin removed, in removal order: refused at the door and on resume by every
        # admin (the removal is part of the room's state, not of one admin's memory).
        self._banned: dict[bytes, None] = {}
        self._departed: set[int] = set()
        self._leave_deadline: float | None = None
        self._my_invites: set[int] = set()
        self._key_answers: dict[int, float] = {}

    # Implemented by RoomProtocol.
    @property
    def is_committer(self) -> bool:
        raise NotImplementedError

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

    def _open_control_any(self, payload: bytes, above: int) -> cc.ControlMessage | None:
        raise NotImplementedError

    def _door(self) -> Identity | None:
        raise NotImplementedError

    def _new_member_id(self) -> int:
        mid = self._next_member
        self._next_member += 1
        return mid

    # -- the door --------------------------------------------------------------------------

    def _receive_knock(self, from_slot: int, payload: bytes, now: float) -> None:
        if not self._knock_budget.take(now):
            # Knocks cost a decryption and a signature check each; a flood is dropped unread.
            # Genuine joiners repeat their knock (every RESUME_ANSWER seconds when rejoining;
            # a fresh joiner's client tells its user the host did not answer).
            self.counters["knock-over-budget"] += 1
            self._alert("knock-flood", "Too many requests to join at once; some were ignored.",
                        now)
            return
        try:
            door = self._door()
            if door is None:
                return
            knock = cc.open_knock(self.invite.room_secret, door, payload)
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
        if not self.auto_admit and len(self.knocks) >= MAX_WAITING \
                and all(p.joiner != knock.joiner.key for p in self.knocks.values()):
            # Not remembered as seen: the joiner's repeated knock may find a place later.
            self.counters["knock-waiting-room-full"] += 1
            self._alert("waiting-room-full", "The waiting room is full; a request to join was "
                        "ignored.", now)
            return
        self._seen_knocks[tag] = None
        if len(self._seen_knocks) > SEEN_KNOCKS:
            del self._seen_knocks[next(iter(self._seen_knocks))]
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
        tree = self._tree_admin if self.is_committer else None
        if self._departed or self._away_unrotated \
                or (tree is not None and tree.holds(pending.joiner)):
            # A leaver (or someone whose link dropped) still holds the current key and could
            # ratchet it forward: rotate first. So does a leaf of the joiner's key left in the
            # tree (removed by a co-host's rotation, which the tree did not see).
            self._rotate(msg.RekeyReason.LEAVE, tuple(sorted(self._departed)), now)
        member = Member(self._new_member_id(), pending.joiner, pending.body.session, pending.slot,
                        pending.body.name, Role.LISTENER)
        current = self.keys.current
        assert current is not None
        added = tree.add(self._public(pending.joiner)) if tree is not None else None
        update, tree_welcome = added if added is not None else (b"", b"")
        self._send_group(msg.Kind.ADMIT, msg.encode_admit(
            msg.Admit(member, current.number + 1, update)), now)
        self._welcome(member, resync=False, tree=tree_welcome)

    def _welcome(self, member: Member, resync: bool, listed: int = WELCOME_MEMBERS,
                 slot: int | None = None, tree: bytes | None = None) -> None:
        if tree is None:
            # A resync or a welcome back: the member's current tree path, if it holds a leaf
            # (its own copy may have fallen out of step with a commit it missed).
            tree = self._tree_admin.welcome_for(member.key) if self._tree_admin else b""
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
                                              resync, tuple(self._banned)))
        to = member.slot if slot is None else slot
        self._direct(member.key, to, msg.Kind.WELCOME, body)
        if tree:
            self._direct(member.key, to, msg.Kind.TREE_WELCOME,
                         msg.encode_tree_welcome(msg.TreeWelcome(key.number, tree)))

    def _answer_key_request(self, sender: PublicIdentity, request: msg.KeyRequest, slot: int,
                            now: float) -> None:
        """An admin answers a member who missed a rotation, with the current key and roster.

        Only with proof: the request carries a message the member could not open, and it must
        open and verify here under an epoch newer than the member's. Anyone who knows the
        routing id can send a frame marked with a future epoch; nobody outside the room can
        make one that opens, so a forged frame costs the room one small request per member
        (with back-off) and never a welcome. Budgets per member and per second bound the rest.
        """
        member = self.members.get(request.member_id)
        if member is None or member.key != sender.key or member.session != request.session:
            self.counters["key-request-refused"] += 1
            return
        if self.is_host and member.member_id in self.away:
            # We took them for gone (their slot was missing when our own link came back), but
            # they are here: announce them back like a resume, which also sends the key.
            self._returns[member.member_id] = slot
            return
        current = self.keys.current
        fork = current is not None and request.epoch == current.number \
            and request.commitment != current.commitment()
        if current is None or (request.epoch >= current.number and not fork):
            self.counters["key-request-refused"] += 1  # they hold ours already, or claim more
            return
        if fork and not self.is_committer:
            # Two keys under one number: the committer's is the room's. Only it answers.
            self.counters["key-request-not-committer"] += 1
            return
        if now < self._key_answers.get(member.member_id, float("-inf")):
            self.counters["key-request-over-budget"] += 1
            return
        # A member behind us is answered on its word (it cannot be made to look behind by
        # anyone else, and the budgets bound what it costs); a fork needs proof.
        proven = self._evidence_epoch(request) if fork else current.number
        if proven is None or proven < request.epoch or (proven == request.epoch and not fork):
            self.counters["key-request-unproven"] += 1
            self._alert("key-request-unproven", "A request for the room key came without proof "
                        "of a newer key (a forged frame from the relay?) and was not answered.",
                        now)
            return
        if not self._answer_budget.take(now):
            self.counters["key-request-over-budget"] += 1
            return
        self._key_answers[member.member_id] = now + KEY_ANSWER_INTERVAL
        if len(self._key_answers) > 2 * len(self.members) + 64:
            self._key_answers = {m: t for m, t in self._key_answers.items() if t > now}
        self.counters["key-requests-answered"] += 1
        # To the slot the request came from: an admin that was away may not know its new one.
        self._welcome(member, resync=True, slot=slot)

    def _evidence_epoch(self, request: msg.KeyRequest) -> int | None:
        """The epoch under which the request's evidence opens and verifies, or None."""
        try:
            if request.evidence_kind is msg.Evidence.NONE:
                return None
            if request.evidence_kind is msg.Evidence.AUDIO:
                header = parse_frame_header(request.evidence)
                key = self.keys.get(header.epoch)
                sender = self.members.get(header.member_id)
                if key is None or sender is None:
                    return None
                open_frame(request.evidence, key, self._public(sender.key), sender.session)
                return header.epoch
            message = self._open_control_any(request.evidence, request.epoch - 1)
            if message is None:
                return None
            epoch = message.epoch
            signer = self.members.get(message.signer_id)
            if signer is None:
                return None
            message.verify(self._public(signer.key))
            if message.kind == msg.Kind.REKEY and signer.role in (Role.HOST, Role.COHOST):
                # A rotation under the shared key that left the requester out proves the next.
                return max(epoch, msg.decode_rekey(message.body).new_epoch)
            return epoch
        except (CryptoError, RemoteProtocolError):
            return None

    def _direct(self, recipient: bytes, slot: int, kind: msg.Kind, body: bytes) -> None:
        if kind in DOOR_ANSWERS and self.identity.public.key != self.invite.host_key:
            # Not the host the invite pins: show the joiner the door's signature first.
            door = self._door()
            if door is not None:
                pass_body = door_pass(door, self.invite.routing_id, self.identity.public.key,
                                      body[:msg.SESSION_SIZE])
                self._out.append(wire.encode(wire.Unicast(slot, cc.seal_direct(
                    self._public(recipient), self.identity, int(msg.Kind.DOOR_PASS), pass_body))))
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
        self._my_removals[member_id] = target.key
        if not self.is_committer:
            self._send_group(msg.Kind.PROPOSE, msg.encode_proposal(msg.Proposal(member_id, None)),
                             now)
            return
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
        """The one place a removal's key is handed out, sent under the old key.

        With the key tree (the host): the removed leaves' tree updates, and a key from the new
        root that only the members kept can derive; sealed entries only for members without a
        leaf. Without it (a co-host committing): a fresh random key sealed to each member.
        """
        current = self.keys.current
        assert current is not None
        # Members whose link dropped keep their place but not the key: they get the current
        # one in their welcome back (app.core.resume).
        keep = [m for m in self.members.values()
                if m.member_id not in removed and m.member_id != self.me
                and m.member_id not in self.away]
        updates: tuple[bytes, ...] = ()
        tree_key = None
        tree = self._tree_admin if self.is_committer else None
        if tree is not None:
            mine = self.members[self.me].key if self.me in self.members else b""
            updates, tree_key = tree.rotate([m.key for m in keep] + [mine], current.number + 1)
        new = tree_key or EpochKey.random(current.number + 1, random=self.random)
        sealed_to = keep if tree_key is None or tree is None \
            else [m for m in keep if not tree.holds(m.key)]
        entries = [(m.member_id, seal_epoch_key(self._public(m.key), new)) for m in sealed_to]
        chunks = [entries[i:i + REKEY_CHUNK] for i in range(0, len(entries), REKEY_CHUNK)] or [[]]
        for index, chunk in enumerate(chunks):
            body = msg.encode_rekey(msg.Rekey(
                new.number, reason, index, len(chunks), removed, tuple(chunk),
                updates if index == 0 else (), tree_key is not None and index == 0))
            self._send_group(msg.Kind.REKEY, body, now)
        self._departed.clear()
        self._away_unrotated.clear()
        self._leave_deadline = None
        self._install(new, "kick" if reason is msg.RekeyReason.KICK else "leave", now)
