"""The shipped nginx and Caddy examples (packaging/relay/), run for real with TLS on 127.0.0.1:
an ordinary website on /, the relay on a secret path, and the client's address taken from the
proxy only. The examples are used as shipped; only names, ports and paths are substituted."""

from __future__ import annotations

import asyncio
import re
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from relayproc import ROOT, RelayProcess, start_relay  # tests/support, on sys.path via conftest
from servers import Server, folder, free_port, start_caddy, start_nginx
from websockets.asyncio.client import connect

from relay.wire import DeliverMedia, Join, Joined, Media, PeerJoined, decode_server, encode

ROOM = bytes(range(16))
SECRET = "/k2VdQ9x7mL3"
PAGE = b"<html><body><h1>Gardening club</h1></body></html>\n"
EXAMPLES = ROOT / "packaging" / "relay"


def certificate(home: Path) -> tuple[Path, Path]:
    cert, key = home / "cert.pem", home / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=relay",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = folder(tmp_path, "www")
    (root / "index.html").write_bytes(PAGE)
    return root


@pytest.fixture
def relay_behind_proxy() -> Iterator[RelayProcess]:
    rp = start_relay("--path", SECRET, "--trusted-proxies", "127.0.0.1", "--log-ips",
                     "--log-level", "info")
    yield rp
    rp.stop()


def relay_port(rp: RelayProcess) -> int:
    return int(rp.url.split(":")[-1].split("/")[0])


def nginx_example(tmp_path: Path, root: Path, relay: int) -> tuple[Server, Path]:
    home = folder(tmp_path, "nginx")
    cert, key = certificate(home)
    port = free_port()
    text = (EXAMPLES / "nginx.conf").read_text()
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    text = text.replace("listen [::]:443 ssl;", "")
    text = text.replace("/etc/letsencrypt/live/relay.example.org/fullchain.pem", str(cert))
    text = text.replace("/etc/letsencrypt/live/relay.example.org/privkey.pem", str(key))
    text = text.replace("/var/log/nginx/error.log", str(home / "logs" / "error.log"))
    text = text.replace("/var/www/html", str(root))
    text = text.replace("/CHANGE-ME-secret-path", SECRET)
    text = text.replace("127.0.0.1:8765", f"127.0.0.1:{relay}")
    temp = home / "tmp"
    main = (f"user root;\nworker_processes 1;\nevents {{}}\nhttp {{\n"
            f"client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};\n"
            f"uwsgi_temp_path {temp}; scgi_temp_path {temp};\n{text}\n}}\n")
    return start_nginx(home, main, port), cert


def caddy_example(tmp_path: Path, root: Path, relay: int) -> tuple[Server, Path]:
    home = folder(tmp_path, "caddy")
    cert, key = certificate(home)
    port = free_port()
    text = (EXAMPLES / "Caddyfile").read_text()
    text = text.replace("relay.example.org {", f"https://127.0.0.1:{port} {{")
    text = text.replace("# tls /etc/ssl/majlis/fullchain.pem /etc/ssl/majlis/privkey.pem",
                        f"tls {cert} {key}")
    text = text.replace("/var/www/html", str(root))
    text = text.replace("/CHANGE-ME-secret-path", SECRET)
    text = text.replace("127.0.0.1:8765", f"127.0.0.1:{relay}")
    # Local test only: no admin endpoint, no certificate authority, no redirect listener on 80.
    text = "{\n\tadmin off\n\tauto_https off\n\tstorage file_system " + str(home) + "\n}\n" + text
    return start_caddy(home, text, port), cert


def check_site_and_relay(proxy: Server, cert: Path, rp: RelayProcess) -> None:
    context = ssl.create_default_context(cafile=str(cert))
    base = f"https://127.0.0.1:{proxy.port}"
    with urllib.request.urlopen(base + "/", timeout=20, context=context) as r:
        assert r.status == 200 and r.read() == PAGE
    with urllib.request.urlopen(base + "/index.html", timeout=20, context=context) as r:
        assert r.read() == PAGE

    async def scenario() -> None:
        # The listener comes from 127.0.0.5: the relay must see that address, from the proxy.
        async with connect(f"wss://127.0.0.1:{proxy.port}{SECRET}", ssl=context,
                           compression=None, local_addr=("127.0.0.5", 0)) as a, \
                connect(f"wss://127.0.0.1:{proxy.port}{SECRET}?token=x", ssl=context,
                        compression=None) as b:
            await a.send(encode(Join(ROOM)))
            assert decode_server(await a.recv()) == Joined(1, ())
            await b.send(encode(Join(ROOM)))
            assert decode_server(await b.recv()) == Joined(2, (1,))
            assert decode_server(await a.recv()) == PeerJoined(2)
            await b.send(encode(Media(b"through the proxy")))
            assert decode_server(await a.recv()) == DeliverMedia(b"through the proxy")
        # A client that writes its own X-Forwarded-For straight to the relay is not believed.
        async with connect(rp.url, compression=None, local_addr=("127.0.0.7", 0),
                           additional_headers={"X-Forwarded-For": "203.0.113.66"}) as c:
            await c.send(encode(Join(ROOM)))
            assert isinstance(decode_server(await c.recv()), Joined)

    asyncio.run(scenario())
    assert rp.stop() == 0
    assert rp.proc.stderr is not None
    logs = rp.proc.stderr.read()
    opened = re.findall(r"connection opened from (.*)", logs)
    assert any(line.endswith("for 127.0.0.5") for line in opened), logs
    assert any("127.0.0.7" in line for line in opened), logs
    assert "203.0.113.66" not in logs


def test_nginx_example(tmp_path: Path, site: Path, relay_behind_proxy: RelayProcess) -> None:
    proxy, cert = nginx_example(tmp_path, site, relay_port(relay_behind_proxy))
    try:
        check_site_and_relay(proxy, cert, relay_behind_proxy)
    finally:
        proxy.stop()


def test_caddy_example(tmp_path: Path, site: Path, relay_behind_proxy: RelayProcess) -> None:
    proxy, cert = caddy_example(tmp_path, site, relay_port(relay_behind_proxy))
    try:
        check_site_and_relay(proxy, cert, relay_behind_proxy)
    finally:
        proxy.stop()
