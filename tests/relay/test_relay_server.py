"""The relay over real sockets: real `python -m relay` processes and real websockets clients.

Everything runs on 127.0.0.1. Timeouts below only stop a broken build from hanging the suite;
no assertion depends on how fast anything is.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from relayproc import RelayProcess, start_relay  # tests/support, on sys.path via conftest
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri
from wsclients import GUARD, ROOM, closed_with, join, recv, run, track

from relay.server import RelayConfig, RelayServer
from relay.wire import (
    MAX_PAYLOAD,
    Control,
    DeliverControl,
    DeliverMedia,
    Error,
    Join,
    Joined,
    Media,
    PeerJoined,
    PeerLeft,
    ServerMessage,
    Unicast,
    decode_server,
    encode,
)


def test_three_clients_join_broadcast_unicast_and_leave(relay: RelayProcess) -> None:
    async def scenario() -> None:
        a, ja = await join(relay.url)
        assert ja == Joined(1, ())
        b, jb = await join(relay.url)
        assert jb == Joined(2, (1,))
        assert await recv(a) == PeerJoined(2)
        c, jc = await join(relay.url)
        assert jc == Joined(3, (1, 2))
        assert await recv(a) == PeerJoined(3)
        assert await recv(b) == PeerJoined(3)

        await a.send(encode(Media(b"audio frame")))
        assert await recv(b) == DeliverMedia(b"audio frame")
        assert await recv(c) == DeliverMedia(b"audio frame")

        await b.send(encode(Control(b"roster")))
        # a's next message is b's control: its own media did not come back to it.
        assert await recv(a) == DeliverControl(2, b"roster", False)
        assert await recv(c) == DeliverControl(2, b"roster", False)

        await c.send(encode(Unicast(1, b"sealed key")))
        await c.send(encode(Unicast(9, b"nobody")))  # unknown slot: dropped, not an error
        assert await recv(a) == DeliverControl(3, b"sealed key", True)
        await a.send(encode(Control(b"next")))
        assert await recv(b) == DeliverControl(1, b"next", False)  # b never saw the unicast
        assert await recv(c) == DeliverControl(1, b"next", False)  # c is still connected

        await b.close()
        assert await recv(a) == PeerLeft(2)
        assert await recv(c) == PeerLeft(2)
        await a.close()
        assert await recv(c) == PeerLeft(1)
        await c.close()

    run(scenario)


def test_quiet_members_get_no_peer_joined_but_everything_else(relay: RelayProcess) -> None:
    async def scenario() -> None:
        q, jq = await join(relay.url, quiet=True)
        loud, jl = await join(relay.url)
        q2, jq2 = await join(relay.url, quiet=True)
        assert (jq, jl, jq2) == (Joined(1, ()), Joined(2, (1,)), Joined(3, (1, 2)))
        assert await recv(loud) == PeerJoined(3)
        # One connection's messages arrive in order: had q been sent PeerJoined(2) or (3),
        # it would come before this control.
        await q2.send(encode(Control(b"roster")))
        assert await recv(q) == DeliverControl(3, b"roster", False)
        assert await recv(loud) == DeliverControl(3, b"roster", False)
        await loud.send(encode(Media(b"frame")))
        await loud.send(encode(Unicast(1, b"sealed key")))
        assert await recv(q) == DeliverMedia(b"frame")
        assert await recv(q) == DeliverControl(2, b"sealed key", True)
        assert await recv(q2) == DeliverMedia(b"frame")
        await q2.close()
        assert await recv(q) == PeerLeft(3)
        assert await recv(loud) == PeerLeft(3)
        await loud.close()
        assert await recv(q) == PeerLeft(2)

    run(scenario)


@pytest.mark.parametrize(
    ("bad", "reason_part"),
    [
        (b"\x01\x09junk", "unknown client message type 0x09"),
        (b"\x07\x02frame", "version 7 is not supported"),
        (b"\x01\x04\x00\x00", "Unicast is truncated"),
        (b"\x01\x02" + bytes(MAX_PAYLOAD + 1), "exceeds 65536"),
        (encode(Join(ROOM)), "already joined"),
        ("text frame", "text messages are refused"),
    ],
    ids=["unknown-type", "unknown-version", "truncated", "payload-too-large", "join-twice", "text"],
)
def test_bad_input_closes_only_that_connection(
    relay: RelayProcess, bad: bytes | str, reason_part: str
) -> None:
    async def scenario() -> None:
        a, _ = await join(relay.url)
        b, _ = await join(relay.url)
        assert await recv(a) == PeerJoined(2)
        bad_client, joined = await join(relay.url, max_size=None)
        assert joined.slot == 3
        for ws in (a, b):
            assert await recv(ws) == PeerJoined(3)

        await bad_client.send(bad)
        code, reason, seen = await closed_with(bad_client)
        assert code == 4000
        assert reason is not None and reason_part in reason
        assert seen == [Error(4000, reason)]  # told in-band too, before the close frame

        assert await recv(a) == PeerLeft(3)
        assert await recv(b) == PeerLeft(3)
        await a.send(encode(Media(b"still here")))
        assert await recv(b) == DeliverMedia(b"still here")
        _late, joined = await join(relay.url)
        assert joined == Joined(4, (1, 2))  # the relay keeps serving newcomers too

    run(scenario)


def test_message_above_max_message_is_refused_by_the_websocket_layer(
    relay: RelayProcess,
) -> None:
    async def scenario() -> None:
        a, _ = await join(relay.url)
        big, _ = await join(relay.url)
        assert await recv(a) == PeerJoined(2)
        await big.send(b"\x01\x02" + bytes(70_000))
        code, _, _ = await closed_with(big)
        assert code == 1009  # MESSAGE_TOO_BIG
        assert await recv(a) == PeerLeft(2)

    run(scenario)


@pytest.mark.parametrize("first", [encode(Media(b"x")), encode(Control(b"x"))])
@pytest.mark.parametrize("stealth", ["true", "false"])
def test_first_message_must_be_join(first: bytes, stealth: str) -> None:
    """By default (stealth) a prober's wrong first message gets a bare 1008, nothing to
    recognise; with stealth off the relay says why."""
    rp = start_relay("--stealth", stealth)

    async def scenario() -> None:
        ws = await connect(rp.url, compression=None)
        await ws.send(first)
        code, reason, _ = await closed_with(ws)
        expected = (1008, "") if stealth == "true" else (4001, "the first message must be Join")
        assert (code, reason) == expected

    try:
        run(scenario)
    finally:
        rp.stop()


def _http_get(url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    http_url = url.replace("ws://", "http://") + path
    try:
        with urllib.request.urlopen(http_url, timeout=GUARD) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


@pytest.mark.parametrize(("path", "status"),
                         [("/", 200), ("/index.html", 200), ("/?q=1", 200), ("/some/where", 404),
                          ("/healthz", 404)])
def test_plain_http_gets_an_ordinary_website(relay: RelayProcess, path: str, status: int) -> None:
    """The page and the errors of a freshly installed nginx (test_relay_prober.py compares)."""
    got, headers, body = _http_get(relay.url, path)
    assert got == status
    assert headers["Content-Type"] == "text/html" and headers["Server"] == "nginx"
    assert b"<html" in body
    identifying = [b"majlis", b"relay", b"websocket", b"python", b"voice", b"room"]
    assert not [word for word in identifying if word in body.lower()]


def test_healthz_only_where_the_operator_put_it() -> None:
    rp = start_relay("--healthz-path", "/ready-7Q", "--path", "/k7Qp2xZ")
    try:
        base = rp.url.rsplit("/", 1)[0]
        status, _, body = _http_get(base, "/ready-7Q")
        assert (status, body) == (200, b"ok\n")
        assert _http_get(base, "/healthz")[0] == 404
    finally:
        rp.stop()


def test_in_process_relay_keeps_no_state_for_an_empty_room() -> None:
    async def scenario() -> None:
        server = RelayServer(RelayConfig(port=0))
        await server.start()
        try:
            assert server.url.startswith("ws://127.0.0.1:")
            clients = [(await join(server.url))[0] for _ in range(3)]
            assert server.router.rooms() == {ROOM: (1, 2, 3)}
            assert server.counters.rooms == 1
            assert await recv(clients[0]) == PeerJoined(2)
            assert await recv(clients[0]) == PeerJoined(3)
            assert await recv(clients[1]) == PeerJoined(3)
            await clients[0].send(encode(Media(b"x")))
            for ws in clients[1:]:
                assert await recv(ws) == DeliverMedia(b"x")
            for ws in clients:
                await ws.close()
            while server.router.connection_count:  # handlers finish after the close handshake
                await asyncio.sleep(0.01)
            assert server.router.rooms() == {}
            assert server.router.room_count == 0
            counts = server.counters.as_dict()
            assert (counts["rooms"], counts["connections"]) == (0, 0)
            assert counts["joins_total"] == 3
            # Joined x3, PeerJoined 1+2, media x2, PeerLeft 2+1.
            assert counts["frames_out"] == 3 + 3 + 2 + 3
        finally:
            await server.close()

    run(scenario)


class SlowListener:
    """A client over a plain blocking socket with a tiny receive window, which can stop reading.

    Using websockets' sans-I/O ClientProtocol means nothing reads the socket behind our back.
    """

    def __init__(self, url: str) -> None:
        uri = parse_uri(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect, so the window is small from the handshake on (shrinking it later
        # makes the kernel drop segments and back off for seconds).
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(GUARD)
        self.sock.connect((uri.host, uri.port))
        self.proto = ClientProtocol(uri, max_size=None)
        self.proto.send_request(self.proto.connect())
        self.flush()
        self.pending: list[ServerMessage] = []
        while not isinstance(self._events_until_response(), Response):
            pass

    def _events_until_response(self) -> object:
        self.proto.receive_data(self.sock.recv(65536))
        for event in self.proto.events_received():
            if isinstance(event, Response):
                assert event.status_code == 101
                return event
        return None

    def flush(self) -> None:
        for data in self.proto.data_to_send():
            self.sock.sendall(data)

    def send(self, data: bytes) -> None:
        self.proto.send_binary(data)
        self.flush()

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, "relay closed the slow listener"
        self.proto.receive_data(chunk)
        for event in self.proto.events_received():
            assert isinstance(event, Frame)
            if event.opcode is Opcode.BINARY:
                self.pending.append(decode_server(bytes(event.data)))
        self.flush()  # pongs and the closing handshake, if any

    def recv(self) -> ServerMessage:
        while not self.pending:
            self._read()
        return self.pending.pop(0)

    def read_until_closed(self) -> tuple[list[ServerMessage], int | None]:
        while self.proto.close_rcvd is None:
            self._read()
        messages, self.pending = self.pending, []
        return messages, self.proto.close_rcvd.code


def test_slow_listener_loses_media_but_not_control_and_delays_nobody(
    relay: RelayProcess,
) -> None:
    frames, every, size = 300, 15, 60_000  # far more than kernel buffers plus the media limit

    async def scenario() -> None:
        sender, _ = await join(relay.url)
        fast = [(await join(relay.url, max_size=None))[0] for _ in range(2)]
        slow = await asyncio.to_thread(SlowListener, relay.url)
        await asyncio.to_thread(slow.send, encode(Join(ROOM)))
        assert await asyncio.to_thread(slow.recv) == Joined(4, (1, 2, 3))
        # From here on the slow listener reads nothing. The fast ones read in step with the
        # sender: each frame must reach both of them before the next one is sent, so a stall
        # that held up the fan-out would stop this loop.
        logs: list[list[ServerMessage]] = [[], []]
        controls = []
        for i in range(frames):
            if i % every == 0:
                control = b"control %d" % i
                controls.append(DeliverControl(1, control, False))
                await sender.send(encode(Control(control)))
            frame = DeliverMedia(i.to_bytes(4, "big") + bytes(size))
            await sender.send(encode(Media(frame.payload)))
            for ws, log in zip(fast, logs, strict=True):
                while not log or log[-1] != frame:
                    log.append(await recv(ws))
        await sender.send(encode(Control(b"end")))
        controls.append(DeliverControl(1, b"end", False))
        for ws, log in zip(fast, logs, strict=True):
            log.append(await recv(ws))
            media = [m for m in log if isinstance(m, DeliverMedia)]
            assert [int.from_bytes(m.payload[:4], "big") for m in media] == list(range(frames))
            assert [m for m in log if isinstance(m, DeliverControl)] == controls

        def drain() -> list[ServerMessage]:
            seen: list[ServerMessage] = []
            while not seen or seen[-1] != controls[-1]:
                seen.append(slow.recv())
            return seen

        seen = await asyncio.to_thread(drain)
        assert [m for m in seen if isinstance(m, DeliverControl)] == controls
        got = [int.from_bytes(m.payload[:4], "big") for m in seen if isinstance(m, DeliverMedia)]
        assert 0 < len(got) < frames  # media was dropped for it, and only media
        assert got == sorted(got)
        slow.sock.close()
        for ws in (sender, *fast):
            await ws.close()

    run(scenario)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    rp = start_relay("--cert", str(cert), "--key", str(key))
    try:
        assert rp.url.startswith("wss://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))

        async def scenario() -> None:
            a, ja = await join(rp.url, ssl=context)
            b, jb = await join(rp.url, ssl=context)
            assert (ja, jb) == (Joined(1, ()), Joined(2, (1,)))
            assert await recv(a) == PeerJoined(2)
            await b.send(encode(Media(b"over tls")))
            assert await recv(a) == DeliverMedia(b"over tls")

        run(scenario)
    finally:
        assert rp.stop() == 0


def test_listener_too_slow_for_control_is_closed_with_too_slow() -> None:
    rp = start_relay("--control-buffer", "300000")
    try:

        async def scenario() -> None:
            sender, _ = await join(rp.url)
            other, _ = await join(rp.url, max_size=None)
            assert await recv(sender) == PeerJoined(2)
            slow = await asyncio.to_thread(SlowListener, rp.url)
            await asyncio.to_thread(slow.send, encode(Join(ROOM)))
            assert await asyncio.to_thread(slow.recv) == Joined(3, (1, 2))
            for ws in (sender, other):
                assert await recv(ws) == PeerJoined(3)
            # Control is never dropped, so it piles up for the listener that does not read
            # until the relay gives up on it. The one that reads gets every message.
            sent, slow_gone = 0, False
            while not slow_gone:
                assert sent < 300, "the relay never closed the stalled listener"
                control = sent.to_bytes(4, "big") + bytes(60_000)
                await sender.send(encode(Control(control)))
                sent += 1
                while (message := await recv(other)) != DeliverControl(1, control, False):
                    assert message == PeerLeft(3)
                    slow_gone = True
            assert await recv(sender) == PeerLeft(3)
            # Resuming, the slow one finds what was queued, in order, then why it was closed.
            messages, code = await asyncio.to_thread(slow.read_until_closed)
            assert code == 4005
            assert messages[-1] == Error(4005, "too slow to receive control")
            got = [int.from_bytes(m.payload[:4], "big") for m in messages[:-1]
                   if isinstance(m, DeliverControl)]  # fmt: skip
            assert got == list(range(len(got)))
            assert 0 < len(got) < sent
            slow.sock.close()

        run(scenario)
    finally:
        assert rp.stop() == 0


@pytest.mark.parametrize(
    ("option", "value", "code"),
    [
        ("--max-room-size", "2", 4002),
        ("--max-connections", "2", 4003),
        ("--max-rooms", "1", 4003),
        ("--rate", "1", 4004),
    ],
)
def test_limits_from_the_command_line(option: str, value: str, code: int) -> None:
    rp = start_relay(option, value)
    try:

        async def scenario() -> None:
            await join(rp.url)
            if option == "--rate":  # burst of 2: Join, one control, then over the limit
                ws, _ = await join(rp.url)
                await ws.send(encode(Control(b"one")))
                await ws.send(encode(Control(b"two")))
            else:
                await join(rp.url)
                ws = await connect(rp.url, compression=None)
                track(ws)
                other_room = bytes(16) if option == "--max-rooms" else ROOM
                with contextlib.suppress(ConnectionClosed):  # RELAY_FULL comes at once
                    await ws.send(encode(Join(other_room)))
            closed_code, reason, seen = await closed_with(ws)
            assert closed_code == code
            assert seen[-1] == Error(code, reason or "")

        run(scenario)
    finally:
        assert rp.stop() == 0
