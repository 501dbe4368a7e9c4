"""HTTP before the websocket upgrade: the ordinary page, /healthz, and every refusal that can
be decided from the request alone (wrong path, bus down, per-address limits, the token).

A request that is not a websocket upgrade, or is one on another path than the relay's secret
`path`, gets a small neutral page with no `Server` header, like any quiet website. Refusals are
plain HTTP statuses (429 with Retry-After, 503), which cost the relay one response and no
websocket. The token's verdict is remembered for the connection and answered after the upgrade
(close 4006), so that a client can tell its user why.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import weakref
from collections.abc import Callable

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from relay.access import (
    EXEMPT,
    AddressLimits,
    address_key,
    check_token,
    client_address,
    parse_networks,
    request_token,
)
from relay.errors import ConfigError
from relay.settings import RelayConfig, read_token_file

__all__ = ["NEUTRAL_PAGE", "Gate"]

logger = logging.getLogger("relay")

# An ordinary, quiet page for anyone who opens the relay in a browser or scans it: nothing in it
# (or in the headers: no Server header is sent) names the software.
NEUTRAL_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Welcome</title>
<style>body{font-family:Georgia,serif;max-width:36em;margin:4em auto;color:#333}</style>
</head>
<body>
<h1>Welcome</h1>
<p>This site is being rebuilt. Please check back later.</p>
</body>
</html>
"""


def response(body: bytes, content_type: str, status: int = 200, phrase: str = "OK") -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(status, phrase, headers, body)


def loopback(address: str) -> bool:
    return address in EXEMPT



class Gate:
    """Decides, from the request, whether a websocket may open; counts refusals by reason."""

    def __init__(self, config: RelayConfig, healthy: Callable[[], bool]) -> None:
        self.config = config
        self.healthy = healthy
        self.refused: dict[str, int] = {}
        self.invite_only = bool(config.tokens) or config.token_file is not None
        from_file = read_token_file(config.token_file) if config.token_file else ()
        if config.token_file is not None and not from_file:
            raise ConfigError(f"token_file {config.token_file} has no token (an invite-only "
                              "relay would admit no one; leave token_file out for an open relay)")
        self.tokens = config.tokens + from_file
        self.trusted = parse_networks(config.trusted_proxies)
        self.by_address = AddressLimits(config.max_connections_per_ip, config.handshakes_per_ip)
        # Weak: a handshake that fails after this check must not leave its entry behind.
        self._pending: weakref.WeakKeyDictionary[ServerConnection, tuple[str | None, bool]] = (
            weakref.WeakKeyDictionary())

    def reload_tokens(self) -> None:
        """SIGHUP. Fail closed: a file that cannot be read, or holds no token, leaves only the
        tokens given elsewhere (usually none, so nobody is admitted) until it is fixed, rather
        than keeping tokens the operator may have meant to revoke, or admitting everyone."""
        if self.config.token_file:
            try:
                tokens = read_token_file(self.config.token_file)
            except ConfigError as exc:
                logger.error("%s; refusing every client without a token given elsewhere", exc)
                tokens = ()
            else:
                if not tokens:
                    logger.error("token_file %s has no token; refusing every client",
                                 self.config.token_file)
            self.tokens = self.config.tokens + tokens

    def verdict(self, connection: ServerConnection) -> tuple[str | None, bool]:
        """(address the per-address limits count, or None; whether the token was good)."""
        return self._pending.pop(connection, (None, True))

    def refuse(self, reason: str, status: int, text: str) -> Response:
        self.refused[reason] = self.refused.get(reason, 0) + 1
        refusal = response(text.encode() + b"\n", "text/plain; charset=utf-8", status, text)
        refusal.headers["Retry-After"] = "5"
        return refusal

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            if self.healthy():
                return response(b"ok\n", "text/plain; charset=utf-8")
            return self.refuse("bus_down", 503, "Service Unavailable")
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if not upgrade or (self.config.path is not None and path != self.config.path):
            return response(NEUTRAL_PAGE, "text/html; charset=utf-8")
        if not self.healthy():
            return self.refuse("bus_down", 503, "Service Unavailable")
        peer = connection.remote_address[0] if connection.remote_address else ""
        client = client_address(peer, request.headers.get_all("X-Forwarded-For"), self.trusted)
        # A local proxy or onion service stands for many users (RELAY.md, "Tor").
        cfg = self.config
        exempt = cfg.exempt_loopback and loopback(client)
        address = None if exempt else address_key(client, cfg.ipv4_prefix, cfg.ipv6_prefix)
        if address is not None:
            loop = asyncio.get_running_loop()
            refusal = self.by_address.admit(address, loop.time())
            if refusal is not None:
                return self.refuse(refusal, 429, "Too Many Requests")
        authorized = check_token(request_token(request.path, request.headers.get("Authorization")),
                                 self.tokens, self.invite_only)
        self._pending[connection] = (address, authorized)
        if self.config.log_ips:
            forwarded = f" for {client}" if client != peer else ""
            logger.info("connection opened from %s%s", connection.remote_address, forwarded)
        else:
            logger.debug("connection opened")
        return None

