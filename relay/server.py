"""The websockets adapter: moves bytes between sockets and the sans-I/O Router, nothing more.

Fan-out is synchronous, in the manner of `websockets.broadcast`: each outgoing message is framed
once (server frames are unmasked, so the bytes are the same for every listener) and written to
each target's transport without awaiting. No listener can delay another, because nothing waits
on any one socket. The price of never waiting is a rule for listeners that do not keep up:

* media to a connection whose write buffer already holds more than `media_buffer_limit` bytes,
  or has not drained for `media_max_age` seconds, is dropped and counted (a late audio frame is
  worthless; the jitter buffer conceals it);
* control is always queued (it carries keys and roster changes that must not be lost), but a
  connection whose buffer passes `control_buffer_limit` is closed with TOO_SLOW, which bounds
  the memory one stalled client can hold.

Whatever a peer sends, only its own connection is affected: malformed input closes it with
BAD_MESSAGE and a reason, and an unexpected exception is logged and closes it alone.

The relay writes nothing to disk and, unless `log_ips` is set, no client address reaches the
logs: websockets' debug records (request headers such as X-Forwarded-For, frame dumps) are
filtered out, and our own records never name an address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from asyncio import sslproto
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from relay.bus import BusUnavailable, JoinRefused, RedisBus
from relay.errors import ListenError, RelayError
from relay.front import Front
from relay.guard import Peer as _Peer
from relay.guard import Pending, RelayConnection, sweep
from relay.http import NEUTRAL_PAGE, Gate
from relay.logs import _WS_LOGGER, _WS_LOGGER_IPS, LogLimiter, quiet_exception_handler
from relay.metrics import MetricsServer
from relay.rooms import Close, Output, Router, Send
from relay.settings import RelayConfig
from relay.shared import (
    RETRY,
    Admitted,
    BusJoin,
    BusLeave,
    Publish,
    SharedRouter,
    Subscribe,
    Unsubscribe,
)
from relay.site import Site
from relay.tls import ReloadingTLS
from relay.wire import CloseCode, Error, encode, is_join

__all__ = ["NEUTRAL_PAGE", "RelayConfig", "RelayServer", "quiet_exception_handler"]

logger = logging.getLogger("relay")
SHUTDOWN_GRACE = 1.0  # seconds
_OPEN = State.OPEN


_JitteredConnection = RelayConnection  # keepalive jitter lives in relay.keepalive
TLS_READ_BUFFER = 4096  # bytes; start() says why
SWEEP_INTERVAL = 0.5  # seconds between checks of stalled members and of the output ceiling
_ABUSE = (CloseCode.RATE_LIMITED, CloseCode.TOO_SLOW)  # closes after which nothing more is read


def _frame(data: bytes) -> bytes:
    """One unmasked binary frame: identical for every listener, so it is built once."""
    return Frame(Opcode.BINARY, data).serialize(mask=False)


class RelayServer:
    """A relay listening on one address. Usable in-process (tests, an embedded relay) or by the CLI.

    `router` and `counters` are public so that an embedding application or a test can check
    health: for example that no room state is left once everyone has gone.
    """

    def __init__(self, config: RelayConfig) -> None:
        config.check()
        self.config = config
        bus = config.bus()
        self.bus: RedisBus | None = None
        self.router: Router[_Peer]
        if bus is not None:
            self.router = SharedRouter(b"0" * 16, config.limits())
            self.bus = RedisBus(bus, self._bus_message, self._bus_state)
        else:
            self.router = Router(config.limits())
        self.counters = self.router.counters
        self.tls = ReloadingTLS(config.certfile, config.keyfile) if config.certfile else None
        self.site = Site(config.site)
        self.gate = Gate(config, self.healthy, self.site)
        self.front = Front(self.site, config.path, config.healthz_path, self.healthy,
                           header_timeout=config.http_timeout,
                           keepalive_timeout=config.http_timeout + 5.0,
                           max_per_address=config.max_connections_per_ip,
                           trusted=config.trusted_proxies,
                           exempt_loopback=config.exempt_loopback,
                           prefixes=(config.ipv4_prefix, config.ipv6_prefix))
        self.log = LogLimiter(logger)
        self._server: Server | None = None
        self._metrics: MetricsServer | None = None
        self._timers: dict[_Peer, asyncio.TimerHandle] = {}
        self._live: set[ServerConnection] = set()
        self._peers: dict[ServerConnection, _Peer] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._media_limit = config.media_buffer_limit
        self._media_age = config.media_max_age or float("inf")
        self._control_limit = config.control_buffer_limit
        self.pending = Pending(config.max_handshakes, config.tls_handshake_timeout)
        self._connection_class = type("RelayConnection", (RelayConnection,), {
            "pending": self.pending, "front": self.front,
            "output_limit": config.control_buffer_limit})
        self.shed = 0  # connections dropped to keep queued output under output_memory

    async def start(self) -> None:
        """Bind and start serving. Raises OSError (for example address in use) or ConfigError."""
        cfg = self.config
        if self.bus is not None:
            await self.bus.start()
        if self.tls is not None:
            # asyncio gives each TLS connection a 256 KiB read buffer before any check: 300 KB
            # a socket, 6 GB at max_connections. asyncio reads records in as many pieces as it
            # takes, and voice needs no large reads. (Process-wide: the class holds it.)
            sslproto.SSLProtocol.max_size = TLS_READ_BUFFER
        tls: dict[str, Any] = {}
        if self.tls is not None:
            tls = {"ssl": self.tls.context,
                   "ssl_handshake_timeout": cfg.tls_handshake_timeout}
        self._server = await serve(
            self._handle,
            cfg.host,
            cfg.port,
            compression=None,  # compressing ciphertext gains nothing and leaks lengths
            max_size=cfg.max_message,
            process_request=self.gate.process_request,
            process_response=self.gate.process_response,
            open_timeout=None,  # relay.front keeps nginx's timers until the upgrade
            server_header=None,
            logger=_WS_LOGGER_IPS if cfg.log_ips else _WS_LOGGER,
            ping_interval=cfg.ping_interval or None,
            ping_timeout=cfg.ping_interval or None,
            close_timeout=cfg.close_timeout,
            create_connection=self._connection_class,
            **tls,
        )
        metrics = cfg.metrics_address()
        if metrics is not None:
            self._metrics = MetricsServer(*metrics, self.metrics, self.healthy)
            try:
                await self._metrics.start()
            except OSError as exc:
                self._metrics = None
                await self.close()
                reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
                raise ListenError(f"{metrics[0]}:{metrics[1]} (metrics_listen)", reason) from None
        if self.tls is not None and cfg.tls_reload_interval > 0:
            self._spawn(self._watch_certificate())
        self._spawn(self._sweep())

    @property
    def url(self) -> str:
        """Where clients connect: "ws://127.0.0.1:54321" (wss:// with TLS), with the real port."""
        if self._server is None:
            raise RelayError("the relay has not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        if ":" in host:
            host = f"[{host}]"
        scheme = "wss" if self.config.certfile else "ws"
        return f"{scheme}://{host}:{port}{self.config.path or ''}"

    @property
    def metrics_url(self) -> str | None:
        if self._metrics is None:
            return None
        host, port = self._metrics.address
        return f"http://{host}:{port}/metrics"

    def healthy(self) -> bool:
        return self.bus is None or self.bus.up

    def metrics(self) -> dict[str, object]:
        values = self.counters.as_dict()
        values["refused"] = dict(self.gate.refused)
        values["bus_up"] = 1 if self.healthy() else 0
        if self.tls is not None:
            values["tls_reloads"] = self.tls.reloads
            values["tls_reload_failures"] = self.tls.failures
        return values

    def reload(self) -> None:
        """SIGHUP: read the certificate and the token file again (a bad file keeps the old)."""
        if self.tls is not None:
            self.tls.reload()
        self.gate.reload_tokens()

    async def close(self) -> None:
        """Stop listening, close every connection (1001 going away) and wait for handlers."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        try:
            # Every client has its 1001 close frame queued by now; waiting for the echoes is a
            # courtesy, and a listener that stopped reading must not hold the shutdown.
            await asyncio.wait_for(asyncio.shield(server.wait_closed()), SHUTDOWN_GRACE)
        except TimeoutError:
            for ws in list(self._live):
                ws.transport.abort()
            await server.wait_closed()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self.bus is not None:
            await self.bus.close()
        if self._metrics is not None:
            await self._metrics.close()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        """Every SWEEP_INTERVAL: close members stalled past `stall_timeout`, and keep queued
        output under `output_memory` (relay.guard.sweep)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            stalled, shed = sweep(self._live, loop.time(), self.config.stall_timeout,
                                  self.config.output_memory)
            for ws in stalled:
                peer = self._peers.get(ws)
                if peer is not None:
                    self._apply(self.router.close(peer, CloseCode.TOO_SLOW, "stalled"))
                    if ws.protocol.state is _OPEN:  # not routed yet: close it anyway
                        self._close(Close(peer, CloseCode.TOO_SLOW, "stalled"))
            if shed:
                self.shed += shed
                self.counters.drop("output_shed", shed)

    async def _watch_certificate(self) -> None:
        assert self.tls is not None
        while True:
            await asyncio.sleep(self.config.tls_reload_interval)
            self.tls.reload_if_changed()

    # HTTP: a plain page for browsers and scanners, /healthz for monitors; every refusal that
    # can be decided from the request alone is decided here, before the upgrade.

    # One task per connection: read, route, write.

    async def _handle(self, ws: ServerConnection) -> None:
        router = self.router
        loop = asyncio.get_running_loop()
        shared = router if isinstance(router, SharedRouter) else None
        address, authorized = self.gate.verdict(ws)
        self._live.add(ws)
        peer = _Peer(ws, address)
        self._peers[ws] = peer
        if isinstance(ws, RelayConnection):
            ws.upgraded()
        if address is not None:
            self.gate.by_address.opened(address)
        deadline = loop.call_later(self.config.join_timeout, self._join_deadline, peer)
        try:
            refused = router.connect(peer, address)
            if refused:  # the relay is full: a stealthy relay waits to see who asks
                await self._refuse_after_join(peer, refused)
                return
            self._budget(peer, ws)
            if not authorized:
                await self._unauthorized(peer)
                return
            async for message in ws:
                if isinstance(message, str):
                    outputs = router.close(peer, CloseCode.BAD_MESSAGE, "text messages are refused")
                else:
                    if not peer.sent_join and is_join(message):
                        peer.sent_join = True
                    outputs = router.receive(peer, message, loop.time())
                if outputs:
                    self._apply(outputs)
                if shared is not None and shared.is_joining(peer):
                    await self._wait_admitted(peer)
        except ConnectionClosed:
            pass
        except Exception as exc:
            # A bug must cost one connection, never the relay, and one log line per interval
            # however often a client can trigger it. No address in this record.
            self.log.once(f"handler:{type(exc).__name__}", "connection handler failed: %s",
                          type(exc).__name__, exc_info=True)
            ws.transport.abort()
        finally:
            deadline.cancel()
            self._live.discard(ws)
            self._peers.pop(ws, None)
            if address is not None:
                self.gate.by_address.closed(address)
            self._apply(router.disconnect(peer))
            timer = self._timers.pop(peer, None)
            if timer is not None:
                timer.cancel()
            if self.config.log_ips:
                logger.info("connection from %s closed (%s)", _remote(ws, address), ws.close_code)
            else:
                logger.debug("connection closed (%s)", ws.close_code)

    def _budget(self, peer: _Peer, ws: ServerConnection) -> None:
        """Charge control and continuation frames to the peer's message budget, and close it
        with TOO_SLOW when its queued output passes the bound (relay.guard)."""
        if not isinstance(ws, RelayConnection):
            return
        router, loop = self.router, asyncio.get_running_loop()

        def overflow() -> None:
            if ws.protocol.state is not _OPEN:
                if ws.transport.get_write_buffer_size() > 2 * self._control_limit:
                    ws.transport.abort()  # still flooding after its close: no more grace
                return
            self._apply(router.close(peer, CloseCode.TOO_SLOW, "too slow"))
            if ws.protocol.state is _OPEN:
                self._close(Close(peer, CloseCode.TOO_SLOW, "too slow"))

        ws.on_frame = lambda: self._apply(router.charge(peer, loop.time()))
        ws.on_overflow = overflow
        if ws.early_frames:
            self._apply(router.charge(peer, loop.time(), ws.early_frames))

    def _join_deadline(self, peer: _Peer) -> None:
        """An upgraded connection that has not joined in time holds a slot for nothing."""
        router = self.router
        if router.slot_of(peer) is not None or peer.admitted is not None:
            return
        if router.is_connected(peer):
            self._apply(router.close(peer, CloseCode.JOIN_FIRST, "no Join in time"))
        elif peer.ws.protocol.state is _OPEN:  # refused already, still waiting (stealth)
            self._close(Close(peer, CloseCode.UNAUTHORIZED, "an access token is needed"))

    async def _unauthorized(self, peer: _Peer) -> None:
        """No valid token."""
        await self._refuse_after_join(peer, self.router.close(
            peer, CloseCode.UNAUTHORIZED, "an access token is needed"))

    async def _refuse_after_join(self, peer: _Peer, refusal: list[Output[_Peer]]) -> None:
        """A stealthy relay explains a refusal only to a client that sent a valid Join (so it
        knows the protocol and a routing id; today's clients always send it first); anyone
        else sees a plain websocket close."""
        if self.config.stealth:
            with contextlib.suppress(TimeoutError, ConnectionClosed):
                async with asyncio.timeout(self.config.join_timeout):
                    first = await peer.ws.recv()
                    peer.sent_join = isinstance(first, bytes) and is_join(first)
        else:
            peer.sent_join = True
        self._apply(refusal)
        with contextlib.suppress(ConnectionClosed):
            await peer.ws.wait_closed()

    async def _wait_admitted(self, peer: _Peer) -> None:
        """Shared rooms: read nothing more until the bus has given this connection its slot."""
        peer.admitted = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(max(10.0, self.config.bus_timeout * 2)):
                await peer.admitted
        except TimeoutError:
            assert isinstance(self.router, SharedRouter)
            self._apply(self.router.join_failed(peer, RETRY, "the relay is busy"))
        finally:
            peer.admitted = None

    def _apply(self, outputs: list[Output[_Peer]]) -> None:
        # Iterating a list that grows is deliberate: closing a too-slow listener appends its
        # Close and the PeerLeft for the others, which run after the current fan-out ends.
        for output in outputs:
            if isinstance(output, Send):
                slow = self._fanout(output)
                for peer in slow:
                    outputs.extend(
                        self.router.close(peer, CloseCode.TOO_SLOW, "too slow to receive control")
                    )
            elif isinstance(output, Close):
                self._close(output)
            else:
                self._bus_output(output)

    def _bus_output(self, output: object) -> None:
        bus = self.bus
        assert bus is not None and isinstance(self.router, SharedRouter)
        if isinstance(output, Publish):
            bus.publish(output.room_id, output.data)
        elif isinstance(output, Admitted):
            future = output.conn.admitted  # type: ignore[attr-defined]
            if future is not None and not future.done():
                future.set_result(None)
        elif isinstance(output, BusJoin):
            assert isinstance(output.conn, _Peer)
            self._spawn(self._bus_join(output.conn, output))
        elif isinstance(output, Subscribe):
            self._spawn(self._subscribe(output.room_id))
        elif isinstance(output, Unsubscribe):
            bus.unsubscribe(output.room_id)
        elif isinstance(output, BusLeave):
            bus.leave(output.room_id, output.slot)

    async def _subscribe(self, room_id: bytes) -> None:
        assert self.bus is not None and isinstance(self.router, SharedRouter)
        try:
            await self.bus.subscribe(room_id)
        except BusUnavailable:
            return  # bus_lost() closes everyone waiting
        self._apply(self.router.subscribed(room_id))

    async def _bus_join(self, peer: _Peer, join: BusJoin) -> None:
        assert self.bus is not None and isinstance(self.router, SharedRouter)
        router = self.router
        try:
            answer = await self.bus.join(join.room_id, join.token, self.config.max_room_size,
                                         join.snapshot)
        except JoinRefused as exc:
            self._apply(router.join_failed(peer, exc.code, exc.reason))
        except BusUnavailable:
            self._apply(router.join_failed(peer, RETRY, "the relay is restarting"))
        else:
            self._apply(router.join_answered(peer, join.room_id, answer.slot, answer.seq,
                                             answer.snapshot))
        if peer.admitted is not None and not peer.admitted.done() and \
                not router.is_connected(peer):
            peer.admitted.set_result(None)

    def _bus_message(self, room_id: bytes, data: bytes) -> None:
        assert isinstance(self.router, SharedRouter)
        outputs = self.router.bus_message(room_id, data)
        if outputs:
            self._apply(outputs)

    def _bus_state(self, up: bool) -> None:
        assert self.bus is not None and isinstance(self.router, SharedRouter)
        if up:
            self.router.set_node(self.bus.node)
        else:
            self._apply(self.router.bus_lost())

    def _fanout(self, send: Send[_Peer]) -> list[_Peer]:
        """Write one frame to many sockets without awaiting; return listeners to close."""
        frame = _frame(send.data)
        exclude = send.exclude
        written = 0
        slow: list[_Peer] = []
        # A peer is skipped once its closing handshake started (a data frame may not follow a
        # close frame) or its transport is closing (lost, but websockets has not been told).
        if send.droppable:
            limit, age = self._media_limit, self._media_age
            dropped = 0
            now = 0.0
            for peer in send.targets:
                if peer is exclude or peer.protocol.state is not _OPEN or peer.closing():
                    continue
                size = peer.buffered()
                if size:
                    # Queued output that has not drained for longer than playout can wait:
                    # this frame would only arrive too late, behind the rest.
                    now = now or time.monotonic()
                    since = peer.backlog_since
                    if since is None:
                        peer.backlog_since = since = now
                    if size > limit or now - since > age:
                        dropped += 1
                        continue
                elif peer.backlog_since is not None:
                    peer.backlog_since = None
                peer.write(frame)
                written += 1
            if dropped:
                self.counters.drop("media_slow", dropped)
        else:
            limit = self._control_limit
            for peer in send.targets:
                if peer is exclude or peer.protocol.state is not _OPEN or peer.closing():
                    continue
                if peer.buffered() > limit:
                    slow.append(peer)
                    continue
                peer.write(frame)
                written += 1
        self.counters.frames_out += written
        self.counters.bytes_out += written * len(send.data)
        return slow

    def _close(self, close: Close[_Peer]) -> None:
        """Say why (an Error message), close with the same code, and abort if the peer stalls.

        A stealthy relay says nothing to a connection that never sent a valid Join: a plain
        close 1008 with no reason, as any websocket server might send to a confused client."""
        peer = close.conn
        ws = peer.ws
        if peer.admitted is not None and not peer.admitted.done():
            peer.admitted.set_result(None)
        if ws.protocol.state is not _OPEN:
            return
        try:
            if self.config.stealth and not peer.sent_join:
                ws.protocol.send_close(1008)
            else:
                ws.protocol.send_binary(encode(Error(close.code, close.reason)))
                ws.protocol.send_close(close.code, close.reason)
            ws.send_data()
            if close.code in _ABUSE:
                # A flooder keeps sending after its close: reading and parsing what it sends
                # until the close times out cost every room latency. Read no more of it.
                ws.transport.pause_reading()
        except Exception:
            logger.exception("closing a connection failed")
            ws.transport.abort()
            return
        loop = asyncio.get_running_loop()
        self._timers[peer] = loop.call_later(self.config.close_timeout, ws.transport.abort)


def _remote(ws: ServerConnection, address: str | None) -> str:
    if address is not None:
        return address
    return str(ws.remote_address[0]) if ws.remote_address else "?"
