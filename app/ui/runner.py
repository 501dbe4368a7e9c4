"""RoomRunner: the one asyncio thread behind the window, and the only bridge to it.

The GUI thread never touches the room protocol, a socket or a device. It starts a runner with a
plan (host or join), then only:
- calls the runner's methods, which hand intents to the loop (`RoomClient.act`, thread-safe);
- receives queued signals: `eventReceived` for each room event (audio frames excepted),
  `roomChanged` with an immutable `RoomSnapshot` after each batch of events, `statsChanged`,
  `reconnectingChanged`, `refused` for an intent the rules turned down, and `finished` once;
- reads `levels()` from a timer (a dict of floats the loop replaces whole).
When hosting "on this computer" or "on this network", the relay itself runs on the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from app.client import Outcome, Policy
from app.code.errors import CodeFailed
from app.code.link import CodeDesk, redeem_code
from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from app.lan.advertise import LanAdvertiser
from app.lan.service import LanError
from app.ui.live import LiveRoomClient, accepts_proxy
from app.ui.plans import (
    CodePlan,
    HostPlan,
    JoinPlan,
    Knock,
    RoomSnapshot,
    RunnerOptions,
    Where,
    relay_urls,
)
from app.ui.qt import QtCore, Signal
from crypto.errors import BadInvite
from crypto.identity import Identity, PublicIdentity

log = logging.getLogger(__name__)

Intent = Callable[[RoomProtocol, float], None]


def proxy_settings(text: str) -> object | None:
    """The transport's ProxySettings for a proxy URL ("" = None: connect directly)."""
    from app.net.proxy import ProxySettings

    return ProxySettings.parse(text)


def _came_through(desk: CodeDesk | None, key: bytes) -> str:
    issued = desk.came_through(key) if desk is not None else None
    return issued.text if issued is not None else ""


def _snapshot(client: LiveRoomClient, lan_url: str, desk: CodeDesk | None) -> RoomSnapshot:
    p = client.protocol
    knocks = tuple(Knock(k.knock_id, k.body.name, PublicIdentity(k.joiner).fingerprint(),
                         _came_through(desk, k.joiner))
                   for k in p.knocks.values()) if p.is_host else ()
    in_room = p.resumable  # the room's code and link stay on screen while we reconnect
    return RoomSnapshot(
        state=p.state.value, room_name=p.room_name, topic=p.topic,
        room_code=p.invite_room_code() if in_room else "",
        invite_link=p.invite.to_link() if in_room else "", is_host=p.is_host, me=p.me,
        members=tuple(p.members.values()), knocks=knocks, consented=client.consented,
        lan_url=lan_url, away=frozenset(p.away), relays=p.invite.relays, relay=client.url)


class RoomRunner(QtCore.QObject):
    """One room at a time, on its own thread. Create a new runner for the next room."""

    eventReceived = Signal(object)  # ev.Event
    roomChanged = Signal(object)  # RoomSnapshot
    statsChanged = Signal(object)  # ConnectionStats
    reconnectingChanged = Signal(bool)
    refused = Signal(str)  # an intent the room's rules turned down (English detail)
    audioProblem = Signal(str)  # no device, or it failed (a sentence)
    lanProblem = Signal(str)  # the room could not be announced on the network
    linkTooSlow = Signal(int)  # our link cannot carry this many speakers (said once)
    # Spoken codes. Host: a code changed (IssuedCode, English sentence), one could not be made
    # (CodeFailed.reason, English sentence), a member came in through one (name, code text).
    codeChanged = Signal(object, str)
    codeRefused = Signal(str, str)
    codeJoined = Signal(str, str)
    # Joiner: a step of the exchange (English, keyed in app.ui.codes), the invite was received
    # (Redeemed: ask the person, then `confirm_code`), the exchange failed (reason, sentence).
    codeProgress = Signal(str)
    codeRedeemed = Signal(object)
    codeFailed = Signal(str, str)
    finished = Signal(object)  # Outcome

    def __init__(self, identity: Identity, display_name: str, options: RunnerOptions | None = None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.identity = identity
        self.display_name = display_name
        self.options = options or RunnerOptions()
        self.outcome: Outcome | None = None
        self.client: LiveRoomClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._stopping = False
        self._lan_url = ""
        self._reconnecting = False
        self.desk: CodeDesk | None = None  # the codes this host has offered (loop thread)
        self._proxy: object | None = None
        self._go_ahead: asyncio.Future[bool] | None = None  # the person's yes to a redeemed code
        self._redeeming: asyncio.Future[Any] | None = None
        self.via_proxy = ""  # what the connection goes through ("Tor"), for the room's header

    # -- lifecycle (GUI thread) ------------------------------------------------------------

    def host(self, plan: HostPlan) -> None:
        self._start(lambda: self._host(plan))

    def join(self, plan: JoinPlan) -> None:
        self._start(lambda: self._join(plan))

    def redeem(self, plan: CodePlan) -> None:
        """Join with a spoken code (the runner's own identity goes to the host, so the host's
        app can mark our knock as the one that came through its code)."""
        self._start(lambda: self._redeem(plan))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Leave the room (a host ends it) and stop; `finished` follows. Never blocks."""
        self._stopping = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self._stop_on_loop)

    def wait(self, timeout: float) -> bool:
        """Join the thread (only at exit, after `stop()`); True if it ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _start(self, main: Callable[[], Coroutine[Any, Any, Outcome]]) -> None:
        if self._thread is not None:
            raise RuntimeError("a runner runs one room; make a new one")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._thread_main, args=(main, ready),
                                        name="majlis-room", daemon=True)
        self._thread.start()
        ready.wait()  # only until the loop object exists: microseconds, no I/O

    def _thread_main(self, main: Callable[[], Coroutine[Any, Any, Outcome]],
                     ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._stop = asyncio.Event()
        ready.set()
        try:
            outcome = loop.run_until_complete(main())
        except Exception:
            log.exception("the room thread failed")
            outcome = Outcome(1, "Something went wrong inside Majlis; the room was closed.")
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        self.outcome = outcome
        self.finished.emit(outcome)

    # -- intents (GUI thread) --------------------------------------------------------------

    def act(self, intent: Intent) -> None:
        """Run `intent(protocol, now)` on the loop; a refusal comes back as `refused`."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def run() -> None:
            client = self.client
            if client is not None and client.protocol.state is not State.CLOSED:
                def intent_then_show(p: RoomProtocol, now: float) -> None:
                    intent(p, now)
                    # Some intents change local state without an event (an invitation sent is
                    # marked on the invitee): a snapshot follows every intent all the same.
                    client.changed()

                client.act(intent_then_show, on_error=self._refused)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(run)

    def accept_stage(self) -> None:
        def accept(p: RoomProtocol, now: float) -> None:
            assert self.client is not None
            self.client.consented = True
            p.accept_stage(now)
        self.act(accept)

    def set_muted(self, muted: bool) -> None:
        def mute(p: RoomProtocol, now: float) -> None:
            assert self.client is not None
            if not muted:
                self.client.consented = True  # unmuting is saying yes to the microphone
            p.set_muted(muted, now)
        self.act(mute)

    def set_volume(self, member_id: int, gain: float) -> None:
        client = self.client
        if client is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                client.set_volume(member_id, gain)

    def set_push_to_talk(self, enabled: bool) -> None:
        self.options.push_to_talk = enabled
        client = self.client
        if client is not None:
            with contextlib.suppress(RuntimeError):
                client.set_push_to_talk(enabled)

    def talk(self, held: bool) -> None:
        """The push-to-talk key went down or up."""
        client = self.client
        if client is not None:
            with contextlib.suppress(RuntimeError):
                client.talk(held)

    def issue_code(self) -> None:
        """Host: open a new spoken code; `codeChanged` shows it, `codeRefused` says why not."""
        loop, desk = self._loop, self.desk
        if loop is None or loop.is_closed() or desk is None:
            self.codeRefused.emit("room-closed", "The room is not open.")
            return

        async def issue() -> None:
            try:
                await desk.issue()
            except CodeFailed as exc:
                self.codeRefused.emit(exc.reason, str(exc))

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(issue(), loop)

    def revoke_code(self, text: str) -> None:
        loop, desk = self._loop, self.desk
        if loop is not None and not loop.is_closed() and desk is not None:
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(desk.revoke(text), loop)

    def confirm_code(self, go_ahead: bool) -> None:
        """The person's answer after `codeRedeemed`: knock (True) or give up (False)."""
        loop, future = self._loop, self._go_ahead
        if loop is None or loop.is_closed() or future is None:
            return

        def answer() -> None:
            if not future.done():
                future.set_result(go_ahead)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(answer)

    def levels(self) -> dict[int, float]:
        client = self.client
        return client.levels if client is not None else {}

    # -- the loop thread -------------------------------------------------------------------

    def _stop_on_loop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._go_ahead is not None and not self._go_ahead.done():
            self._go_ahead.set_result(False)
        if self._redeeming is not None:
            self._redeeming.cancel()
        if self.client is not None:
            self.client.stop()

    def _refused(self, exc: LocalProtocolError) -> None:
        self.refused.emit(str(exc))

    def _client(self, protocol: RoomProtocol, url: str, remote: bool) -> LiveRoomClient:
        """A client for `url`; a remote relay is reached through the proxy, if one is set (a
        relay inside this app is not: it is this computer)."""
        proxy = proxy_settings(self.options.proxy) if remote and accepts_proxy() else None
        describe = getattr(proxy, "describe", None)
        self.via_proxy = describe() if describe is not None else ""
        self._proxy = proxy
        policy = Policy(exit_on_kick=True, on_event=self._on_event,
                        on_audio_problem=self.audioProblem.emit,
                        on_link_too_slow=self.linkTooSlow.emit)
        client = LiveRoomClient(protocol, url, audio=self.options.audio,
                                bitrate=self.options.bitrate, policy=policy,
                                on_stats=self.statsChanged.emit,
                                proxy=proxy)
        client.set_push_to_talk(self.options.push_to_talk)
        client.on_batch = lambda: self.roomChanged.emit(
            _snapshot(client, self._lan_url, self.desk))
        self.client = client
        return client

    def _on_event(self, event: ev.Event, protocol: RoomProtocol) -> None:
        if isinstance(event, ev.AudioFrame):
            return
        if isinstance(event, ev.Disconnected):
            self._set_reconnecting(True)
        elif isinstance(event, ev.Welcomed | ev.Resumed | ev.Waiting | ev.RoomEnded):
            self._set_reconnecting(False)
        elif isinstance(event, ev.MemberJoined) and self.desk is not None:
            came = _came_through(self.desk, event.member.key)
            if came:  # let in by itself (anyone with the link): say which code brought them
                self.codeJoined.emit(event.member.name, came)
        self.eventReceived.emit(event)

    def _proxy_refusal(self) -> Outcome | None:
        """Fail closed: a user who set a proxy (Tor) must never connect without it."""
        if self.options.proxy and not accepts_proxy():
            return Outcome(3, "This build of Majlis cannot connect through a proxy yet, so it "
                              "did not connect at all. Clear the proxy in Settings to connect "
                              "directly.")
        try:
            proxy_settings(self.options.proxy)
        except ValueError as exc:
            return Outcome(3, f"Majlis did not connect: the proxy in Settings is not usable. "
                              f"{exc}")
        return None

    async def _host(self, plan: HostPlan) -> Outcome:
        from relay.server import RelayConfig, RelayServer

        server: RelayServer | None = None
        advertiser: LanAdvertiser | None = None
        urls = relay_urls(plan.relay_url)
        if plan.where is Where.RELAY and (refusal := self._proxy_refusal()) is not None:
            return refusal
        try:
            if plan.where is not Where.RELAY:
                address = "127.0.0.1"
                if plan.where is Where.NETWORK:
                    if not plan.lan_interfaces:
                        return Outcome(3, "This computer is not connected to a local network.")
                    address = plan.lan_interfaces[0]
                server = RelayServer(RelayConfig(host=address, port=0))
                try:
                    await server.start()
                except OSError as exc:
                    return Outcome(3, f"Cannot start the room's relay on {address}: {exc}")
                urls = [server.url]
                if plan.where is Where.NETWORK:
                    self._lan_url = server.url
            url = urls[0]
            try:
                protocol = RoomProtocol.host(self.identity, urls, plan.room_name,
                                             topic=plan.topic, display_name=self.display_name,
                                             auto_admit=not plan.approve_each,
                                             now=time.monotonic())
            except BadInvite:
                return Outcome(2, "These relay addresses cannot go into an invite.")
            client = self._client(protocol, url, remote=plan.where is Where.RELAY)
            from app.net.proxy import ProxySettings

            proxy = self._proxy if isinstance(self._proxy, ProxySettings) else None
            self.desk = CodeDesk(client.url, protocol.invite, protocol.room_name, proxy=proxy,
                                 on_change=self.codeChanged.emit)
            announcing: asyncio.Future[None] | None = None
            if server is not None and plan.where is Where.NETWORK:
                port = int(url.rsplit(":", 1)[1])
                advertiser = LanAdvertiser(plan.lan_interfaces, plan.lan_interfaces[0], port,
                                           plan.room_name if plan.visible else None)
                announcing = asyncio.ensure_future(self._advertise(advertiser))
            outcome = await client.run()
            if announcing is not None:
                announcing.cancel()
            return outcome
        finally:
            if self.desk is not None:
                with contextlib.suppress(Exception):  # the room ends whatever the codes do
                    await self.desk.close()
            if self.client is not None:
                self.client.protocol.keys.wipe()
            if advertiser is not None:
                await advertiser.close()
            if server is not None:
                await server.close()

    async def _advertise(self, advertiser: LanAdvertiser) -> None:
        try:
            await advertiser.start()
        except LanError as exc:
            log.info("LAN announcement failed: %s", exc)
            self.lanProblem.emit(str(exc))  # the room itself goes on; the invite still works

    async def _join(self, plan: JoinPlan) -> Outcome:
        """Join. A dropped link is the client's to mend: it reconnects and resumes our place
        (app.core.resume), and the banner follows its `Disconnected` and `Resumed` events."""
        if (refusal := self._proxy_refusal()) is not None:
            return refusal
        protocol = RoomProtocol.join(self.identity, plan.invite, self.display_name,
                                     now=time.monotonic())
        client = self._client(protocol, plan.invite.relays[0], remote=True)
        try:
            return await client.run()
        finally:
            protocol.keys.wipe()
            self._set_reconnecting(False)

    async def _redeem(self, plan: CodePlan) -> Outcome:
        """Trade the code for the invite, wait for the person's yes, then join as usual."""
        if (refusal := self._proxy_refusal()) is not None:
            self.codeFailed.emit("proxy", refusal.message)
            return refusal
        proxy = proxy_settings(self.options.proxy) if accepts_proxy() else None
        from app.net.proxy import ProxySettings

        self._go_ahead = asyncio.get_running_loop().create_future()
        # A task, so that `stop()` (closing the window) ends the exchange at once instead of
        # after its 30 s timeout.
        self._redeeming = asyncio.ensure_future(redeem_code(
            plan.code, plan.relays, self.identity.public, self.display_name,
            proxy=proxy if isinstance(proxy, ProxySettings) else None,
            on_progress=self.codeProgress.emit))
        try:
            got = await self._redeeming
        except CodeFailed as exc:
            self.codeFailed.emit(exc.reason, str(exc))
            return Outcome(0, str(exc))
        except asyncio.CancelledError:
            return Outcome(0, "")
        self.codeRedeemed.emit(got)
        go_ahead = await self._go_ahead  # `stop()` answers no
        if not go_ahead or self._stopping:
            return Outcome(0, "")
        return await self._join(JoinPlan(got.invite))

    def _set_reconnecting(self, value: bool) -> None:
        if value != self._reconnecting:
            self._reconnecting = value
            self.reconnectingChanged.emit(value)
