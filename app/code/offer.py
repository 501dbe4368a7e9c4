"""The host's side of one code: a sans-I/O machine that sits in the code's mailbox and hands the
invite, sealed, to the first joiner who proves it knows the code.

Relay envelopes in (`receive_data(bytes, now)`), relay envelopes out (`data_to_send()`), events
out (`events_received()`), the clock through `tick(now)`; randomness is passed in. One machine
per code, on its own relay connection (a connection is in one relay room for life).

    JOINING --Joined, empty--> OPEN --CONFIRM ok--> USED
       |                        |  \\--MAX_ATTEMPTS runs, none confirmed--> BURNED
       +--Joined, occupied--> TAKEN  \\--CODE_TTL passed--> EXPIRED;  revoke() --> REVOKED

Budget, the security of short codes: every HELLO the host answers is one guess for whoever sent
it, so the machine answers at most `MAX_ATTEMPTS` per code, ever, counting an answer as a try
before it is sent. A try ends well (CONFIRM with the right tag), or badly: a wrong tag, the
joiner leaving, `SESSION_TIMEOUT` without a CONFIRM. When every try has been spent and none
ended well, the code burns. A replayed HELLO (same PAKE bytes, any slot) is dropped and not
counted: it cannot be a new guess, and a relay must not be able to burn codes for free.
"""

from __future__ import annotations

import enum
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from app.code import events as ev
from app.code import messages as m
from app.code.codes import CODE_TTL, MAX_ATTEMPTS, Code, SessionKeys, host_pake
from app.code.errors import CodeMessageError, CodeStateError
from crypto.errors import CryptoError
from crypto.identity import PublicIdentity
from relay import wire
from relay.errors import WireError

SESSION_TIMEOUT = 30.0  # seconds from our REPLY to the joiner's CONFIRM
MAX_REFUSALS = 16  # FAILED answers per code


class OfferState(enum.Enum):
    JOINING = "joining"
    OPEN = "open"
    USED = "used"
    BURNED = "burned"
    EXPIRED = "expired"
    REVOKED = "revoked"
    TAKEN = "taken"
    CLOSED = "closed"  # the relay refused us or the link dropped


FINAL = frozenset(s for s in OfferState if s not in (OfferState.JOINING, OfferState.OPEN))
# A HELLO that arrives after these (before the adapter closed the link) is told why, in FAILED.
_ANSWERED = {OfferState.EXPIRED: "expired", OfferState.USED: "used-up",
             OfferState.BURNED: "used-up"}


@dataclass
class _Try:
    keys: SessionKeys
    deadline: float


class CodeOffer:
    """One code offered by a host: the room's invite and name, sealed for whoever proves the
    code."""

    def __init__(self, code: Code, invite: bytes, room_name: str, *, now: float,
                 random: Callable[[int], bytes], ttl: float = CODE_TTL) -> None:
        self.code = code
        self.random = random
        self.state = OfferState.JOINING
        self.expires_at = now + ttl
        self.tries_used = 0
        self.counters: Counter[str] = Counter()
        self.joiner_key: bytes | None = None
        self.joiner_name = ""
        self._room = m.room_block(invite, room_name)
        self._tries: dict[int, _Try] = {}
        self._seen_hellos: set[bytes] = set()
        self._refused: set[int] = set()
        self._out: list[bytes] = [wire.encode(wire.Join(code.mailbox_id, quiet=True))]
        self._events: list[ev.HostEvent] = []

    # -- outputs ---------------------------------------------------------------------------

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def events_received(self) -> list[ev.HostEvent]:
        out, self._events = self._events, []
        return out

    @property
    def finished(self) -> bool:
        """No more to do: the adapter sends what is queued, then closes the link."""
        return self.state in FINAL

    @property
    def attempts_left(self) -> int:
        return MAX_ATTEMPTS - self.tries_used

    # -- inputs ----------------------------------------------------------------------------

    def revoke(self, now: float) -> None:
        """The host withdraws the code (a button, a command, the room ending)."""
        if self.finished:
            raise CodeStateError(f"the code is already {self.state.value}")
        self._close(OfferState.REVOKED)

    def connection_lost(self, now: float, detail: str = "") -> None:
        """The relay link dropped: the mailbox is gone with it, so is the code."""
        if not self.finished:
            self._close(OfferState.CLOSED, detail or "The connection to the relay was lost.")

    def tick(self, now: float) -> None:
        if self.finished:
            return
        if now >= self.expires_at:
            self._close(OfferState.EXPIRED)
            return
        for slot in [s for s, t in self._tries.items() if now >= t.deadline]:
            self._try_failed(slot)

    def receive_data(self, data: bytes, now: float) -> None:
        """One relay envelope. Never raises for what the network sends: it counts and drops."""
        try:
            message = wire.decode_server(data)
        except WireError:
            self.counters["wire-malformed"] += 1
            return
        self.tick(now)
        if self.finished:
            self.counters["after-close"] += 1
            if self.state in _ANSWERED and isinstance(message, wire.DeliverControl):
                self._late(message)
            return
        if isinstance(message, wire.Joined):
            self._joined(message)
        elif isinstance(message, wire.DeliverControl):
            self._control(message, now)
        elif isinstance(message, wire.PeerLeft):
            if message.slot in self._tries:
                self._try_failed(message.slot)
        elif isinstance(message, wire.Error):
            self._close(OfferState.CLOSED, message.reason)
        else:
            self.counters["ignored"] += 1  # media, PeerJoined: nothing to do with a code

    def _joined(self, message: wire.Joined) -> None:
        if self.state is not OfferState.JOINING:
            self.counters["joined-twice"] += 1
            return
        if message.peers:  # someone already sits there: another code, or a squatter
            self._close(OfferState.TAKEN)
            return
        self.state = OfferState.OPEN
        self._events.append(ev.CodeOpened())

    def _control(self, delivered: wire.DeliverControl, now: float) -> None:
        if self.state is not OfferState.OPEN:
            self.counters["before-open"] += 1
            return
        try:
            message = m.decode(delivered.payload)
        except CodeMessageError:
            self.counters["malformed"] += 1
            return
        if isinstance(message, m.Hello):
            self._hello(delivered.from_slot, message, now)
        elif isinstance(message, m.Confirm):
            self._confirm(delivered.from_slot, message)
        else:
            self.counters["wrong-direction"] += 1

    def _late(self, delivered: wire.DeliverControl) -> None:
        try:
            message = m.decode(delivered.payload)
        except CodeMessageError:
            return
        if isinstance(message, m.Hello):
            self._refuse(delivered.from_slot, _ANSWERED[self.state])

    def _hello(self, slot: int, hello: m.Hello, now: float) -> None:
        if hello.pake in self._seen_hellos:
            self.counters["hello-replayed"] += 1
            return
        if slot in self._tries:
            self.counters["hello-twice"] += 1
            return
        if self.tries_used >= MAX_ATTEMPTS:
            self._refuse(slot, "used-up")
            return
        self._seen_hellos.add(hello.pake)
        self.tries_used += 1  # counted before the answer leaves: the answer is the guess
        try:
            reply, keys = host_pake(self.code, hello.pake, self.random)
        except CodeMessageError:
            self.counters["pake-invalid"] += 1
            self._try_failed(None)
            return
        self._tries[slot] = _Try(keys, now + SESSION_TIMEOUT)
        self._send(slot, m.Reply(reply, keys.host_tag))

    def _confirm(self, slot: int, confirm: m.Confirm) -> None:
        attempt = self._tries.get(slot)
        if attempt is None:
            self.counters["confirm-unexpected"] += 1
            return
        if not hmac.compare_digest(confirm.tag, attempt.keys.joiner_tag):
            self._try_failed(slot)
            return
        try:
            block = m.unseal(attempt.keys.joiner_seal, confirm.nonce, m.Kind.CONFIRM,
                             confirm.sealed)
            joiner_key, name = m.read_joiner_block(block)
            PublicIdentity(joiner_key).x25519_key  # noqa: B018 - a usable point, or it raises
        except (CodeMessageError, CryptoError):
            self._try_failed(slot)
            return
        nonce = self.random(m.NONCE_SIZE)
        sealed = m.seal(attempt.keys.host_seal, nonce, m.Kind.INVITE, self._room)
        self._send(slot, m.InviteMessage(nonce, sealed))
        self.joiner_key, self.joiner_name = joiner_key, name
        self._tries.clear()
        self._events.append(ev.CodeUsed(joiner_key, name))
        self._close(OfferState.USED)

    def _try_failed(self, slot: int | None) -> None:
        if slot is not None:
            del self._tries[slot]
        self.counters["tries-failed"] += 1
        self._events.append(ev.AttemptFailed(self.attempts_left))
        if self.tries_used >= MAX_ATTEMPTS and not self._tries:
            self._close(OfferState.BURNED)

    def _refuse(self, slot: int, reason: str) -> None:
        """FAILED, at most once a slot and MAX_REFUSALS in all: a flood of HELLOs must not make
        the host's app flood the relay (and be closed for its rate) in answer."""
        if slot in self._refused or len(self._refused) >= MAX_REFUSALS:
            self.counters["refusal-dropped"] += 1
            return
        self._refused.add(slot)
        self._send(slot, m.Failed(reason))

    def _send(self, slot: int, message: m.Message) -> None:
        self._out.append(wire.encode(wire.Unicast(slot, m.encode(message))))

    def _close(self, state: OfferState, detail: str = "") -> None:
        self.state = state
        self._tries.clear()
        self._room = b""
        self._events.append(ev.CodeClosed(state.value, detail))
