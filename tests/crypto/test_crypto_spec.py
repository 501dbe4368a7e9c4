"""The formats rebuilt from docs/PROTOCOL.md (part 2) alone, with other code than crypto/ uses.

BLAKE2b comes from Python's hashlib, signatures from nacl.signing objects, layouts from struct:
if the package and this file agree on the golden vectors, the document describes the package.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import struct
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.public
import nacl.signing

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "crypto"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def blake2b(data: bytes, size: int, key: bytes = b"", person: bytes = b"") -> bytes:
    return hashlib.blake2b(data, digest_size=size, key=key, person=person).digest()


def labelled(label: bytes, message: bytes) -> bytes:
    return bytes([len(label)]) + label + message


def test_kdf_is_keyed_blake2b_personalised_with_the_purpose() -> None:
    for v in load("keys.json")["kdf"]:
        expected = blake2b(h(v["context"]), 32, h(v["key"]), v["purpose"].encode())
        assert expected == h(v["output"])


def test_key_schedule_layouts() -> None:
    keys = load("keys.json")
    for v in keys["routing_id"]:
        assert blake2b(b"", 16, h(v["room_secret"]), b"majlis-route") == h(v["routing_id"])
        assert blake2b(b"", 32, h(v["room_secret"]), b"majlis-knock") == h(v["knock_key"])
    chain = keys["ratchet"]
    for earlier, later in itertools.pairwise(chain):
        context = struct.pack(">I", later["number"])
        assert blake2b(context, 32, h(earlier["key"]), b"majlis-ratchet") == h(later["key"])
    for v in keys["control_key"]:
        context = struct.pack(">I", v["number"])
        assert blake2b(context, 32, h(v["key"]), b"majlis-control") == h(v["control_key"])
    for v in keys["audio_key"]:
        context = struct.pack(">II", v["epoch_number"], v["member_id"]) + h(v["session"])
        audio = blake2b(context, 32, h(v["epoch_key"]), b"majlis-audio")
        assert audio == h(v["audio_key"])
        assert blake2b(b"", 32, audio, b"majlis-bind") == h(v["binding"])
    for v in keys["room_code"]:
        digest = blake2b(h(v["host_key"]), 32, h(v["room_secret"]), b"majlis-roomcode")
        digits = f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"
        assert f"{digits[:3]} {digits[3:]}" == v["room_code"]


def test_identity_fingerprint_and_safety_number() -> None:
    data = load("identity.json")
    for v in data["identities"]:
        signing = nacl.signing.SigningKey(h(v["seed"]))
        assert bytes(signing.verify_key) == h(v["ed25519_public"])
        assert bytes(signing.verify_key.to_curve25519_public_key()) == h(v["x25519_public"])
        text = blake2b(h(v["ed25519_public"]), 32, person=b"majlis-finger")[:8].hex().upper()
        assert " ".join(text[i : i + 4] for i in range(0, 16, 4)) == v["fingerprint"]
    for v in data["safety_numbers"]:
        first, second = sorted((h(v["a"]), h(v["b"])))
        digest = blake2b(first + second, 32, person=b"majlis-safety")
        digits = f"{int.from_bytes(digest[:16], 'big') % 10**20:020d}"
        assert " ".join(digits[i : i + 5] for i in range(0, 20, 5)) == v["safety_number"]
    for v in data["signatures"]:
        signing = nacl.signing.SigningKey(h(v["seed"]))
        signed = signing.sign(labelled(h(v["label"]), h(v["message"])))
        assert signed.signature == h(v["signature"])


def test_audio_frame_layout() -> None:
    data = load("frame.json")
    keys = load("keys.json")
    audio = next(
        v for v in keys["audio_key"]
        if v["member_id"] == data["member_id"] and v["session"] == data["session"]
        and v["epoch_number"] == data["epoch_number"]
    )
    key, binding, session = h(audio["audio_key"]), h(audio["binding"]), h(data["session"])
    signing = nacl.signing.SigningKey(h(data["sender_seed"]))
    for v in data["valid"]:
        payload = h(v["payload"])
        header = struct.pack(">BIII", 1, data["epoch_number"], data["member_id"], v["counter"])
        nonce = session + struct.pack(">IIQ", data["member_id"], data["epoch_number"],
                                      v["counter"])
        stream = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
            bytes(len(payload)), b"", nonce, key
        )[: len(payload)]
        ciphertext = bytes(p ^ s for p, s in zip(payload, stream, strict=True))
        signature = signing.sign(labelled(b"majlis/audio/v1", binding + header + ciphertext))
        assert header + ciphertext + signature.signature == h(v["frame"])


def unpad(padded: bytes) -> bytes:
    """PROTOCOL.md part 2, 7: content, then 0x80, then zeros to the envelope size."""
    content = padded.rstrip(b"\x00")
    assert content.endswith(b"\x80")
    return content[:-1]


def test_control_and_knock_envelope_layouts() -> None:
    data = load("envelopes.json")
    number = data["epoch_number"]
    control_key = blake2b(struct.pack(">I", number), 32, h(data["epoch_key"]), b"majlis-control")
    for v in data["control"]:
        envelope = h(v["envelope"])
        assert envelope[:2] == b"\x02\x02" and len(envelope) == 512
        plain = unpad(nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            envelope[26:], envelope[:2], envelope[2:26], control_key
        ))
        ids = struct.pack(">IQ", v["signer_id"], v["seq"])
        assert plain[:17] == struct.pack(">BI", v["kind"], number) + ids
        assert plain[81:] == h(v["body"])
        head = bytes([2, 2, v["kind"]]) + struct.pack(">I", number)
        nacl.signing.VerifyKey(h(v["signer_public"])).verify(
            labelled(b"majlis/control/v1", head + ids + h(v["body"])), plain[17:81]
        )
    secret = h(data["room_secret"])
    knock_key = blake2b(b"", 32, secret, b"majlis-knock")
    for v in data["knock"]:
        envelope = h(v["envelope"])
        assert envelope[:2] == b"\x02\x01" and len(envelope) == 512
        box = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            envelope[26:], envelope[:2], envelope[2:26], knock_key
        )
        host = nacl.signing.SigningKey(h(v["host_seed"]))
        plain = unpad(nacl.public.SealedBox(host.to_curve25519_private_key()).decrypt(box))
        assert plain[:32] == h(v["joiner_public"])
        assert plain[96:] == h(v["body"])
        room = blake2b(b"", 16, secret, b"majlis-route")
        nacl.signing.VerifyKey(plain[:32]).verify(
            labelled(b"majlis/knock/v1", room + plain[96:]), plain[32:96]
        )


def test_sealed_layouts() -> None:
    data = load("envelopes.json")
    for v in data["direct"]:
        recipient = nacl.signing.SigningKey(h(v["recipient_seed"]))
        box = nacl.public.SealedBox(recipient.to_curve25519_private_key())
        envelope = h(v["envelope"])
        assert envelope[:2] == bytes([2, 3]) and len(envelope) == 512
        plain = unpad(box.decrypt(envelope[2:]))
        assert plain[0] == v["kind"]
        assert plain[1:33] == h(v["sender_public"])
        signed = bytes([v["kind"]]) + bytes(recipient.verify_key) + h(v["body"])
        nacl.signing.VerifyKey(plain[1:33]).verify(labelled(b"majlis/direct/v1", signed),
                                                   plain[33:97])
    keys = load("epoch_key.json")
    recipient = nacl.signing.SigningKey(h(keys["recipient_seed"]))
    box = nacl.public.SealedBox(recipient.to_curve25519_private_key())
    for v in keys["valid"]:
        assert box.decrypt(h(v["sealed"])) == struct.pack(">I", v["number"]) + h(v["key"])


def test_invite_layout() -> None:
    for v in load("invite.json")["valid"]:
        scheme, fragment = v["link"].split("#")
        assert scheme == "majlis://join"
        raw = base64.urlsafe_b64decode(fragment + "=" * (-len(fragment) % 4))
        assert raw == h(v["payload"])
        assert raw[0] in (1, 2)  # version 2 pins the room's door key after the host key
        assert raw[1:33] == h(v["room_secret"])
        assert raw[33:65] == h(v["host_key"])
        fixed = 65
        if raw[0] == 2:
            assert raw[65:97] == h(v["door_key"])
            fixed = 97
        else:
            assert "door_key" not in v
        assert raw[fixed] == len(v["relays"])
        offset, relays = fixed + 1, []
        for _ in range(raw[fixed]):
            (size,) = struct.unpack_from(">H", raw, offset)
            relays.append(raw[offset + 2 : offset + 2 + size].decode("utf-8"))
            offset += 2 + size
        assert offset == len(raw)
        assert relays == v["relays"]
