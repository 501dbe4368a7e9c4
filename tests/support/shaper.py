"""A userspace delay shaper: TCP forwarding on 127.0.0.1 that holds data for a while.

The kernel here has no netem, so added delay and jitter are made in userspace. Each chunk read
from one side is released to the other `delay` seconds later plus a random extra of up to
`jitter` seconds, and never before the chunk ahead of it (TCP keeps order, as does a Tor
circuit): jitter shows as stalls followed by bursts, which is what a congested circuit does to a
stream of audio frames. Runs on the caller's event loop; randomness is a seeded `random.Random`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque

__all__ = ["Shaper"]


class Shaper:
    """127.0.0.1:`port` forwards to 127.0.0.1:`target`, both ways, with delay and jitter."""

    def __init__(self, target: int, delay: float, jitter: float = 0.0, seed: int = 1) -> None:
        self.target = target
        self.delay = delay
        self.jitter = jitter
        self.port = 0
        self._random = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        for src, dst in ((reader, up_w), (up_r, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: deque[tuple[float, bytes]] = deque(maxlen=100_000)
        ready = asyncio.Event()
        done = False

        async def release() -> None:
            while not (done and not queue):
                if not queue:
                    ready.clear()
                    await ready.wait()
                    continue
                due, data = queue[0]
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                queue.popleft()
                dst.write(data)
                await dst.drain()

        sender = asyncio.create_task(release())
        last = 0.0
        try:
            while data := await src.read(65536):
                last = max(last, loop.time() + self.delay + self._random.uniform(0, self.jitter))
                queue.append((last, data))
                ready.set()
        except OSError:
            pass
        finally:
            done = True
            ready.set()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await sender
            dst.close()
