"""Coming back after a dropped connection, and moving the room to another relay.

A drop (a network change, a relay restart, a laptop that slept) is not a leave: people expect to
be back in the same room, on the same stage, without doing anything. So:
- Everyone marks a member whose relay slot vanished as *away* (`MemberAway`), not gone. The host
  still rotates the key within `LEAVE_BATCH_SECONDS`, leaving away members out (a dropped laptop
  holds the key as much as a leaver does), but keeps their place, role and name for
  `RESUME_GRACE`; after that they are removed like a leaver.
- The member's client reconnects (`connection_lost`, then `reconnect` on a new link, to the same
  relay or the next of the invite) and sends a *resume knock*: a knock (so it proves the invite)
  that names its member id, with the same session as before and a growing attempt number (a relay
  that replays an old resume knock is not believed). The host checks it against its record, and
  announces the new slots of everyone back in one `RETURN` per tick, which also ratchets the key
  (what was said while they were away stays unreadable to them, as for a joiner); then it sends
  each returner a fresh welcome. Same member id, same session, same nonce counters, same role.
- The host itself comes back by announcing its new slot (`RETURN` at the current epoch); members
  wait `RESUME_GRACE` for it before the room ends.
- A place that expired (or a record that does not match) is answered with `RESUME_EXPIRED`: the
  client knocks afresh as a new member. Someone removed while away is refused.
- Relays of one operator share rooms (the relay's bus), so reconnecting to another of them is
  enough. Relays of different operators share nothing: a member who reconnects where nobody
  answers (`ResumeUnanswered`) tries the next relay of the invite, and the host can move the room
  on purpose (`move_room`, a signed `MOVE` that every client follows).
"""

from __future__ import annotations

from dataclasses import replace

from app.core import events as ev
from app.core import messages as msg
from app.core.errors import LocalProtocolError, RemoteProtocolError
from app.core.host import LEAVE_BATCH_SECONDS, RETURN_WELCOME_MEMBERS, HostDuties
from app.core.roster import Member, Role
from crypto import control as cc
from crypto.keys import EpochKey
from relay import wire

RESUME_GRACE = 120.0  # seconds a place is held for someone who dropped (and the host waited for)
RESUME_ANSWER = 5.0  # seconds to wait for an answer to a resume knock before trying again
RESUME_KNOCK_GAP = 1.0  # at most one resume knock a second, however many peers arrive
REWELCOME = 15.0  # a returner that knocks again this soon at the same slot is already served


class Resumption(HostDuties):
    """Both sides of coming back; `RoomProtocol` inherits it (and, through it, `HostDuties`)."""

    # Provided by RoomProtocol; declared here so the type checker can follow the mixin.
    display_name: str
    is_host: bool
    session: bytes
    slot: int | None
    _banned: dict[bytes, None]
    _departed: set[int]
    _leave_deadline: float | None

    def _init_resumption(self) -> None:
        self.away: dict[int, float] = {}  # member id -> when their connection dropped
        self._lost_at: float | None = None  # our own link dropped at (RESUMING)
        self._linked = False  # RESUMING: joined on a new link
        self._waiting_since = 0.0  # RESUMING: linked or last knocked at
        self._resume_attempt = 0
        self._knock_due: float | None = None
        self._last_knock = float("-inf")
        # host: who came back since the last tick, and the newest attempt seen per member
        self._returns: dict[int, int] = {}
        self._resume_seen: dict[int, int] = {}
        self._away_unrotated: set[int] = set()  # away members who still hold the current key
        self._welcomed_back: dict[int, tuple[float, int]] = {}  # member -> (when, slot)

    # Implemented by RoomProtocol.
    @property
    def _resuming(self) -> bool:
        raise NotImplementedError

    def _set_state_in_room(self) -> None:
        raise NotImplementedError

    def _restart_as_joiner(self, now: float) -> None:
        raise NotImplementedError

    def _ask_for_key(self, evidence_kind: msg.Evidence, evidence: bytes, now: float) -> None:
        raise NotImplementedError

    def _hand_over(self, old_host: int, now: float) -> bool:
        raise NotImplementedError

    def _end(self, reason: str) -> None:
        raise NotImplementedError

    # -- our own link ----------------------------------------------------------------------

    def _lost(self, now: float) -> None:
        self._lost_at = now
        self._linked = False
        self.slot = None
        self._out.clear()  # nothing queued for a dead link is sent on the next one
        self._returns.clear()  # returners will knock again; their slots were on that link
        self._knock_due = None
        self._events.append(ev.Disconnected())

    def reconnect(self, now: float) -> None:
        """A new link to a relay is open: ask to join the room's routing id there."""
        if not self._resuming:
            raise LocalProtocolError("reconnect() is only for a room whose connection was lost")
        self._linked = False
        self._knock_due = None
        # A returning member wants PeerJoined: alone on a relay, it knocks when someone (the
        # host, perhaps) arrives. The host waits for no one.
        self._out.append(wire.encode(wire.Join(self.invite.routing_id, quiet=self.is_host)))

    def _resume_joined(self, message: wire.Joined, now: float) -> None:
        self.slot = message.slot
        self._linked = True
        self._waiting_since = now
        if self.is_host:
            self._host_back(set(message.peers), now)
        elif message.peers:
            self._knock_due = now
            self._resume_tick(now)
        # Alone on this relay: knock when someone arrives (`_peer_joined`).

    def _peer_joined(self, now: float) -> None:
        if self._resuming and self._linked and not self.is_host and self._knock_due is None:
            self._knock_due = max(now, self._last_knock + RESUME_KNOCK_GAP)
            self._resume_tick(now)

    def _send_resume_knock(self, now: float) -> None:
        assert self.me is not None
        self._resume_attempt += 1
        body = msg.encode_knock(msg.KnockBody(self.display_name, self.session,
                                              msg.Resume(self.me, self._resume_attempt)))
        self._out.append(wire.encode(wire.Control(
            cc.seal_knock(self.invite.room_secret, self._public(self.invite.knock_key),
                          self.identity, body, random=self.random))))
        self._knock_due = None
        self._last_knock = self._waiting_since = now

    def _resume_tick(self, now: float) -> None:
        if self._lost_at is not None and now - self._lost_at >= RESUME_GRACE:
            self._end("connection-lost")
            return
        if not self._linked or self.is_host:
            return
        if self._knock_due is not None and now >= self._knock_due:
            self._send_resume_knock(now)
        elif now - self._waiting_since >= RESUME_ANSWER:
            self._events.append(ev.ResumeUnanswered())
            self._send_resume_knock(now)

    def _resumed(self, welcome: msg.Welcome, now: float) -> None:
        """The host's fresh welcome after our resume knock: back in, same id and role."""
        if welcome.member_id != self.me:
            raise RemoteProtocolError("the welcome back names another member")
        current = self.keys.current
        if current is not None and welcome.epoch <= current.number:
            # A genuine welcome back follows a RETURN, which ratchets past every key we held:
            # this one is an earlier welcome back of the same session, replayed.
            self.counters["welcome-stale"] += 1
            return
        before = dict(self.members)
        self.members = {m.member_id: m for m in welcome.members}
        self.room_name, self.topic = welcome.room_name, welcome.topic
        self.away.clear()
        self._lost_at = None
        for mid in before.keys() - self.members.keys():
            self._events.append(ev.MemberLeft(mid, before[mid].name, removed=False))
        self._set_state_in_room()
        self._install(EpochKey(welcome.epoch, welcome.epoch_key), "resume", now)
        self._events.append(ev.Resumed())
        # A removal of ours that lost the race for its epoch (and that the drop kept us from
        # seeing resolved) is made again on the state we were welcomed back to.
        self._redo_removals(now)

    def _redo_removals(self, now: float) -> None:
        raise NotImplementedError

    def _resume_expired(self, session: bytes, now: float) -> None:
        if session != self.session or not self._resuming or self.is_host:
            return
        self.counters["resume-expired"] += 1
        self._events.append(ev.ResumeExpired())
        self.away.clear()
        self._lost_at = None
        self._restart_as_joiner(now)

    # -- others' links ---------------------------------------------------------------------

    def _mark_away(self, member_id: int, now: float) -> None:
        if member_id in self.away or member_id == self.me:
            return
        self.away[member_id] = now
        self._events.append(ev.MemberAway(member_id))
        if self.is_host:
            self._away_unrotated.add(member_id)
            # Rotate them out with the batched leave rotation; keep their place.
            if self._leave_deadline is None:
                self._leave_deadline = now + LEAVE_BATCH_SECONDS

    def _heard_from(self, member_id: int) -> None:
        """A message signed by someone we took for away: they are here after all (a relay's
        false PeerLeft must not start the countdown that ends a room whose host is talking).
        The host still rotated them out, if it did; they ask for the key like anyone behind."""
        if member_id in self.away and not self.is_host:
            del self.away[member_id]
            self._events.append(ev.MemberBack(member_id))

    def _away_tick(self, now: float) -> None:
        """Places held too long are given up; a host gone too long ends the room."""
        expired = [mid for mid, since in self.away.items() if now - since >= RESUME_GRACE]
        for mid in expired:
            member = self.members.get(mid)
            if member is not None and member.role is Role.HOST and not self.is_host:
                del self.away[mid]
                if not self._hand_over(mid, now):
                    self._end("host-left")
                    return
                continue
            if self.is_host:
                del self.away[mid]
                self._away_unrotated.discard(mid)
                self._schedule_leave_rotation(mid, now)
        if self.is_host:
            self._flush_returns(now)

    # -- the host's side -------------------------------------------------------------------

    def _receive_resume(self, joiner: bytes, body: msg.KnockBody, slot: int, now: float) -> None:
        assert body.resume is not None
        if joiner in self._banned:
            self._direct(joiner, slot, msg.Kind.REFUSED, msg.encode_session(body.session))
            return
        member = self.members.get(body.resume.member_id)
        if member is None or member.key != joiner or member.session != body.session \
                or member.member_id == self.me:
            self._direct(joiner, slot, msg.Kind.RESUME_EXPIRED, msg.encode_session(body.session))
            return
        if body.resume.attempt <= self._resume_seen.get(member.member_id, 0):
            self.counters["knock-replayed"] += 1
            return
        welcomed = self._welcomed_back.get(member.member_id)
        if member.member_id in self._returns or (
                welcomed is not None and welcomed[1] == slot and now - welcomed[0] < REWELCOME):
            # Knocked again while its welcome back may still wait in our outgoing queue (a host
            # paces its sending in a large room): nothing new to do yet.
            self._resume_seen[member.member_id] = body.resume.attempt
            self.counters["resume-repeated"] += 1
            return
        self._resume_seen[member.member_id] = body.resume.attempt
        self._returns[member.member_id] = slot

    def _flush_returns(self, now: float) -> None:
        """Announce everyone back since the last tick in one RETURN, then welcome each."""
        if not self._returns:
            return
        returns, self._returns = self._returns, {}
        returns = {mid: s for mid, s in returns.items() if mid in self.members}
        for mid in returns:
            self.away.pop(mid, None)
            self._away_unrotated.discard(mid)
        if self._departed or self._away_unrotated:
            # Someone still away holds the current key and could ratchet it forward: rotate.
            self._rotate(msg.RekeyReason.LEAVE, tuple(sorted(self._departed)), now)
        items = sorted(returns.items())
        for i in range(0, len(items), msg.MAX_RETURNS):
            current = self.keys.current
            assert current is not None
            body = msg.encode_return(msg.Return(current.number + 1,
                                                tuple(items[i:i + msg.MAX_RETURNS])))
            self._send_group(msg.Kind.RETURN, body, now)
        for mid, slot in returns.items():
            self._welcome(self.members[mid], resync=True, listed=RETURN_WELCOME_MEMBERS)
            self._welcomed_back[mid] = (now, slot)

    def _host_back(self, present: set[int], now: float) -> None:
        """Our own link is back: take the new slot, count who is not here, say we are back."""
        assert self.me is not None and self.slot is not None
        self.members[self.me] = replace(self.members[self.me], slot=self.slot)
        self._lost_at = None
        self._set_state_in_room()
        for m in list(self.members.values()):
            if m.member_id != self.me and m.slot not in present:
                self._mark_away(m.member_id, now)
        for slot in {k.slot for k in self.knocks.values()} - present:
            self._withdraw_knocks(slot)  # they knock again from their new link
        current = self.keys.current
        assert current is not None
        body = msg.encode_return(msg.Return(current.number, ((self.me, self.slot),)))
        self._send_group(msg.Kind.RETURN, body, now)
        self._events.append(ev.Resumed())
        # A co-host may have committed while we were gone, leaving us out: ask at once (if
        # nothing changed, the answer is a refusal that costs nothing).
        self._ask_for_key(msg.Evidence.NONE, b"", now)

    def move_room(self, relay: int, now: float) -> None:
        """Host: move the room to the invite's relay number `relay`; every member follows."""
        if not 0 <= relay < len(self.invite.relays):
            raise LocalProtocolError(f"the invite lists {len(self.invite.relays)} relays; "
                                     f"there is no relay {relay + 1}")
        self._send_group(msg.Kind.MOVE, msg.encode_move(msg.Move(relay)), now)

    # -- RETURN and MOVE, as every member checks and applies them --------------------------

    def _check_return(self, signer: Member, body: bytes) -> msg.Return:
        ret = msg.decode_return(body)
        if signer.role is not Role.HOST:
            raise RemoteProtocolError("only the host says who is back")
        current = self.keys.current
        only_signer = all(mid == signer.member_id for mid, _ in ret.slots)
        allowed = (current.number + 1,) + ((current.number,) if only_signer else ()) \
            if current is not None else ()
        if current is not None and ret.new_epoch not in allowed:
            raise RemoteProtocolError("a return that does not follow the current key (members "
                                      "come back only with a ratchet)")
        return ret

    def _apply_return(self, ret: msg.Return, now: float) -> None:
        for mid, slot in ret.slots:
            member = self.members.get(mid)
            if member is None or mid == self.me:
                continue  # an audience member beyond our list, or a copy about ourselves
            self.members[mid] = replace(member, slot=slot)
            if self.away.pop(mid, None) is not None:
                self._events.append(ev.MemberBack(mid))
        current = self.keys.current
        if current is not None and ret.new_epoch == current.number + 1:
            self._install(current.ratchet(), "return", now)

    def _check_move(self, signer: Member, body: bytes) -> msg.Move:
        move = msg.decode_move(body)
        if signer.role is not Role.HOST:
            raise RemoteProtocolError("only the host moves the room")
        if move.relay >= len(self.invite.relays):
            raise RemoteProtocolError("a move to a relay the invite does not list")
        return move

    def _apply_move(self, move: msg.Move) -> None:
        self._events.append(ev.RoomMoving(self.invite.relays[move.relay]))

