"""Writes tests/vectors/relay/valid.json and invalid.json: the relay envelope's golden vectors.

Valid vectors are encoded here by `relay.wire.encode` from the messages listed below; invalid ones
are written out byte by byte, since no encoder would make them. Deterministic, so rerunning it
reproduces both files exactly; tests/relay/test_relay_wire.py checks that, and checks every
vector against the decoders and the encoder. The format is described in docs/PROTOCOL.md, part 1
("Golden vectors").

Run: .venv/bin/python tests/vectors/relay/make_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from relay.wire import (  # noqa: E402
    MAX_PAYLOAD,
    ClientMessage,
    Control,
    DeliverControl,
    DeliverMedia,
    Error,
    Join,
    Joined,
    Media,
    PeerJoined,
    PeerLeft,
    ServerMessage,
    Unicast,
    encode,
)

HERE = Path(__file__).resolve().parent
ROOM = bytes(range(0x10, 0x20))
JOIN = "0101" + ROOM.hex()
SEE = "See docs/PROTOCOL.md, part 1."
VALID_DESCRIPTION = (
    "Relay envelope golden vectors: each message is hex followed by pad.count copies of pad.byte "
    "(when present; the same pad then ends the message payload too); it decodes to message and "
    f"message encodes to exactly these bytes. {SEE}"
)
INVALID_DESCRIPTION = (
    "Relay envelope messages every decoder must reject with the named error (WireError covers "
    "its subclasses only when named). Bytes are hex followed by pad.count copies of pad.byte, "
    f"when present. {SEE}"
)

Pad = tuple[str, int]  # (byte as hex, count)

VALID: list[tuple[str, str, ClientMessage | ServerMessage, Pad | None]] = [
    ("join", "client", Join(ROOM), None),
    ("media-one-byte", "client", Media(b"\xff"), None),
    ("media", "client", Media(bytes.fromhex("00112233445566778899")), None),
    ("control", "client", Control(bytes.fromhex("c0ffee")), None),
    ("unicast", "client", Unicast(7, bytes.fromhex("abcd")), None),
    ("unicast-max-slot", "client", Unicast(0xFFFFFFFF, b"\x01"), None),
    ("joined-alone", "server", Joined(1, ()), None),
    ("joined-with-peers", "server", Joined(5, (1, 3)), None),
    ("deliver-media", "server", DeliverMedia(bytes.fromhex("00112233445566778899")), None),
    ("deliver-control-broadcast", "server", DeliverControl(2, bytes.fromhex("c0ffee"), False),
     None),
    ("deliver-control-unicast", "server", DeliverControl(258, bytes.fromhex("abcd"), True), None),
    ("peer-joined", "server", PeerJoined(9), None),
    ("peer-left", "server", PeerLeft(10), None),
    ("error", "server", Error(4002, "room is full"), None),
    ("error-empty-reason", "server", Error(4000, ""), None),
    ("error-utf8-reason", "server", Error(4004, "trop rapide \u2014 ralentissez"), None),
    ("media-max-payload", "client", Media(b"\x5a" * MAX_PAYLOAD), ("5a", MAX_PAYLOAD)),
    ("join-quiet", "client", Join(ROOM, quiet=True), None),
]

INVALID: list[tuple[str, str, str, Pad | None, str]] = [
    ("empty", "client", "", None, "WireError"),
    ("empty-server", "server", "", None, "WireError"),
    ("version-only", "client", "01", None, "WireError"),
    ("version-0", "client", "0002ff", None, "UnknownVersion"),
    ("version-2", "client", "0202ff", None, "UnknownVersion"),
    ("version-2-server", "server", "0282ff", None, "UnknownVersion"),
    ("unknown-type", "client", "0105ff", None, "WireError"),
    ("server-type-from-client", "client", "0182ff", None, "WireError"),
    ("client-type-from-server", "server", "0102ff", None, "WireError"),
    ("join-short", "client", JOIN[:-2], None, "WireError"),
    # 19 bytes with a zero flags byte: a Join without flags has no flags byte.
    ("join-trailing", "client", JOIN + "00", None, "WireError"),
    ("media-empty", "client", "0102", None, "WireError"),
    ("control-empty", "client", "0103", None, "WireError"),
    ("unicast-truncated-slot", "client", "0104000001", None, "WireError"),
    ("unicast-empty-payload", "client", "010400000001", None, "WireError"),
    ("unicast-slot-0", "client", "010400000000ff", None, "WireError"),
    ("media-too-large", "client", "0102", ("00", MAX_PAYLOAD + 1), "MessageTooLarge"),
    ("unicast-too-large", "client", "010400000001", ("00", MAX_PAYLOAD + 1), "MessageTooLarge"),
    ("joined-truncated", "server", "0181000000010000", None, "WireError"),
    ("joined-count-mismatch", "server", "0181000000030000000200000001", None, "WireError"),
    ("joined-trailing", "server", "018100000003000000010000000100", None, "WireError"),
    ("joined-slot-0", "server", "01810000000000000000", None, "WireError"),
    ("joined-peer-0", "server", "0181000000020000000100000000", None, "WireError"),
    ("joined-duplicate-peer", "server", "018100000003000000020000000100000001", None,
     "WireError"),
    ("joined-own-slot-as-peer", "server", "0181000000030000000100000003", None, "WireError"),
    ("joined-too-many-peers", "server", "0181000000010000ffff", None, "MessageTooLarge"),
    ("deliver-media-empty", "server", "0182", None, "WireError"),
    ("deliver-control-reserved-flag", "server", "01830000000202ff", None, "WireError"),
    ("deliver-control-empty", "server", "01830000000200", None, "WireError"),
    ("deliver-control-truncated", "server", "0183000000", None, "WireError"),
    ("deliver-control-slot-0", "server", "01830000000000ff", None, "WireError"),
    ("peer-joined-short", "server", "0184000001", None, "WireError"),
    ("peer-joined-trailing", "server", "01840000000100", None, "WireError"),
    ("peer-left-slot-0", "server", "018500000000", None, "WireError"),
    ("error-truncated", "server", "01860f", None, "WireError"),
    ("error-bad-utf8", "server", "01860fa0c328", None, "WireError"),
    ("error-reason-too-long", "server", "01860fa0", ("61", 201), "WireError"),
    ("unknown-server-type", "server", "0187ff", None, "WireError"),
    # Join flags: bit 0 is quiet, bits 1-7 are reserved and must be 0.
    ("join-flags-reserved-bit", "client", JOIN + "02", None, "WireError"),
    ("join-flags-quiet-and-reserved", "client", JOIN + "03", None, "WireError"),
    ("join-flags-high-bit", "client", JOIN + "80", None, "WireError"),
    ("join-flags-all", "client", JOIN + "ff", None, "WireError"),
    ("join-quiet-trailing", "client", JOIN + "0100", None, "WireError"),
]


def _fields(message: ClientMessage | ServerMessage, tail: int) -> dict[str, Any]:
    """The message as JSON, fields in wire order; a padded payload loses its last `tail` bytes."""
    out: dict[str, Any] = {"type": type(message).__name__}
    match message:
        case Join(room_id, quiet):
            out["room_id"] = room_id.hex()
            if quiet:  # absent means false, so the plain Join vector reads as it always did
                out["quiet"] = True
        case Media(payload) | Control(payload) | DeliverMedia(payload):
            out["payload"] = payload[: len(payload) - tail].hex()
        case Unicast(to_slot, payload):
            out.update(to_slot=to_slot, payload=payload.hex())
        case Joined(slot, peers):
            out.update(slot=slot, peers=list(peers))
        case DeliverControl(from_slot, payload, unicast):
            out.update(from_slot=from_slot, unicast=unicast, payload=payload.hex())
        case PeerJoined(slot) | PeerLeft(slot):
            out["slot"] = slot
        case Error(code, reason):
            out.update(code=code, reason=reason)
    return out


def _pad(entry: dict[str, Any], pad: Pad | None) -> None:
    if pad is not None:
        entry["pad"] = {"byte": pad[0], "count": pad[1]}


def vectors() -> dict[str, str]:
    """File name -> exact file text."""
    valid = []
    for name, direction, message, pad in VALID:
        data = encode(message)
        tail = pad[1] if pad else 0
        if pad:
            assert data.endswith(bytes.fromhex(pad[0]) * tail)
        entry: dict[str, Any] = {"name": name, "direction": direction,
                                 "hex": data[: len(data) - tail].hex()}
        _pad(entry, pad)
        entry["message"] = _fields(message, tail)
        valid.append(entry)
    invalid = []
    for name, direction, hex_, pad, error in INVALID:
        entry = {"name": name, "direction": direction, "hex": hex_}
        _pad(entry, pad)
        entry["error"] = error
        invalid.append(entry)
    return {
        "valid.json": json.dumps({"description": VALID_DESCRIPTION, "vectors": valid}, indent=1),
        "invalid.json": json.dumps({"description": INVALID_DESCRIPTION, "vectors": invalid},
                                   indent=1),
    }


if __name__ == "__main__":
    for file_name, text in vectors().items():
        (HERE / file_name).write_text(text)
        print(f"wrote {HERE / file_name}")
