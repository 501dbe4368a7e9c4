"""The websocket upgrade request: every refusal that can be decided from it alone (bus down,
per-address limits, the token), made before the upgrade.

Only upgrade requests on the relay's path get here (relay.front answers everything else as a
website). Refusals are nginx's own pages (429, 503), which cost the relay one response and no
websocket; an upgrade that websockets itself rejects gets the website's answer instead of
websockets' wording. The token's verdict is remembered for the connection and answered after
the upgrade (close 4006), so that a client can tell its user why.
"""

from __future__ import annotations

import asyncio
import logging
import time
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
from relay.http1 import Request as Http1Request
from relay.logs import LogLimiter
from relay.settings import RelayConfig, read_token_file
from relay.site import DEFAULT_PAGE, Site, error

__all__ = ["NEUTRAL_PAGE", "Gate"]

logger = logging.getLogger("relay")

# Kept for code that embeds the relay: the page shown when the operator gives no site.
NEUTRAL_PAGE = DEFAULT_PAGE


def to_response(raw: bytes) -> Response:
    """A websockets Response from the bytes relay.site built (so websockets sends them)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    _, status, phrase = lines[0].split(" ", 2)
    headers = Headers([tuple(line.split(": ", 1)) for line in lines[1:]])  # type: ignore[misc]
    return Response(int(status), phrase, headers, body)


def loopback(address: str) -> bool:
    return address in EXEMPT


class Gate:
    """Decides, from the request, whether a websocket may open; counts refusals by reason."""

    def __init__(self, config: RelayConfig, healthy: Callable[[], bool], site: Site) -> None:
        self.config = config
        self.site = site
        self.log = LogLimiter(logger)
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

    def refuse(self, reason: str, status: int) -> Response:
        """nginx's own page for the status (limit_req and limit_conn look the same)."""
        self.refused[reason] = self.refused.get(reason, 0) + 1
        return to_response(error(status, time.time(), False))

    def website(self, request: Request) -> Response:
        """What the website says to this request as a plain GET (a failed upgrade, say)."""
        plain = Http1Request("GET", request.path, (1, 1), (("host", "x"),), b"")
        return to_response(self.site.answer(plain, time.time())[0])

    def process_response(self, connection: ServerConnection, request: Request,
                         response: Response) -> Response | None:
        """websockets refused the upgrade itself (a bad key, a missing version): answer as
        the website would, never with websockets' wording."""
        if connection.protocol.handshake_exc is None or response.status_code == 101:
            return None
        self.log.once("bad_upgrade", "an upgrade request was malformed: %s",
                      type(connection.protocol.handshake_exc).__name__)
        return self.website(request)

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Every refusal decidable from the request, before the upgrade. Never raises: input
        that trips a bug gets the website's answer and one log line per interval."""
        try:
            return self._process_request(connection, request)
        except Exception as exc:
            self.log.once("request_failed", "a request could not be handled: %s",
                          type(exc).__name__, exc_info=True)
            return self.website(request)

    def _process_request(self, connection: ServerConnection,
                         request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        upgrade = request.headers.get_all("Upgrade")
        if (len(upgrade) != 1 or "websocket" not in upgrade[0].lower()
                or (self.config.path is not None and path != self.config.path)):
            return self.website(request)  # relay.front lets none of these through
        if not self.healthy():
            return self.refuse("bus_down", 503)
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
                return self.refuse(refusal, 429)
        authorization = request.headers.get_all("Authorization")
        presented = request_token(request.path, authorization[0]) if len(authorization) == 1 \
            else None if authorization else request_token(request.path, None)
        authorized = check_token(presented, self.tokens, self.invite_only)
        self._pending[connection] = (address, authorized)
        if self.config.log_ips:
            forwarded = f" for {client}" if client != peer else ""
            logger.info("connection opened from %s%s", connection.remote_address, forwarded)
        else:
            logger.debug("connection opened")
        return None

