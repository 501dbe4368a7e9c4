"""The websockets adapter: moves bytes between sockets and the sans-I/O Router, nothing more.

Fan-out is synchronous, in the manner of `websockets.broadcast`: each outgoing message is framed
once (server frames are unmasked, so the bytes are the same for every listener) and written to
each target's transport without awaiting. No listener can delay another, because nothing waits
on any one socket. The price of never waiting is a rule for listeners that do not keep up:

* media to a connection whose write buffer already holds more than `media_buffer_limit` bytes is
  dropped and counted (a late audio frame is worthless; the jitter buffer conceals it);
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
import email.utils
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State

from relay.errors import ConfigError, RelayError
from relay.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ROOM_SIZE,
    DEFAULT_MAX_ROOMS,
    DEFAULT_RATE,
    Limits,
)
from relay.rooms import Close, Output, Router, Send
from relay.wire import MAX_PAYLOAD, CloseCode, Error, encode

__all__ = ["NEUTRAL_PAGE", "RelayConfig", "RelayServer", "quiet_exception_handler"]

logger = logging.getLogger("relay")
SHUTDOWN_GRACE = 1.0  # seconds
_OPEN = State.OPEN


class _NoDebug(logging.Filter):
    """Websockets logs request headers and frame contents at DEBUG; those can carry addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


# Two loggers for websockets, chosen per server: the default one drops DEBUG records. A child
# logger does not inherit its parent's filters, so "relay.websockets.ips" logs everything.
_WS_LOGGER = logging.getLogger("relay.websockets")
_WS_LOGGER.addFilter(_NoDebug())
_WS_LOGGER_IPS = logging.getLogger("relay.websockets.ips")

# An ordinary, quiet page for anyone who opens the relay in a browser or scans it: nothing in it
# (or in the headers: no Server header is sent) names the software.
NEUTRAL_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Welcome</title>
<style>body{font-family:Georgia,serif;max-width:36em;margin:4em auto;color:#333}</style>
</head>
<body>
<h1>Welcome</h1>
<p>This site is being rebuilt. Please check back later.</p>
</body>
</html>
"""


@dataclass
class RelayConfig:
    """Everything one relay process needs; the CLI maps its options onto these fields."""

    host: str = "127.0.0.1"
    port: int = 0
    certfile: str | None = None
    keyfile: str | None = None
    max_message: int = MAX_PAYLOAD + 64
    max_rooms: int = DEFAULT_MAX_ROOMS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_room_size: int = DEFAULT_MAX_ROOM_SIZE
    rate_messages: float = DEFAULT_RATE
    media_buffer_limit: int = 256 * 1024
    control_buffer_limit: int = 8 * 1024 * 1024
    log_ips: bool = False
    # Beyond the interface: how long a closing handshake may take before the socket is aborted,
    # and the keepalive ping period (None disables keepalive).
    close_timeout: float = 5.0
    ping_interval: float | None = 20.0

    def limits(self) -> Limits:
        """The router's limits; raises ConfigError naming the first bad value."""
        return Limits(
            max_rooms=self.max_rooms,
            max_connections=self.max_connections,
            max_room_size=self.max_room_size,
            rate_messages=self.rate_messages,
        )

    def check(self) -> None:
        """Validate every field at once, so a bad option fails before anything listens."""
        self.limits()
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in 0..65535, not {self.port}")
        if self.max_message < 16:
            raise ConfigError(f"max_message must be at least 16 bytes, not {self.max_message}")
        for name in ("media_buffer_limit", "control_buffer_limit"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        if self.keyfile is not None and self.certfile is None:
            raise ConfigError("a key file needs a certificate file (--cert)")
        if not self.close_timeout > 0:
            raise ConfigError("close_timeout must be positive")


def _response(body: bytes, content_type: str) -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(200, "OK", headers, body)


class _Peer:
    """The router's handle for one connection, holding the transport's bound methods so the
    fan-out loop does one attribute lookup per call instead of three (it runs per listener per
    frame: at 1000 listeners, 50,000 times a second for one speaker)."""

    __slots__ = ("buffered", "closing", "protocol", "write", "ws")

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.protocol = ws.protocol
        self.write = ws.transport.write
        self.buffered = ws.transport.get_write_buffer_size
        self.closing = ws.transport.is_closing


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
        self.router: Router[_Peer] = Router(config.limits())
        self.counters = self.router.counters
        self._server: Server | None = None
        self._timers: dict[_Peer, asyncio.TimerHandle] = {}
        self._live: set[ServerConnection] = set()
        self._media_limit = config.media_buffer_limit
        self._control_limit = config.control_buffer_limit

    async def start(self) -> None:
        """Bind and start serving. Raises OSError (for example address in use) or ConfigError."""
        cfg = self.config
        self._server = await serve(
            self._handle,
            cfg.host,
            cfg.port,
            compression=None,  # compressing ciphertext gains nothing and leaks lengths
            max_size=cfg.max_message,
            process_request=self._http,
            server_header=None,
            logger=_WS_LOGGER_IPS if cfg.log_ips else _WS_LOGGER,
            ping_interval=cfg.ping_interval,
            ping_timeout=cfg.ping_interval,
            close_timeout=cfg.close_timeout,
            ssl=self._ssl_context(),
        )

    @property
    def url(self) -> str:
        """Where clients connect: "ws://127.0.0.1:54321" (wss:// with TLS), with the real port."""
        if self._server is None:
            raise RelayError("the relay has not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        if ":" in host:
            host = f"[{host}]"
        scheme = "wss" if self.config.certfile else "ws"
        return f"{scheme}://{host}:{port}"

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

    def _ssl_context(self) -> ssl.SSLContext | None:
        cfg = self.config
        if cfg.certfile is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(cfg.certfile, cfg.keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load certificate {cfg.certfile}: {exc}") from None
        return context

    # HTTP: a plain page for browsers and scanners, /healthz for monitors.

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if "websocket" in request.headers.get("Upgrade", "").lower():
            return None
        if request.path.split("?", 1)[0] == "/healthz":
            return _response(b"ok\n", "text/plain; charset=utf-8")
        return _response(NEUTRAL_PAGE, "text/html; charset=utf-8")

    # One task per connection: read, route, write.

    async def _handle(self, ws: ServerConnection) -> None:
        router = self.router
        loop = asyncio.get_running_loop()
        if self.config.log_ips:
            logger.info("connection opened from %s", ws.remote_address)
        else:
            logger.debug("connection opened")
        self._live.add(ws)
        peer = _Peer(ws)
        try:
            self._apply(router.connect(peer))
            async for message in ws:
                if isinstance(message, str):
                    outputs = router.close(peer, CloseCode.BAD_MESSAGE, "text messages are refused")
                else:
                    outputs = router.receive(peer, message, loop.time())
                if outputs:
                    self._apply(outputs)
        except ConnectionClosed:
            pass
        except Exception:
            # A bug must cost one connection, never the relay. No address in this record.
            logger.exception("connection handler failed")
            ws.transport.abort()
        finally:
            self._live.discard(ws)
            self._apply(router.disconnect(peer))
            timer = self._timers.pop(peer, None)
            if timer is not None:
                timer.cancel()
            code = ws.close_code
            if self.config.log_ips:
                logger.info("connection from %s closed (%s)", ws.remote_address, code)
            else:
                logger.debug("connection closed (%s)", code)

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
            else:
                self._close(output)

    def _fanout(self, send: Send[_Peer]) -> list[_Peer]:
        """Write one frame to many sockets without awaiting; return listeners to close."""
        frame = _frame(send.data)
        exclude = send.exclude
        written = 0
        slow: list[_Peer] = []
        # A peer is skipped once its closing handshake started (a data frame may not follow a
        # close frame) or its transport is closing (lost, but websockets has not been told).
        if send.droppable:
            limit = self._media_limit
            dropped = 0
            for peer in send.targets:
                if peer is exclude or peer.protocol.state is not _OPEN or peer.closing():
                    continue
                if peer.buffered() > limit:
                    dropped += 1
                    continue
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
        """Say why (an Error message), close with the same code, and abort if the peer stalls."""
        peer = close.conn
        ws = peer.ws
        if ws.protocol.state is not _OPEN:
            return
        try:
            ws.protocol.send_binary(encode(Error(close.code, close.reason)))
            ws.protocol.send_close(close.code, close.reason)
            ws.send_data()
        except Exception:
            logger.exception("closing a connection failed")
            ws.transport.abort()
            return
        loop = asyncio.get_running_loop()
        self._timers[peer] = loop.call_later(self.config.close_timeout, ws.transport.abort)


def quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Asyncio's default handler prints transports and peer names; keep only the message."""
    safe = {k: v for k, v in context.items() if k in ("message", "exception")}
    loop.default_exception_handler(safe)
