"""Identities: signing with domain separation, sealed boxes, fingerprints and safety numbers."""

from __future__ import annotations

import re

import pytest

from crypto import (
    BadSignature,
    DecryptionFailed,
    Identity,
    MalformedMessage,
    PublicIdentity,
    safety_number,
)

ALICE = Identity.from_seed(bytes(range(32)))
BOB = Identity.from_seed(bytes(range(32, 64)))


def test_generate_uses_the_injected_random() -> None:
    asked: list[int] = []

    def random(size: int) -> bytes:
        asked.append(size)
        return bytes(range(32))

    identity = Identity.generate(random)
    assert asked == [32]
    assert identity.seed == bytes(range(32))
    assert identity.public == ALICE.public


def test_generate_with_the_default_random_gives_distinct_identities() -> None:
    assert Identity.generate().public != Identity.generate().public


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)])
def test_seed_must_be_32_bytes(seed: bytes) -> None:
    with pytest.raises(MalformedMessage):
        Identity.from_seed(seed)


@pytest.mark.parametrize("key", [b"", bytes(31), bytes(33)])
def test_public_key_must_be_32_bytes(key: bytes) -> None:
    with pytest.raises(MalformedMessage):
        PublicIdentity(key)


def test_sign_and_verify() -> None:
    signature = ALICE.sign(b"majlis/test/v1", b"message")
    assert len(signature) == 64
    ALICE.public.verify(b"majlis/test/v1", b"message", signature)


def test_signature_is_bound_to_its_label() -> None:
    signature = ALICE.sign(b"majlis/audio/v1", b"message")
    with pytest.raises(BadSignature):
        ALICE.public.verify(b"majlis/knock/v1", b"message", signature)


def test_label_length_prefix_prevents_shifting_bytes_between_label_and_message() -> None:
    signature = ALICE.sign(b"majlis/a", b"bc")
    with pytest.raises(BadSignature):
        ALICE.public.verify(b"majlis/ab", b"c", signature)


def test_signature_is_bound_to_the_signer() -> None:
    signature = ALICE.sign(b"label", b"message")
    with pytest.raises(BadSignature):
        BOB.public.verify(b"label", b"message", signature)


@pytest.mark.parametrize("signature", [b"", bytes(63), bytes(65), bytes(64)])
def test_malformed_signatures_are_bad_signatures(signature: bytes) -> None:
    with pytest.raises(BadSignature):
        ALICE.public.verify(b"label", b"message", signature)


def test_labels_longer_than_255_bytes_are_refused() -> None:
    with pytest.raises(MalformedMessage):
        ALICE.sign(b"x" * 256, b"")


def test_sealed_box_round_trip_and_size() -> None:
    sealed = BOB.public.seal(b"for bob")
    assert len(sealed) == len(b"for bob") + 48
    assert BOB.unseal(sealed) == b"for bob"


def test_only_the_recipient_can_unseal() -> None:
    with pytest.raises(DecryptionFailed):
        ALICE.unseal(BOB.public.seal(b"for bob"))


@pytest.mark.parametrize("size", [0, 47, 48])
def test_unseal_rejects_short_boxes(size: int) -> None:
    with pytest.raises(DecryptionFailed):
        BOB.unseal(bytes(size))


def test_a_key_that_is_not_a_curve_point_cannot_be_sealed_to() -> None:
    not_a_point = bytes([2]) + bytes(31)  # y = 2 has no x on edwards25519
    with pytest.raises(MalformedMessage):
        PublicIdentity(not_a_point).seal(b"x")


def test_public_identity_is_hashable_and_compares_by_key() -> None:
    again = Identity.from_seed(ALICE.seed).public
    assert again == ALICE.public
    assert again is not ALICE.public
    assert {ALICE.public: "alice"}[again] == "alice"
    assert ALICE.public != BOB.public


def test_repr_never_shows_the_seed() -> None:
    assert ALICE.seed.hex() not in repr(ALICE)
    assert str(ALICE.seed) not in repr(ALICE)
    assert ALICE.public.fingerprint() in repr(ALICE)


def test_fingerprint_format() -> None:
    fingerprint = ALICE.public.fingerprint()
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){3}", fingerprint)
    assert fingerprint != BOB.public.fingerprint()


def test_safety_number_is_symmetric_and_formatted() -> None:
    number = safety_number(ALICE.public, BOB.public)
    assert number == safety_number(BOB.public, ALICE.public)
    assert re.fullmatch(r"\d{5}( \d{5}){3}", number)


def test_safety_number_differs_for_a_different_pair() -> None:
    carol = Identity.from_seed(bytes(range(64, 96)))
    assert safety_number(ALICE.public, BOB.public) != safety_number(ALICE.public, carol.public)
