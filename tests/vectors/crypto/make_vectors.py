"""Write the golden vectors of `crypto/` into this folder (run: python make_vectors.py).

Deterministic: every seed is SHAKE-256 of a name, every random input is injected, and the two
sealed-box formats (which libsodium randomises) are built by hand here from a fixed ephemeral
key, exactly as libsodium's crypto_box_seal builds them. Running it twice gives the same files;
`tests/crypto/test_crypto_vectors.py` checks that the committed files match what it builds.
See docs/PROTOCOL.md (part 2), "Test vectors", for what each file holds.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nacl.bindings as sodium  # noqa: E402

from crypto import (  # noqa: E402
    EpochKey,
    FrameSealer,
    Identity,
    Invite,
    kdf,
    knock_key,
    room_code,
    routing_id,
    safety_number,
    seal_control,
)
from crypto.control import DIRECT_LABEL, KNOCK_LABEL  # noqa: E402
from crypto.keys import PURPOSES  # noqa: E402

Json = dict[str, Any]


def named(name: str, size: int = 32) -> bytes:
    """Fixed bytes for a name, so the vectors need no randomness."""
    return hashlib.shake_256(b"majlis-vectors/" + name.encode()).digest(size)


def fixed_random(name: str) -> Any:
    """An injectable `random` that always answers with bytes derived from `name`."""
    return lambda size: named(name, size)


def sealed_box(recipient_x25519: bytes, plaintext: bytes, ephemeral_seed: bytes) -> bytes:
    """libsodium's crypto_box_seal with a chosen ephemeral key: epk | crypto_box(m, n, pk, esk)
    where n = BLAKE2b-192(epk | pk). Opens with crypto_box_seal_open like any sealed box."""
    epk, esk = sodium.crypto_box_seed_keypair(ephemeral_seed)
    nonce = hashlib.blake2b(epk + recipient_x25519, digest_size=24).digest()
    return bytes(epk) + bytes(sodium.crypto_box(plaintext, nonce, recipient_x25519, esk))


ALICE = Identity.from_seed(named("alice"))
BOB = Identity.from_seed(named("bob"))
CAROL = Identity.from_seed(named("carol"))
PEOPLE = {"alice": ALICE, "bob": BOB, "carol": CAROL}
ROOM_SECRET = named("room secret")
EPOCH = EpochKey(7, named("epoch 7"))
SESSION = named("alice session", 8)


def identities() -> Json:
    signatures = []
    for label, message in [(b"majlis/test/v1", b""), (b"majlis/audio/v1", b"hello")]:
        signatures.append(
            {
                "seed": ALICE.seed.hex(),
                "label": label.hex(),
                "message": message.hex(),
                "signature": ALICE.sign(label, message).hex(),
            }
        )
    return {
        "identities": [
            {
                "name": name,
                "seed": person.seed.hex(),
                "ed25519_public": person.public.key.hex(),
                "x25519_public": person.public.x25519_key.hex(),
                "fingerprint": person.public.fingerprint(),
            }
            for name, person in PEOPLE.items()
        ],
        "safety_numbers": [
            {"a": a.public.key.hex(), "b": b.public.key.hex(), "safety_number": safety_number(
                a.public, b.public)}
            for a, b in [(ALICE, BOB), (BOB, CAROL), (CAROL, ALICE)]
        ],
        "signatures": signatures,
    }


def keys() -> Json:
    key = named("kdf key")
    context = b"\x00\x00\x00\x07context"
    chain = [EPOCH]
    for _ in range(3):
        chain.append(chain[-1].ratchet())
    audio = []
    for number_key, member_id, session in [(EPOCH, 1, SESSION), (EPOCH, 2**32 - 1, bytes(8)),
                                           (chain[1], 1, SESSION)]:
        audio_key, binding = number_key.frame_keys(member_id, session)
        audio.append(
            {
                "epoch_number": number_key.number,
                "epoch_key": number_key.key.hex(),
                "member_id": member_id,
                "session": session.hex(),
                "audio_key": audio_key.hex(),
                "binding": binding.hex(),
            }
        )
    return {
        "kdf": [
            {
                "key": key.hex(),
                "purpose": purpose.decode(),
                "context": ctx.hex(),
                "output": kdf(key, purpose, ctx).hex(),
            }
            for purpose in PURPOSES
            for ctx in (b"", context)
        ],
        "routing_id": [
            {"room_secret": s.hex(), "routing_id": routing_id(s).hex(),
             "knock_key": knock_key(s).hex()}
            for s in (ROOM_SECRET, bytes(32))
        ],
        "room_code": [
            {"room_secret": ROOM_SECRET.hex(), "host_key": p.public.key.hex(),
             "room_code": room_code(ROOM_SECRET, p.public.key)}
            for p in (ALICE, BOB)
        ],
        "ratchet": [{"number": e.number, "key": e.key.hex()} for e in chain],
        "control_key": [
            {"number": e.number, "key": e.key.hex(), "control_key": e.control_key().hex()}
            for e in chain[:2]
        ],
        "audio_key": audio,
    }


def frames() -> Json:
    sealer = FrameSealer(ALICE, 1, SESSION)
    valid: list[Json] = []
    for payload in [bytes(80), named("opus packet", 80), b"\xff", bytes(range(256)) * 4]:
        counter = sealer.counter
        frame = sealer.seal(EPOCH, payload)
        valid.append({"counter": counter, "payload": payload.hex(), "frame": frame.hex()})
    good = bytes.fromhex(valid[1]["frame"])
    bad_version = bytes([2]) + good[1:]
    invalid = [
        ("empty", b"", "MalformedMessage"),
        ("header only", good[:13], "MalformedMessage"),
        ("no payload byte", good[:13] + good[-64:], "MalformedMessage"),
        ("truncated signature", good[:-1], "BadSignature"),
        ("trailing byte", good + b"\x00", "BadSignature"),
        ("version 2", bad_version, "UnknownVersion"),
        ("version 0", bytes([0]) + good[1:], "UnknownVersion"),
        ("epoch 8", good[:1] + struct.pack(">I", 8) + good[5:], "DecryptionFailed"),
        ("counter changed", good[:9] + struct.pack(">I", 99) + good[13:], "BadSignature"),
        ("payload bit flipped", good[:20] + bytes([good[20] ^ 1]) + good[21:], "BadSignature"),
        ("too long", good[:13] + bytes(1276) + good[-64:], "MalformedMessage"),
    ]
    return {
        "sender_seed": ALICE.seed.hex(),
        "sender_public": ALICE.public.key.hex(),
        "member_id": 1,
        "session": SESSION.hex(),
        "epoch_number": EPOCH.number,
        "epoch_key": EPOCH.key.hex(),
        "valid": valid,
        "invalid": [{"description": d, "frame": f.hex(), "error": e} for d, f, e in invalid],
    }


def envelopes() -> Json:
    control = seal_control(EPOCH, ALICE, 1, 42, 0x10, b"raise hand", fixed_random("nonce 1"))
    empty_control = seal_control(EPOCH, BOB, 2**32 - 1, 2**64 - 1, 0xFF, b"",
                                 fixed_random("nonce 2"))
    # Knocks and directs are sealed boxes, made here with a fixed ephemeral key so the file is
    # reproducible; every envelope is padded (0x80, then zeros) to 512 bytes.
    knock_body = b"Carol, from the reading group"
    head, nonce = bytes([2, 1]), fixed_random("nonce 3")(24)
    knock_plain = CAROL.public.key + CAROL.sign(KNOCK_LABEL, routing_id(ROOM_SECRET) + knock_body) \
        + knock_body + b"\x80"
    knock_box = sealed_box(ALICE.public.x25519_key,
                           knock_plain + bytes(512 - 90 - len(knock_plain)), named("ephemeral 2"))
    knock = head + nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        knock_box, head, nonce, knock_key(ROOM_SECRET))
    kind, body = 0x21, b"welcome"
    signature = ALICE.sign(DIRECT_LABEL, bytes([kind]) + BOB.public.key + body)
    direct_plain = bytes([kind]) + ALICE.public.key + signature + body + b"\x80"
    direct = bytes([2, 3]) + sealed_box(
        BOB.public.x25519_key, direct_plain + bytes(512 - 50 - len(direct_plain)),
        named("ephemeral 1")
    )
    bad_pad = bytes([kind]) + ALICE.public.key + signature + body + bytes(512 - 50 - 98 - 7)
    invalid = [
        ("empty", b"", "MalformedMessage", "control"),
        ("version 1", bytes([1]) + control[1:], "UnknownVersion", "control"),
        ("unknown type", control[:1] + b"\x09" + control[2:], "MalformedMessage", "control"),
        ("control truncated", control[:-1], "MalformedMessage", "control"),
        ("control trailing byte", control + b"\x00", "MalformedMessage", "control"),
        ("control bit flipped", control[:100] + bytes([control[100] ^ 1]) + control[101:],
         "DecryptionFailed", "control"),
        ("control as knock", control, "MalformedMessage", "knock"),
        ("knock truncated", knock[:-1], "MalformedMessage", "knock"),
        ("knock trailing byte", knock + b"\x00", "MalformedMessage", "knock"),
        ("knock version 1", bytes([1]) + knock[1:], "UnknownVersion", "knock"),
        ("direct truncated", direct[:-1], "MalformedMessage", "direct"),
        ("direct bit flipped", direct[:-1] + bytes([direct[-1] ^ 1]), "DecryptionFailed",
         "direct"),
        ("direct without padding", bytes([2, 3]) + sealed_box(
            BOB.public.x25519_key, bad_pad, named("ephemeral 3")), "MalformedMessage", "direct"),
        ("direct too short", direct[:100], "MalformedMessage", "direct"),
    ]
    return {
        "room_secret": ROOM_SECRET.hex(),
        "epoch_number": EPOCH.number,
        "epoch_key": EPOCH.key.hex(),
        "control": [
            {"signer_public": p.public.key.hex(), "signer_id": sid, "seq": seq, "kind": k,
             "body": b.hex(), "envelope": env.hex()}
            for p, sid, seq, k, b, env in [
                (ALICE, 1, 42, 0x10, b"raise hand", control),
                (BOB, 2**32 - 1, 2**64 - 1, 0xFF, b"", empty_control),
            ]
        ],
        "knock": [{"joiner_public": CAROL.public.key.hex(), "host_seed": ALICE.seed.hex(),
                   "body": knock_body.hex(), "envelope": knock.hex()}],
        "direct": [{"recipient_seed": BOB.seed.hex(), "sender_public": ALICE.public.key.hex(),
                    "kind": kind, "body": body.hex(), "envelope": direct.hex()}],
        "recipient_seed": BOB.seed.hex(),
        "invalid": [{"description": d, "envelope": e.hex(), "error": err, "opener": o}
                    for d, e, err, o in invalid],
    }


def epoch_keys() -> Json:
    valid: list[Json] = []
    for number, name in [(0, "epoch 0"), (7, "epoch 7"), (2**32 - 1, "epoch max")]:
        key = named(name)
        sealed = sealed_box(BOB.public.x25519_key, struct.pack(">I", number) + key,
                            named(f"ephemeral {name}"))
        valid.append({"number": number, "key": key.hex(), "sealed": sealed.hex()})
    good = bytes.fromhex(valid[1]["sealed"])
    short_plain = sealed_box(BOB.public.x25519_key, bytes(35), named("ephemeral short"))
    return {
        "recipient_seed": BOB.seed.hex(),
        "valid": valid,
        "invalid": [
            {"description": d, "sealed": s.hex(), "error": e}
            for d, s, e in [
                ("truncated", good[:-1], "MalformedMessage"),
                ("trailing byte", good + b"\x00", "MalformedMessage"),
                ("35-byte plaintext", short_plain, "MalformedMessage"),
                ("tag bit flipped", good[:40] + bytes([good[40] ^ 1]) + good[41:],
                 "DecryptionFailed"),
            ]
        ],
    }


def invites() -> Json:
    one = Invite(("wss://relay.example.org",), ROOM_SECRET, ALICE.public.key)
    many = Invite(
        ("wss://relay.example.org:8443/majlis", "ws://127.0.0.1:8765",
         "wss://مجلس.example/ws"),
        named("room secret 2"),
        BOB.public.key,
    )
    # Version 2: the room's door key after the host key (knocks are sealed to it).
    door = Invite(("wss://relay.example.org",), ROOM_SECRET, ALICE.public.key, BOB.public.key)
    link = one.to_link()
    fragment = link.split("#", 1)[1]
    raw = one.to_bytes()

    def relink(payload: bytes) -> str:
        import base64

        return "majlis://join#" + base64.urlsafe_b64encode(payload).decode().rstrip("=")

    invalid = [
        ("https://example.org/join#abc", "not-majlis"),
        ("", "not-majlis"),
        ("majlis://join", "damaged"),
        (link[:-5], "damaged"),
        (link + "A", "damaged"),
        (link + "=", "damaged"),
        (link[:20] + "+" + link[21:], "damaged"),
        (relink(raw + b"\x00"), "damaged"),
        (relink(bytes([3]) + raw[1:]), "newer-version"),
        (relink(bytes([0]) + raw[1:]), "damaged"),
        (relink(raw[:65] + b"\x00"), "bad-relay"),
        (relink(raw[:65] + b"\x09" + raw[66:]), "damaged"),
        (relink(raw[:65] + b"\x01\x00\x0ahttp://x.y"), "bad-relay"),
        (relink(raw[:65] + b"\x01\x00\x05ws://"), "bad-relay"),
        (relink(raw[:65] + b"\x01\x00\x02\xff\xfe"), "bad-relay"),
        (relink(door.to_bytes()[:97]), "damaged"),
        (relink(b"\x02" + raw[1:65] + bytes(32) + raw[65:]), "damaged"),
    ]
    return {
        "valid": [
            {"link": inv.to_link(), "payload": inv.to_bytes().hex(),
             "relays": list(inv.relays), "room_secret": inv.room_secret.hex(),
             "host_key": inv.host_key.hex(), "routing_id": inv.routing_id.hex(),
             **({"door_key": inv.door_key.hex()} if inv.door_key else {})}
            for inv in (one, many, door)
        ],
        "equivalent": [
            {"link": variant, "canonical": link}
            for variant in [
                f"  {link}\n",
                "MAJLIS://JOIN#" + fragment,
                "Majlis://join#" + fragment[:30] + "\n  " + fragment[30:],
            ]
        ],
        "invalid": [{"link": v, "reason": r} for v, r in invalid],
    }


def build() -> dict[str, Json]:
    """Every vector file's content, by file name."""
    return {
        "identity.json": identities(),
        "keys.json": keys(),
        "frame.json": frames(),
        "envelopes.json": envelopes(),
        "epoch_key.json": epoch_keys(),
        "invite.json": invites(),
    }


def render(content: Json) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for name, content in build().items():
        (HERE / name).write_text(render(content), encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
