"""A sans-I/O reader of HTTP/1.x requests, strict where nginx is strict.

The relay answers every request that is not its websocket upgrade itself, the way a stock
nginx serving a static site would (relay/site.py), so it must split requests the way nginx
does: pipelined requests one after the other, bodies skipped by Content-Length, and the same
refusals for the same faults (400 for a malformed request line or header, a missing or
repeated Host, a lower-case method; 414 for a request line over 8 KiB; 400 "Request Header Or
Cookie Too Large" for a header line over 8 KiB or headers over 32 KiB; 505 for an HTTP
version above 1.1). Bytes in through `feed()`, requests or one refusal out through `next()`;
nothing here touches a socket or a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LINE_LIMIT", "TOTAL_LIMIT", "Refusal", "Request", "RequestReader"]

LINE_LIMIT = 8192  # nginx: large_client_header_buffers 4 8k
TOTAL_LIMIT = 4 * 8192
_METHOD = re.compile(rb"[A-Z_-]{1,32}")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")


@dataclass(frozen=True, slots=True)
class Request:
    """One complete request head. `raw` is its exact bytes, to hand to websockets unchanged."""

    method: str
    target: str
    version: tuple[int, int]
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in order, repeats kept
    raw: bytes
    chunked: bool = False  # a chunked body follows, which this reader does not skip

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def header(self, name: str) -> str | None:
        """The header's value when it appears exactly once, else None."""
        found = self.values(name)
        return found[0] if len(found) == 1 else None

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for v in self.values("connection") for t in v.split(",")}
        if self.version >= (1, 1):
            return "close" not in tokens
        return "keep-alive" in tokens


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request nginx would refuse before routing it; the connection closes after it."""

    status: int  # 400, 414 or 505
    cause: str  # "bad_request", "uri_too_long", "header_too_large", "version"


class RequestReader:
    """Splits a byte stream into requests; after a Refusal it yields nothing more."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip = 0  # body bytes of the last request still to discard
        self._done = False

    @property
    def partial(self) -> bool:
        """Whether part of a request has arrived (nginx's header timer is then running)."""
        return bool(self._buffer) or self._skip > 0

    def feed(self, data: bytes) -> None:
        if not self._done:
            self._buffer += data

    def rest(self) -> bytes:
        """Everything not yet read, for the websocket layer once the upgrade is found."""
        data, self._buffer = bytes(self._buffer), bytearray()
        self._done = True
        return data

    def next(self) -> Request | Refusal | None:
        if self._done:
            return None
        buffer = self._buffer
        if self._skip:
            taken = min(self._skip, len(buffer))
            del buffer[:taken]
            self._skip -= taken
            if self._skip:
                return None
        while buffer[:2] == b"\r\n" or buffer[:1] == b"\n":  # blank lines before a request
            del buffer[:2 if buffer[:2] == b"\r\n" else 1]
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            first = buffer.find(b"\n")
            if (first < 0 and len(buffer) > LINE_LIMIT) or (first >= 0 and first > LINE_LIMIT):
                return self._refuse(414, "uri_too_long")
            if len(buffer) > TOTAL_LIMIT:
                return self._refuse(400, "header_too_large")
            return None
        head = bytes(buffer[:end])
        raw = bytes(buffer[:end + 4])
        del buffer[:end + 4]
        return self._parse(head, raw)

    def _refuse(self, status: int, cause: str) -> Refusal:
        self._done = True
        self._buffer.clear()
        return Refusal(status, cause)

    def _parse(self, head: bytes, raw: bytes) -> Request | Refusal:
        lines = head.split(b"\r\n")
        line = lines[0]
        if len(line) > LINE_LIMIT:
            return self._refuse(414, "uri_too_long")
        parts = line.split(b" ")
        if len(parts) == 2 and parts[0] == b"GET" and parts[1].startswith(b"/"):
            # HTTP/0.9: nginx still answers it, with the bare body
            return Request("GET", parts[1].decode("latin-1"), (0, 9), (), raw)
        if len(parts) != 3 or not _METHOD.fullmatch(parts[0]) or not parts[1]:
            return self._refuse(400, "bad_request")
        version = _VERSION.fullmatch(parts[2])
        if version is None:
            return self._refuse(400, "bad_request")
        major, minor = int(version.group(1)), int(version.group(2))
        if major != 1:
            return self._refuse(505 if major > 1 else 400, "version")
        headers: list[tuple[str, str]] = []
        for item in lines[1:]:
            if len(item) > LINE_LIMIT:
                return self._refuse(400, "header_too_large")
            name, colon, value = item.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                return self._refuse(400, "bad_request")
            headers.append((name.decode("ascii").lower(),
                            value.strip().decode("latin-1")))
        try:
            target = parts[1].decode("ascii")
        except UnicodeDecodeError:
            target = parts[1].decode("latin-1")
        request = Request(parts[0].decode("ascii"), target, (major, minor), tuple(headers), raw)
        hosts = request.values("host")
        if len(hosts) > 1 or (not hosts and request.version >= (1, 1)):
            return self._refuse(400, "bad_request")
        lengths = request.values("content-length")
        if request.values("transfer-encoding"):
            return Request(request.method, target, request.version, request.headers, raw, True)
        if lengths:
            if len(set(lengths)) != 1 or not lengths[0].isdigit():
                return self._refuse(400, "bad_request")
            self._skip = int(lengths[0])
        return request
