"""The asyncio websocket link between a client and a relay.

Only plumbing: it opens the connection and turns every way that can fail into a `TransportError`
whose message a user understands. `open_link(url)` connects to one relay; given several URLs (an
invite may list up to eight) it tries them in order and says, if all fail, what went wrong with
each. A `ProxySettings` routes the connection through SOCKS5 (names resolved by the proxy), an
HTTP CONNECT proxy, the system's proxy settings, or Tor.

Looking ordinary: the client sends a common browser's User-Agent instead of the library's, never
negotiates compression, and randomises its keepalive pings (+-25% around 20 s) so their timing
is not a signature.
"""

from __future__ import annotations

import contextlib
import socket
import ssl as _ssl
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidProxy,
    InvalidStatus,
    InvalidURI,
    ProxyError,
)

from app.net.proxy import TOR_PORTS, ProxySettings, onion_refusal, tor_available
from relay.keepalive import JitteredPings
from relay.wire import MAX_PAYLOAD, CloseCode

__all__ = ["OPEN_TIMEOUT", "TransportError", "describe_close", "describe_code", "open_any",
           "open_link"]

OPEN_TIMEOUT = 10.0
KEEPALIVE = 20.0
# What a current desktop browser sends; the library's default names Python and websockets.
USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")

_CLOSE_REASONS = {
    CloseCode.ROOM_FULL: "This room is full.",
    CloseCode.RELAY_FULL: "The relay is full right now. Try again later.",
    CloseCode.RATE_LIMITED: "The relay disconnected us for sending too fast.",
    CloseCode.TOO_SLOW: "The relay disconnected us because our connection was too slow.",
    CloseCode.UNAUTHORIZED: "This relay only admits people with its access token.",
    CloseCode.BAD_MESSAGE: "The relay did not understand us (is it a different version?).",
    CloseCode.JOIN_FIRST: "The relay did not understand us (is it a different version?).",
}
_STATUS_REASONS = {
    401: "This relay only admits people with its access token.",
    403: "This relay only admits people with its access token.",
    429: "The relay is refusing new connections from this network for a moment. Try again "
         "shortly.",
    503: "The relay is temporarily unavailable. Try again shortly.",
}


class TransportError(Exception):
    """The relay could not be reached or dropped us; `str()` is a sentence for the user.

    `failures` lists (url, sentence) for each relay that was tried, in order.
    """

    def __init__(self, message: str, failures: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.failures = tuple(failures)


class _JitteredClient(JitteredPings, ClientConnection):
    """Keepalive pings at randomised intervals, like the relay's (relay.keepalive)."""


# Linux's TCP_THIN_LINEAR_TIMEOUTS and TCP_NOTSENT_LOWAT (the socket module names them on some
# builds only).
TCP_THIN_LINEAR_TIMEOUTS = getattr(socket, "TCP_THIN_LINEAR_TIMEOUTS", 16)
TCP_NOTSENT_LOWAT = getattr(socket, "TCP_NOTSENT_LOWAT", 25)
NOTSENT_LOWAT = 4096


def tune_for_voice(ws: ClientConnection) -> None:
    """Socket options for a thin, latency-bound stream (docs/AUDIO.md, "Voice over TCP").

    Thin-stream linear timeouts: a voice stream has a packet or two in flight, so a lost
    retransmission would double the retransmission timeout each time (200, 400, 800 ms);
    Linux keeps it linear for such streams when asked. A low not-sent watermark: the kernel
    holds at most 4 KiB that the network has not taken yet, so a backlog on a slow uplink
    stays in our own buffer, where `RoomClient` sees it and drops audio that would only arrive
    late. Through a proxy the socket is the proxy's, which is fine: the options apply to the
    first hop, the one we send on. Best effort: other systems lack them, and nothing depends
    on them.
    """
    sock = ws.transport.get_extra_info("socket")
    if sock is None:
        return
    for option, value in ((TCP_THIN_LINEAR_TIMEOUTS, 1), (TCP_NOTSENT_LOWAT, NOTSENT_LOWAT)):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


def _proxy_unreachable(exc: OSError) -> bool:
    """python-socks reports a proxy it cannot connect to as its own OSError subclass."""
    return type(exc).__name__ == "ProxyConnectionError"


def _where(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def describe_code(code: int, reason: str = "") -> str:
    """A sentence for a relay close code (or the relay's own words for one we do not know)."""
    try:
        return _CLOSE_REASONS[CloseCode(code)]
    except (ValueError, KeyError):
        pass
    if code == 1001:
        return "The relay is shutting down."
    if code == 1012:
        return "The relay is restarting. Connecting again should work."
    if reason:
        return f"The relay closed the connection: {reason}."
    return "The connection to the relay was lost."


def describe_close(exc: ConnectionClosed) -> str:
    """A sentence for why the relay closed the connection."""
    rcvd = exc.rcvd
    return describe_code(rcvd.code, rcvd.reason) if rcvd is not None else describe_code(0)


async def _open_one(url: str, proxy: ProxySettings | None, open_timeout: float,
                    tor_port: int | None, ssl: _ssl.SSLContext | None) -> ClientConnection:
    where = _where(url)
    via = proxy if proxy is not None and proxy.kind != "none" else None
    kwargs: dict[str, Any] = {}
    if ssl is not None:
        kwargs["ssl"] = ssl
    try:
        ws = await connect(url, compression=None, max_size=MAX_PAYLOAD + 64,
                           open_timeout=open_timeout,
                           proxy=via.url(tor_port) if via is not None else None,
                           ping_interval=KEEPALIVE, ping_timeout=KEEPALIVE,
                           user_agent_header=USER_AGENT, create_connection=_JitteredClient,
                           **kwargs)
        tune_for_voice(ws)
        return ws
    except InvalidURI:
        raise TransportError(f"The relay address {url!r} is not valid.") from None
    except InvalidProxy:
        assert via is not None
        raise TransportError(f"The proxy setting ({via.describe()}) is not valid.") from None
    except ProxyError as exc:
        assert via is not None
        cause = exc.__cause__ or exc
        raise TransportError(f"{via.describe()} could not reach the relay at {where} "
                             f"({cause}).") from None
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in _STATUS_REASONS:
            raise TransportError(f"{where}: {_STATUS_REASONS[status]}") from None
        raise TransportError(f"{where} answered, but it is not a Majlis relay "
                             f"(HTTP {status}).") from None
    except InvalidHandshake:
        raise TransportError(f"{where} answered, but it is not a Majlis relay.") from None
    except _ssl.SSLError as exc:
        raise TransportError(f"The secure connection to {where} failed ({exc.reason}).") from None
    except TimeoutError:
        raise TransportError(f"The relay at {where} did not answer in time.") from None
    except ConnectionRefusedError:
        if via is not None:
            raise TransportError(f"Cannot reach {via.describe()}: nothing is listening there. "
                                 "Is it running?") from None
        raise TransportError(f"Cannot reach the relay at {where}: nothing is listening there. "
                             "Is the relay running?") from None
    except OSError as exc:
        if via is not None and _proxy_unreachable(exc):
            raise TransportError(f"Cannot reach {via.describe()}: nothing answers there. "
                                 "Is it running?") from None
        detail = exc.strerror or exc
        through = f" through {via.describe()}" if via is not None else ""
        raise TransportError(f"Cannot reach the relay at {where}{through} ({detail}).") from None


async def open_any(urls: Sequence[str] | str, *, proxy: ProxySettings | None = None,
                   open_timeout: float = OPEN_TIMEOUT,
                   ssl: _ssl.SSLContext | None = None) -> tuple[str, ClientConnection]:
    """Connect to the first relay of `urls` that answers; return its URL and the connection.

    Raises TransportError: with one URL, that relay's sentence; with several, a sentence that
    lists each failure (also in `failures`). With Tor selected and no Tor running, the sentence
    says so before any relay is tried.
    """
    candidates = [urls] if isinstance(urls, str) else list(urls)
    if not candidates:
        raise TransportError("The invite names no relay.")
    failures: list[tuple[str, str]] = []
    # An onion relay without Tor is refused before anything is resolved or connected.
    for url in list(candidates):
        if (refusal := onion_refusal(url, proxy)) is not None:
            failures.append((url, refusal))
            candidates.remove(url)
    tor_port = None
    if proxy is not None and proxy.kind == "tor" and candidates:
        status = await tor_available((proxy.port,) if proxy.port else TOR_PORTS,
                                     proxy.host or "127.0.0.1")
        if not status.available:
            raise TransportError(status.message)
        tor_port = status.port
    for url in candidates:
        try:
            return url, await _open_one(url, proxy, open_timeout, tor_port, ssl)
        except TransportError as exc:
            failures.append((url, str(exc)))
    if len(failures) == 1:
        raise TransportError(failures[0][1], failures)
    listed = " ".join(f"{i}. {why}" for i, (_url, why) in enumerate(failures, 1))
    raise TransportError(f"None of the room's {len(failures)} relays could be reached. {listed}",
                         failures)


async def open_link(urls: Sequence[str] | str, *, proxy: ProxySettings | None = None,
                    open_timeout: float = OPEN_TIMEOUT,
                    ssl: _ssl.SSLContext | None = None) -> ClientConnection:
    """Connect to a relay (the first of several that answers); raise TransportError with a
    plain sentence on any failure. `open_link(url)` with one URL connects directly."""
    _url, ws = await open_any(urls, proxy=proxy, open_timeout=open_timeout, ssl=ssl)
    return ws
