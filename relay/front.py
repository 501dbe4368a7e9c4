"""What the relay's port does before a websocket exists: be an ordinary web server.

Every connection starts here. Requests are read with relay.http1 and, unless one is the
relay's websocket upgrade (GET, HTTP/1.1, `Upgrade: websocket`, on `path` when one is set),
answered by relay.site exactly as a stock nginx would answer them, with keep-alive, pipelining
and nginx's timers: a connection that has not finished a request head within
`header_timeout` (nginx's client_header_timeout, 60 s) or stays idle between requests for
`keepalive_timeout` (65 s in Debian's nginx.conf) is closed without a word. The upgrade request
and everything after it go to websockets unchanged.

The connections one address holds before their upgrade are counted here too, at accept time:
a slow client that never finishes a request would otherwise never reach the per-address
checks, which need a complete request.
"""

from __future__ import annotations

from collections.abc import Callable

from relay.access import EXEMPT, address_key, is_trusted, parse_networks
from relay.http1 import Request
from relay.site import Site, error

__all__ = ["Front"]


class Front:
    """The decisions the connection class asks for; no sockets here."""

    def __init__(self, site: Site, path: str | None, healthz_path: str | None,
                 healthy: Callable[[], bool], *, header_timeout: float = 60.0,
                 keepalive_timeout: float = 65.0, max_per_address: int = 0,
                 trusted: tuple[str, ...] = (), exempt_loopback: bool = True,
                 prefixes: tuple[int, int] = (32, 64)) -> None:
        self.site = site
        self.path = path
        self.healthz_path = healthz_path
        self.healthy = healthy
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive_timeout
        self.max_per_address = max_per_address
        self._trusted = parse_networks(trusted)
        self._exempt_loopback = exempt_loopback
        self._prefixes = prefixes
        self.waiting: dict[str, int] = {}  # address key -> connections not yet upgraded

    @staticmethod
    def _target_path(target: str) -> str:
        if target.startswith(("http://", "https://")):
            rest = target.split("//", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return target.split("?", 1)[0]

    def is_upgrade(self, request: Request) -> bool:
        """Whether to hand this request to websockets (which still validates it)."""
        if request.method != "GET" or request.version != (1, 1) or request.chunked:
            return False
        upgrade = request.header("upgrade")
        if upgrade is None or "websocket" not in upgrade.lower():
            return False
        tokens = {t.strip().lower() for v in request.values("connection") for t in v.split(",")}
        if "upgrade" not in tokens:
            return False
        return self.path is None or self._target_path(request.target) == self.path

    def answer(self, request: Request, now: float, port: int = 80,
               tls: bool = False) -> tuple[bytes, bool]:
        """The website's answer: (bytes, close after them)."""
        if (self.healthz_path is not None
                and self._target_path(request.target) == self.healthz_path
                and request.method in ("GET", "HEAD")):
            keep = request.keep_alive
            if not self.healthy():
                return error(503, now, keep, request.method == "HEAD"), not keep
            head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
                    f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n").encode()
            return head + (b"" if request.method == "HEAD" else b"ok\n"), not keep
        return self.site.answer(request, now, port, tls)

    # Connections per address before the upgrade.

    def key(self, peer: str) -> str | None:
        """The address key to count a new TCP connection under, or None when exempt (a trusted
        proxy stands for its clients, whom the upgrade request names)."""
        if self._exempt_loopback and peer in EXEMPT:
            return None
        if self._trusted and is_trusted(peer, self._trusted):
            return None
        return address_key(peer, *self._prefixes)

    def accept(self, key: str) -> bool:
        if self.max_per_address and self.waiting.get(key, 0) >= self.max_per_address:
            return False  # its upgraded connections are counted by the upgrade request
        self.waiting[key] = self.waiting.get(key, 0) + 1
        return True

    def release(self, key: str) -> None:
        left = self.waiting.get(key, 0) - 1
        if left > 0:
            self.waiting[key] = left
        else:
            self.waiting.pop(key, None)
