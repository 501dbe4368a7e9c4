"""Flip every bit of every byte of each authenticated format: none may open.

PyNaCl's own tests flip bytes one at a time and expect authentication to fail; here every one of
the 8 bit positions of every byte is tried, so no field is left out of the authenticated data.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from crypto import (
    BadInvite,
    CryptoError,
    EpochKey,
    FrameSealer,
    Identity,
    Invite,
    open_control,
    open_direct,
    open_epoch_key,
    open_frame,
    open_knock,
    seal_control,
    seal_direct,
    seal_epoch_key,
    seal_knock,
)

ALICE = Identity.from_seed(bytes(range(32)))
BOB = Identity.from_seed(bytes(range(32, 64)))
SESSION = bytes(range(8))
EPOCH = EpochKey(4, bytes([8]) * 32)
ROOM = bytes([1]) * 32


def flips(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(index, bit mask, data with that one bit flipped) for every bit of `data`."""
    for index in range(len(data)):
        for bit in range(8):
            mask = 1 << bit
            yield index, mask, data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


def _control_then_verify(data: bytes) -> object:
    message = open_control(data, EPOCH)
    message.verify(ALICE.public)
    return message


CASES: dict[str, tuple[bytes, Callable[[bytes], object]]] = {
    "frame": (
        FrameSealer(ALICE, 3, SESSION).seal(EPOCH, bytes(range(80))),
        lambda data: open_frame(data, EPOCH, ALICE.public, SESSION),
    ),
    "control": (
        seal_control(EPOCH, ALICE, 3, 11, 0x10, b"hand raised"),
        _control_then_verify,
    ),
    "knock": (
        seal_knock(ROOM, ALICE.public, BOB, b"let me in"),
        lambda data: open_knock(ROOM, ALICE, data),
    ),
    "direct": (
        seal_direct(BOB.public, ALICE, 0x21, b"you are on stage"),
        lambda data: open_direct(BOB, data),
    ),
    "epoch key": (
        seal_epoch_key(BOB.public, EPOCH),
        lambda data: open_epoch_key(BOB, data),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_flipped_bit_is_rejected(name: str) -> None:
    original, opener = CASES[name]
    opener(original)  # the untouched message opens
    count = 0
    for index, mask, tampered in flips(original):
        with pytest.raises(CryptoError):
            opener(tampered)
            pytest.fail(f"{name}: byte {index} ^ {mask:#04x} was accepted")
        count += 1
    assert count == 8 * len(original)


def _link(payload: bytes) -> str:
    return "majlis://join#" + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def test_every_flipped_invite_bit_is_rejected_or_changes_exactly_that_field() -> None:
    """Invites carry no MAC (the link is the secret): a flipped bit must never go unnoticed, and
    when the result still parses, exactly the flipped field must differ."""
    invite = Invite(("wss://relay.example.org",), ROOM, ALICE.public.key)
    raw = invite.to_bytes()
    url_start = 66 + 2
    for index, _mask, tampered in flips(raw):
        try:
            parsed = Invite.parse(_link(tampered))
        except BadInvite:
            continue
        assert parsed != invite
        if 1 <= index < 33:
            assert parsed.room_secret == tampered[1:33]
            assert (parsed.host_key, parsed.relays) == (invite.host_key, invite.relays)
        elif 33 <= index < 65:
            assert parsed.host_key == tampered[33:65]
            assert (parsed.room_secret, parsed.relays) == (invite.room_secret, invite.relays)
        elif index >= url_start:
            assert parsed.relays[0].encode() == tampered[url_start:]
            assert (parsed.room_secret, parsed.host_key) == (invite.room_secret, invite.host_key)
        else:
            pytest.fail(f"flipping structural byte {index} still parsed")


def test_structural_invite_bytes_always_fail() -> None:
    raw = Invite(("wss://relay.example.org",), ROOM, ALICE.public.key).to_bytes()
    for index in (0, 65, 66, 67):
        for _, _, tampered in flips(raw[index : index + 1]):
            with pytest.raises(BadInvite):
                Invite.parse(_link(raw[:index] + tampered + raw[index + 1 :]))
