"""`python -m app.lan`: advertise or browse from a terminal (for tests and for debugging a network).

    python -m app.lan advertise --interface 127.0.0.1 --port 8765 [--name NAME] [--for SECONDS]
    python -m app.lan browse --interface 127.0.0.1 [--for SECONDS]

`advertise` prints `advertising KEY` once the record is out; `browse` prints one JSON line per
change with the whole list. Both stop cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import asdict

from app.lan.advertise import LanAdvertiser
from app.lan.browse import LanBrowser
from app.lan.service import LanError, LanRoom


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.lan", description="Majlis rooms on a LAN.")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("advertise", help="announce a room's relay")
    a.add_argument("--interface", action="append", required=True, metavar="ADDRESS",
                   help="interface address to use (repeatable); nothing else is touched")
    a.add_argument("--address", help="the relay's address (default: the first --interface)")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--name", help="make the room visible under this name")
    a.add_argument("--for", dest="duration", type=float, default=None)
    b = sub.add_parser("browse", help="list rooms as they come and go")
    b.add_argument("--interface", action="append", required=True, metavar="ADDRESS")
    b.add_argument("--for", dest="duration", type=float, default=None)
    return p


async def _wait(duration: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)


async def _advertise(args: argparse.Namespace) -> None:
    adv = LanAdvertiser(args.interface, args.address or args.interface[0], args.port, args.name)
    await adv.start()
    print(f"advertising {adv.key}", flush=True)
    try:
        await _wait(args.duration)
    finally:
        await adv.close()


async def _browse(args: argparse.Namespace) -> None:
    def show(rooms: tuple[LanRoom, ...]) -> None:
        print(json.dumps([asdict(r) for r in rooms], ensure_ascii=False), flush=True)

    browser = LanBrowser(args.interface, show)
    browser.start()
    print("browsing", flush=True)
    try:
        await _wait(args.duration)
    finally:
        await asyncio.get_running_loop().run_in_executor(None, browser.close)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_advertise(args) if args.command == "advertise" else _browse(args))
    except LanError as exc:
        print(exc, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
