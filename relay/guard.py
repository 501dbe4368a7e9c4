"""Every frame counts and every byte queued for a peer has a bound: the connection class.

websockets answers a ping with a pong inside `data_received`, before any handler sees the
frame, and queues the pong however full the write buffer already is. A client that sends pings
and never reads would so grow the relay's memory without bound, and since websockets' own
keepalive `ping()` waits for that buffer to drain, it can never close such a client. This
class closes those holes at the one place every frame passes:

* every ping, pong, close and continuation frame is reported (`on_frame`) so the router charges
  it to the same budget as messages (data frames are charged as messages when they complete);
* after each read, a write buffer above `output_limit` (pongs, close frames, anything) is
  reported (`on_overflow`), and the server closes the connection with TOO_SLOW;
* the time its write buffer went above the high-water mark is kept (`paused_since`), so the
  server can close a member that stopped reading within a bounded time whatever it is sent;
* connections still in their TLS or HTTP handshake are counted (`Pending`), and past a cap a new
  one is refused before its TLS state is even allocated.

Nothing here decides policy beyond those bounds: the server and the router do.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from relay.front import Front
from relay.http1 import Refusal, RequestReader
from relay.keepalive import JitteredPings
from relay.site import refusal

__all__ = ["SEND_BUFFER", "Peer", "Pending", "RelayConnection", "TooManyHandshakes", "sweep"]

# The kernel's send buffer per connection. Left to autotuning, Linux lets it grow to 4 MiB, where
# a listener that stopped reading hides minutes of audio from every bound the relay applies (and
# holds kernel memory the relay's own ceiling cannot see). 128 KiB (Linux doubles it) carries
# voice over any link a listener has; a bulk transfer this relay is not.
SEND_BUFFER = 128 * 1024

# A voice stream is thin (a packet or two in flight): Linux keeps its retransmission timeout
# linear instead of doubling when asked, which shortens the worst stalls after a lost
# retransmission. And the kernel holds at most 2 KiB the network has not taken yet (125 ms at
# 128 kbit/s; a listener that keeps up has nothing unsent at all), so a listener's backlog stays
# in the transport's buffer, where the media fan-out sees how long it has been waiting and drops
# what would arrive too late (docs/AUDIO.md, "Voice over TCP").
NOTSENT_LOWAT = 2048
VOICE_OPTIONS = ((getattr(socket, "TCP_THIN_LINEAR_TIMEOUTS", 16), 1),
                 (getattr(socket, "TCP_NOTSENT_LOWAT", 25), NOTSENT_LOWAT))

_COUNTED = frozenset((Opcode.PING, Opcode.PONG, Opcode.CLOSE, Opcode.CONT))


class TooManyHandshakes(Exception):
    """Raised by the connection factory past `Pending.limit`: asyncio then drops the socket
    without creating a transport (no TLS state, no buffers) and logs nothing."""


class Pending:
    """Connections accepted but not yet handed to the relay's handler (TLS or HTTP handshake).

    A connection whose TLS handshake fails is never reported to its protocol by asyncio, so
    entries still waiting for TLS are forgotten once the handshake deadline has passed.

    At the cap, the oldest connection still reading its HTTP request (a visitor, or a slow
    attacker) is dropped to make room, as nginx reuses idle keep-alive connections when it runs
    out: otherwise a few addresses holding idle connections would keep every new client out.
    Only when every slot is a TLS handshake in progress (which asyncio gives us no handle to
    close) is the new connection refused; the handshake deadline frees those slots.
    """

    def __init__(self, limit: int, tls_deadline: float) -> None:
        self.limit = limit
        self.tls_deadline = tls_deadline
        self._tls: dict[RelayConnection, float] = {}  # in creation order
        self._http: dict[RelayConnection, None] = {}  # in order of their TCP/TLS start
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._tls) + len(self._http)

    def created(self, conn: RelayConnection) -> None:
        now = time.monotonic()
        tls = self._tls
        while tls:
            first = next(iter(tls))
            if now - tls[first] <= self.tls_deadline + 1.0:
                break
            del tls[first]
        if self.limit and len(self) >= self.limit:
            if not self._http:
                raise TooManyHandshakes
            oldest = next(iter(self._http))
            del self._http[oldest]
            oldest.transport.abort()
            self.evicted += 1
        tls[conn] = now

    def made(self, conn: RelayConnection) -> None:
        self._tls.pop(conn, None)
        self._http[conn] = None

    def done(self, conn: RelayConnection) -> None:
        self._tls.pop(conn, None)
        self._http.pop(conn, None)


class RelayConnection(JitteredPings, ServerConnection):
    """A websockets server connection that reports every frame and bounds its output."""

    pending: Pending | None = None
    front: Front | None = None
    output_limit = 1 << 20

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # websockets' own failures (a frame too large, bad UTF-8...) carry its wording and our
        # limits in the close reason: send the code alone.
        fail = self.protocol.fail
        self.protocol.fail = lambda code, reason="": fail(code)  # type: ignore[method-assign]
        self._reader: RequestReader | None = None
        self._front_done = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_header = False
        self._address_key: str | None = None
        self._refused = False
        self.on_frame: Callable[[], None] | None = None
        self.on_overflow: Callable[[], None] | None = None
        self.early_frames = 0  # frames that came before the handler set on_frame
        self.paused_since: float | None = None
        if self.pending is not None:
            self.pending.created(self)

    def connection_made(self, transport: Any) -> None:
        front = self.front
        if front is not None:
            # Refused before websockets starts anything (its handler task, its queues): a
            # flood of connections from one address must cost as little as possible each.
            peer = transport.get_extra_info("peername")
            key = front.key(str(peer[0])) if peer else None
            if key is not None:
                if not front.accept(key):
                    self._refused = True
                    if self.pending is not None:
                        self.pending.done(self)
                    transport.abort()
                    return
                self._address_key = key
        if self.pending is not None:
            self.pending.made(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            for option, value in VOICE_OPTIONS:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, option, value)
        super().connection_made(transport)
        if front is not None:
            self._reader = RequestReader()
            self._arm(front.header_timeout, True)

    def upgraded(self) -> None:
        """The handler took the connection: it now counts as a websocket, not a visitor."""
        if self.pending is not None:
            self.pending.done(self)
        self._release()

    def _release(self) -> None:
        if self._address_key is not None and self.front is not None:
            self.front.release(self._address_key)
            self._address_key = None

    def _arm(self, delay: float, header: bool) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_header = header
        self._timer = self.loop.call_later(delay, self._idle)

    def _idle(self) -> None:
        self._timer = None
        self._front_done = True
        self._reader = None
        self.transport.close()

    def _serve(self, data: bytes) -> None:
        """Answer website requests until the websocket upgrade (relay.front)."""
        reader, front = self._reader, self.front
        assert reader is not None and front is not None
        reader.feed(data)
        while (item := reader.next()) is not None:
            now = time.time()
            if isinstance(item, Refusal):
                self.transport.write(refusal(item, now))
                self._idle()
                return
            if front.is_upgrade(item):
                self._reader = None
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
                super().data_received(item.raw + reader.rest())
                return
            local = self.transport.get_extra_info("sockname")
            tls = self.transport.get_extra_info("sslcontext") is not None
            answer, close = front.answer(item, now, local[1] if local else 80, tls)
            self.transport.write(answer)
            if close:
                self._idle()
                return
        if not reader.partial:
            self._arm(front.keepalive_timeout, False)
        elif not self._timer_header:  # a new request began: nginx's header timer starts now
            self._arm(front.header_timeout, True)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return  # websockets never knew of it
        if self.pending is not None:
            self.pending.done(self)
        self._release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def process_event(self, event: Any) -> None:
        if self.request is not None and isinstance(event, Frame) and event.opcode in _COUNTED:
            if self.on_frame is not None:
                self.on_frame()
            else:
                self.early_frames += 1
        super().process_event(event)

    def data_received(self, data: bytes) -> None:
        if self._front_done:
            return  # answered and closing: nothing more is read
        if self._reader is not None:
            self._serve(data)
        else:
            super().data_received(data)
        if self.transport.get_write_buffer_size() > self.output_limit:
            if self.on_overflow is not None:
                self.on_overflow()
            else:
                self.transport.abort()

    def pause_writing(self) -> None:
        super().pause_writing()
        self.paused_since = self.loop.time()

    def resume_writing(self) -> None:
        super().resume_writing()
        self.paused_since = None


def sweep(live: Iterable[ServerConnection], now: float, stall_timeout: float,
          ceiling: int) -> tuple[list[ServerConnection], int]:
    """One look at every connection's queued output: (open connections whose write buffer has
    stayed above its high-water mark for more than `stall_timeout`, for the server to close;
    how many connections were dropped to bring the total under `ceiling`).

    Past the ceiling the connections holding the most go first, until the total is back under
    three quarters of it: one attacker's stalled sockets hold the most, not everyone's."""
    total = 0
    held: list[tuple[int, ServerConnection]] = []
    stalled: list[ServerConnection] = []
    for ws in live:
        size = ws.transport.get_write_buffer_size()
        if not size:
            continue
        total += size
        held.append((size, ws))
        since = getattr(ws, "paused_since", None)
        if since is not None and now - since > stall_timeout and ws.protocol.state is State.OPEN:
            stalled.append(ws)
    shed = 0
    if ceiling and total > ceiling:
        held.sort(key=lambda item: item[0], reverse=True)
        for size, ws in held:
            if total <= ceiling * 3 // 4:
                break
            ws.transport.abort()
            total -= size
            shed += 1
    return stalled, shed


class Peer:
    """The router's handle for one connection, holding the transport's bound methods so the
    fan-out loop does one attribute lookup per call instead of three (it runs per listener per
    frame: at 1000 listeners, 50,000 times a second for one speaker)."""

    __slots__ = ("address", "admitted", "backlog_since", "buffered", "closing", "protocol",
                 "sent_join", "write", "ws")

    def __init__(self, ws: ServerConnection, address: str | None) -> None:
        self.ws = ws
        self.protocol = ws.protocol
        self.write = ws.transport.write
        self.buffered = ws.transport.get_write_buffer_size
        self.closing = ws.transport.is_closing
        self.address = address  # only when per-address limits apply to it
        self.admitted: asyncio.Future[None] | None = None  # shared rooms: join in progress
        self.sent_join = False
        # Since when this connection's queued output has not drained (None: it has): the age
        # of the oldest byte waiting is at most now minus this (server.py, media fan-out).
        self.backlog_since: float | None = None
