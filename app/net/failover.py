"""Which of a room's relays to use, and getting back to one after the link drops.

An invite lists up to eight relays. The client starts on the one it was given and, on every
(re)connection, tries them in the invite's order from the current one on: a relay that died or
was blocked is passed over, and relays of one operator share rooms through their bus, so the next
one is the same room. Between rounds it waits with `Backoff` (exponential, jittered), so a
thousand listeners of a relay that restarts do not all return in the same millisecond.

`prefer()` makes the next connection start at a given relay, without waiting: the host moved the
room there, or nobody answered where we were.
"""

from __future__ import annotations

import asyncio
import contextlib
import random as _random
from collections.abc import Callable, Sequence

from websockets.asyncio.client import ClientConnection

from app.net.backoff import Backoff
from app.net.proxy import ProxySettings
from app.net.transport import TransportError, open_any


class RelayLink:
    def __init__(self, urls: Sequence[str], first: str, *, proxy: ProxySettings | None = None,
                 backoff: Backoff | None = None,
                 random: Callable[[], float] = _random.random) -> None:
        self.urls = list(dict.fromkeys(urls))
        if first not in self.urls:
            self.urls.insert(0, first)
        self.url = first
        self.proxy = proxy
        self.backoff = backoff or Backoff()
        self.random = random
        self.reconnects = 0  # links opened after the first
        self.last_error = ""  # why the last attempt failed, for the user
        self._prefer: str | None = None

    def order(self) -> list[str]:
        """The relays to try, from the preferred (or current) one on, in the invite's order."""
        start = self._prefer or self.url
        i = self.urls.index(start) if start in self.urls else 0
        return self.urls[i:] + self.urls[:i]

    def prefer(self, url: str) -> None:
        self._prefer = url

    def prefer_next(self) -> bool:
        """Start the next connection at the relay after the current one; False with only one."""
        if len(self.urls) < 2:
            return False
        i = self.urls.index(self.url) if self.url in self.urls else -1
        self._prefer = self.urls[(i + 1) % len(self.urls)]
        return True

    async def connect(self) -> ClientConnection:
        """Open a link to the first relay that answers (TransportError with a sentence if none)."""
        url, ws = await open_any(self.order(), proxy=self.proxy)
        self.url, self._prefer = url, None
        return ws

    async def reconnect(self, keep_trying: Callable[[], bool],
                        stop: asyncio.Event) -> ClientConnection | None:
        """Connect again, waiting longer after each failed round; None once `keep_trying()`
        says no or `stop` is set. A preferred relay is tried at once."""
        attempt = 0
        while keep_trying() and not stop.is_set():
            if self._prefer is None or attempt > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.backoff.delay(attempt, self.random))
                if stop.is_set() or not keep_trying():
                    return None
            try:
                ws = await self.connect()
            except TransportError as exc:
                self.last_error = str(exc)
                attempt += 1
                continue
            self.reconnects += 1
            return ws
        return None
