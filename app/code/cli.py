"""The headless client's side of codes: `majlis host --code` and `majlis join --code CODE`.

Kept apart from app/cli.py so that file only wires these in: options, the join's invite, the
host's `code`/`codes` commands and its narration.

    majlis host ... --code [--lan ADDRESS]   prints "code: 7-451-938 ..." once the room is open;
                                            type `code` for another, `codes` to list them
    majlis join --code CODE [--relay URL | --lan ADDRESS] [--as NAME] ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable

from app.code.codes import CODE_TTL, Code, parse_code
from app.code.errors import BadCode, CodeFailed
from app.code.link import CodeDesk, IssuedCode, Redeemed, redeem_code
from app.core import events as ev
from app.core.protocol import RoomProtocol
from app.lan.service import LanError
from app.net.proxy import ProxySettings
from crypto.identity import PublicIdentity
from crypto.invite import Invite

__all__ = ["EXIT_CODE_FAILED", "HostCodes", "LanError", "add_host_options", "add_join_options",
           "advertise_on_lan", "invite_from_code"]

EXIT_CODE_FAILED = 8
LAN_LOOK = 8.0  # seconds to look for the room on the LAN

COMMANDS = """  code                 offer a new spoken code (one person each; 5 minutes)
  codes                list the codes offered and what became of them"""


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def add_host_options(h: argparse.ArgumentParser) -> None:
    h.add_argument("--code", action="store_true",
                   help="offer a spoken one-time code (like 7-451-938) when the room opens; "
                        "type 'code' for another")
    h.add_argument("--lan", metavar="ADDRESS", action="append",
                   help="announce the built-in relay's room on this interface address (zeroconf)"
                        ", so people on the network can join with a code; the relay listens "
                        "there unless --listen says otherwise")
    h.add_argument("--code-ttl", type=_ttl, default=CODE_TTL, metavar="SECONDS",
                   help=f"how long an unused code stays open (default {int(CODE_TTL)})")


def _ttl(text: str) -> float:
    value = float(text)
    if not 5 <= value <= 3600:
        raise argparse.ArgumentTypeError("a code stays open 5 to 3600 seconds")
    return value


def add_join_options(j: argparse.ArgumentParser) -> None:
    j.add_argument("--code", metavar="CODE",
                   help="join with a code the host's app showed (instead of a link)")
    j.add_argument("--relay", metavar="URL",
                   help="with --code: the relay the code is on (the host's app shows it)")
    j.add_argument("--lan", metavar="ADDRESS", action="append",
                   help="with --code: look for the room on the network at this interface")


async def advertise_on_lan(interfaces: list[str],
                           relay_url: str) -> Callable[[], Awaitable[None]]:
    """Announce the built-in relay (as an opaque room); returns the coroutine function that
    withdraws it. Raises LanError."""
    from app.lan.advertise import LanAdvertiser

    port = int(relay_url.rsplit(":", 1)[1])
    advertiser = LanAdvertiser(interfaces, interfaces[0], port, None)
    await advertiser.start()
    return advertiser.close


async def _redeem_on_lan(code: Code, interfaces: list[str], identity: PublicIdentity,
                         name: str, proxy: ProxySettings | None) -> Redeemed:
    """Try the code on each room's relay the LAN lists, as rooms show up, for `LAN_LOOK`
    seconds: a relay where nobody offers the code is passed over (another room on the same
    network, perhaps found first)."""
    from app.lan.browse import LanBrowser
    from app.lan.service import LanRoom

    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    latest: list[tuple[LanRoom, ...]] = [()]

    def seen(rooms: tuple[LanRoom, ...]) -> None:
        def note() -> None:
            latest[0] = rooms
            changed.set()
        with contextlib.suppress(RuntimeError):  # the loop may be gone
            loop.call_soon_threadsafe(note)

    browser = LanBrowser(interfaces, seen)
    await loop.run_in_executor(None, browser.start)
    tried: set[str] = set()
    failure = CodeFailed("No Majlis room was found on this network.", "no-room")
    try:
        deadline = loop.time() + LAN_LOOK
        while True:
            fresh = [r.url for r in latest[0] if r.url not in tried]
            if fresh:
                tried.update(fresh)
                try:
                    return await redeem_code(code, fresh, identity, name, proxy=proxy,
                                             on_progress=_say)
                except CodeFailed as exc:
                    if exc.reason not in ("no-such-code", "relay"):
                        raise
                    failure = exc
            left = deadline - loop.time()
            if left <= 0:
                raise failure
            changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await changed.wait()
    finally:
        await loop.run_in_executor(None, browser.close)


async def invite_from_code(args: argparse.Namespace, identity: PublicIdentity, name: str,
                           proxy: ProxySettings | None) -> tuple[int, str, Invite | None]:
    """(exit code, sentence, invite) for `majlis join --code`: the invite on success."""
    try:
        code, written = parse_code(args.code)
    except BadCode as exc:
        return 2, str(exc), None
    relays = [r for r in (args.relay, written) if r]
    if not relays and not args.lan:
        return 2, ("Say which relay the code is on: --relay URL (the host's app shows it "
                   "with the code), or --lan ADDRESS for a room on this network."), None
    try:
        if relays:
            got = await redeem_code(code, relays, identity, name, proxy=proxy,
                                    on_progress=_say)
        else:
            _say("looking for rooms on the local network...")
            got = await _redeem_on_lan(code, args.lan, identity, name, proxy)
    except LanError as exc:
        return 3, str(exc), None
    except CodeFailed as exc:
        status = {"relay": 3, "no-room": 4}.get(exc.reason, EXIT_CODE_FAILED)
        return status, str(exc), None
    _say(f"the code opened room {got.room_name!r}; its host's fingerprint is "
         f"{got.host_fingerprint}. Knocking...")
    return 0, "", got.invite


class HostCodes:
    """The host's codes in the headless client: prints them, takes `code`/`codes` commands,
    and says which code a knock came through."""

    def __init__(self, protocol: RoomProtocol, relay_url: str,
                 proxy: ProxySettings | None, first: bool, ttl: float = CODE_TTL) -> None:
        self.protocol = protocol
        self.first = first
        self.ttl = ttl
        self.desk = CodeDesk(relay_url, protocol.invite, protocol.room_name, proxy=proxy,
                             on_change=self._changed, ttl=ttl)
        self._tasks: set[asyncio.Task[None]] = set()

    def _changed(self, code: IssuedCode, sentence: str) -> None:
        if sentence:
            _say(sentence)

    def on_event(self, event: ev.Event, protocol: RoomProtocol) -> None:
        """Call with every room event (on the loop thread)."""
        if isinstance(event, ev.RoomOpened) and self.first:
            self.issue()
        elif isinstance(event, ev.KnockReceived):
            knock = protocol.knocks.get(event.knock_id)
            came = self.desk.came_through(knock.joiner) if knock is not None else None
            if came is not None:
                _say(f"knock {event.knock_id} came through code {came.text}")
        elif isinstance(event, ev.MemberJoined):
            came = self.desk.came_through(event.member.key)
            if came is not None:
                _say(f"{event.member.name} joined through code {came.text}")

    def issue(self) -> None:
        async def run() -> None:
            try:
                code = await self.desk.issue()
            except CodeFailed as exc:
                _say(f"cannot offer a code: {exc}")
                return
            print(f"code: {code.text} (relay {code.relay_url}; works once, for "
                  f"{int(self.ttl)} seconds)", flush=True)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def command(self, verb: str) -> bool:
        """Handle `code` or `codes`; False for any other verb."""
        if verb == "code":
            self.issue()
        elif verb == "codes":
            for c in self.desk.codes():
                left = max(0, int(c.expires_at - time.monotonic())) if c.live else 0
                extra = f"{left} s left, {c.attempts_left} tries" if c.live else \
                    (f"used by {c.joiner_name} ({c.joiner_fingerprint})" if c.state == "used"
                     else "")
                _say(f"  {c.text}  {c.state}  {extra}".rstrip())
            if not self.desk.codes():
                _say("  no codes yet; type 'code' to offer one")
        else:
            return False
        return True

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.desk.close()
