"""The joiner's side: a sans-I/O machine that trades a code for the room's invite.

Relay envelopes in and out, events out, the clock through `tick(now)`, randomness passed in.

    JOINING --Joined, a peer--> HELLO_SENT --REPLY, host tag ok--> CONFIRM_SENT --INVITE--> DONE
       |  Joined, nobody: no such code  |  wrong tag: wrong code          |  bad seal: tampered
       +------------------------------> FAILED <--------------------------+  (and timeouts)

The joiner takes the first REPLY only. Every REPLY it would check is one guess for whoever sent
it (someone else sitting in the mailbox can pose as the host), so it checks one and stops; a
wrong host tag ends the exchange before the joiner says anything that depends on the key.
Only after the host's tag proves the host knows the code does the joiner send its own tag and
its identity key (sealed), and only then does the host send the invite (sealed): key
confirmation both ways, and the invite never leaves the host for anyone who has not proved it.
"""

from __future__ import annotations

import enum
import hmac
from collections import Counter
from collections.abc import Callable

from app.code import events as ev
from app.code import messages as m
from app.code.codes import MAX_ATTEMPTS, Code, JoinerPake, SessionKeys
from app.code.errors import CodeMessageError, CodeStateError
from crypto.errors import BadInvite
from crypto.identity import PublicIdentity
from crypto.invite import Invite
from relay import wire
from relay.errors import WireError

EXCHANGE_TIMEOUT = 30.0  # seconds from the start to the invite

SENTENCES = {
    "no-such-code": "Nobody is offering this code here. It may have expired or been used, or "
                    "its first number may be wrong. Check it, or ask for a new code.",
    "wrong-code": f"The code does not match. Check the digits with the person who gave it to "
                  f"you; after {MAX_ATTEMPTS} wrong tries a code stops working.",
    "expired": "This code has expired. Ask for a new one: a code works for 5 minutes.",
    "used-up": "This code no longer works: it was used, or tried wrongly too many times. "
               "Ask for a new one.",
    "host-left": "The person who offered this code closed it before the exchange finished.",
    "timeout": "The other side did not answer in time. Try again, or ask for a new code.",
    "tampered": "Something on the way changed the exchange, so nothing was accepted. Try "
                "again, or ask for a new code.",
    "relay": "The relay refused or dropped the connection.",
}


class RedeemState(enum.Enum):
    JOINING = "joining"
    HELLO_SENT = "hello-sent"
    CONFIRM_SENT = "confirm-sent"
    DONE = "done"
    FAILED = "failed"


class CodeRedeem:
    """One attempt to join with a code: our identity key goes to the host, sealed, so that the
    host can tell our knock came through its code."""

    def __init__(self, code: Code, identity: PublicIdentity, display_name: str, *, now: float,
                 random: Callable[[int], bytes]) -> None:
        self.code = code
        self.identity = identity
        self.display_name = display_name
        self.random = random
        self.state = RedeemState.JOINING
        self.deadline = now + EXCHANGE_TIMEOUT
        self.counters: Counter[str] = Counter()
        self.failure: ev.ExchangeFailed | None = None
        self.invite: Invite | None = None
        self._pake = JoinerPake(code, random)
        self._peers: set[int] = set()
        self._host_slot: int | None = None
        self._keys: SessionKeys | None = None
        self._out: list[bytes] = [wire.encode(wire.Join(code.mailbox_id, quiet=True))]
        self._events: list[ev.JoinerEvent] = [ev.Progress("mailbox")]

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def events_received(self) -> list[ev.JoinerEvent]:
        out, self._events = self._events, []
        return out

    @property
    def finished(self) -> bool:
        return self.state in (RedeemState.DONE, RedeemState.FAILED)

    def tick(self, now: float) -> None:
        if not self.finished and now >= self.deadline:
            self._fail("timeout")

    def connection_lost(self, now: float, detail: str = "") -> None:
        if not self.finished:
            self._fail("relay", detail)

    def cancel(self) -> None:
        """The joiner gave up (closed the dialog)."""
        if self.finished:
            raise CodeStateError(f"the exchange is already {self.state.value}")
        self._fail("cancelled", "Joining with the code was cancelled.")

    def receive_data(self, data: bytes, now: float) -> None:
        """One relay envelope. Never raises for what the network sends: it counts and drops."""
        try:
            message = wire.decode_server(data)
        except WireError:
            self.counters["wire-malformed"] += 1
            return
        self.tick(now)
        if self.finished:
            self.counters["after-end"] += 1
            return
        if isinstance(message, wire.Joined):
            self._joined(message)
        elif isinstance(message, wire.DeliverControl):
            self._control(message)
        elif isinstance(message, wire.PeerLeft):
            self._peer_left(message.slot)
        elif isinstance(message, wire.Error):
            self._fail("relay", message.reason)
        else:
            self.counters["ignored"] += 1

    def _joined(self, message: wire.Joined) -> None:
        if self.state is not RedeemState.JOINING:
            self.counters["joined-twice"] += 1
            return
        if not message.peers:
            self._fail("no-such-code")
            return
        self._peers = set(message.peers)
        self.state = RedeemState.HELLO_SENT
        # Broadcast: we do not know which peer is the host, and the message tells nothing.
        self._out.append(wire.encode(wire.Control(m.encode(m.Hello(self._pake.message)))))
        self._events.append(ev.Progress("exchanging"))

    def _peer_left(self, slot: int) -> None:
        self._peers.discard(slot)
        if slot == self._host_slot or (self.state is RedeemState.HELLO_SENT and not self._peers):
            self._fail("host-left")

    def _control(self, delivered: wire.DeliverControl) -> None:
        try:
            message = m.decode(delivered.payload)
        except CodeMessageError:
            self.counters["malformed"] += 1
            return
        slot = delivered.from_slot
        if isinstance(message, m.Reply):
            self._reply(slot, message)
        elif isinstance(message, m.InviteMessage):
            self._invite(slot, message)
        elif isinstance(message, m.Failed):
            if self._host_slot in (None, slot) and slot in self._peers:
                self._fail(message.reason)
            else:
                self.counters["failed-ignored"] += 1
        else:
            self.counters["wrong-direction"] += 1  # a HELLO (our own echoed, or another's)

    def _reply(self, slot: int, reply: m.Reply) -> None:
        if self.state is not RedeemState.HELLO_SENT or slot not in self._peers:
            self.counters["reply-unexpected"] += 1
            return
        try:
            keys = self._pake.finish(reply.pake)
        except CodeMessageError:
            self._fail("tampered")
            return
        if not hmac.compare_digest(reply.tag, keys.host_tag):
            self._fail("wrong-code")
            return
        self._keys, self._host_slot = keys, slot
        nonce = self.random(m.NONCE_SIZE)
        block = m.joiner_block(self.identity.key, self.display_name)
        sealed = m.seal(keys.joiner_seal, nonce, m.Kind.CONFIRM, block)
        self._out.append(wire.encode(wire.Unicast(slot, m.encode(
            m.Confirm(keys.joiner_tag, nonce, sealed)))))
        self.state = RedeemState.CONFIRM_SENT
        self._events.append(ev.Progress("confirming"))

    def _invite(self, slot: int, message: m.InviteMessage) -> None:
        if self.state is not RedeemState.CONFIRM_SENT or slot != self._host_slot:
            self.counters["invite-unexpected"] += 1
            return
        assert self._keys is not None
        try:
            block = m.unseal(self._keys.host_seal, message.nonce, m.Kind.INVITE, message.sealed)
            raw, room_name = m.read_room_block(block)
            invite = Invite.from_bytes(raw)
        except (CodeMessageError, BadInvite):
            self._fail("tampered")
            return
        self.invite = invite
        self.state = RedeemState.DONE
        self._keys = None
        fingerprint = PublicIdentity(invite.host_key).fingerprint()
        self._events.append(ev.InviteReceived(invite, room_name, fingerprint))

    def _fail(self, reason: str, detail: str = "") -> None:
        self.state = RedeemState.FAILED
        self._keys = None
        sentence = SENTENCES.get(reason, detail)
        if reason == "relay" and detail:
            sentence = detail
        self.failure = ev.ExchangeFailed(reason, sentence)
        self._events.append(self.failure)
