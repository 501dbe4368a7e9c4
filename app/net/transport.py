"""The asyncio websocket link between a client and a relay.

Only plumbing: it opens the connection and turns every way that can fail into a `TransportError`
whose message a user understands. Proxy support (SOCKS5 for Tor, HTTP CONNECT) plugs in here.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from relay.wire import MAX_PAYLOAD, CloseCode

OPEN_TIMEOUT = 10.0

_CLOSE_REASONS = {
    CloseCode.ROOM_FULL: "This room is full.",
    CloseCode.RELAY_FULL: "The relay is full right now. Try again later.",
    CloseCode.RATE_LIMITED: "The relay disconnected us for sending too fast.",
    CloseCode.TOO_SLOW: "The relay disconnected us because our connection was too slow.",
    CloseCode.UNAUTHORIZED: "This relay only admits people with its access token.",
    CloseCode.BAD_MESSAGE: "The relay did not understand us (is it a different version?).",
    CloseCode.JOIN_FIRST: "The relay did not understand us (is it a different version?).",
}


class TransportError(Exception):
    """The relay could not be reached or dropped us; `str()` is a sentence for the user."""


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
    if reason:
        return f"The relay closed the connection: {reason}."
    return "The connection to the relay was lost."


def describe_close(exc: ConnectionClosed) -> str:
    """A sentence for why the relay closed the connection."""
    rcvd = exc.rcvd
    return describe_code(rcvd.code, rcvd.reason) if rcvd is not None else describe_code(0)


async def open_link(url: str, *, open_timeout: float = OPEN_TIMEOUT) -> ClientConnection:
    """Connect to a relay; raise TransportError with a plain sentence on any failure."""
    where = _where(url)
    try:
        return await connect(url, compression=None, max_size=MAX_PAYLOAD + 64,
                             open_timeout=open_timeout, proxy=None, ping_interval=20,
                             ping_timeout=20)
    except InvalidURI:
        raise TransportError(f"The relay address {url!r} is not valid.") from None
    except InvalidStatus as exc:
        raise TransportError(f"{where} answered, but it is not a Majlis relay "
                             f"(HTTP {exc.response.status_code}).") from None
    except InvalidHandshake:
        raise TransportError(f"{where} answered, but it is not a Majlis relay.") from None
    except ssl.SSLError as exc:
        raise TransportError(f"The secure connection to {where} failed ({exc.reason}).") from None
    except TimeoutError:
        raise TransportError(f"The relay at {where} did not answer in time.") from None
    except ConnectionRefusedError:
        raise TransportError(f"Cannot reach the relay at {where}: nothing is listening there. "
                             "Is the relay running?") from None
    except OSError as exc:
        detail = exc.strerror or exc
        raise TransportError(f"Cannot reach the relay at {where} ({detail}).") from None
