"""The least a fan-out server can do, as the yardstick for bench/relay_fanout.py.

Every message from one connection goes to every other connection through `websockets.broadcast`:
no rooms, no envelope parsing, no limits, no slow-listener rule. The relay's overhead is what it
costs beyond this. Prints `listening on ws://HOST:PORT` like the relay, then serves until SIGTERM.
"""

from __future__ import annotations

import asyncio
import resource
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

CLIENTS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    CLIENTS.add(ws)
    try:
        async for message in ws:
            broadcast((c for c in CLIENTS if c is not ws), message)
    except ConnectionClosed:
        pass
    finally:
        CLIENTS.discard(ws)


async def main(port: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**17) as server:
        host, real_port = server.sockets[0].getsockname()[:2]
        print(f"listening on ws://{host}:{real_port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
