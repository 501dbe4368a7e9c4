"""Proxy settings for reaching a relay: none, the system's, SOCKS5, HTTP CONNECT, or Tor.

Through SOCKS the relay's name is always resolved by the proxy (socks5h), never locally: a DNS
query for the relay's name would tell the local network where the user is going, which is the
thing Tor is used to hide. "Tor" is SOCKS5 to 127.0.0.1 on Tor's port (9050 for the tor
service, 9150 for Tor Browser); `tor_available()` checks that something there actually speaks
SOCKS5, and says in a sentence what to do when nothing does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["TOR_PORTS", "ProxySettings", "TorStatus", "is_onion", "onion_refusal",
           "tor_available"]

ProxyKind = Literal["none", "system", "socks5", "http", "tor"]
TOR_HOST = "127.0.0.1"
TOR_PORTS = (9050, 9150)  # the tor service, Tor Browser


@dataclass(frozen=True)
class ProxySettings:
    """How to reach relays. `host`/`port` are the proxy's (for "tor", port None means try
    9050 then 9150). `username`/`password` are optional, for SOCKS5 and HTTP proxies."""

    kind: ProxyKind = "none"
    host: str = ""
    port: int | None = None
    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("none", "system", "socks5", "http", "tor"):
            raise ValueError(f"unknown proxy kind {self.kind!r}")
        if self.kind in ("socks5", "http") and (not self.host or not self.port):
            raise ValueError(f"a {self.kind} proxy needs a host and a port")
        if self.port is not None and not 0 < self.port < 65536:
            raise ValueError(f"proxy port {self.port} is not in 1..65535")

    @classmethod
    def tor(cls, port: int | None = None) -> ProxySettings:
        return cls("tor", TOR_HOST, port)

    @classmethod
    def parse(cls, text: str) -> ProxySettings | None:
        """A proxy as people write it: socks5://host:port (or socks5h://, names resolved by
        the proxy either way), http://host:port, "tor", "system"; "" or "none" is None.
        ValueError with a sentence otherwise."""
        from urllib.parse import unquote, urlsplit

        text = text.strip()
        if text.lower() in ("", "none"):
            return None
        if text.lower() in ("tor", "system"):
            return cls.tor() if text.lower() == "tor" else cls("system")
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            port = None
        kinds: dict[str, ProxyKind] = {"socks5": "socks5", "socks5h": "socks5", "http": "http"}
        if parts.scheme not in kinds or not parts.hostname or port is None:
            raise ValueError(f"{text!r} is not a proxy: write socks5://host:port (Tor: "
                             "socks5://127.0.0.1:9050, or just 'tor'), http://host:port or "
                             "'system'.")
        user = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(kinds[parts.scheme], parts.hostname, port, user, password)

    def describe(self) -> str:
        """A few words for the user: "Tor", "SOCKS5 proxy 127.0.0.1:1080"."""
        if self.kind == "tor":
            return "Tor"
        if self.kind == "system":
            return "the system's proxy"
        if self.kind == "none":
            return "a direct connection"
        name = "SOCKS5 proxy" if self.kind == "socks5" else "HTTP proxy"
        return f"{name} {self.host}:{self.port}"

    def url(self, port: int | None = None) -> str | Literal[True] | None:
        """The `proxy` argument of websockets' `connect` (True: the system's settings)."""
        if self.kind == "none":
            return None
        if self.kind == "system":
            return True
        auth = ""
        if self.username is not None:
            from urllib.parse import quote

            auth = quote(self.username, safe="")
            if self.password is not None:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        if self.kind == "http":
            return f"http://{auth}{self.host}:{self.port}"
        host = self.host or TOR_HOST
        chosen = port or self.port or TOR_PORTS[0]
        return f"socks5h://{auth}{host}:{chosen}"


def is_onion(url: str) -> bool:
    """Whether the relay is an onion service (only Tor can reach it)."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host.rstrip(".").endswith(".onion")


def onion_refusal(url: str, proxy: ProxySettings | None) -> str | None:
    """The sentence for an onion relay that cannot be reached this way, or None.

    Only Tor (or a SOCKS5 proxy the user points at Tor, such as Tor Browser's port) can reach
    an onion service. Anything else is refused before any connection: without a SOCKS proxy
    the system would look the name up in DNS, telling the local network which onion service
    the user is about to visit.
    """
    if not is_onion(url) or (proxy is not None and proxy.kind in ("tor", "socks5")):
        return None
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    how = "" if proxy is None or proxy.kind == "none" else f" ({proxy.describe()} is not Tor)"
    return (f"This room's relay is an onion service ({host}), which only Tor can reach"
            f"{how}. Turn on \"Use Tor\" (in Settings, or --proxy tor) and join again.")


@dataclass(frozen=True)
class TorStatus:
    """`available` with the port that answered, or `message`: a sentence for the user."""

    available: bool
    port: int | None
    message: str


async def _speaks_socks5(host: str, port: int, timeout: float) -> bool:
    """Open a connection and offer SOCKS5 without authentication; a SOCKS5 server answers
    05 00. Nothing is requested through it, so this reaches nothing beyond the proxy."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(b"\x05\x01\x00")
                await writer.drain()
                reply = await reader.readexactly(2)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return False
    return reply == b"\x05\x00"


async def tor_available(ports: Sequence[int] = TOR_PORTS, host: str = TOR_HOST,
                        timeout: float = 2.0) -> TorStatus:
    """Whether Tor's SOCKS port answers on this machine, and which one."""
    for port in ports:
        if await _speaks_socks5(host, port, timeout):
            return TorStatus(True, port, f"Tor is running (port {port}).")
    where = " or ".join(str(p) for p in ports)
    return TorStatus(False, None,
                     f"Tor is not running: nothing answers on {host} port {where}. Start Tor "
                     "Browser or the tor service, or turn off \"Use Tor\".")
