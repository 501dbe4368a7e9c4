"""Log lines that input cannot multiply: at most one per cause per interval.

Anything a client can trigger at will (a malformed request, a connection flood past the
open-files limit, writes to sockets that vanished) must not turn the log into a flood of its
own: the disk fills, the operator stops reading, and the one line that mattered is lost. Each
cause logs once per `interval`; the next line for it says how many were left out meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

__all__ = ["INTERVAL", "LogLimiter", "OncePerInterval", "quiet_exception_handler"]

INTERVAL = 60.0  # seconds


class LogLimiter:
    """`once(cause, message, ...)`: log through `logger` unless `cause` logged recently."""

    def __init__(self, logger: logging.Logger, interval: float = INTERVAL,
                 level: int = logging.WARNING) -> None:
        self.logger, self.interval, self.level = logger, interval, level
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def allow(self, cause: str, now: float | None = None) -> int | None:
        """None to stay quiet; otherwise how many lines of this cause were left out."""
        now = time.monotonic() if now is None else now
        last = self._last.get(cause)
        if last is not None and now - last < self.interval:
            self._left_out[cause] = self._left_out.get(cause, 0) + 1
            return None
        if len(self._last) > 1000:  # causes are a fixed set of names; this is a backstop
            self._last.clear()
        self._last[cause] = now
        return self._left_out.pop(cause, 0)

    def once(self, cause: str, message: str, *args: Any, exc_info: bool = False) -> None:
        left_out = self.allow(cause)
        if left_out is None:
            return
        if left_out:
            message += f" ({left_out} more like it in the last {self.interval:g} s)"
        self.logger.log(self.level, message, *args, exc_info=exc_info)


class OncePerInterval(logging.Filter):
    """A handler filter: one record per (logger, message template) per interval. Installed on
    the relay's stderr handler, so it also tames asyncio's and websockets' own records."""

    def __init__(self, interval: float = INTERVAL) -> None:
        super().__init__()
        self._limiter = LogLimiter(logging.getLogger("relay"), interval)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and record.name.startswith("relay"):
            return True  # the relay's own info lines are few and chosen
        left_out = self._limiter.allow(f"{record.name}:{record.msg}")
        if left_out is None:
            return False
        if left_out:
            record.msg = f"{record.msg} ({left_out} more like it in the last minute)"
        return True


_ASYNCIO_LOG = LogLimiter(logging.getLogger("relay"))


def quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Asyncio's default handler prints transports and peer names with a traceback; a flood of
    connections past the open-files limit made that 8,000 lines a second. Keep one line per
    message per interval, with the exception's type and text but no traceback."""
    message = str(context.get("message", "asyncio error"))
    exc = context.get("exception")
    detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
    _ASYNCIO_LOG.once(f"asyncio:{message}", "%s%s", message, detail)


class _NoDebug(logging.Filter):
    """Websockets logs request headers and frame contents at DEBUG; those can carry addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


# Two loggers for websockets, chosen per server: the default one drops DEBUG records. A child
# logger does not inherit its parent's filters, so "relay.websockets.ips" logs everything.
_WS_LOGGER = logging.getLogger("relay.websockets")
_WS_LOGGER.addFilter(_NoDebug())
_WS_LOGGER_IPS = logging.getLogger("relay.websockets.ips")
