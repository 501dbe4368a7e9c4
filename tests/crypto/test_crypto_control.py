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
    routing_id,
    seal_control,
    seal_direct,
    seal_knock,
)
from crypto.control import DIRECT_LABEL, KNOCK_LABEL, PAD_SIZES

HOST = Identity.from_seed(bytes(range(32)))
GUEST = Identity.from_seed(bytes(range(32, 64)))
OTHER = Identity.from_seed(bytes(range(64, 96)))
ROOM = bytes([5]) * 32
EPOCH = EpochKey(9, bytes([6]) * 32)


def fixed(byte: int) -> Callable[[int], bytes]:
    return lambda n: bytes([byte]) * n


def test_envelope_types() -> None:
    assert (KNOCK, CONTROL, DIRECT) == (1, 2, 3)
    assert envelope_type(seal_knock(ROOM, HOST.public, GUEST, b"")) == KNOCK
    assert envelope_type(seal_control(EPOCH, HOST, 1, 1, 0, b"")) == CONTROL
    assert envelope_type(seal_direct(GUEST.public, HOST, 0, b"")) == DIRECT


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"", MalformedMessage), (b"\x02", MalformedMessage), (b"\x01\x01", UnknownVersion),
     (b"\x02\x00", MalformedMessage), (b"\x02\x04", MalformedMessage)],
)
def test_envelope_type_rejects(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        envelope_type(data)


def test_control_round_trip_then_verify() -> None:
    data = seal_control(EPOCH, HOST, 1, 77, 0x42, b"promote 5")
    message = open_control(data, EPOCH)
    assert (message.kind, message.epoch, message.signer_id, message.seq, message.body) == (
        0x42, 9, 1, 77, b"promote 5")
    message.verify(HOST.public)


def test_control_nonce_comes_from_the_injected_random() -> None:
    one = seal_control(EPOCH, HOST, 1, 1, 0, b"x", random=fixed(1))
    two = seal_control(EPOCH, HOST, 1, 1, 0, b"x", random=fixed(2))
    assert one[2:26] == bytes([1]) * 24
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


def test_control_says_nothing_in_clear() -> None:
    """Kind and epoch are inside the encryption: a hand and a removal look the same."""
    hand = seal_control(EPOCH, HOST, 1, 1, 0x11, b"\x01", random=fixed(1))
    kick = seal_control(EpochKey(10, bytes([7]) * 32), HOST, 1, 1, 0x16, bytes(300),
                        random=fixed(1))
    assert len(hand) == len(kick) == PAD_SIZES[0]
    assert hand[:26] == kick[:26]  # version, type and nonce only


def test_every_envelope_is_one_of_a_few_sizes() -> None:
    for n in (0, 1, 100, 300, 1000, 5000, 20000, MAX_BODY):
        assert len(seal_control(EPOCH, HOST, 1, 1, 0, bytes(n))) in PAD_SIZES
        assert len(seal_direct(GUEST.public, HOST, 0, bytes(n))) in PAD_SIZES
        assert len(seal_knock(ROOM, HOST.public, GUEST, bytes(n))) in PAD_SIZES


def test_an_envelope_of_another_size_is_refused() -> None:
    data = seal_control(EPOCH, HOST, 1, 1, 0, b"x")
    for bad in (data[:-1], data + b"\x00"):
        with pytest.raises(MalformedMessage):
            open_control(bad, EPOCH)


def test_knock_round_trip() -> None:
    knock = open_knock(ROOM, HOST, seal_knock(ROOM, HOST.public, GUEST, b"it's me"))
    assert knock.joiner == GUEST.public
    assert knock.body == b"it's me"


def test_a_knock_opens_for_the_host_only() -> None:
    """The invite lets you knock, not read others' knocks: an ex-member holding the link (and
    so the knock key) cannot open one."""
    data = seal_knock(ROOM, HOST.public, GUEST, b"Guest, from the reading group")
    with pytest.raises(DecryptionFailed):
        open_knock(ROOM, OTHER, data)


def test_knock_for_another_room_does_not_open() -> None:
    with pytest.raises(DecryptionFailed):
        open_knock(bytes([6]) * 32, HOST, seal_knock(ROOM, HOST.public, GUEST, b"hi"))


def test_knock_signed_for_another_room_is_refused() -> None:
    """Someone holding two invites re-encrypts a knock seen in room B for room A: it must fail."""
    other_room = bytes([6]) * 32
    signature = GUEST.sign(KNOCK_LABEL, routing_id(other_room) + b"hi")
    head, nonce = b"\x02\x01", bytes(24)
    plain = GUEST.public.key + signature + b"hi" + b"\x80"
    inner = HOST.public.seal(plain + bytes(512 - 2 - 24 - 16 - 48 - len(plain)))
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        inner, head, nonce, knock_key(ROOM)
    )
    with pytest.raises(BadSignature):
        open_knock(ROOM, HOST, head + nonce + sealed)


def test_direct_round_trip() -> None:
    message = open_direct(GUEST, seal_direct(GUEST.public, HOST, 0x21, b"your key"))
    assert (message.kind, message.sender, message.body) == (0x21, HOST.public, b"your key")


def test_direct_opens_for_its_recipient_only() -> None:
    with pytest.raises(DecryptionFailed):
        open_direct(OTHER, seal_direct(GUEST.public, HOST, 0x21, b"your key"))


def test_direct_cannot_be_forwarded_as_if_addressed_to_someone_else() -> None:
    """GUEST re-seals HOST's signed message to OTHER: the signature names GUEST, so it fails."""
    inner = GUEST.unseal(seal_direct(GUEST.public, HOST, 0x21, b"you are co-host")[2:])
    forwarded = bytes([2, 3]) + OTHER.public.seal(inner)
    with pytest.raises(BadSignature):
        open_direct(OTHER, forwarded)


def test_direct_kind_is_bound_by_the_signature() -> None:
    inner = GUEST.unseal(seal_direct(GUEST.public, HOST, 0x21, b"x")[2:])
    with pytest.raises(BadSignature):
        open_direct(GUEST, bytes([2, 3]) + GUEST.public.seal(b"\x22" + inner[1:]))


def test_direct_with_an_unsigned_sender_key_is_refused() -> None:
    signature = OTHER.sign(DIRECT_LABEL, b"\x00" + GUEST.public.key + b"x")
    plain = b"\x00" + HOST.public.key + signature + b"x\x80"
    data = bytes([2, 3]) + GUEST.public.seal(plain + bytes(512 - 2 - 48 - len(plain)))
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
