"""Counts for operators, in Prometheus' text format, on an address of their choosing.

Only counts: connections, rooms, messages, bytes, drops and refusals by reason, closes by code.
Never a room id, slot or address, so scraping the metrics (or leaking them) tells nobody who
talks to whom. They are served on a separate listener (`metrics_listen`, for example
127.0.0.1:9100) so the public port stays an ordinary website.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

__all__ = ["MetricsServer", "render"]

_HELP = {
    "connections": ("gauge", "Websocket connections open now."),
    "rooms": ("gauge", "Rooms with a member on this relay now."),
    "connections_total": ("counter", "Websocket connections accepted."),
    "joins_total": ("counter", "Joins completed."),
    "messages_in": ("counter", "Messages received from clients."),
    "bytes_in": ("counter", "Bytes received from clients."),
    "frames_out": ("counter", "Frames written to clients."),
    "bytes_out": ("counter", "Bytes written to clients."),
    "bus_in": ("counter", "Messages from other relays delivered here."),
    "bus_out": ("counter", "Messages published to other relays."),
    "bus_up": ("gauge", "1 when the bus is connected (or not configured)."),
    "tls_reloads": ("counter", "Certificate reloads that succeeded."),
    "tls_reload_failures": ("counter", "Certificate reloads that failed."),
}
_LABELED = {
    "drops": ("reason", "Messages not delivered, by reason."),
    "closes": ("code", "Connections closed by the relay, by close code."),
    "refused": ("reason", "Requests refused before the websocket upgrade, by reason."),
}


def _name(key: str) -> str:
    base = f"majlis_relay_{key}"
    if key in ("messages_in", "bytes_in", "frames_out", "bytes_out", "bus_in", "bus_out"):
        return base + "_total"
    return base


def render(values: Mapping[str, object]) -> bytes:
    """Prometheus text exposition of a counters dict (see `Counters.as_dict`)."""
    lines: list[str] = []
    for key, value in values.items():
        if key in _LABELED and isinstance(value, Mapping):
            label, text = _LABELED[key]
            name = f"majlis_relay_{key}_total"
            lines += [f"# HELP {name} {text}", f"# TYPE {name} counter"]
            for sub, count in sorted(value.items()):
                safe = str(sub).replace("\\", "").replace('"', "")
                lines.append(f'{name}{{{label}="{safe}"}} {count}')
        elif isinstance(value, int | float) and key in _HELP:
            kind, text = _HELP[key]
            name = _name(key)
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
    return ("\n".join(lines) + "\n").encode()


class MetricsServer:
    """GET /metrics and GET /healthz on a small HTTP/1.0 listener; nothing else."""

    def __init__(self, host: str, port: int, values: Callable[[], Mapping[str, object]],
                 healthy: Callable[[], bool]) -> None:
        self.host, self.port = host, port
        self._values, self._healthy = values, healthy
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b""
            path = path.split(b"?", 1)[0]
            if path == b"/metrics":
                status, body = "200 OK", render(self._values())
                kind = "text/plain; version=0.0.4"
            elif path == b"/healthz":
                ok = self._healthy()
                status, body = ("200 OK", b"ok\n") if ok else ("503 Service Unavailable", b"down\n")
                kind = "text/plain"
            else:
                status, body, kind = "404 Not Found", b"not found\n", "text/plain"
            head = (f"HTTP/1.0 {status}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            writer.write(head.encode() + body)
            await writer.drain()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
