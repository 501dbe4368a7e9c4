"""tests/vectors/code/exchange.json: reproduced by its generator, and checked step by step
with independent code where we can (hashlib's BLAKE2b for the mailbox id, PyNaCl's AEAD)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import nacl.bindings as sodium
import pytest

from app.code import errors
from app.code import messages as m
from app.code.codes import CONFIRM, SEAL, Code, SessionKeys, parse_code
from app.code.errors import BadCode
from crypto.invite import Invite

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "code"
DATA = json.loads((VECTORS / "exchange.json").read_text())
X = DATA["exchange"]


def h(name: str) -> bytes:
    return bytes.fromhex(X[name])


def test_the_file_is_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_code_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (VECTORS / "exchange.json").read_text(), "rerun make_vectors.py"


def test_mailbox_ids_are_unkeyed_blake2b_of_the_nameplate() -> None:
    for nameplate, expected in DATA["mailbox_ids"].items():
        mine = hashlib.blake2b(nameplate.encode(), digest_size=16,
                               person=b"majlis-mailbox").hexdigest()
        assert mine == expected
    assert X["mailbox_id"] == DATA["mailbox_ids"]["7"]


def test_keys_derive_from_the_pake_key_as_documented() -> None:
    transcript = h("pake_joiner") + h("pake_host")

    def kdf(purpose: bytes, context: bytes) -> str:
        return hashlib.blake2b(context, digest_size=32, key=h("pake_key"),
                               person=purpose).hexdigest()

    assert kdf(CONFIRM, b"host" + transcript) == X["host_tag"]
    assert kdf(CONFIRM, b"joiner" + transcript) == X["joiner_tag"]
    assert kdf(SEAL, b"host") == X["host_seal"] and kdf(SEAL, b"joiner") == X["joiner_seal"]
    keys = SessionKeys.derive(h("pake_key"), h("pake_joiner"), h("pake_host"))
    assert keys.host_tag.hex() == X["host_tag"]
    assert Code(X["nameplate"], "451938").password.hex() == X["password"]


def test_messages_are_laid_out_as_documented() -> None:
    assert h("hello") == b"\x01\x01" + h("pake_joiner")
    assert h("reply") == b"\x01\x02" + h("pake_host") + h("host_tag")
    sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        h("joiner_block"), b"\x01\x03", h("confirm_nonce"), h("joiner_seal"))
    assert h("confirm") == b"\x01\x03" + h("joiner_tag") + h("confirm_nonce") + sealed
    sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        h("room_block"), b"\x01\x04", h("invite_nonce"), h("host_seal"))
    assert h("invite_message") == b"\x01\x04" + h("invite_nonce") + sealed
    assert h("failed_expired") == b"\x01\x05\x01" and h("failed_used_up") == b"\x01\x05\x02"


def test_blocks_hold_the_identity_the_invite_and_the_names() -> None:
    assert m.read_joiner_block(h("joiner_block")) == (h("joiner_identity"), X["joiner_name"])
    invite, name = m.read_room_block(h("room_block"))
    assert Invite.from_bytes(invite) == Invite.parse(X["invite"]) and name == X["room_name"]
    assert len(h("room_block")) == 1024 and len(h("joiner_block")) == 128


@pytest.mark.parametrize("name", ["hello", "reply", "confirm", "invite_message",
                                  "failed_expired", "failed_used_up"])
def test_valid_messages_decode_and_encode_back(name: str) -> None:
    assert m.encode(m.decode(h(name))) == h(name)


@pytest.mark.parametrize("case", DATA["invalid"], ids=lambda c: c["name"])
def test_invalid_messages_raise_the_named_error(case: dict[str, str]) -> None:
    with pytest.raises(getattr(errors, case["error"])) as caught:
        m.decode(bytes.fromhex(case["hex"]))
    assert type(caught.value).__name__ == case["error"]


@pytest.mark.parametrize("case", DATA["typed"], ids=lambda c: c["text"])
def test_typed_codes(case: dict[str, object]) -> None:
    text = str(case["text"])
    if "error" in case:
        with pytest.raises(BadCode) as caught:
            parse_code(text)
        assert caught.value.reason == case["error"]
    else:
        code, relay = parse_code(text)
        assert (code.nameplate, code.secret, relay) == \
            (case["nameplate"], case["secret"], case["relay"])
