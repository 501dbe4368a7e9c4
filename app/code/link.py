"""The asyncio adapter: runs the code machines over real relay links, and nothing else.

- A host's app keeps a `CodeDesk` next to its room: `await desk.issue()` opens a mailbox on the
  room's relay (one websocket per live code) and returns the code to show; `desk.live()` lists
  the codes; `desk.came_through(key)` says which code a knocking identity key came through.
- A joiner's app calls `await redeem_code(code, relays, identity, name)` and gets the invite, the
  room's name and the host's fingerprint to show before knocking, or `CodeFailed` whose text is
  a sentence for the person.

Both only move bytes between `app.net.transport.open_link` (proxies included) and the machine,
tick it once a second, and hand its events on. Everything the GUI needs is a plain value built
on the loop thread: `IssuedCode` snapshots through `on_change`, `Redeemed`, sentences.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.code import events as ev
from app.code.codes import CODE_TTL, MAX_ATTEMPTS, NAMEPLATE_TRIES, Code, pick_nameplate
from app.code.errors import CodeFailed
from app.code.offer import CodeOffer, OfferState
from app.code.redeem import SENTENCES, CodeRedeem
from app.net.proxy import ProxySettings
from app.net.transport import TransportError, describe_close, open_link
from crypto.identity import PublicIdentity
from crypto.invite import Invite

__all__ = ["MAX_LIVE", "CodeDesk", "IssuedCode", "Redeemed", "redeem_code"]

TICK = 1.0  # seconds between clock ticks of a machine
MAX_LIVE = 8  # codes open at once per room: each holds a relay connection
_REMEMBERED = 64  # used codes kept to name the code a later knock came through

Clock = Callable[[], float]
Random = Callable[[int], bytes]


class _Machine(Protocol):
    @property
    def finished(self) -> bool: ...
    def data_to_send(self) -> list[bytes]: ...
    def receive_data(self, data: bytes, now: float) -> None: ...
    def tick(self, now: float) -> None: ...
    def connection_lost(self, now: float, detail: str = "") -> None: ...


async def _drive(machine: _Machine, ws: ClientConnection, clock: Clock,
                 drain: Callable[[], None]) -> None:
    """Move bytes both ways until the machine is done, then close the link."""
    try:
        while True:
            try:
                for data in machine.data_to_send():
                    await ws.send(data)
            except ConnectionClosed as exc:
                machine.connection_lost(clock(), describe_close(exc))
            drain()
            if machine.finished:
                return
            try:
                async with asyncio.timeout(TICK):
                    message = await ws.recv()
            except TimeoutError:
                machine.tick(clock())
            except ConnectionClosed as exc:
                machine.connection_lost(clock(), describe_close(exc))
            else:
                if isinstance(message, bytes):
                    machine.receive_data(message, clock())
    finally:
        with contextlib.suppress(Exception):
            await ws.close()


# -- the joiner ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    """What to show before knocking: the room's name and the host's fingerprint."""

    invite: Invite = field(repr=False)
    room_name: str
    host_fingerprint: str
    relay_url: str


PROGRESS = {
    "mailbox": "Looking for the code on the relay...",
    "exchanging": "Checking the code with the host's app...",
    "confirming": "The code matches; receiving the invite...",
}


async def redeem_code(code: Code, relays: Sequence[str], identity: PublicIdentity,
                      display_name: str, *, proxy: ProxySettings | None = None,
                      clock: Clock = time.monotonic, random: Random = os.urandom,
                      on_progress: Callable[[str], None] | None = None) -> Redeemed:
    """Trade `code` for the room's invite on the first of `relays` where it is offered.

    Several relays are for a LAN, where each listed room is a relay: a relay where nobody offers
    the code is passed over. Raises `CodeFailed` with a sentence (and `reason`)."""
    if not relays:
        raise CodeFailed("Say which relay the code is on (the host's app shows it with the "
                         "code).", "no-relay")
    failure: CodeFailed | None = None
    for url in relays:
        try:
            ws = await open_link(url, proxy=proxy)
        except TransportError as exc:
            failure = CodeFailed(str(exc), "relay")
            continue
        machine = CodeRedeem(code, identity, display_name, now=clock(), random=random)
        result: list[ev.JoinerEvent] = []

        def drain(m: CodeRedeem = machine, out: list[ev.JoinerEvent] = result) -> None:
            for event in m.events_received():
                if isinstance(event, ev.Progress) and on_progress is not None:
                    on_progress(PROGRESS[event.step])
                out.append(event)

        await _drive(machine, ws, clock, drain)
        for event in result:
            if isinstance(event, ev.InviteReceived):
                return Redeemed(event.invite, event.room_name, event.host_fingerprint, url)
        done = machine.failure
        assert done is not None
        failure = CodeFailed(done.sentence, done.reason)
        if done.reason != "no-such-code":
            break
    assert failure is not None
    raise failure


# -- the host -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """One code as the host's screen shows it (a snapshot; the desk makes a new one on change).

    `state`: "open", "used", "burned", "expired", "revoked", "taken" or "closed". `expires_at`
    is on the desk's clock (time.monotonic by default)."""

    text: str
    relay_url: str
    state: str
    expires_at: float
    attempts_left: int
    joiner_name: str = ""
    joiner_fingerprint: str = ""

    @property
    def live(self) -> bool:
        return self.state == "open"


class CodeDesk:
    """The codes a host has offered for one room. Runs on the room's asyncio loop.

    `on_change(code, sentence)` is called on the loop thread after every change of a code, with
    a sentence for the host ("Code 7-451-938 was used by Guest (ABCD ...).")."""

    def __init__(self, relay_url: str, invite: Invite, room_name: str, *,
                 proxy: ProxySettings | None = None, clock: Clock = time.monotonic,
                 random: Random = os.urandom, ttl: float = CODE_TTL,
                 on_change: Callable[[IssuedCode, str], None] | None = None) -> None:
        self.relay_url = relay_url
        self.invite = invite
        self.room_name = room_name
        self.proxy = proxy
        self.clock = clock
        self.random = random
        self.ttl = ttl
        self.on_change = on_change
        self._offers: dict[str, CodeOffer] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._snapshots: OrderedDict[str, IssuedCode] = OrderedDict()
        self._by_joiner: OrderedDict[bytes, str] = OrderedDict()

    def live(self) -> tuple[IssuedCode, ...]:
        """Every code still open, oldest first."""
        return tuple(s for s in self._snapshots.values() if s.live)

    def codes(self) -> tuple[IssuedCode, ...]:
        """Open codes and recently finished ones, oldest first."""
        return tuple(self._snapshots.values())

    def came_through(self, joiner_key: bytes) -> IssuedCode | None:
        """The code whose exchange delivered this identity key, if one did: a knock signed by
        this key came from the person who typed that code."""
        text = self._by_joiner.get(joiner_key)
        return self._snapshots.get(text) if text is not None else None

    async def issue(self) -> IssuedCode:
        """Open a new code on the room's relay; CodeFailed (with a sentence) if it cannot."""
        if len(self.live()) >= MAX_LIVE:
            raise CodeFailed(f"{MAX_LIVE} codes are open already; wait until one is used or "
                             "expires, or withdraw one.", "too-many")
        mine = {o.code.nameplate for o in self._offers.values()}
        for tries in range(NAMEPLATE_TRIES):
            nameplate = pick_nameplate(tries, self.random)
            if nameplate in mine:
                continue
            try:
                ws = await open_link(self.relay_url, proxy=self.proxy)
            except TransportError as exc:
                raise CodeFailed(str(exc), "relay") from None
            code = Code.generate(nameplate, self.random)
            offer = CodeOffer(code, self.invite.to_bytes(), self.room_name, now=self.clock(),
                              random=self.random, ttl=self.ttl)
            opened: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._serve(offer, ws, opened))
            if await opened:
                self._offers[code.text] = offer
                self._tasks[code.text] = task
                return self._snapshots[code.text]
            await task
            if offer.state is not OfferState.TAKEN:
                raise CodeFailed("The relay did not let this app open a code: "
                                 f"{offer.state.value}.", "relay")
        raise CodeFailed("Every short code on this relay seems taken right now; try again in "
                         "a minute.", "taken")

    async def revoke(self, text: str) -> None:
        """Withdraw a code that is still open (the host changed their mind)."""
        offer = self._offers.get(text)
        if offer is not None and not offer.finished:
            offer.revoke(self.clock())
            self._update(offer, "")
        task = self._tasks.get(text)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Withdraw every open code (the room ends)."""
        for text in list(self._offers):
            await self.revoke(text)

    async def _serve(self, offer: CodeOffer, ws: ClientConnection,
                     opened: asyncio.Future[bool]) -> None:
        def drain() -> None:
            for event in offer.events_received():
                if isinstance(event, ev.CodeOpened):
                    self._update(offer, "")
                    opened.set_result(True)
                elif isinstance(event, ev.NameplateTaken):
                    pass
                else:
                    self._update(offer, self._sentence(offer, event))
            if offer.finished and not opened.done():
                opened.set_result(False)

        try:
            await _drive(offer, ws, self.clock, drain)
        finally:
            if not opened.done():
                opened.set_result(False)
            self._offers.pop(offer.code.text, None)
            self._tasks.pop(offer.code.text, None)

    def _update(self, offer: CodeOffer, sentence: str) -> None:
        text = offer.code.text
        if offer.state is OfferState.TAKEN:
            return  # never shown: the desk tries another nameplate
        fingerprint = ""
        if offer.joiner_key is not None:
            fingerprint = PublicIdentity(offer.joiner_key).fingerprint()
            self._by_joiner[offer.joiner_key] = text
            while len(self._by_joiner) > _REMEMBERED:
                self._by_joiner.popitem(last=False)
        state = "open" if offer.state is OfferState.JOINING else offer.state.value
        snapshot = IssuedCode(text, self.relay_url, state, offer.expires_at,
                              max(0, offer.attempts_left), offer.joiner_name, fingerprint)
        self._snapshots[text] = snapshot
        while len(self._snapshots) > _REMEMBERED:
            oldest = next(iter(self._snapshots))
            if self._snapshots[oldest].live:
                break
            self._snapshots.popitem(last=False)
        if self.on_change is not None and (sentence or state == "open"):
            self.on_change(snapshot, sentence)

    @staticmethod
    def _sentence(offer: CodeOffer, event: ev.HostEvent) -> str:
        text = offer.code.text
        if isinstance(event, ev.AttemptFailed):
            if event.attempts_left:
                return (f"Someone tried code {text} and it did not match "
                        f"({event.attempts_left} of {MAX_ATTEMPTS} tries left).")
            return f"Code {text} did not match."
        if isinstance(event, ev.CodeUsed):
            fingerprint = PublicIdentity(event.joiner_key).fingerprint()
            return (f"Code {text} was used by {event.joiner_name or 'someone'} ({fingerprint}); "
                    "their knock will say it came through this code.")
        if isinstance(event, ev.CodeClosed):
            return {
                "used": "",
                "burned": f"Code {text} stopped working after {MAX_ATTEMPTS} tries that did "
                          "not match. Make a new one if someone still needs to join.",
                "expired": f"Code {text} expired unused.",
                "revoked": f"Code {text} was withdrawn.",
            }.get(event.reason, f"Code {text} closed: {event.detail or event.reason}.")
        return ""


def failure_sentence(reason: str) -> str:
    """The English sentence for a `CodeFailed.reason` (a translated UI keys on the reason)."""
    return SENTENCES.get(reason, "")
