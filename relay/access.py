"""Who may use the relay, decided before the websocket upgrade: sans-I/O, time passed in.

* The client's address: the TCP peer, unless the peer is a reverse proxy the operator trusts;
  then the right-most address in X-Forwarded-For that is not itself a trusted proxy. A client
  that writes its own X-Forwarded-For straight to the relay gains nothing: an untrusted peer's
  headers are never read.
* Invite-only relays: an access token, given as `?token=...` in the relay URL (so it travels
  inside invite links and needs no client change) or as `Authorization: Bearer ...`. Tokens are
  compared in constant time; any of the configured tokens is accepted, so an operator can hand
  one to each community and revoke it alone.
* Per-address bounds: connections open at once and handshakes per second. They are checked before
  the upgrade, so a flood costs the relay one HTTP response per attempt, not a websocket.

Addresses are kept in memory only while they have a connection open (or a bucket refilling), and
are never logged unless the operator asked for it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qs, urlsplit

from relay.errors import ConfigError
from relay.limits import TokenBucket

__all__ = [
    "EXEMPT",
    "UNKNOWN",
    "AddressLimits",
    "address_key",
    "check_token",
    "client_address",
    "is_trusted",
    "parse_networks",
    "request_token",
]

# What a trusted proxy forwarded when it forwarded nothing usable: no header, or garbage. Such
# clients are not believed to be anyone in particular, so they share one set of limits (and are
# never mistaken for the proxy's own, exempt, loopback address).
UNKNOWN = "unknown"
# The addresses a local reverse proxy, a local Tor daemon (onion service) or the desktop app's
# own clients come from: each stands for many users, so per-address limits exempt them unless
# the operator says otherwise. The rest of 127.0.0.0/8 is counted like any other address.
EXEMPT = frozenset(("127.0.0.1", "::1"))

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as networks ("127.0.0.1", "10.0.0.0/8", "::1"); ConfigError if not."""
    out: list[Network] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ConfigError(f"trusted_proxies: {value!r} is not an address or network") from None
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             trusted: Sequence[Network]) -> bool:
    return any(address in net for net in trusted)


def is_trusted(peer: str, trusted: Sequence[Network]) -> bool:
    """Whether `peer` (a TCP peer's address) is one of the trusted proxies."""
    address = _address(peer)
    return address is not None and _trusted(address, trusted)


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The address to apply limits to (and to log, when logging addresses is on).

    Behind a trusted proxy the client is whoever the proxy says; a proxy that says nothing
    usable (no header, or a hop that is not an address) gets `UNKNOWN`, never its own address.
    """
    current = _address(peer)
    if current is None:
        return UNKNOWN
    if not trusted or not _trusted(current, trusted):
        return str(current)
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    if not hops:
        return UNKNOWN
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return UNKNOWN  # garbage passed on by a hop we trust: we know nothing
        current = address
        if not _trusted(current, trusted):
            break
    return str(current)


def address_key(address: str, ipv4_prefix: int = 32, ipv6_prefix: int = 64) -> str:
    """What per-address limits count: the address's network of the given prefix length.

    One IPv6 subscriber usually gets a whole /64 (often a /56), so counting exact IPv6
    addresses would let one client be 2^64 clients."""
    parsed = _address(address)
    if parsed is None:
        return address
    prefix = ipv4_prefix if parsed.version == 4 else ipv6_prefix
    if prefix >= parsed.max_prefixlen:
        return str(parsed)
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def request_token(path: str, authorization: str | None) -> str | None:
    """The token a client presented, from `Authorization: Bearer` or the `token` query field."""
    if authorization is not None:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    values = parse_qs(urlsplit(path).query).get("token")
    return values[0] if values else None


def check_token(presented: str | None, tokens: Sequence[str], invite_only: bool = False) -> bool:
    """True when `presented` equals one of `tokens` (constant time), or when the relay is open.

    An invite-only relay with no token left (an emptied or unreadable token file) admits no
    one: an empty list must never read as "no token needed"."""
    if not tokens:
        return not invite_only
    if presented is None:
        return False
    given = presented.encode("utf-8", "replace")
    ok = False
    for token in tokens:
        ok |= hmac.compare_digest(given, token.encode("utf-8", "replace"))
    return ok


class AddressLimits:
    """Connections open and handshakes per second, per client address (0 turns a bound off)."""

    def __init__(self, max_connections: int, handshake_rate: float) -> None:
        self.max_connections = max_connections
        self.handshake_rate = handshake_rate
        self._open: dict[str, int] = {}
        self._buckets: dict[str, TokenBucket] = {}

    def admit(self, address: str, now: float) -> str | None:
        """None if a new connection from `address` may proceed, else the reason it may not."""
        if self.max_connections and self._open.get(address, 0) >= self.max_connections:
            return "ip_connections"
        if self.handshake_rate:
            bucket = self._buckets.get(address)
            if bucket is None:
                if len(self._buckets) > 100_000:
                    self.forget_idle(now)
                bucket = self._buckets[address] = TokenBucket(self.handshake_rate, now)
            if not bucket.take(now):
                return "ip_rate"
        return None

    def opened(self, address: str) -> None:
        self._open[address] = self._open.get(address, 0) + 1

    def closed(self, address: str) -> None:
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
        else:
            self._open.pop(address, None)

    def forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled: they hold nothing but an address."""
        for address in [a for a, b in self._buckets.items() if b.full_at(now)]:
            del self._buckets[address]

    @property
    def addresses(self) -> int:
        return len(set(self._open) | set(self._buckets))
