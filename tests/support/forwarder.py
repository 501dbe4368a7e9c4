"""A TCP forwarder to a relay on 127.0.0.1 whose connections a test can silence or cut.

Runs on the test's event loop. `silence()` is a path that died without a word (a NAT that forgot
the connection, a relay that gave up on a sleeping laptop): nothing passes, nothing closes.
`cut()` is a network change: both ends see the connection close.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["Forwarder"]


class Forwarder:
    """127.0.0.1 TCP forwarding to the relay; `silence()` swallows all traffic of the
    connections open now, both ways, and leaves them open. New connections pass."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = 0
        self._open: list[object] = []
        self._silent: set[int] = set()
        self._writers: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence(self) -> None:
        self._silent.update(id(c) for c in self._open)

    def cut(self) -> None:
        """Close the connections open now, both ways (a network change: both ends see it)."""
        for writers in self._writers:
            for w in writers:
                w.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        token = object()
        self._open.append(token)
        self._writers.append((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if id(token) not in self._silent:
                        dst.write(data)
                        await dst.drain()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        for w in (writer, up_writer):
            w.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
