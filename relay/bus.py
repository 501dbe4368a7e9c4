"""Scale-out: relay processes share rooms through Redis (pub/sub plus a few atomic scripts).

Why Redis and not NATS: both fan a published message out to every subscribed process, but a
shared room also needs one serialization point for its membership. Slots must be unique across
every relay of the room and never reused while it lives, and a joiner's `Joined` must list the
whole room. In Redis a Lua script allocates the slot, records the member, takes the next event
number and publishes the membership event, atomically, so the event's place on the channel is
its place in the room's history (relay/shared.py). NATS core has no such state; its KV store
(JetStream) writes to disk by default and would add a second mechanism. Redis is also what most
operators already run, and in-memory with persistence turned off it writes nothing to disk.

What lives in Redis (PREFIX defaults to "majlis"; ROOM is the routing id in hex, NODE a relay's
random id for one bus session):

    PREFIX:r:ROOM   hash  s = last slot handed out, q = last membership event of the room
    PREFIX:m:ROOM   hash  slot -> NODE holding it
    PREFIX:o:NODE   set   "ROOM:slot" held by NODE (for cleaning up after a dead relay)
    PREFIX:nodes    zset  NODE -> last heartbeat (Redis' own clock, ms)
    PREFIX:seq      counter of membership events, shared by every room
    PREFIX:c:ROOM   channel of the room (bus messages: relay/shared.py)

A room's keys go when its last member leaves. Every relay heartbeats each `heartbeat` seconds
and sweeps relays silent for `timeout` seconds: their members are removed with ordinary leave
events, so the others hear PeerLeft. A relay that finds itself swept, or loses its connection,
closes its members of shared rooms (close code 1012, "connect again") and rejoins the bus under a
new id: it never guesses at messages it may have missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from relay.bus_scripts import SCRIPTS, SHA
from relay.errors import ConfigError, RelayError
from relay.resp import BusProtocolError, RedisReplyError, Reply, RespParser, encode_command
from relay.wire import CloseCode

__all__ = ["BusConfig", "BusUnavailable", "JoinAnswer", "JoinRefused", "RedisBus"]

logger = logging.getLogger("relay.bus")



class BusUnavailable(RelayError):
    """The bus is not connected (or broke while a command waited)."""


class JoinRefused(RelayError):
    """The bus refused a join; `code` is the close code for the client."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JoinAnswer:
    slot: int
    seq: int
    snapshot: tuple[int, ...] | None


@dataclass(frozen=True)
class BusConfig:
    """Where the bus is and how quickly a silent relay is presumed dead."""

    url: str  # redis://[:password@]host[:port][/db]
    prefix: str = "majlis"
    heartbeat: float = 1.0
    timeout: float = 5.0

    def check(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme != "redis" or not parts.hostname:
            raise ConfigError(f"redis: {self.url!r} is not a redis://HOST[:PORT][/DB] URL")
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ConfigError(f"redis: {self.url!r} has an invalid port") from None
        if not self.prefix or any(c in self.prefix for c in " \r\n"):
            raise ConfigError("bus_prefix must be a non-empty word")
        if not 0 < self.heartbeat < self.timeout:
            raise ConfigError("bus_heartbeat must be positive and below bus_timeout")


class _Connection:
    """One TCP connection to Redis: commands written in order, replies matched in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 on_push: Callable[[Reply], None] | None) -> None:
        self.reader, self.writer = reader, writer
        self.parser = RespParser()
        self.waiting: deque[asyncio.Future[Reply] | None] = deque()
        self.on_push = on_push  # subscriber connection: every reply is a push
        self.closed = False

    def send(self, *args: bytes | str | int, want: bool = True) -> asyncio.Future[Reply] | None:
        if self.closed:
            raise BusUnavailable("the bus connection is closed")
        future = asyncio.get_running_loop().create_future() if want else None
        if self.on_push is None:
            self.waiting.append(future)
        self.writer.write(encode_command(*args))
        return future

    async def run(self) -> None:
        """Read until the connection breaks; then fail everything still waiting."""
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    raise BusProtocolError("the bus closed the connection")
                self.parser.feed(data)
                for reply in self.parser.replies():
                    if self.on_push is not None:
                        self.on_push(reply)
                        continue
                    if not self.waiting:
                        raise BusProtocolError("a reply nobody asked for")
                    future = self.waiting.popleft()
                    if future is None:
                        if isinstance(reply, RedisReplyError):
                            logger.warning("bus command failed: %s", reply)
                    elif not future.done():
                        future.set_result(reply)
        finally:
            self.close()

    def close(self) -> None:
        self.closed = True
        self.writer.close()
        while self.waiting:
            future = self.waiting.popleft()
            if future is not None and not future.done():
                future.set_exception(BusUnavailable("the bus connection broke"))


async def _open(url: str, on_push: Callable[[Reply], None] | None) -> _Connection:
    """Connect, authenticate, select the database and load the scripts, before any traffic."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 6379)
    commands: list[tuple[str, ...]] = []
    if parts.password is not None:
        user = (unquote(parts.username),) if parts.username else ()
        commands.append(("AUTH", *user, unquote(parts.password)))
    if parts.path.strip("/"):
        commands.append(("SELECT", parts.path.strip("/")))
    commands.extend(("SCRIPT", "LOAD", src) for src in SCRIPTS.values())
    writer.write(b"".join(encode_command(*c) for c in commands))
    parser = RespParser()
    replies: list[Reply] = []
    try:
        async with asyncio.timeout(5.0):
            while len(replies) < len(commands):
                data = await reader.read(65536)
                if not data:
                    raise BusUnavailable("the bus closed the connection")
                parser.feed(data)
                replies.extend(parser.replies())
    except BaseException:
        writer.close()
        raise
    for reply in replies:
        if isinstance(reply, RedisReplyError):
            writer.close()
            raise BusUnavailable(f"the bus refused us: {reply}")
    return _Connection(reader, writer, on_push)


OnMessage = Callable[[bytes, bytes], None]  # (room id, bus message)
OnState = Callable[[bool], None]  # True: connected under a new node id; False: lost


class RedisBus:
    """The relay's link to Redis: one pipelined command connection and one subscriber.

    Commands that need no answer (publish, leave) are written at once and in order; `join` and
    `subscribe` wait for their answer. `on_message(room_id, data)` runs for every message of a
    subscribed room; `on_state(up)` runs when the bus comes up (with a fresh `node`) or is lost.
    """

    def __init__(self, config: BusConfig, on_message: OnMessage, on_state: OnState) -> None:
        config.check()
        self.config = config
        self.node = b""
        self.up = False
        self._on_message, self._on_state = on_message, on_state
        self._prefix = config.prefix
        self._channel_prefix = f"{config.prefix}:c:".encode()
        self._cmd: _Connection | None = None
        self._sub: _Connection | None = None
        self._confirm: dict[bytes, deque[asyncio.Future[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._main: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Connect in the background; wait up to `timeout` seconds for the first connection
        (a relay whose bus is down still starts, answers 503 and keeps trying)."""
        ready = asyncio.get_running_loop().create_future()
        self._main = asyncio.create_task(self._keep_connected(ready))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(ready), self.config.timeout)

    async def close(self) -> None:
        """Leave the bus politely: our members are removed (the others hear PeerLeft)."""
        self._stopping = True
        if self.up and self._cmd is not None:
            with contextlib.suppress(RelayError, OSError, TimeoutError):
                async with asyncio.timeout(self.config.timeout):
                    await self._call("EVALSHA", SHA["retire"], 0, self._prefix, self.node)
        if self._main is not None:
            self._main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._main
        self._drop()

    # Room traffic.

    def channel(self, room_id: bytes) -> bytes:
        return self._channel_prefix + room_id.hex().encode()

    async def subscribe(self, room_id: bytes) -> None:
        """Listen to a room; returns once Redis confirmed, so no later event can be missed."""
        sub = self._need(self._sub)
        channel = self.channel(room_id)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirm.setdefault(channel, deque()).append(future)
        sub.send("SUBSCRIBE", channel, want=False)
        await future

    # Commands nobody waits for are dropped once their connection has broken: between the break
    # and `_lose`, callers (a failed join closing its member) may still send them.

    def unsubscribe(self, room_id: bytes) -> None:
        if self.up and self._sub is not None and not self._sub.closed:
            self._sub.send("UNSUBSCRIBE", self.channel(room_id), want=False)

    def publish(self, room_id: bytes, data: bytes) -> None:
        if self.up and self._cmd is not None and not self._cmd.closed:
            self._cmd.send("PUBLISH", self.channel(room_id), data, want=False)

    def leave(self, room_id: bytes, slot: int) -> None:
        if self.up and self._cmd is not None and not self._cmd.closed:
            self._cmd.send("EVALSHA", SHA["leave"], 0, self._prefix, room_id.hex(), self.node,
                           slot, want=False)

    async def join(self, room_id: bytes, token: int, max_size: int, snapshot: bool) -> JoinAnswer:
        """Take a slot in the room (JoinRefused if full, BusUnavailable if the bus is gone)."""
        reply = await self._call("EVALSHA", SHA["join"], 0, self._prefix, room_id.hex(),
                                 self.node, token, max_size, "1" if snapshot else "0")
        if not isinstance(reply, list) or not reply or not isinstance(reply[0], int):
            raise BusUnavailable(f"unexpected join answer {reply!r}")
        if reply[0] == -1:
            self._lose("this relay was presumed dead by the others")
            raise BusUnavailable("the relay is rejoining the bus")
        if reply[0] == -2:
            raise JoinRefused(CloseCode.ROOM_FULL, "room is full")
        if reply[0] == -3:
            raise JoinRefused(CloseCode.ROOM_FULL, "room has used every slot")
        slot, seq = reply[0], reply[1]
        if not isinstance(seq, int):
            raise BusUnavailable(f"unexpected join answer {reply!r}")
        members = None
        if len(reply) > 2 and isinstance(reply[2], list):
            members = tuple(int(x) for x in reply[2] if isinstance(x, bytes))
        return JoinAnswer(slot, seq, members)

    # Connection management.

    def _need(self, conn: _Connection | None) -> _Connection:
        if not self.up or conn is None or conn.closed:
            raise BusUnavailable("the relay is not connected to its bus")
        return conn

    async def _call(self, *args: bytes | str | int) -> Reply:
        future = self._need(self._cmd).send(*args)
        assert future is not None
        reply = await future
        if isinstance(reply, RedisReplyError):
            raise BusUnavailable(f"the bus answered an error: {reply}")
        return reply

    def _push(self, reply: Reply) -> None:
        if not isinstance(reply, list) or len(reply) < 3:
            return
        kind, channel, data = reply[0], reply[1], reply[2]
        if not isinstance(channel, bytes):
            return
        if kind == b"message" and isinstance(data, bytes):
            if channel.startswith(self._channel_prefix):
                try:
                    room_id = bytes.fromhex(channel[len(self._channel_prefix):].decode())
                except ValueError:
                    return
                self._on_message(room_id, data)
        elif kind == b"subscribe":
            waiting = self._confirm.get(channel)
            if waiting:
                future = waiting.popleft()
                if not waiting:
                    del self._confirm[channel]
                if not future.done():
                    future.set_result(None)

    async def _keep_connected(self, ready: asyncio.Future[None]) -> None:
        delay = 0.25
        while not self._stopping:
            try:
                await self._session(ready)
                delay = 0.25
            except (OSError, RelayError, TimeoutError) as exc:
                logger.warning("bus unavailable (%s); retrying in %.1f s", exc, delay)
            self._lose("the bus connection was lost")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _session(self, ready: asyncio.Future[None]) -> None:
        """One bus session under a fresh node id, until a connection breaks or we are swept."""
        self.node = os.urandom(8).hex().encode()
        self._cmd = await _open(self.config.url, None)
        self._sub = await _open(self.config.url, self._push)
        runs = [asyncio.ensure_future(self._cmd.run()), asyncio.ensure_future(self._sub.run())]
        try:
            beat = self._cmd.send("EVALSHA", SHA["heartbeat"], 0, self._prefix, self.node, "1")
            assert beat is not None
            async with asyncio.timeout(self.config.timeout):
                await beat
            self.up = True
            self._on_state(True)
            if not ready.done():
                ready.set_result(None)
            heartbeat = asyncio.ensure_future(self._heartbeats())
            runs.append(heartbeat)
            done, _ = await asyncio.wait(runs, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in runs:
                task.cancel()
            for task in runs:
                with contextlib.suppress(asyncio.CancelledError, RelayError, OSError):
                    await task

    async def _heartbeats(self) -> None:
        cfg = self.config
        timeout_ms = int(cfg.timeout * 1000)
        while True:
            await asyncio.sleep(cfg.heartbeat)
            async with asyncio.timeout(cfg.timeout):
                alive = await self._call("EVALSHA", SHA["heartbeat"], 0, self._prefix,
                                         self.node, "0")
                if alive != 1:
                    raise BusUnavailable("this relay was presumed dead by the others")
                await self._call("EVALSHA", SHA["sweep"], 0, self._prefix, timeout_ms)

    def _lose(self, why: str) -> None:
        was_up, self.up = self.up, False
        self._drop()
        if was_up:
            logger.warning("%s: members of shared rooms must reconnect", why)
            self._on_state(False)

    def _drop(self) -> None:
        for conn in (self._cmd, self._sub):
            if conn is not None:
                conn.close()
        for waiting in self._confirm.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(BusUnavailable("the bus connection broke"))
        self._confirm.clear()
