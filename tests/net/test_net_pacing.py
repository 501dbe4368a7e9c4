"""The client's pacer against the relay's own limits (relay/limits.py, the real token buckets)."""

from __future__ import annotations

from app.net.pacing import Pacer
from relay import wire
from relay.limits import BYTE_BURST, DEFAULT_RATE, DEFAULT_RATE_BYTES, TokenBucket

MEDIA = wire.encode(wire.Media(b"\x00" * 157))


def control(size: int) -> bytes:
    return wire.encode(wire.Control(b"\x01" * size))


def test_media_never_waits_behind_control() -> None:
    pacer = Pacer()
    for _ in range(1000):
        pacer.push(control(100))
    pacer.ready(0.0)
    pacer.push(MEDIA)
    assert pacer.ready(0.0) == [MEDIA]  # the control budget is spent; the voice still goes
    assert pacer.waiting > 0


def test_order_is_kept_and_everything_leaves_eventually() -> None:
    pacer = Pacer()
    sent = [control(10 + i % 50) for i in range(2000)]
    for data in sent:
        pacer.push(data)
    out: list[bytes] = []
    now = 0.0
    while pacer.waiting and now < 60:
        out.extend(pacer.ready(now))
        now += 0.02
    assert out == sent


def test_a_host_welcoming_thousands_while_speaking_is_never_closed_by_the_relay() -> None:
    """5,000 welcomes of 3 KB at once and a rotation of 1 MB, while sending 50 frames a second:
    every message the pacer lets out fits the relay's default message and byte budgets."""
    pacer = Pacer()
    messages = TokenBucket(DEFAULT_RATE, 0.0)
    volume = TokenBucket(DEFAULT_RATE_BYTES, 0.0, DEFAULT_RATE_BYTES * BYTE_BURST)
    for _ in range(5000):
        pacer.push(control(3000))
    pacer.push(control(60000))  # one chunk of a large rotation
    now, sent = 0.0, 0
    while (pacer.waiting or sent == 0) and now < 120:
        pacer.push(MEDIA)
        for data in pacer.ready(now):
            assert messages.take(now), f"the relay would close us at {now:.2f} s"
            assert volume.take(now, len(data)), f"too many bytes at {now:.2f} s"
            sent += 1
        now += 0.02
    assert pacer.waiting == 0
    assert now < 60  # and it does not dawdle: about 36 s of welcomes at 140 a second


def test_messages_to_the_room_go_before_messages_to_one_member() -> None:
    pacer = Pacer(message_burst=3)
    welcome = wire.encode(wire.Unicast(7, b"welcome"))
    rekey = control(500)
    for data in (welcome, welcome, rekey, welcome):
        pacer.push(data)
    assert pacer.ready(0.0) == [rekey, welcome, welcome]
    assert pacer.ready(1.0) == [welcome]
    for data in (welcome, rekey):
        pacer.push(data)
    pacer.push(MEDIA)
    assert pacer.drain() == [MEDIA, rekey, welcome]  # leaving: everything, at once
    assert pacer.waiting == 0


def test_a_dropped_link_forgets_the_queue() -> None:
    pacer = Pacer()
    for _ in range(500):
        pacer.push(control(10))
    pacer.clear()
    assert pacer.waiting == 0 and pacer.ready(1.0) == []
