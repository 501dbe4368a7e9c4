"""Hypothesis: hostile input never raises anything but CryptoError; honest input round-trips."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crypto import (
    BadInvite,
    CryptoError,
    EpochKey,
    FrameSealer,
    Identity,
    Invite,
    envelope_type,
    open_control,
    open_direct,
    open_epoch_key,
    open_frame,
    open_knock,
    parse_frame_header,
    seal_control,
    seal_direct,
    seal_epoch_key,
    seal_knock,
)
from crypto.control import MAX_BODY

ALICE = Identity.from_seed(bytes(range(32)))
BOB = Identity.from_seed(bytes(range(32, 64)))
SESSION = bytes(range(8))
EPOCH = EpochKey(2, bytes([4]) * 32)
ROOM = bytes([9]) * 32

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PARSERS: dict[str, Callable[[bytes], object]] = {
    "parse_frame_header": parse_frame_header,
    "open_frame": lambda d: open_frame(d, EPOCH, ALICE.public, SESSION),
    "open_control": lambda d: open_control(d, EPOCH),
    "open_knock": lambda d: open_knock(ROOM, BOB, d),
    "open_direct": lambda d: open_direct(BOB, d),
    "open_epoch_key": lambda d: open_epoch_key(BOB, d),
    "envelope_type": envelope_type,
}

VALID = [
    FrameSealer(ALICE, 1, SESSION).seal(EPOCH, bytes(80)),
    seal_control(EPOCH, ALICE, 1, 1, 1, b"body"),
    seal_knock(ROOM, BOB.public, ALICE, b"body"),
    seal_direct(BOB.public, ALICE, 1, b"body"),
    seal_epoch_key(BOB.public, EPOCH),
]


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    """Random bytes, or a valid message cut, extended or overwritten: these reach deep checks."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cut", "extend", "overwrite"]))
        if action == "cut":
            del data[draw(st.integers(0, len(data))) :]
        elif action == "extend":
            data += draw(st.binary(min_size=1, max_size=8))
        elif data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def only_crypto_errors(parse: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(CryptoError):
        parse(data)


@FUZZ
@given(data=hostile(), name=st.sampled_from(sorted(PARSERS)))
def test_parsers_raise_only_crypto_errors(data: bytes, name: str) -> None:
    only_crypto_errors(PARSERS[name], data)


@FUZZ
@given(st.text(max_size=300))
def test_invite_parse_of_random_text(text: str) -> None:
    try:
        Invite.parse(text)
    except BadInvite as error:
        assert str(error).endswith(".")


@FUZZ
@given(st.text(alphabet=string.ascii_letters + string.digits + "-_=+/ \n", max_size=400))
def test_invite_parse_of_random_fragments(fragment: str) -> None:
    try:
        Invite.parse("majlis://join#" + fragment)
    except BadInvite as error:
        assert error.reason in {"damaged", "newer-version", "bad-relay"}


@FUZZ
@given(st.binary(max_size=300))
def test_invite_from_random_bytes(raw: bytes) -> None:
    try:
        invite = Invite.from_bytes(raw)
    except BadInvite:
        return
    assert invite.to_bytes() == raw


@FUZZ
@given(payload=st.binary(min_size=1, max_size=1275), member=st.integers(0, 2**32 - 1),
       session=st.binary(min_size=8, max_size=8), number=st.integers(0, 2**32 - 1))
def test_frame_round_trip(payload: bytes, member: int, session: bytes, number: int) -> None:
    epoch = EpochKey(number, bytes([number % 256]) * 32)
    frame = FrameSealer(ALICE, member, session).seal(epoch, payload)
    header, opened = open_frame(frame, epoch, ALICE.public, session)
    assert (header.epoch, header.member_id, header.counter, opened) == (number, member, 0, payload)
    assert len(frame) == len(payload) + 77


@FUZZ
@given(body=st.binary(max_size=2000), kind=st.integers(0, 255),
       signer_id=st.integers(0, 2**32 - 1), seq=st.integers(0, 2**64 - 1))
def test_control_round_trip(body: bytes, kind: int, signer_id: int, seq: int) -> None:
    message = open_control(seal_control(EPOCH, ALICE, signer_id, seq, kind, body), EPOCH)
    assert (message.kind, message.signer_id, message.seq, message.body) == (
        kind, signer_id, seq, body)
    message.verify(ALICE.public)


@FUZZ
@given(body=st.binary(max_size=2000), kind=st.integers(0, 255))
def test_knock_and_direct_round_trip(body: bytes, kind: int) -> None:
    assert open_knock(ROOM, ALICE, seal_knock(ROOM, ALICE.public, BOB, body)).body == body
    message = open_direct(BOB, seal_direct(BOB.public, ALICE, kind, body))
    assert (message.kind, message.sender, message.body) == (kind, ALICE.public, body)


@FUZZ
@given(number=st.integers(0, 2**32 - 1), key=st.binary(min_size=32, max_size=32))
def test_epoch_key_round_trip(number: int, key: bytes) -> None:
    epoch = EpochKey(number, key)
    assert open_epoch_key(BOB, seal_epoch_key(BOB.public, epoch)) == epoch


_HOST_CHARS = st.text(alphabet=string.ascii_lowercase + string.digits + ".-", min_size=1,
                      max_size=40)


@FUZZ
@given(
    hosts=st.lists(_HOST_CHARS, min_size=1, max_size=8),
    secure=st.booleans(),
    secret=st.binary(min_size=32, max_size=32),
)
def test_invite_round_trip(hosts: list[str], secure: bool, secret: bytes) -> None:
    assume(all(not h.startswith("/") for h in hosts))
    relays = [("wss://" if secure else "ws://") + h for h in hosts]
    invite = Invite.create(relays, ALICE.public.key, random=lambda n: secret[:n])
    assert Invite.parse(invite.to_link()) == invite
    assert Invite.parse(" " + invite.to_link().upper()[:14] + invite.to_link()[14:]) == invite


def test_max_body_envelopes_fit_a_relay_payload() -> None:
    biggest = [
        seal_control(EPOCH, ALICE, 1, 1, 1, bytes(MAX_BODY)),
        seal_knock(ROOM, BOB.public, ALICE, bytes(MAX_BODY)),
        seal_direct(BOB.public, ALICE, 1, bytes(MAX_BODY)),
    ]
    assert max(map(len, biggest)) <= 65536
