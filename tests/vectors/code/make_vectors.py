"""Writes tests/vectors/code/exchange.json: the code exchange, byte by byte (PROTOCOL.md part 5).

Deterministic: each side's randomness is SHAKE-256 of a name, so rerunning this reproduces the
file (the tests check that). The exchange is made by running the real machines against each
other; the SPAKE2 key is recomputed beside them from the same randomness, so that another
implementation can check each step: the PAKE messages and key (the `spake2` package's Ed25519
group, as magic-wormhole uses it), the derived keys, the tags, the sealed blocks, the messages.

Run: .venv/bin/python tests/vectors/code/make_vectors.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from spake2 import SPAKE2_A, SPAKE2_B  # noqa: E402

from app.code import messages as m  # noqa: E402
from app.code.codes import HOST_ID, JOINER_ID, Code, SessionKeys, mailbox_id, parse_code  # noqa: E402
from app.code.errors import BadCode  # noqa: E402
from app.code.offer import CodeOffer  # noqa: E402
from app.code.redeem import CodeRedeem  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from crypto.invite import Invite  # noqa: E402
from relay import wire  # noqa: E402

OUT = Path(__file__).with_name("exchange.json")
CODE = Code(7, "451938")
ROOM_NAME = "نادي الكتاب"
JOINER_NAME = "Guest"


def stream(name: str) -> Callable[[int], bytes]:
    """A deterministic byte stream: successive SHAKE-256 output of `name`."""
    data = hashlib.shake_256(name.encode()).digest(1 << 16)
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        out = data[position : position + n]
        position += n
        return out
    return read


def _payload(envelope: bytes) -> tuple[int | None, bytes]:
    message = wire.decode_client(envelope)
    assert isinstance(message, wire.Control | wire.Unicast)
    return (message.to_slot if isinstance(message, wire.Unicast) else None), message.payload


def exchange() -> dict[str, object]:
    host = Identity.from_seed(hashlib.shake_256(b"host").digest(32))
    joiner = Identity.from_seed(hashlib.shake_256(b"joiner").digest(32))
    invite = Invite(("ws://192.168.1.20:8765",), hashlib.shake_256(b"room").digest(32),
                    host.public.key)
    offer = CodeOffer(CODE, invite.to_bytes(), ROOM_NAME, now=0.0, random=stream("host"))
    redeem = CodeRedeem(CODE, joiner.public, JOINER_NAME, now=0.0, random=stream("joiner"))
    assert offer.data_to_send() == redeem.data_to_send() == [
        wire.encode(wire.Join(CODE.mailbox_id, quiet=True))]
    offer.receive_data(wire.encode(wire.Joined(1, ())), 0.0)
    redeem.receive_data(wire.encode(wire.Joined(2, (1,))), 0.0)
    _, hello = _payload(redeem.data_to_send()[0])
    offer.receive_data(wire.encode(wire.DeliverControl(2, hello, False)), 0.0)
    _, reply = _payload(offer.data_to_send()[0])
    redeem.receive_data(wire.encode(wire.DeliverControl(1, reply, True)), 0.0)
    _, confirm = _payload(redeem.data_to_send()[0])
    offer.receive_data(wire.encode(wire.DeliverControl(2, confirm, True)), 0.0)
    _, sealed_invite = _payload(offer.data_to_send()[0])
    redeem.receive_data(wire.encode(wire.DeliverControl(1, sealed_invite, True)), 0.0)
    assert redeem.invite == invite

    # The same run, one step at a time, for other implementations to follow.
    a = SPAKE2_A(CODE.password, idA=JOINER_ID, idB=HOST_ID, entropy_f=stream("joiner"))
    b = SPAKE2_B(CODE.password, idA=JOINER_ID, idB=HOST_ID, entropy_f=stream("host"))
    msg_a, msg_b = a.start(), b.start()
    pake_key = a.finish(msg_b)
    assert pake_key == b.finish(msg_a) and hello[2:] == msg_a and reply[2:35] == msg_b
    keys = SessionKeys.derive(pake_key, msg_a, msg_b)
    c = m.decode(confirm)
    i = m.decode(sealed_invite)
    assert isinstance(c, m.Confirm) and isinstance(i, m.InviteMessage)
    return {
        "code": CODE.text, "nameplate": CODE.nameplate, "password": CODE.password.hex(),
        "id_joiner": JOINER_ID.hex(), "id_host": HOST_ID.hex(),
        "mailbox_id": CODE.mailbox_id.hex(),
        "joiner_identity": joiner.public.key.hex(), "joiner_name": JOINER_NAME,
        "invite": invite.to_link(), "room_name": ROOM_NAME,
        "pake_joiner": msg_a.hex(), "pake_host": msg_b.hex(), "pake_key": pake_key.hex(),
        "host_tag": keys.host_tag.hex(), "joiner_tag": keys.joiner_tag.hex(),
        "host_seal": keys.host_seal.hex(), "joiner_seal": keys.joiner_seal.hex(),
        "joiner_block": m.joiner_block(joiner.public.key, JOINER_NAME).hex(),
        "room_block": m.room_block(invite.to_bytes(), ROOM_NAME).hex(),
        "confirm_nonce": c.nonce.hex(), "invite_nonce": i.nonce.hex(),
        "hello": hello.hex(), "reply": reply.hex(), "confirm": confirm.hex(),
        "invite_message": sealed_invite.hex(),
        "failed_expired": m.encode(m.Failed("expired")).hex(),
        "failed_used_up": m.encode(m.Failed("used-up")).hex(),
    }


def invalid(valid: dict[str, object]) -> list[dict[str, str]]:
    hello = bytes.fromhex(str(valid["hello"]))
    reply = bytes.fromhex(str(valid["reply"]))
    cases = {
        "empty": (b"", "CodeMessageError"),
        "version 2": (b"\x02" + hello[1:], "UnknownCodeVersion"),
        "unknown type": (b"\x01\x06" + hello[2:], "CodeMessageError"),
        "hello truncated": (hello[:-1], "CodeMessageError"),
        "hello with a trailing byte": (hello + b"\x00", "CodeMessageError"),
        "hello of side B": (hello[:2] + b"B" + hello[3:], "CodeMessageError"),
        "reply of side A": (reply[:2] + b"A" + reply[3:], "CodeMessageError"),
        "confirm truncated": (bytes.fromhex(str(valid["confirm"]))[:-1], "CodeMessageError"),
        "invite of an odd size": (bytes.fromhex(str(valid["invite_message"])) + b"\x00",
                                  "CodeMessageError"),
        "invite over 9 blocks": (b"\x01\x04" + bytes(24 + 1024 * 10 + 16), "CodeMessageError"),
        "failed, unknown reason": (b"\x01\x05\x03", "CodeMessageError"),
    }
    return [{"name": k, "hex": v.hex(), "error": e} for k, (v, e) in cases.items()]


def typed() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for text in ("7-451-938", " 7 451 938 ", "\u0667-\u0664\u0665\u0661-\u0669\u0663\u0668",
                 "7-451-938 wss://relay.example.org",
                 "7451938", "7-45-938", "07-451-938", "seven"):
        try:
            code, relay = parse_code(text)
        except BadCode as exc:
            out.append({"text": text, "error": exc.reason})
        else:
            out.append({"text": text, "nameplate": code.nameplate, "secret": code.secret,
                        "relay": relay})
    return out


def vectors() -> dict[str, object]:
    valid = exchange()
    return {
        "exchange": valid,
        "invalid": invalid(valid),
        "mailbox_ids": {str(n): mailbox_id(n).hex() for n in (1, 7, 99, 100, 9999)},
        "typed": typed(),
    }


def render() -> str:
    return json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT}")
