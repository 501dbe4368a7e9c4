"""The key schedule: purposes are separated, ratchets go one way, epoch keys travel sealed."""

from __future__ import annotations

import itertools
import re

import pytest

from crypto import (
    DecryptionFailed,
    EpochKey,
    Identity,
    MalformedMessage,
    NonceExhausted,
    kdf,
    knock_key,
    open_epoch_key,
    room_code,
    routing_id,
    seal_epoch_key,
)
from crypto.keys import PURPOSES

KEY = bytes(range(32))
SESSION = bytes(range(8))
ALICE = Identity.from_seed(bytes(32))
BOB = Identity.from_seed(bytes([1]) * 32)


def test_every_purpose_gives_an_independent_key() -> None:
    outputs = {kdf(KEY, purpose, b"ctx") for purpose in PURPOSES}
    assert len(outputs) == len(PURPOSES)
    assert all(len(out) == 32 for out in outputs)


def test_context_and_key_both_change_the_output() -> None:
    assert kdf(KEY, b"majlis-audio", b"a") != kdf(KEY, b"majlis-audio", b"b")
    assert kdf(KEY, b"majlis-audio") != kdf(bytes(32), b"majlis-audio")


def test_purpose_longer_than_16_bytes_is_refused() -> None:
    with pytest.raises(MalformedMessage):
        kdf(KEY, b"x" * 17)


@pytest.mark.parametrize("size", [0, 15, 65])
def test_derivation_keys_are_16_to_64_bytes(size: int) -> None:
    with pytest.raises(MalformedMessage):
        kdf(bytes(size), b"majlis-audio")


def test_routing_id_is_16_bytes_and_not_the_knock_key() -> None:
    rid = routing_id(KEY)
    assert len(rid) == 16
    assert rid != knock_key(KEY)[:16]
    assert rid != routing_id(bytes(32))


def test_room_code_format_depends_on_secret_and_host() -> None:
    code = room_code(KEY, ALICE.public.key)
    assert re.fullmatch(r"\d{3} \d{3}", code)
    assert code == room_code(KEY, ALICE.public.key)
    # Six digits can collide by chance; over several hosts at least one must differ.
    others = {room_code(KEY, Identity.from_seed(bytes([i]) * 32).public.key) for i in range(8)}
    assert len(others) > 1


@pytest.mark.parametrize("number", [-1, 2**32])
def test_epoch_number_is_u32(number: int) -> None:
    with pytest.raises(MalformedMessage):
        EpochKey(number, KEY)


def test_epoch_key_is_32_bytes() -> None:
    with pytest.raises(MalformedMessage):
        EpochKey(0, bytes(31))


def test_epoch_key_repr_hides_the_key() -> None:
    epoch = EpochKey(3, KEY)
    assert KEY.hex() not in repr(epoch)
    assert str(KEY) not in repr(epoch)
    assert "3" in repr(epoch)


def test_random_epoch_key_uses_the_injected_random() -> None:
    epoch = EpochKey.random(4, random=lambda n: bytes([9]) * n)
    assert epoch == EpochKey(4, bytes([9]) * 32)
    assert EpochKey.random(4) != EpochKey.random(4)


def test_ratchet_advances_the_number_and_changes_every_derived_key() -> None:
    epoch = EpochKey(10, KEY)
    following = epoch.ratchet()
    assert following.number == 11
    assert following.key != epoch.key
    assert following.control_key() != epoch.control_key()
    assert following.audio_key(1, SESSION) != epoch.audio_key(1, SESSION)


def test_ratchet_refuses_to_wrap() -> None:
    assert EpochKey(2**32 - 2, KEY).ratchet().number == 2**32 - 1
    with pytest.raises(NonceExhausted):
        EpochKey(2**32 - 1, KEY).ratchet()


def test_nothing_derived_from_the_next_epoch_gives_back_the_previous_key() -> None:
    """A joiner gets epoch n+1 only: every derivation it can make from it misses epoch n's key."""
    epoch = EpochKey(5, KEY)
    joined = epoch.ratchet()
    contexts = [b"", b"\x00\x00\x00\x05", b"\x00\x00\x00\x06", b"\x00\x00\x00\x04"]
    derived = {kdf(joined.key, p, c) for p, c in itertools.product(PURPOSES, contexts)}
    assert epoch.key not in derived
    assert joined.ratchet().key != epoch.key


def test_audio_keys_differ_by_member_session_and_epoch() -> None:
    epoch = EpochKey(1, KEY)
    keys = {
        epoch.audio_key(1, SESSION),
        epoch.audio_key(2, SESSION),
        epoch.audio_key(1, bytes(8)),
        EpochKey(2, KEY).audio_key(1, SESSION),
        epoch.control_key(),
    }
    assert len(keys) == 5


@pytest.mark.parametrize(("member_id", "session"), [(-1, SESSION), (2**32, SESSION), (1, b"x")])
def test_audio_key_arguments_are_checked(member_id: int, session: bytes) -> None:
    with pytest.raises(MalformedMessage):
        EpochKey(1, KEY).audio_key(member_id, session)


def test_frame_key_cache_matches_fresh_derivation_and_stays_bounded() -> None:
    epoch = EpochKey(1, KEY)
    audio, binding = epoch.frame_keys(7, SESSION)
    assert audio == epoch.audio_key(7, SESSION)
    assert binding == kdf(audio, b"majlis-bind")
    for member in range(5000):
        epoch.frame_keys(member, SESSION)
    assert len(epoch._frame_keys) <= 4096
    assert epoch.frame_keys(7, SESSION) == (audio, binding)
    assert epoch == EpochKey(1, KEY)  # the cache is not part of equality


def test_sealed_epoch_key_round_trip() -> None:
    epoch = EpochKey(2**32 - 1, KEY)
    sealed = seal_epoch_key(BOB.public, epoch)
    assert len(sealed) == 84
    assert open_epoch_key(BOB, sealed) == epoch


def test_sealed_epoch_key_is_for_its_recipient_only() -> None:
    with pytest.raises(DecryptionFailed):
        open_epoch_key(ALICE, seal_epoch_key(BOB.public, EpochKey(1, KEY)))


@pytest.mark.parametrize("size", [0, 83, 85])
def test_sealed_epoch_key_has_exactly_84_bytes(size: int) -> None:
    with pytest.raises(MalformedMessage):
        open_epoch_key(BOB, bytes(size))
