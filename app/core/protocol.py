"""The room protocol: a sans-I/O state machine in the shape of websockets' `Protocol`.

Bytes from the relay go in through `receive_data(data, now)`; the user's intents through methods
(`raise_hand()`, `kick(member_id)`, `send_audio(packet, now)`, ...); `tick(now)` lets deadlines
pass. Results come out of `events_received()` and `data_to_send()`. Nothing here opens a socket,
starts a thread or reads a clock: time and randomness are passed in, so every transition can be
driven deterministically in tests.

The relay never sees anything but envelopes (relay.wire) around opaque payloads. A message that
fails to decrypt or verify, or that breaks the room's rules, is dropped and counted, and surfaces
as a `SecurityAlert`: it never changes state. Local intents that break the rules raise
`LocalProtocolError` before anything is sent.
"""

from __future__ import annotations

import enum
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace

from app.core import authority
from app.core import events as ev
from app.core import messages as msg
from app.core.door import check_pass, door_from_seed
from app.core.errors import LocalProtocolError, RemoteProtocolError, StaleCommit
from app.core.keyring import Keyring
from app.core.resume import RESUME_ANSWER, RESUME_GRACE, Resumption
from app.core.roster import (
    Member,
    Role,
)
from app.core.rules import RULES
from app.core.treekeys import AdminKeys, MemberKeys, room_key
from crypto import control as cc
from crypto.errors import CryptoError, ReplayedMessage
from crypto.frame import FrameSealer, open_frame, parse_frame_header
from crypto.identity import Identity, PublicIdentity
from crypto.invite import Invite
from crypto.keys import EpochKey, open_epoch_key, room_code
from crypto.replay import ReplayWindow
from relay import wire
from relay.errors import WireError

KNOCK_TIMEOUT = 15.0  # seconds a joiner waits for the host to answer a knock
REKNOCK = 3.0  # a joiner without an answer knocks again this often
KEY_REQUEST_INTERVAL = 1.0  # at most one key request a second, doubling while unanswered
KEY_REQUEST_MAX_INTERVAL = 60.0
VERIFY_KEYS = 8192  # parsed identity keys kept; a room larger than this re-parses some
ALERT_INTERVAL = 10.0  # one alert per kind per interval; the counters keep the true numbers

Random = Callable[[int], bytes]
# Relay close codes after which a member in the room reconnects rather than gives up.
TRANSIENT_CLOSES = frozenset({wire.CloseCode.TOO_SLOW, wire.CloseCode.RATE_LIMITED})


def open_control_any(payload: bytes, keys: Keyring, above: int = -1) -> cc.ControlMessage | None:
    """The control envelope opened under whichever held key (numbered above `above`) seals it.

    The epoch is not in clear, so a receiver tries its keys, newest first: the current one and
    the one or two still in their grace period. A failed try costs one Poly1305 check."""
    for number in reversed(keys.numbers):
        key = keys.get(number)
        if key is None or number <= above:
            continue
        try:
            return cc.open_control(payload, key)
        except CryptoError:
            continue
    return None


class State(enum.Enum):
    CONNECTING = "connecting"  # JOIN sent, waiting for the relay's answer
    KNOCKING = "knocking"  # joiner: knock sent, waiting for the host
    WAITING = "waiting"  # joiner: in the waiting room
    IN_ROOM = "in-room"
    RESUMING = "resuming"  # in the room, but the link dropped: reconnecting (app.core.resume)
    CLOSED = "closed"  # left, removed, refused, ended or failed: terminal


class RoomProtocol(Resumption):
    """One member's view of one room. Use `RoomProtocol.host()` or `RoomProtocol.join()`."""

    def __init__(self, identity: Identity, invite: Invite, display_name: str, *, is_host: bool,
                 now: float, random: Random = os.urandom) -> None:
        self.identity = identity
        self.invite = invite
        self.display_name = display_name
        self.is_host = is_host
        self.random = random
        self.session = random(msg.SESSION_SIZE)
        self.state = State.CONNECTING
        self.room_name = ""
        self.topic = ""
        self.members: dict[int, Member] = {}
        self.me: int | None = None
        self.slot: int | None = None
        self.keys = Keyring()
        self.counters: Counter[str] = Counter()
        self._sealer: FrameSealer | None = None
        self._seq = 0
        self._audio_windows: dict[int, ReplayWindow] = {}
        self._control_windows: dict[int, ReplayWindow] = {}
        self._verify_keys: dict[bytes, PublicIdentity] = {}
        self._events: list[ev.Event] = []
        self._out: list[bytes] = []
        self._accepted_invite = False
        self._knock_deadline: float | None = None
        # A joiner whose link dropped before it was let in reconnects and knocks again: since
        # when (None once the host has answered), and when to repeat the knock.
        self._rejoin_since: float | None = None
        self._reknock_at = 0.0
        self._next_key_request = 0.0
        self._key_request_interval = KEY_REQUEST_INTERVAL
        self._alerted: dict[str, float] = {}
        # epoch -> (signer, removed, chunks, chunk numbers seen) of the rotation accepted for it:
        # later chunks must be of the same rotation, not a second admin's.
        self._rekey_seen: dict[int, tuple[int, tuple[int, ...], int, set[int]]] = {}
        # Whom we removed, until they are gone from the roster: a removal whose commit lost to
        # another admin's concurrent commit is made again on the agreed state.
        self._my_removals: dict[int, bytes] = {}
        self._asked_at: int | None = None  # the epoch we held when we last asked for a key
        self._last_control = b""  # the control envelope being applied (evidence, if needed)
        # Listener -> (arrival time, their latest LOSS_REPORT about our stream): the client
        # reads these to tune the encoder's FEC. Dropped when the listener leaves.
        self.loss_reports: dict[int, tuple[float, msg.LossReport]] = {}
        # The key tree (app.core.treekeys): the host's whole tree, every member's path.
        self._tree_admin: AdminKeys | None = None
        self._tree_member = MemberKeys()
        # The room's door (app.core.door): its seed, when we hold it; and, as a joiner, the
        # admins that showed us the door's signature for our session.
        self._door_seed: bytes | None = None
        self._door_admins: set[bytes] = set()
        self._init_host_duties()
        self._init_resumption()
        # Quiet: a member needs no PeerJoined (a newcomer knocks before it counts), and a room of
        # thousands would otherwise cost the relay N^2 of them to fill.
        self._out.append(wire.encode(wire.Join(invite.routing_id, quiet=True)))

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def host(cls, identity: Identity, relays: list[str], room_name: str, *, topic: str = "",
             display_name: str = "Host", auto_admit: bool = True, now: float,
             random: Random = os.urandom) -> RoomProtocol:
        """Open a new room: a fresh room secret, the host's key pinned in the invite."""
        invite = Invite.create(relays, identity.public.key, random=random)
        door_seed = random(32)
        invite = replace(invite, door_key=Identity.from_seed(door_seed).public.key)
        p = cls(identity, invite, display_name, is_host=True, now=now, random=random)
        p.room_name, p.topic, p.auto_admit = room_name, topic, auto_admit
        p.me = p._new_member_id()
        p.members[p.me] = Member(p.me, identity.public.key, p.session, 0, display_name, Role.HOST)
        p._sealer = FrameSealer(identity, p.me, p.session)
        p.keys.install(EpochKey.random(0, random=random), now)
        p._tree_admin = AdminKeys(identity.public, random)
        p._door_seed = door_seed
        return p

    @classmethod
    def join(cls, identity: Identity, invite: Invite, display_name: str, *, now: float,
             random: Random = os.urandom) -> RoomProtocol:
        p = cls(identity, invite, display_name, is_host=False, now=now, random=random)
        p.auto_admit = False
        return p

    # -- outputs ---------------------------------------------------------------------------

    def events_received(self) -> list[ev.Event]:
        out, self._events = self._events, []
        return out

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    @property
    def my_member(self) -> Member | None:
        return self.members.get(self.me) if self.me is not None else None

    @property
    def can_speak(self) -> bool:
        m = self.my_member
        return self.state is State.IN_ROOM and m is not None and m.role.on_stage

    @property
    def roster(self) -> Mapping[int, Member]:
        return self.members

    def invite_room_code(self) -> str:
        """The short code every member sees; equal codes mean the same room and host."""
        return room_code(self.invite.room_secret, self.invite.host_key)

    # -- input from the relay --------------------------------------------------------------

    def receive_data(self, data: bytes, now: float) -> None:
        """One message from the relay. Whatever it holds, it never raises: a message that trips
        a fault in the core becomes a `SecurityAlert` and the room goes on."""
        if self.state is State.CLOSED:
            return
        try:
            self._receive_data(data, now)
        except Exception as exc:  # the last line of defence, reported
            self._internal_error("a message from the relay", exc, now)

    def _internal_error(self, where: str, exc: Exception, now: float) -> None:
        self.counters["internal-error"] += 1
        self._alert("internal-error", f"Handling {where} failed ({type(exc).__name__}: {exc}); "
                    "it was dropped and the room goes on.", now)

    def _receive_data(self, data: bytes, now: float) -> None:
        try:
            message = wire.decode_server(data)
        except WireError as exc:
            self._alert("relay-malformed", f"The relay sent a malformed message: {exc}", now)
            return
        if isinstance(message, wire.DeliverMedia):
            self._receive_audio(message.payload, now)
        elif isinstance(message, wire.DeliverControl):
            self._receive_control(message.from_slot, message.payload, now)
        elif isinstance(message, wire.Joined):
            self._joined(message, now)
        elif isinstance(message, wire.PeerLeft):
            self._peer_left(message.slot, now)
        elif isinstance(message, wire.PeerJoined):
            self._peer_joined(now)  # a newcomer must knock before it counts
        elif isinstance(message, wire.Error):
            if self.reconnectable and message.code in TRANSIENT_CLOSES:
                # Dropped for being slow (a laptop waking with a backlog) or too busy: the link
                # closes next and the client comes back, like after any other drop.
                self.counters[f"relay-closed-{message.code}"] += 1
                return
            self._events.append(ev.RelayClosed(message.code, message.reason))
            self._close()

    def tick(self, now: float) -> None:
        """Let time pass: grace periods end, batched leave rotations fire, knocks time out."""
        try:
            self._tick(now)
        except Exception as exc:  # the last line of defence, reported
            self._internal_error("a timer", exc, now)

    def _tick(self, now: float) -> None:
        self.keys.expire(now)
        if self._rejoin_since is not None:
            self._rejoin_tick(now)
        elif self.state is State.KNOCKING and self._knock_deadline is not None \
                and now >= self._knock_deadline:
            self._fail("The host did not answer. The room may have ended, or the host is away.")
        elif self.state is State.KNOCKING and now >= self._reknock_at:
            # Admins open only so many knocks a second (a flood is dropped unread): knock again
            # with the same session, which an admin that saw the first one ignores.
            deadline = self._knock_deadline
            self._send_knock(now)
            self._knock_deadline = deadline
        if self.state is State.RESUMING:
            self._resume_tick(now)
        if self.state is State.IN_ROOM:
            self._away_tick(now)
        if self.is_host and self.state is State.IN_ROOM:
            self._host_tick(now)

    @property
    def resumable(self) -> bool:
        """In the room, or holding our place in it while the link is down."""
        return self.state in (State.IN_ROOM, State.RESUMING)

    @property
    def reconnectable(self) -> bool:
        """Worth reconnecting after a drop: in the room, holding our place, or at the door (a
        joiner knocks again on the new link)."""
        return self.state in (State.IN_ROOM, State.RESUMING, State.KNOCKING, State.WAITING) \
            or self.rejoining

    @property
    def rejoining(self) -> bool:
        """A joiner's link dropped before it was let in: reconnecting, to knock again."""
        return self.state is State.CONNECTING and self._rejoin_since is not None

    @property
    def _resuming(self) -> bool:
        return self.state is State.RESUMING

    def connection_lost(self, now: float) -> None:
        """The link to the relay dropped. In the room, hold our place: the client reconnects
        and calls `reconnect()`. Before being let in there is no place to hold: closed."""
        try:
            self._connection_lost(now)
        except Exception as exc:  # the last line of defence, reported
            self._internal_error("a dropped link", exc, now)

    def _connection_lost(self, now: float) -> None:
        if self.state is State.IN_ROOM:
            self.state = State.RESUMING
            self._lost(now)
        elif self.state is State.RESUMING:
            self._linked = False
            self.slot = None
            self._out.clear()
        elif self.state in (State.KNOCKING, State.WAITING) or self.rejoining:
            if self._rejoin_since is None:
                self._rejoin_since = now
                self._events.append(ev.Disconnected())
            self.state = State.CONNECTING
            self.slot, self._knock_deadline = None, None
            self._out.clear()
        else:
            self._close()

    def reconnect(self, now: float) -> None:
        """A new link to a relay is open: ask to join the room's routing id there."""
        try:
            self._reconnect(now)
        except Exception as exc:  # the last line of defence, reported
            self._internal_error("a new link", exc, now)

    def _reconnect(self, now: float) -> None:
        if self.rejoining:
            # Not quiet: a joiner that knocked into an empty relay knocks again as soon as
            # PeerJoined says someone arrived (a resuming host joins quietly, which is why the
            # knock also repeats every RESUME_ANSWER seconds).
            self._out.append(wire.encode(wire.Join(self.invite.routing_id, quiet=False)))
            return
        super().reconnect(now)

    def _knock_again(self, now: float) -> None:
        """Back on a relay after a drop at the door: a new knock, with a new session (the host
        moves our unanswered knock to it; a welcome sent to the lost link is not ours now). It
        is repeated until the host answers: the host may not be on this relay yet."""
        self.session = self.random(msg.SESSION_SIZE)
        self._send_knock(now)
        self._reknock_at = now + RESUME_ANSWER

    def _rejoin_tick(self, now: float) -> None:
        assert self._rejoin_since is not None
        if now - self._rejoin_since >= RESUME_GRACE:
            self._fail("The connection was lost while waiting to be let in, and could not be "
                       "made again.")
        elif self.state is State.KNOCKING and now >= self._reknock_at:
            self._send_knock(now)  # the same session: a host that saw it already ignores it
            self._reknock_at = now + RESUME_ANSWER

    def _peer_joined(self, now: float) -> None:
        if self._rejoin_since is not None and self.state is State.KNOCKING:
            self._reknock_at = now  # someone arrived: knock again at the next tick
            return
        super()._peer_joined(now)

    def _set_state_in_room(self) -> None:
        self.state = State.IN_ROOM

    def _restart_as_joiner(self, now: float) -> None:
        """Our place is gone: knock again as someone new (a new session, nothing kept)."""
        self.session = self.random(msg.SESSION_SIZE)
        self.me, self._sealer = None, None
        self.members = {}
        self.keys.wipe()
        self._tree_member = MemberKeys()
        for table in (self._audio_windows, self._control_windows, self._rekey_seen,
                      self.loss_reports):
            table.clear()
        self._send_knock(now)

    def _joined(self, message: wire.Joined, now: float) -> None:
        if self.state is State.RESUMING:
            self._resume_joined(message, now)
            return
        if self.rejoining:
            self.slot = message.slot
            self._knock_again(now)
            return
        if self.state is not State.CONNECTING:
            return
        self.slot = message.slot
        if self.is_host:
            assert self.me is not None
            self.members[self.me] = replace(self.members[self.me], slot=message.slot)
            self.state = State.IN_ROOM
            self._events.append(ev.RoomOpened())
            self._events.append(ev.EpochChanged(0, "start"))
            return
        if not message.peers:
            self._fail("Nobody is in this room: it has ended, or the host has not opened it yet.")
            return
        self._send_knock(now)

    def _send_knock(self, now: float) -> None:
        body = msg.encode_knock(msg.KnockBody(self.display_name, self.session))
        self._out.append(wire.encode(wire.Control(
            cc.seal_knock(self.invite.room_secret, self._public(self.invite.knock_key),
                          self.identity, body, random=self.random))))
        self.state = State.KNOCKING
        self._knock_deadline = now + KNOCK_TIMEOUT
        self._reknock_at = now + REKNOCK

    def _peer_left(self, slot: int, now: float) -> None:
        """A slot vanished: whoever held it is away, not gone (they may come back; see
        app.core.resume). Only a LEAVE, a kick or an expired place removes someone."""
        if self.state is not State.IN_ROOM:
            return
        if self.is_host:
            self._withdraw_knocks(slot)
        for member in [m for m in self.members.values() if m.slot == slot]:
            self._mark_away(member.member_id, now)

    # -- audio -----------------------------------------------------------------------------

    def send_audio(self, packet: bytes, now: float) -> None:
        """Seal one Opus packet for the room. No key, nothing sent: silence, never plaintext."""
        if not self.can_speak:
            raise LocalProtocolError(f"cannot send audio in state {self.state.value} "
                                     "without being on stage")
        key = self.keys.current
        if key is None or self._sealer is None:
            self.counters["audio-unsent-no-key"] += 1
            return
        self._out.append(wire.encode(wire.Media(self._sealer.seal(key, packet))))

    def _receive_audio(self, frame: bytes, now: float) -> None:
        if self.state is not State.IN_ROOM:
            self.counters["audio-before-welcome"] += 1
            return
        try:
            header = parse_frame_header(frame)
        except CryptoError:
            self.counters["audio-malformed"] += 1
            return
        key = self.keys.get(header.epoch)
        if key is None:
            self.counters["audio-no-key"] += 1
            self._maybe_missing(header.epoch, msg.Evidence.AUDIO, frame, now)
            return
        sender = self.members.get(header.member_id)
        if sender is None or sender.member_id == self.me:
            self.counters["audio-unknown-sender"] += 1
            return
        window = self._audio_windows.setdefault(sender.member_id, ReplayWindow())
        try:
            window.check(header.counter)
            _, payload = open_frame(frame, key, self._public(sender.key), sender.session)
        except ReplayedMessage:
            self.counters["audio-replayed"] += 1
            self._alert("audio-replayed", "Repeated audio frames were dropped (a replay?).", now)
            return
        except CryptoError:
            self.counters["audio-forged"] += 1
            self._alert("audio-forged", f"Audio claiming to be from {sender.name} failed "
                        "verification and was dropped.", now)
            if header.epoch == key.number:
                # Forged, or made under another key of the same number (two admins committed
                # on one epoch and we hold the loser's): an admin can tell; ask, showing it.
                self._maybe_missing(None, msg.Evidence.AUDIO, frame, now)
            return
        window.commit(header.counter)
        if self.away:
            self._heard_from(sender.member_id)  # a host who only talks is here all the same
        if not sender.role.on_stage:
            self.counters["audio-not-on-stage"] += 1
            return
        self.counters["audio-ok"] += 1
        self._events.append(ev.AudioFrame(sender.member_id, header.counter, payload))

    # -- control ---------------------------------------------------------------------------

    def _receive_control(self, from_slot: int, payload: bytes, now: float) -> None:
        try:
            kind = cc.envelope_type(payload)
        except CryptoError:
            self.counters["control-malformed"] += 1
            return
        if kind == cc.KNOCK:
            door = self._door()
            if self.is_host and self.state is State.IN_ROOM and door is not None:
                self._receive_knock(from_slot, payload, now)
        elif kind == cc.CONTROL:
            self._receive_group(payload, now)
        elif kind == cc.DIRECT:
            self._receive_direct(from_slot, payload, now)

    def _receive_group(self, payload: bytes, now: float) -> None:
        if self.state is not State.IN_ROOM:
            self.counters["control-before-welcome"] += 1
            return
        message = open_control_any(payload, self.keys)
        if message is None:
            # Sealed under a key we do not hold: one we missed, or made up. The epoch is inside
            # the encryption, so only an admin holding the newer key can tell; we show it one.
            self.counters["control-unreadable"] += 1
            self._alert("control-unreadable", "A control message that no key we hold opens was "
                        "dropped (a key change we missed, or an injection).", now)
            self._maybe_missing(None, msg.Evidence.CONTROL, payload, now)
            return
        signer = self.members.get(message.signer_id)
        if signer is None:
            self.counters["control-unknown-signer"] += 1
            return
        window = self._control_windows.setdefault(signer.member_id, ReplayWindow())
        try:
            window.check(message.seq)
            message.verify(self._public(signer.key))
        except ReplayedMessage:
            self.counters["control-replayed"] += 1
            self._alert("control-replayed", "A repeated control message was dropped.", now)
            return
        except CryptoError:
            self.counters["control-forged"] += 1
            self._alert("control-forged", f"A message claiming to be from {signer.name} was "
                        "not signed by them and was dropped.", now)
            return
        window.commit(message.seq)
        self._heard_from(signer.member_id)
        self._last_control = payload
        try:
            decoded = self._check_group(signer, message.kind, message.body)
            self._apply_group(signer, message.kind, decoded, now, local=False)
        except StaleCommit:
            # Two admins committed on one epoch; the relay's order chose the other. Its author
            # finds out when our traffic does not open for it, and asks (a fork).
            self.counters["commit-stale"] += 1
        except RemoteProtocolError as exc:
            self.counters["control-illegal"] += 1
            self._alert("control-illegal", f"A message from {signer.name} was refused: {exc}", now)

    def _send_group(self, kind: msg.Kind, body: bytes, now: float,
                    to_slot: int | None = None) -> None:
        """Check the intent against the rules exactly as peers will, then seal, send and apply.

        With `to_slot` the sealed message goes by unicast to that one member (LOSS_REPORT); it is
        encrypted, signed and replay-checked exactly like a broadcast one.
        """
        me = self.my_member
        key = self.keys.current
        if self.state is not State.IN_ROOM or me is None or key is None:
            raise LocalProtocolError(f"not in the room (state {self.state.value})")
        try:
            decoded = self._check_group(me, kind, body)
        except RemoteProtocolError as exc:
            raise LocalProtocolError(str(exc)) from None
        self._seq += 1
        sealed = cc.seal_control(key, self.identity, me.member_id, self._seq, int(kind), body,
                                 random=self.random)
        if to_slot is None:
            self._out.append(wire.encode(wire.Control(sealed)))
        else:
            self._out.append(wire.encode(wire.Unicast(to_slot, sealed)))
        self._apply_group(me, int(kind), decoded, now, local=True)

    def _check_group(self, signer: Member, kind: int, body: bytes) -> object:
        """Decode a group message's body; raise RemoteProtocolError when it is malformed or the
        rules (`app.core.rules.RULES`) forbid `signer` sending it. The decoded body is what
        `_apply_group` acts on."""
        rule = RULES.get(kind)
        if rule is None:
            raise RemoteProtocolError(f"unknown message kind {kind}")
        if rule.senders is not None and signer.role not in rule.senders:
            raise RemoteProtocolError(f"a {signer.role.name.lower()} may not send "
                                      f"{msg.Kind(kind).name}")
        return rule.check(self, signer, body)

    def _check_next_epoch(self, new_epoch: int) -> None:
        """A commit creates the epoch after the current one, exactly: one commit per epoch."""
        current = self.keys.current
        if current is None:
            return
        if new_epoch == current.number:
            raise StaleCommit(f"a second commit for epoch {new_epoch}")
        if new_epoch != current.number + 1:
            raise RemoteProtocolError("a commit must follow the current key")

    def _apply_group(self, signer: Member, kind: int, decoded: object, now: float,
                     local: bool) -> None:
        """Act on a group message `_check_group` has decoded and allowed."""
        RULES[kind].apply(self, signer, decoded, now, local)

    def _apply_rekey(self, rekey: msg.Rekey, now: float, local: bool, signer_id: int) -> None:
        kicked = rekey.reason is msg.RekeyReason.KICK
        if kicked:
            self._ban([self.members[mid].key for mid in rekey.removed
                       if mid in self.members and mid != self.me], now)
        if local:
            # Our own rotation: the new key is installed by _rotate once every chunk is out.
            for mid in rekey.removed:
                self._remove(mid, removed=kicked)
            return
        if self.me in rekey.removed:
            self._events.append(ev.Kicked())
            self._end("kicked")
            return
        for mid in rekey.removed:
            self._remove(mid, removed=kicked)
        seen = self._rekey_seen.setdefault(
            rekey.new_epoch, (signer_id, rekey.removed, rekey.chunks, set()))[3]
        seen.add(rekey.chunk)
        # Tree updates first, even if a sealed entry in another chunk came first: the tree
        # must stay in step with the host's for the next rotation.
        tree_key = self._tree_member.apply(rekey.updates) if rekey.updates else None
        current = self.keys.current
        if current is not None and current.number >= rekey.new_epoch:
            return  # already installed from an earlier chunk (or our own rotation)
        if rekey.from_tree and tree_key is not None:
            self._install(room_key(tree_key, rekey.new_epoch), "kick" if kicked else "leave", now)
            return
        for mid, sealed in rekey.entries:
            if mid != self.me:
                continue
            try:
                key = open_epoch_key(self.identity, sealed)
            except CryptoError:
                raise RemoteProtocolError("the new key sealed to us did not open") from None
            if key.number != rekey.new_epoch:
                raise RemoteProtocolError("the new key has the wrong number")
            self._install(key, "kick" if kicked else "leave", now)
            return
        if len(seen) == rekey.chunks:
            # Made while we looked away to its author: the rotation itself (opened under the
            # key we share, signed by an admin) proves the new epoch. Ask, showing it.
            self.counters["rekey-left-out"] += 1
            self._maybe_missing(rekey.new_epoch, msg.Evidence.CONTROL, self._last_control, now)

    # -- direct messages -------------------------------------------------------------------

    def _receive_direct(self, from_slot: int, payload: bytes, now: float) -> None:
        try:
            direct = cc.open_direct(self.identity, payload)
        except CryptoError:
            self.counters["direct-unreadable"] += 1
            return
        try:
            if direct.kind == msg.Kind.KEY_REQUEST and self.is_admin \
                    and self.state is State.IN_ROOM:
                self._answer_key_request(direct.sender, msg.decode_key_request(direct.body),
                                         from_slot, now)
                return
            if direct.kind == msg.Kind.WELCOME and self.state is State.IN_ROOM \
                    and self._is_admin_key(direct.sender.key):
                # Any admin answers a key request; only the host welcomes newcomers.
                welcome = msg.decode_welcome(direct.body)
                if welcome.resync:
                    # An admin answered from where it is: whatever the relay told us, it is here.
                    for m in self.members.values():
                        if m.key == direct.sender.key and m.member_id in self.away:
                            del self.away[m.member_id]
                            self._events.append(ev.MemberBack(m.member_id))
                    self._welcomed(welcome, now)
                    return
            if direct.kind == msg.Kind.TREE_WELCOME and self.state is State.IN_ROOM \
                    and (self._is_admin_key(direct.sender.key)
                         or direct.sender.key == self.invite.host_key):
                tree_welcome = msg.decode_tree_welcome(direct.body)
                current = self.keys.current
                if current is not None and tree_welcome.epoch == current.number:
                    self._tree_member.welcomed(self.identity, tree_welcome.tree)
                else:
                    self.counters["tree-welcome-stale"] += 1
                return
            if direct.kind == msg.Kind.DOOR and self.state is State.IN_ROOM \
                    and self._is_admin_key(direct.sender.key) and self.invite.door_key:
                if door_from_seed(direct.body, self.invite.door_key) is None:
                    raise RemoteProtocolError("the door seed does not make the invite's door key")
                self._door_seed = direct.body
                return
            if direct.kind == msg.Kind.DOOR_PASS and self.invite.door_key \
                    and self.state in (State.KNOCKING, State.WAITING, State.RESUMING):
                if check_pass(direct.body, self.invite.door_key, self.invite.routing_id,
                              direct.sender.key, self.session):
                    self._door_admins.add(direct.sender.key)
                return
            if direct.sender.key != self.invite.host_key \
                    and direct.sender.key not in self._door_admins:
                self.counters["direct-not-from-host"] += 1
                self._alert("direct-forged", "A message claiming to come from the host was not "
                            "signed by the host's key (pinned in the invite) and was ignored.", now)
                return
            if direct.kind == msg.Kind.WELCOME:
                self._welcomed(msg.decode_welcome(direct.body), now)
            elif direct.kind == msg.Kind.WAITING:
                if msg.decode_session(direct.body) == self.session \
                        and self.state is State.KNOCKING:
                    self.state = State.WAITING
                    self._knock_deadline = self._rejoin_since = None
                    self._events.append(ev.Waiting())
            elif direct.kind == msg.Kind.RESUME_EXPIRED:
                self._resume_expired(msg.decode_session(direct.body), now)
            elif direct.kind == msg.Kind.REFUSED and self.state is State.RESUMING \
                    and msg.decode_session(direct.body) == self.session:
                self._events.append(ev.Kicked())  # removed while we were away
                self._end("kicked")
            elif direct.kind == msg.Kind.REFUSED and self.state in (State.KNOCKING, State.WAITING) \
                    and msg.decode_session(direct.body) == self.session:
                self._events.append(ev.Refused())
                self._close()
        except RemoteProtocolError as exc:
            self.counters["direct-illegal"] += 1
            self._alert("direct-illegal", f"A message from the host was malformed: {exc}", now)

    def _welcomed(self, welcome: msg.Welcome, now: float) -> None:
        if welcome.session != self.session:
            self.counters["welcome-stale"] += 1
            return
        mine = [m for m in welcome.members if m.member_id == welcome.member_id]
        if not mine or mine[0].key != self.identity.public.key:
            raise RemoteProtocolError("the welcome does not describe us")
        key = EpochKey(welcome.epoch, welcome.epoch_key)
        if welcome.resync and self.state is State.RESUMING:
            self._resumed(welcome, now)
            return
        if welcome.resync:
            current = self.keys.current
            if self.state is not State.IN_ROOM or current is None:
                return
            fork = current.number == welcome.epoch == self._asked_at \
                and current.key != welcome.epoch_key
            if current.number >= welcome.epoch and not fork:
                return
            if fork:
                self.counters["fork-resolved"] += 1
        elif self.state not in (State.KNOCKING, State.WAITING):
            return
        self._ban(list(welcome.banned), now)
        before = dict(self.members)
        self.members = {m.member_id: m for m in welcome.members}
        self.me = welcome.member_id
        self.room_name, self.topic = welcome.room_name, welcome.topic
        if self._sealer is None:
            self._sealer = FrameSealer(self.identity, self.me, self.session)
        if welcome.resync:
            for mid in before.keys() - self.members.keys():
                self._events.append(ev.MemberLeft(mid, before[mid].name,
                                                  removed=before[mid].key in self._banned))
            self._install(key, "resync", now)
            self._redo_removals(now)
            if self.is_host and self.slot is not None and self.me is not None:
                # Our RETURN went out under a key the room had left: say it again under this one
                # so nobody keeps counting down to the end of the room.
                self._send_group(msg.Kind.RETURN, msg.encode_return(
                    msg.Return(key.number, ((self.me, self.slot),))), now)
            return
        self.state = State.IN_ROOM
        self._knock_deadline = self._rejoin_since = None
        self.keys.install(key, now)
        self._events.append(ev.Welcomed(welcome.room_name, welcome.topic, welcome.member_id))
        self._events.append(ev.EpochChanged(key.number, "join"))

    def _maybe_missing(self, epoch: int | None, evidence_kind: msg.Evidence, evidence: bytes,
                       now: float) -> None:
        """A message we cannot open, maybe under a newer key we missed: ask an admin, showing it.

        `epoch` is what the message's clear header claims (None when it says nothing), and only
        a hint: the admin believes the evidence, not the claim. Unanswered requests back off
        (1, 2, 4 ... 60 s), so a relay that keeps sending junk costs a request a minute.
        """
        current = self.keys.current
        if current is None or self.me is None or (epoch is not None and epoch <= current.number):
            return
        if now < self._next_key_request or len(evidence) > msg.MAX_EVIDENCE or not evidence:
            return
        self._events.append(ev.KeyMissing(epoch if epoch is not None else current.number + 1))
        self._ask_for_key(evidence_kind, evidence, now)

    def _ask_for_key(self, evidence_kind: msg.Evidence, evidence: bytes, now: float) -> None:
        current = self.keys.current
        if current is None or self.me is None:
            return
        self._next_key_request = now + self._key_request_interval
        self._key_request_interval = min(KEY_REQUEST_MAX_INTERVAL, 2 * self._key_request_interval)
        self.counters["key-requests"] += 1
        admin = authority.ask_whom(self.members, self.away, self.me)
        if admin is None:
            return
        self._asked_at = current.number
        body = msg.encode_key_request(msg.KeyRequest(self.me, self.session, current.number,
                                                     current.commitment(), evidence_kind,
                                                     evidence))
        sealed = cc.seal_direct(self._public(admin.key), self.identity, msg.Kind.KEY_REQUEST, body)
        self._out.append(wire.encode(wire.Unicast(admin.slot, sealed)))

    # -- user intents ----------------------------------------------------------------------

    def raise_hand(self, now: float) -> None:
        self._send_group(msg.Kind.HAND, msg.encode_flag(msg.Flag(True)), now)

    def lower_hand(self, now: float) -> None:
        self._send_group(msg.Kind.HAND, msg.encode_flag(msg.Flag(False)), now)

    def invite_to_stage(self, member_id: int, now: float) -> None:
        self._send_group(msg.Kind.STAGE_INVITE, msg.encode_target(msg.Target(member_id)), now)

    def accept_stage(self, now: float) -> None:
        """Consent to speak. The microphone opens only after this, and the speaker starts muted."""
        self._accepted_invite = True
        self._send_group(msg.Kind.STAGE_ANSWER, msg.encode_flag(msg.Flag(True)), now)

    def decline_stage(self, now: float) -> None:
        self._send_group(msg.Kind.STAGE_ANSWER, msg.encode_flag(msg.Flag(False)), now)

    def set_role(self, member_id: int, role: Role, now: float) -> None:
        """Move someone (or oneself) between audience, stage and co-hosts, as the table allows.
        The committer commits it; anyone else proposes it to the committer."""
        current = self.keys.current
        if current is None:
            raise LocalProtocolError("not in the room")
        if not self.is_committer:
            self._send_group(msg.Kind.PROPOSE, msg.encode_proposal(
                msg.Proposal(member_id, role)), now)
            return
        self._send_group(msg.Kind.SET_ROLE, msg.encode_set_role(
            msg.SetRole(member_id, role, current.number + 1)), now)

    @property
    def is_committer(self) -> bool:
        return self.me is not None \
            and authority.committer(self.members, self.away) == self.me

    def move_to_audience(self, member_id: int, now: float) -> None:
        self.set_role(member_id, Role.LISTENER, now)

    def make_cohost(self, member_id: int, now: float) -> None:
        self.set_role(member_id, Role.COHOST, now)

    def set_muted(self, muted: bool, now: float) -> None:
        self._send_group(msg.Kind.MUTE, msg.encode_flag(msg.Flag(muted)), now)

    def leave(self, now: float) -> None:
        """Leave quietly. A host leaving hands the room to its first co-host; without one, the
        room ends for everyone."""
        if self.state is not State.IN_ROOM:
            self._close()
            return
        me = self.my_member
        if me is not None and me.role is Role.HOST:
            heir = authority.successor(self.members, self.away, me.member_id, present_only=True)
            if heir is None:
                self.end_room(now)
                return
            self._send_group(msg.Kind.LEAVE, msg.encode_leave(msg.Leave(heir)), now)
            self._end("left")
            return
        self._send_group(msg.Kind.LEAVE, b"", now)
        self._end("left")

    def end_room(self, now: float) -> None:
        self._send_group(msg.Kind.END, b"", now)

    def report_loss(self, speaker_id: int, expected: int, lost: int, jitter_ms: int,
                    now: float) -> None:
        """Tell one speaker (only them, by unicast) how much of their stream we lost."""
        speaker = self.members.get(speaker_id)
        if speaker is None or not speaker.role.on_stage or speaker_id == self.me:
            raise LocalProtocolError("loss reports go to someone else on stage")
        body = msg.encode_loss_report(msg.LossReport(speaker_id, expected, lost, jitter_ms))
        self._send_group(msg.Kind.LOSS_REPORT, body, now, to_slot=speaker.slot)

    # -- shared helpers --------------------------------------------------------------------

    def _member(self, member_id: int) -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise RemoteProtocolError(f"no member {member_id} in the room")
        return member

    def _update(self, member_id: int, **changes: object) -> None:
        member = self.members.get(member_id)
        if member is not None:
            self.members[member_id] = replace(member, **changes)  # type: ignore[arg-type]

    def _remove(self, member_id: int, removed: bool) -> None:
        member = self.members.pop(member_id, None)
        self.loss_reports.pop(member_id, None)
        self.away.pop(member_id, None)
        self._away_unrotated.discard(member_id)
        self._control_windows.pop(member_id, None)
        if member is not None:
            self._audio_windows.pop(member_id, None)
            self._events.append(ev.MemberLeft(member_id, member.name, removed))

    def _hand_over(self, old_host: int, now: float, named: int | None = None) -> bool:
        """The host left for good: the co-host it named in its LEAVE (or, when it vanished,
        the first co-host present) becomes the host and rotates the departed host out of the
        key. False when no co-host is left."""
        successor = named if named is not None else authority.successor(
            self.members, self.away, old_host)
        if successor is None:
            return False
        self._remove(old_host, removed=False)
        self._update(successor, role=Role.HOST)
        self._events.append(ev.RoleChanged(successor, Role.HOST))
        if successor == self.me:
            self.is_host = True
            self.auto_admit = False  # knocks are sealed to the first host: see THREAT_MODEL.md
            self._schedule_leave_rotation(old_host, now)
        self.counters["host-handed-over"] += 1
        return True

    def _commit_proposal(self, proposer: Member, proposal: msg.Proposal, now: float) -> None:
        """The committer makes a proposal (already checked against the proposer's rights) a
        commit. A proposal that no longer applies (the target left meanwhile) is dropped."""
        try:
            if proposal.role is None:
                self.kick(proposal.member_id, now)
            else:
                self.set_role(proposal.member_id, proposal.role, now)
            self.counters["proposals-committed"] += 1
        except LocalProtocolError:
            self.counters["proposals-void"] += 1

    def _redo_removals(self, now: float) -> None:
        """After a resync: a removal of ours that lost the race for its epoch is made again."""
        for mid, key in list(self._my_removals.items()):
            member = self.members.get(mid)
            if member is None or member.key != key:
                del self._my_removals[mid]
            elif self.is_admin:
                try:
                    self.kick(mid, now)
                    self.counters["removal-redone"] += 1
                except LocalProtocolError:  # no longer ours to remove (promoted meanwhile)
                    del self._my_removals[mid]

    def _install(self, key: EpochKey, reason: str, now: float) -> None:
        self._asked_at = None
        self.keys.install(key, now)
        self._next_key_request = now
        self._key_request_interval = KEY_REQUEST_INTERVAL
        for number in [n for n in self._rekey_seen if n < key.number - 2]:
            del self._rekey_seen[number]
        self._events.append(ev.EpochChanged(key.number, reason))

    def _open_control_any(self, payload: bytes, above: int) -> cc.ControlMessage | None:
        return open_control_any(payload, self.keys, above)

    def _door(self) -> Identity | None:
        """The identity knocks are sealed to, if we hold it: the door, or (version-1 invite)
        our own key when we are the pinned host."""
        if self.invite.door_key is None:
            return self.identity if self.identity.public.key == self.invite.host_key else None
        if self._door_seed is None:
            return None
        return door_from_seed(self._door_seed, self.invite.door_key)

    @property
    def is_admin(self) -> bool:
        """The host, or a co-host it appointed: may admit, remove, rotate and answer requests."""
        me = self.my_member
        return me is not None and me.role in (Role.HOST, Role.COHOST)

    def _is_admin_key(self, key: bytes) -> bool:
        return any(m.key == key and m.role in (Role.HOST, Role.COHOST)
                   for m in self.members.values())

    def _ban(self, keys: list[bytes], now: float) -> None:
        """Removed for good, by whichever admin: refused at the door and on resume. An
        anyone-with-the-link room stops letting people in by itself (a removed person could
        come back under a new key); the host decides whether to reopen it or share a new link."""
        fresh = [k for k in keys if k not in self._banned and k != self.identity.public.key]
        for key in fresh:
            self._banned[key] = None
        while len(self._banned) > msg.MAX_BANNED:
            del self._banned[next(iter(self._banned))]
        if fresh and self.auto_admit and self.is_host:
            self.auto_admit = False
            self._events.append(ev.AdmissionPaused("removal"))

    def _public(self, key: bytes) -> PublicIdentity:
        # PublicIdentity caches libsodium's parsed key; verifying 50 frames a second per speaker
        # should not rebuild it each time. Bounded: knocks bring keys of strangers.
        pub = self._verify_keys.get(key)
        if pub is None:
            if len(self._verify_keys) >= VERIFY_KEYS:
                del self._verify_keys[next(iter(self._verify_keys))]
            pub = self._verify_keys[key] = PublicIdentity(key)
        return pub

    def _alert(self, what: str, detail: str, now: float) -> None:
        if now < self._alerted.get(what, float("-inf")):
            return
        self._alerted[what] = now + ALERT_INTERVAL
        self._events.append(ev.SecurityAlert(what, detail))

    def _fail(self, reason: str) -> None:
        self._events.append(ev.JoinFailed(reason))
        self._close()

    def _end(self, reason: str) -> None:
        self._events.append(ev.RoomEnded(reason))
        self._close()

    def _close(self) -> None:
        self.state = State.CLOSED
        self.keys.wipe()
        self._sealer = None
