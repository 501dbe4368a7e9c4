"""Media the relay would only deliver too late is dropped, not queued: a real relay process.

A listener that stops reading for a few seconds (a stalled TCP connection, a link too narrow for
the room) used to get everything sent meanwhile once it read again: up to 256 KiB of audio, tens
of seconds on a slow link, every frame of it too old to play. Now the relay drops media for a
connection whose queued output has not drained for `media_age` (200 ms by default), and the
listener resumes with what is fresh. The listener here is a raw socket with a 4 KiB receive
buffer that does not read, so the backlog builds in the relay rather than in kernels.
"""

from __future__ import annotations

import asyncio
import struct
import time

from relayproc import RawClient, start_relay
from websockets.frames import Opcode
from wsclients import ROOM, join, run

from relay.wire import DELIVER_MEDIA_PREFIX, Join, Media, encode

STALL = 4.0  # seconds the listener does not read
RATE = 50  # frames a second, as a speaker sends


def frames_after_a_stall(*relay_args: str) -> list[int]:
    """Sequence numbers the stalled listener receives, in order, once it reads again."""
    rp = start_relay(*relay_args)
    listener = RawClient(rp.url, rcvbuf=4096)
    try:
        listener.send(Opcode.BINARY, encode(Join(ROOM, quiet=True)))
        sent = 0

        async def speak() -> None:
            nonlocal sent
            ws, _ = await join(rp.url, quiet=True)
            start = time.monotonic()
            while time.monotonic() - start < STALL:
                await ws.send(encode(Media(struct.pack(">I", sent) + bytes(157))))
                sent += 1
                await asyncio.sleep(1 / RATE)
            await asyncio.sleep(0.5)

        run(speak)
        listener.sock.settimeout(1.0)
        data = b""
        try:
            while chunk := listener.sock.recv(1 << 16):
                data += chunk
        except TimeoutError:
            pass
    finally:
        listener.close()
        rp.stop()
    seqs = []
    i = 0
    while i + 2 <= len(data):  # server frames: unmasked, payload < 64 KiB
        length, i = data[i + 1] & 0x7F, i + 2
        if length == 126:
            length, i = int.from_bytes(data[i:i + 2], "big"), i + 2
        body = data[i:i + length]
        if body[:2] == DELIVER_MEDIA_PREFIX:
            seqs.append(struct.unpack(">I", body[2:6])[0])
        i += length
    assert sent >= STALL * RATE * 0.8, sent
    return seqs


def test_a_stalled_listener_resumes_with_fresh_media_not_a_backlog() -> None:
    seqs = frames_after_a_stall()
    sent = int(STALL * RATE)
    # The kernels' buffers (the listener's 4 KiB window, 2 KiB unsent at the relay) and 200 ms
    # in the relay's queue hold a few dozen frames; the rest of the four seconds was dropped.
    assert 0 < len(seqs) < sent // 2, len(seqs)


def test_without_the_age_bound_the_whole_backlog_arrives_late() -> None:
    """The same stall with the age bound off (`--media-age 0`): every frame is queued and
    delivered seconds late, which is what the bound is for."""
    seqs = frames_after_a_stall("--media-age", "0")
    assert len(seqs) >= int(STALL * RATE) * 0.8, len(seqs)
