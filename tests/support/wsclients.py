"""Plain websockets clients for tests that talk to real relay processes on 127.0.0.1.

One scenario runs at a time (`run`); every client it opens through `join` or hands to `track`
is closed when it ends, because a relay stops faster when its clients answer the closing
handshake. The timeouts only stop a broken build from hanging the suite: no assertion depends
on how fast anything is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from relay.wire import Join, Joined, ServerMessage, decode_server, encode

__all__ = ["GUARD", "ROOM", "closed_with", "join", "recv", "run", "track"]

ROOM = bytes(range(16))
GUARD = 30.0  # seconds for one message: a hang guard, not a performance assertion

_clients: list[ClientConnection] = []


def track(*clients: ClientConnection) -> None:
    """Close these clients too when the scenario ends."""
    _clients.extend(clients)


def run(scenario: Callable[[], Awaitable[None]], limit: float = 90.0) -> None:
    """Run one async scenario, then close every client it opened."""

    async def guarded() -> None:
        try:
            async with asyncio.timeout(limit):
                await scenario()
        finally:
            await asyncio.gather(*(ws.close() for ws in _clients), return_exceptions=True)
            _clients.clear()

    asyncio.run(guarded())


async def recv(ws: ClientConnection) -> ServerMessage:
    """The next relay message, decoded (a text message fails the test)."""
    async with asyncio.timeout(GUARD):
        data = await ws.recv()
    assert isinstance(data, bytes)
    return decode_server(data)


async def join(url: str, room: bytes = ROOM, quiet: bool = False,
               **kwargs: Any) -> tuple[ClientConnection, Joined]:
    """Connect, join `room` (quietly: no PeerJoined for this client) and read the Joined."""
    ws = await connect(url, compression=None, **kwargs)
    _clients.append(ws)
    await ws.send(encode(Join(room, quiet)))
    joined = await recv(ws)
    assert isinstance(joined, Joined), joined
    return ws, joined


async def closed_with(ws: ClientConnection) -> tuple[int | None, str | None, list[ServerMessage]]:
    """Read until the relay closes us; return the close code, reason and what came before."""
    seen: list[ServerMessage] = []
    try:
        while True:
            seen.append(await recv(ws))
    except ConnectionClosed:
        pass
    rcvd = ws.protocol.close_rcvd
    return (rcvd.code, rcvd.reason, seen) if rcvd else (None, None, seen)
