"""A censor's active prober sees the relay and a stock nginx side by side, and no difference.

A real nginx (nginx-light, from scripts/setup-system.sh) serves a static site from a temporary
directory on 127.0.0.1 with `server_tokens off`; a real relay process serves the same
directory with `--site` and hides its websocket behind `--path`. Every probe is sent to both
as the same bytes, and the answers must be the same bytes, but for the Date header. nginx is
stopped by its process id.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from relayproc import RawClient, RelayProcess, start_relay
from servers import Server, folder, free_port, start_nginx
from websockets.frames import Opcode

from relay.site import DEFAULT_PAGE

SECRET = "/k7Qp2xZ4rT"


def nginx_conf(root: Path, port: int, header_timeout: str = "60s") -> str:
    # As root, nginx's workers would run as nobody, who cannot read pytest's private tmp_path.
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    keepalive_timeout 65;
    client_header_timeout {header_timeout};
    client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fcgi;
    uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
    server {{
        listen 127.0.0.1:{port} default_server;
        root {root};
        index index.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    (root / "about").mkdir(parents=True)
    (root / "index.html").write_bytes(DEFAULT_PAGE)
    (root / "about" / "index.html").write_bytes(b"<html><body>About us</body></html>\n")
    (root / "style.css").write_bytes(b"body { color: #333 }\n")
    return root


@pytest.fixture
def pair(tmp_path: Path, site: Path) -> Iterator[tuple[int, int]]:
    port = free_port()
    nginx = start_nginx(folder(tmp_path, "nginx"), nginx_conf(site, port), port)
    relay = start_relay("--site", str(site), "--path", SECRET)
    try:
        yield port, _port(relay)
    finally:
        relay.stop()
        nginx.stop()


def _port(relay: RelayProcess) -> int:
    return int(relay.url.split("//")[1].split("/")[0].rsplit(":", 1)[1])


UPGRADE = ("Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
PROBES: dict[str, tuple[bytes, int]] = {  # name: (bytes, responses expected)
    "get": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "index": (b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "query": (b"GET /?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "encoded": (b"GET /index%2ehtml HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "css": (b"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "subdir": (b"GET /about/ HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "subdir_no_slash": (b"GET /about HTTP/1.1\r\nHost: example.org\r\n\r\n", 1),
    "missing": (b"GET /wp-login.php HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "healthz": (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "metrics": (b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "head": (b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "head_missing": (b"HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "options": (b"OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "post": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 1),
    "put": (b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1),
    "unknown_method": (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "lowercase_method": (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "no_host": (b"GET / HTTP/1.1\r\n\r\n", 1),
    "two_hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 1),
    "http10": (b"GET / HTTP/1.0\r\n\r\n", 1),
    "http10_keepalive": (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1),
    "connection_close": (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1),
    "http2_version": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 1),
    "garbage": (b"\x16\x03\x01\x02\x00hello\r\n\r\n", 1),
    "no_version": (b"GET /\r\n\r\n", 1),
    "dotdot": (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "dot_segments": (b"GET /about/../index.html HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "long_uri": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 1),
    "long_header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n", 1),
    "pipelined": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"HEAD /style.css HTTP/1.1\r\nHost: x\r\n\r\n", 3),
    "upgrade_on_root": (f"GET / HTTP/1.1\r\nHost: x\r\n{UPGRADE}\r\n".encode(), 1),
    "upgrade_elsewhere": (f"GET /ws HTTP/1.1\r\nHost: x\r\n{UPGRADE}\r\n".encode(), 1),
    "upgrade_twice": (f"GET / HTTP/1.1\r\nHost: x\r\n{UPGRADE}Upgrade: websocket\r\n\r\n"
                      .encode(), 1),
    "absolute_uri": (b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 1),
}


def _responses(data: bytes, head_only: list[bool]) -> int:
    """How many complete responses `data` holds."""
    count, i = 0, 0
    while True:
        end = data.find(b"\r\n\r\n", i)
        if end < 0:
            return count
        length = re.search(rb"Content-Length: (\d+)", data[i:end])
        body = 0 if count < len(head_only) and head_only[count] else \
            int(length.group(1)) if length else 0
        if len(data) < end + 4 + body:
            return count
        i = end + 4 + body
        count += 1


def probe(port: int, payload: bytes, expected: int) -> tuple[bytes, bool]:
    """(every byte answered; whether the server closed after answering)."""
    heads = [line.startswith(b"HEAD ") for line in payload.split(b"\r\n") if b" HTTP/1" in line]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        data, closed = b"", False
        deadline = time.monotonic() + 10
        while _responses(data, heads) < expected and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
        if not closed:
            s.settimeout(0.15)
            try:
                closed = s.recv(1) == b""
            except TimeoutError:
                closed = False
    # The Date, and the listener's own port in a redirect, are the only bytes allowed to differ.
    data = data.replace(b":%d/" % port, b":PORT/")
    return re.sub(rb"Date: [^\r]*", b"Date: -", data), closed


@pytest.mark.parametrize("name", sorted(PROBES))
def test_the_relay_answers_a_prober_as_nginx_does(pair: tuple[int, int], name: str) -> None:
    """Finding 6: every path, HEAD, OPTIONS, no Host got the same 200 page; POST, pipelining
    and garbage a silent close; errors websockets' wording."""
    nginx, relay = pair
    payload, expected = PROBES[name]
    want = probe(nginx, payload, expected)
    got = probe(relay, payload, expected)
    assert want[0], "nginx said nothing: the probe is broken"
    assert got == want


def test_idle_connections_close_silently_on_nginx_timer(tmp_path: Path, site: Path) -> None:
    """Finding 6: idle sockets closed at exactly 10 s (nginx: client_header_timeout, silently).
    Both run with a 2 s header timeout here so that the test is short; 60 s is both defaults."""
    port = free_port()
    nginx = start_nginx(folder(tmp_path, "nginx"), nginx_conf(site, port, "2s"), port)
    relay = start_relay("--site", str(site), "--http-timeout", "2")
    try:
        for target in (port, _port(relay)):
            for opening in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n"):  # nothing, half a request
                with socket.create_connection(("127.0.0.1", target), timeout=10) as s:
                    s.sendall(opening)
                    s.settimeout(1.0)
                    with pytest.raises(TimeoutError):
                        s.recv(1)  # still open after 1 s
                    s.settimeout(5.0)
                    assert s.recv(1) == b""  # closed by 6 s, without a word
    finally:
        relay.stop()
        nginx.stop()


def test_default_page_is_nginx_default_page() -> None:
    stock = Path("/usr/share/nginx/html/index.html")
    if not stock.exists():
        pytest.fail("nginx-light is missing: run scripts/setup-system.sh")
    assert stock.read_bytes() == DEFAULT_PAGE


def test_websocket_errors_carry_no_wording_or_limits(tmp_path: Path) -> None:
    """Finding 6: a frame declaring 2^63 bytes was told "exceeds limit of 65600 bytes"."""
    relay = start_relay("--path", SECRET)
    try:
        client = RawClient(relay.url)
        header = bytes((0x82, 0xFF)) + (2**63 - 1).to_bytes(8, "big") + bytes(4)
        client.sock.sendall(header)
        data = b""
        client.sock.settimeout(10)
        while chunk := client.sock.recv(1024):
            data += chunk
        assert data[0] & 0x0F == Opcode.CLOSE.value
        assert data[1] == 2 and int.from_bytes(data[2:4], "big") == 1009  # code, no reason
        client.close()
    finally:
        relay.stop()


__all__ = ["Server"]
