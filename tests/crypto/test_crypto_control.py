"""Knock, control and direct envelopes: round trips, binding, and who can open what."""

from __future__ import annotations

from collections.abc import Callable

import nacl.bindings
import pytest

from crypto import (
    CONTROL,
    DIRECT,
    KNOCK,
    MAX_BODY,
    BadSignature,
    DecryptionFailed,
    EpochKey,
    Identity,
    MalformedMessage,
    UnknownVersion,
    envelope_type,
    knock_key,
    open_control,
    open_direct,
    open_knock,
    peek_control_epoch,
    routing_id,
    seal_control,
    seal_direct,
    seal_knock,
)
from crypto.control import DIRECT_LABEL, KNOCK_LABEL

HOST = Identity.from_seed(bytes(range(32)))
GUEST = Identity.from_seed(bytes(range(32, 64)))
OTHER = Identity.from_seed(bytes(range(64, 96)))
ROOM = bytes([5]) * 32
EPOCH = EpochKey(9, bytes([6]) * 32)


def fixed(byte: int) -> Callable[[int], bytes]:
    return lambda n: bytes([byte]) * n


def test_envelope_types() -> None:
    assert (KNOCK, CONTROL, DIRECT) == (1, 2, 3)
    assert envelope_type(seal_knock(ROOM, GUEST, b"")) == KNOCK
    assert envelope_type(seal_control(EPOCH, HOST, 1, 1, 0, b"")) == CONTROL
    assert envelope_type(seal_direct(GUEST.public, HOST, 0, b"")) == DIRECT


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"", MalformedMessage), (b"\x01", MalformedMessage), (b"\x02\x01", UnknownVersion),
     (b"\x01\x00", MalformedMessage), (b"\x01\x04", MalformedMessage)],
)
def test_envelope_type_rejects(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        envelope_type(data)


def test_control_round_trip_then_verify() -> None:
    data = seal_control(EPOCH, HOST, 1, 77, 0x42, b"promote 5")
    assert peek_control_epoch(data) == 9
    message = open_control(data, EPOCH)
    assert (message.kind, message.epoch, message.signer_id, message.seq, message.body) == (
        0x42, 9, 1, 77, b"promote 5")
    message.verify(HOST.public)


def test_control_nonce_comes_from_the_injected_random() -> None:
    one = seal_control(EPOCH, HOST, 1, 1, 0, b"x", random=fixed(1))
    two = seal_control(EPOCH, HOST, 1, 1, 0, b"x", random=fixed(2))
    assert one[7:31] == bytes([1]) * 24
    assert one != two
    assert open_control(one, EPOCH) == open_control(two, EPOCH)


def test_control_signed_by_someone_else_fails_verification() -> None:
    """Any member can encrypt under the epoch key; only the signature says who spoke."""
    forged = open_control(seal_control(EPOCH, GUEST, 1, 5, 0x42, b"promote 7"), EPOCH)
    with pytest.raises(BadSignature):
        forged.verify(HOST.public)


def test_control_needs_the_epoch_key() -> None:
    data = seal_control(EPOCH, HOST, 1, 1, 0, b"secret roster")
    with pytest.raises(DecryptionFailed):
        open_control(data, EpochKey(9, bytes(32)))
    with pytest.raises(DecryptionFailed):
        open_control(data, EPOCH.ratchet())


def test_control_limits() -> None:
    assert open_control(seal_control(EPOCH, HOST, 1, 1, 0, bytes(MAX_BODY)), EPOCH).body == bytes(
        MAX_BODY)
    for args in [(1, 1, 0, bytes(MAX_BODY + 1)), (1, 1, 256, b""), (1, 2**64, 0, b""),
                 (2**32, 1, 0, b""), (-1, 1, 0, b"")]:
        with pytest.raises(MalformedMessage):
            seal_control(EPOCH, HOST, *args)


def test_peek_control_epoch_rejects_other_envelopes() -> None:
    with pytest.raises(MalformedMessage):
        peek_control_epoch(seal_knock(ROOM, GUEST, b""))


def test_knock_round_trip() -> None:
    knock = open_knock(ROOM, seal_knock(ROOM, GUEST, b"it's me"))
    assert knock.joiner == GUEST.public
    assert knock.body == b"it's me"


def test_knock_for_another_room_does_not_open() -> None:
    with pytest.raises(DecryptionFailed):
        open_knock(bytes([6]) * 32, seal_knock(ROOM, GUEST, b"hi"))


def test_knock_signed_for_another_room_is_refused() -> None:
    """Someone holding two invites re-encrypts a knock seen in room B for room A: it must fail."""
    other_room = bytes([6]) * 32
    signature = GUEST.sign(KNOCK_LABEL, routing_id(other_room) + b"hi")
    head, nonce = b"\x01\x01", bytes(24)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        GUEST.public.key + signature + b"hi", head, nonce, knock_key(ROOM)
    )
    with pytest.raises(BadSignature):
        open_knock(ROOM, head + nonce + sealed)


def test_direct_round_trip() -> None:
    message = open_direct(GUEST, seal_direct(GUEST.public, HOST, 0x21, b"your key"))
    assert (message.kind, message.sender, message.body) == (0x21, HOST.public, b"your key")


def test_direct_opens_for_its_recipient_only() -> None:
    with pytest.raises(DecryptionFailed):
        open_direct(OTHER, seal_direct(GUEST.public, HOST, 0x21, b"your key"))


def test_direct_cannot_be_forwarded_as_if_addressed_to_someone_else() -> None:
    """GUEST re-seals HOST's signed message to OTHER: the signature names GUEST, so it fails."""
    inner = GUEST.unseal(seal_direct(GUEST.public, HOST, 0x21, b"you are co-host")[3:])
    forwarded = bytes([1, 3, 0x21]) + OTHER.public.seal(inner)
    with pytest.raises(BadSignature):
        open_direct(OTHER, forwarded)


def test_direct_kind_is_bound_by_the_signature() -> None:
    data = seal_direct(GUEST.public, HOST, 0x21, b"x")
    with pytest.raises(BadSignature):
        open_direct(GUEST, data[:2] + b"\x22" + data[3:])


def test_direct_with_an_unsigned_sender_key_is_refused() -> None:
    signature = OTHER.sign(DIRECT_LABEL, b"\x00" + GUEST.public.key + b"x")
    data = bytes([1, 3, 0]) + GUEST.public.seal(HOST.public.key + signature + b"x")
    with pytest.raises(BadSignature):
        open_direct(GUEST, data)


def test_direct_limits() -> None:
    big = seal_direct(GUEST.public, HOST, 0, bytes(MAX_BODY))
    assert len(big) < 65536  # fits one relay payload
    assert open_direct(GUEST, big).body == bytes(MAX_BODY)
    with pytest.raises(MalformedMessage):
        seal_direct(GUEST.public, HOST, 0, bytes(MAX_BODY + 1))
    with pytest.raises(MalformedMessage):
        seal_direct(GUEST.public, HOST, 300, b"")
