"""Golden vectors: the committed files in tests/vectors/crypto/ must keep meaning what they say.

Each valid vector must be reproduced byte for byte (or, for sealed boxes, open to the given
plaintext); each invalid one must be rejected with exactly the named error.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import crypto.errors
from crypto import (
    EpochKey,
    FrameHeader,
    FrameSealer,
    Identity,
    Invite,
    PublicIdentity,
    kdf,
    knock_key,
    open_control,
    open_direct,
    open_epoch_key,
    open_frame,
    open_knock,
    room_code,
    routing_id,
    safety_number,
    seal_control,
    seal_knock,
)
from crypto.errors import BadInvite, CryptoError
from crypto.keys import PURPOSES

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "crypto"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def error_class(name: str) -> type[CryptoError]:
    cls = getattr(crypto.errors, name)
    assert issubclass(cls, CryptoError)
    return cls  # type: ignore[no-any-return]


IDENTITY = load("identity.json")
KEYS = load("keys.json")
FRAME = load("frame.json")
ENVELOPES = load("envelopes.json")
EPOCH_KEYS = load("epoch_key.json")
INVITES = load("invite.json")


def test_generator_reproduces_the_committed_files() -> None:
    spec = importlib.util.spec_from_file_location(
        "majlis_crypto_make_vectors", VECTORS / "make_vectors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert sorted(built) == sorted(p.name for p in VECTORS.glob("*.json"))
    for name, content in built.items():
        assert module.render(content) == (VECTORS / name).read_text(encoding="utf-8"), name


# Identities -------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", IDENTITY["identities"], ids=lambda v: v["name"])
def test_identity_from_seed(vector: dict[str, str]) -> None:
    identity = Identity.from_seed(h(vector["seed"]))
    assert identity.public.key == h(vector["ed25519_public"])
    assert identity.public.x25519_key == h(vector["x25519_public"])
    assert identity.public.fingerprint() == vector["fingerprint"]


@pytest.mark.parametrize("vector", IDENTITY["safety_numbers"])
def test_safety_number(vector: dict[str, str]) -> None:
    a, b = PublicIdentity(h(vector["a"])), PublicIdentity(h(vector["b"]))
    assert safety_number(a, b) == vector["safety_number"]
    assert safety_number(b, a) == vector["safety_number"]


@pytest.mark.parametrize("vector", IDENTITY["signatures"])
def test_signature(vector: dict[str, str]) -> None:
    identity = Identity.from_seed(h(vector["seed"]))
    signature = identity.sign(h(vector["label"]), h(vector["message"]))
    assert signature == h(vector["signature"])
    identity.public.verify(h(vector["label"]), h(vector["message"]), signature)


# Key schedule -----------------------------------------------------------------------------------


def test_kdf_vectors_cover_every_purpose() -> None:
    assert {v["purpose"].encode() for v in KEYS["kdf"]} == set(PURPOSES)


@pytest.mark.parametrize("vector", KEYS["kdf"], ids=lambda v: f"{v['purpose']}-{v['context']}")
def test_kdf(vector: dict[str, str]) -> None:
    output = kdf(h(vector["key"]), vector["purpose"].encode(), h(vector["context"]))
    assert output == h(vector["output"])


@pytest.mark.parametrize("vector", KEYS["routing_id"])
def test_routing_id_and_knock_key(vector: dict[str, str]) -> None:
    assert routing_id(h(vector["room_secret"])) == h(vector["routing_id"])
    assert knock_key(h(vector["room_secret"])) == h(vector["knock_key"])


@pytest.mark.parametrize("vector", KEYS["room_code"])
def test_room_code(vector: dict[str, str]) -> None:
    assert room_code(h(vector["room_secret"]), h(vector["host_key"])) == vector["room_code"]


def test_ratchet_chain_of_three() -> None:
    chain = [EpochKey(v["number"], h(v["key"])) for v in KEYS["ratchet"]]
    assert len(chain) == 4
    for earlier, later in itertools.pairwise(chain):
        assert earlier.ratchet() == later


@pytest.mark.parametrize("vector", KEYS["control_key"], ids=lambda v: str(v["number"]))
def test_control_key(vector: dict[str, Any]) -> None:
    epoch = EpochKey(vector["number"], h(vector["key"]))
    assert epoch.control_key() == h(vector["control_key"])


@pytest.mark.parametrize("vector", KEYS["audio_key"])
def test_audio_key_and_binding(vector: dict[str, Any]) -> None:
    epoch = EpochKey(vector["epoch_number"], h(vector["epoch_key"]))
    session = h(vector["session"])
    assert epoch.audio_key(vector["member_id"], session) == h(vector["audio_key"])
    assert epoch.frame_keys(vector["member_id"], session) == (
        h(vector["audio_key"]),
        h(vector["binding"]),
    )


# Audio frames -----------------------------------------------------------------------------------

FRAME_EPOCH = EpochKey(FRAME["epoch_number"], h(FRAME["epoch_key"]))
FRAME_SENDER = PublicIdentity(h(FRAME["sender_public"]))
FRAME_SESSION = h(FRAME["session"])


def test_frames_are_reproduced_in_order() -> None:
    sealer = FrameSealer(Identity.from_seed(h(FRAME["sender_seed"])), FRAME["member_id"],
                         FRAME_SESSION)
    for vector in FRAME["valid"]:
        assert sealer.counter == vector["counter"]
        assert sealer.seal(FRAME_EPOCH, h(vector["payload"])) == h(vector["frame"])


@pytest.mark.parametrize("vector", FRAME["valid"], ids=lambda v: str(v["counter"]))
def test_frame_opens(vector: dict[str, Any]) -> None:
    header, payload = open_frame(h(vector["frame"]), FRAME_EPOCH, FRAME_SENDER, FRAME_SESSION)
    assert header == FrameHeader(FRAME["epoch_number"], FRAME["member_id"], vector["counter"])
    assert payload == h(vector["payload"])
    assert len(h(vector["frame"])) == len(payload) + 77


@pytest.mark.parametrize("vector", FRAME["invalid"], ids=lambda v: v["description"])
def test_invalid_frame_is_rejected(vector: dict[str, str]) -> None:
    with pytest.raises(CryptoError) as caught:
        open_frame(h(vector["frame"]), FRAME_EPOCH, FRAME_SENDER, FRAME_SESSION)
    assert type(caught.value) is error_class(vector["error"])


# Envelopes --------------------------------------------------------------------------------------

ENV_EPOCH = EpochKey(ENVELOPES["epoch_number"], h(ENVELOPES["epoch_key"]))
ROOM_SECRET = h(ENVELOPES["room_secret"])


@pytest.mark.parametrize("vector", ENVELOPES["control"], ids=lambda v: str(v["seq"]))
def test_control_envelope(vector: dict[str, Any]) -> None:
    envelope = h(vector["envelope"])
    message = open_control(envelope, ENV_EPOCH)
    assert (message.kind, message.epoch, message.signer_id, message.seq, message.body) == (
        vector["kind"], ENV_EPOCH.number, vector["signer_id"], vector["seq"], h(vector["body"])
    )
    message.verify(PublicIdentity(h(vector["signer_public"])))
    # Sealing again with the same nonce gives the same bytes: the format is fully determined.
    nonce = envelope[2:26]
    signer = {ident.public.key: ident for ident in _vector_people()}[h(vector["signer_public"])]
    again = seal_control(ENV_EPOCH, signer, vector["signer_id"], vector["seq"], vector["kind"],
                         h(vector["body"]), random=lambda n: nonce[:n])
    assert again == envelope


@pytest.mark.parametrize("vector", ENVELOPES["knock"])
def test_knock_envelope(vector: dict[str, str]) -> None:
    envelope = h(vector["envelope"])
    host = Identity.from_seed(h(vector["host_seed"]))
    knock = open_knock(ROOM_SECRET, host, envelope)
    assert knock.joiner == PublicIdentity(h(vector["joiner_public"]))
    assert knock.body == h(vector["body"])
    joiner = {ident.public.key: ident for ident in _vector_people()}[knock.joiner.key]
    # A knock is a sealed box inside: sealing again differs, but opens to the same.
    again = seal_knock(ROOM_SECRET, host.public, joiner, knock.body)
    assert len(again) == len(envelope) and open_knock(ROOM_SECRET, host, again) == knock


@pytest.mark.parametrize("vector", ENVELOPES["direct"])
def test_direct_envelope_opens_with_the_recipient_seed(vector: dict[str, Any]) -> None:
    message = open_direct(Identity.from_seed(h(vector["recipient_seed"])), h(vector["envelope"]))
    assert message.kind == vector["kind"]
    assert message.sender == PublicIdentity(h(vector["sender_public"]))
    assert message.body == h(vector["body"])


@pytest.mark.parametrize("vector", ENVELOPES["invalid"], ids=lambda v: v["description"])
def test_invalid_envelope_is_rejected(vector: dict[str, str]) -> None:
    envelope = h(vector["envelope"])
    with pytest.raises(CryptoError) as caught:
        if vector["opener"] == "control":
            open_control(envelope, ENV_EPOCH)
        elif vector["opener"] == "knock":
            open_knock(ROOM_SECRET, Identity.from_seed(h(ENVELOPES["knock"][0]["host_seed"])),
                       envelope)
        else:
            open_direct(Identity.from_seed(h(ENVELOPES["recipient_seed"])), envelope)
    assert type(caught.value) is error_class(vector["error"])


def _vector_people() -> list[Identity]:
    return [Identity.from_seed(h(v["seed"])) for v in IDENTITY["identities"]]


# Sealed epoch keys ------------------------------------------------------------------------------

EPOCH_RECIPIENT = Identity.from_seed(h(EPOCH_KEYS["recipient_seed"]))


@pytest.mark.parametrize("vector", EPOCH_KEYS["valid"], ids=lambda v: str(v["number"]))
def test_sealed_epoch_key_opens(vector: dict[str, Any]) -> None:
    sealed = h(vector["sealed"])
    assert len(sealed) == 84
    assert open_epoch_key(EPOCH_RECIPIENT, sealed) == EpochKey(vector["number"], h(vector["key"]))


@pytest.mark.parametrize("vector", EPOCH_KEYS["invalid"], ids=lambda v: v["description"])
def test_invalid_sealed_epoch_key_is_rejected(vector: dict[str, str]) -> None:
    with pytest.raises(CryptoError) as caught:
        open_epoch_key(EPOCH_RECIPIENT, h(vector["sealed"]))
    assert type(caught.value) is error_class(vector["error"])


# Invites ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", INVITES["valid"], ids=lambda v: v["relays"][0])
def test_invite(vector: dict[str, Any]) -> None:
    invite = Invite.parse(vector["link"])
    assert invite.relays == tuple(vector["relays"])
    assert invite.room_secret == h(vector["room_secret"])
    assert invite.host_key == h(vector["host_key"])
    assert invite.routing_id == h(vector["routing_id"])
    assert invite.to_bytes() == h(vector["payload"])
    assert invite.to_link() == vector["link"]


@pytest.mark.parametrize("vector", INVITES["equivalent"])
def test_invite_spellings_that_mean_the_same(vector: dict[str, str]) -> None:
    assert Invite.parse(vector["link"]) == Invite.parse(vector["canonical"])


@pytest.mark.parametrize("vector", INVITES["invalid"], ids=lambda v: v["reason"])
def test_invalid_invite_is_rejected(vector: dict[str, str]) -> None:
    with pytest.raises(BadInvite) as caught:
        Invite.parse(vector["link"])
    assert caught.value.reason == vector["reason"]
