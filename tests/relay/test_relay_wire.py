"""The relay envelope: golden vectors, strict rejection, and fuzzing that only WireError escapes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay import wire
from relay.errors import MessageTooLarge, UnknownVersion, WireError
from relay.wire import (
    MAX_PAYLOAD,
    MAX_PEERS,
    MAX_SLOT,
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
    decode_client,
    decode_server,
    encode,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "relay"
ERRORS: dict[str, type[WireError]] = {
    "WireError": WireError,
    "UnknownVersion": UnknownVersion,
    "MessageTooLarge": MessageTooLarge,
}


def _load(name: str) -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((VECTORS / name).read_text())["vectors"]
    return vectors


def _bytes(vector: dict[str, Any]) -> bytes:
    pad = vector.get("pad")
    tail = bytes.fromhex(pad["byte"]) * pad["count"] if pad else b""
    return bytes.fromhex(vector["hex"]) + tail


def _message(vector: dict[str, Any]) -> ClientMessage | ServerMessage:
    m = vector["message"]
    pad = vector.get("pad")
    tail = bytes.fromhex(pad["byte"]) * pad["count"] if pad else b""
    payload = bytes.fromhex(m.get("payload", "")) + tail
    kind = m["type"]
    if kind == "Join":
        return Join(bytes.fromhex(m["room_id"]), m.get("quiet", False))
    if kind == "Media":
        return Media(payload)
    if kind == "Control":
        return Control(payload)
    if kind == "Unicast":
        return Unicast(m["to_slot"], payload)
    if kind == "Joined":
        return Joined(m["slot"], tuple(m["peers"]))
    if kind == "DeliverMedia":
        return DeliverMedia(payload)
    if kind == "DeliverControl":
        return DeliverControl(m["from_slot"], payload, m["unicast"])
    if kind == "PeerJoined":
        return PeerJoined(m["slot"])
    if kind == "PeerLeft":
        return PeerLeft(m["slot"])
    if kind == "Error":
        return Error(m["code"], m["reason"])
    raise AssertionError(f"unknown vector type {kind}")


VALID = _load("valid.json")
INVALID = _load("invalid.json")


def test_vectors_cover_every_message_type() -> None:
    kinds = {v["message"]["type"] for v in VALID}
    assert kinds == {
        "Join", "Media", "Control", "Unicast", "Joined", "DeliverMedia",
        "DeliverControl", "PeerJoined", "PeerLeft", "Error",
    }  # fmt: skip
    assert {v["error"] for v in INVALID} == set(ERRORS)
    assert any(v["message"]["type"] == "Join" and v["message"].get("quiet") for v in VALID)


def test_vector_files_are_reproducible() -> None:
    """The files are what tests/vectors/relay/make_vectors.py writes, byte for byte."""
    spec = importlib.util.spec_from_file_location("make_relay_vectors", VECTORS / "make_vectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.vectors()
    assert set(made) == {"valid.json", "invalid.json"}
    for name, text in made.items():
        assert (VECTORS / name).read_text() == text, f"{name}: rerun make_vectors.py"


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_valid_vector_decodes_and_encodes_exactly(vector: dict[str, Any]) -> None:
    data = _bytes(vector)
    expected = _message(vector)
    decode = decode_client if vector["direction"] == "client" else decode_server
    assert decode(data) == expected
    assert encode(expected) == data


@pytest.mark.parametrize("vector", INVALID, ids=[v["name"] for v in INVALID])
def test_invalid_vector_is_rejected_with_the_named_error(vector: dict[str, Any]) -> None:
    data = _bytes(vector)
    decode = decode_client if vector["direction"] == "client" else decode_server
    with pytest.raises(WireError) as info:
        decode(data)
    expected = ERRORS[vector["error"]]
    assert isinstance(info.value, expected)
    if expected is WireError:  # the plain family, not a more specific kind
        assert type(info.value) is WireError
    assert str(info.value)  # every rejection says why


def test_unknown_version_names_both_versions() -> None:
    with pytest.raises(UnknownVersion, match=r"version 2 is not supported.*speaks version 1"):
        decode_client(b"\x02\x02payload")


def test_quiet_join_is_the_plain_join_and_one_flags_byte() -> None:
    room = bytes(range(16))
    plain = encode(Join(room))
    assert plain == encode(Join(room, False)) == b"\x01\x01" + room  # unchanged by the flag
    assert encode(Join(room, quiet=True)) == plain + b"\x01"
    assert decode_client(plain) == Join(room) and not decode_client(plain).quiet
    assert decode_client(plain + b"\x01") == Join(room, True)
    for flags in (0x00, 0x02, 0x03, 0x40, 0x80, 0xFF):
        with pytest.raises(WireError, match="flags"):
            decode_client(plain + bytes((flags,)))
    for size in (17, 20, 21):
        with pytest.raises(WireError, match="18 or 19 bytes"):
            decode_client((plain + b"\x01\x00\x00")[:size])


@pytest.mark.parametrize("flags", [0x00, 0x01, 0x02, 0xFF])
def test_is_join_accepts_exactly_the_joins_decode_accepts(flags: int) -> None:
    plain = encode(Join(bytes(16)))
    assert wire.is_join(plain)
    assert wire.is_join(plain + bytes((flags,))) == (flags == 0x01)
    assert not wire.is_join(plain[:-1])
    assert not wire.is_join(encode(Control(bytes(17))))  # a Join's length, not its type


def test_decoders_accept_bytearray_and_memoryview_but_not_text() -> None:
    data = encode(Control(b"x"))
    assert decode_client(bytearray(data)) == Control(b"x")
    assert decode_client(memoryview(data)) == Control(b"x")
    with pytest.raises(WireError, match="binary"):
        decode_client("\x01\x03x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        Join(b"short"),
        Join(b"x" * 17),
        Join(bytes(16), 1),  # type: ignore[arg-type]
        Media(b""),
        Control(b""),
        Unicast(0, b"x"),
        Unicast(MAX_SLOT + 1, b"x"),
        Unicast(True, b"x"),
        DeliverControl(0, b"x", False),
        DeliverControl(1, b"", True),
        Joined(0, ()),
        Joined(1, (1,)),
        Joined(2, (1, 1)),
        Joined(2, (0,)),
        PeerJoined(0),
        PeerLeft(-1),
        Error(70000, "x"),
        Error(4000, "x" * 201),
        Error(4000, "\ud800"),
    ],
    ids=repr,
)
def test_encode_refuses_what_decode_would_refuse(message: ClientMessage | ServerMessage) -> None:
    with pytest.raises(WireError):
        encode(message)


def test_encode_size_limits() -> None:
    with pytest.raises(MessageTooLarge):
        encode(Media(b"x" * (MAX_PAYLOAD + 1)))
    with pytest.raises(MessageTooLarge):
        encode(Joined(1, tuple(range(2, MAX_PEERS + 3))))
    biggest = Joined(1, tuple(range(2, MAX_PEERS + 2)))
    data = encode(biggest)
    assert len(data) == 2 + MAX_PAYLOAD  # the peer list fills exactly one maximal body
    assert decode_server(data) == biggest


def test_encode_refuses_a_non_message() -> None:
    with pytest.raises(WireError, match="not a relay message"):
        encode("hello")  # type: ignore[arg-type]


def test_media_is_two_bytes_over_its_payload() -> None:
    payload = bytes(160)
    assert len(encode(Media(payload))) == 162
    assert len(encode(DeliverMedia(payload))) == 162
    assert encode(DeliverMedia(payload))[:2] == wire.DELIVER_MEDIA_PREFIX


# Property tests.

slots = st.integers(1, MAX_SLOT)
payloads = st.binary(min_size=1, max_size=300)
client_messages = st.one_of(
    st.builds(Join, st.binary(min_size=16, max_size=16), st.booleans()),
    st.builds(Media, payloads),
    st.builds(Control, payloads),
    st.builds(Unicast, slots, payloads),
)


@st.composite
def joined(draw: st.DrawFn) -> Joined:
    all_slots = draw(st.lists(slots, min_size=1, max_size=40, unique=True))
    return Joined(all_slots[0], tuple(all_slots[1:]))


server_messages = st.one_of(
    joined(),
    st.builds(DeliverMedia, payloads),
    st.builds(DeliverControl, slots, payloads, st.booleans()),
    st.builds(PeerJoined, slots),
    st.builds(PeerLeft, slots),
    st.builds(Error, st.integers(0, 0xFFFF), st.text(max_size=50)),
)


@given(client_messages)
def test_client_messages_round_trip(message: ClientMessage) -> None:
    assert decode_client(encode(message)) == message


@given(server_messages)
def test_server_messages_round_trip(message: ServerMessage) -> None:
    assert decode_server(encode(message)) == message


@settings(max_examples=500)
@given(st.binary(max_size=64))
def test_fuzz_decoders_raise_only_wire_errors(data: bytes) -> None:
    for decode in (decode_client, decode_server):
        try:
            message = decode(data)
        except WireError:
            continue
        assert encode(message) == data  # anything accepted is canonical


@settings(max_examples=300)
@given(st.one_of(client_messages, server_messages), st.data())
def test_fuzz_mutated_messages(message: ClientMessage | ServerMessage, data: st.DataObject) -> None:
    raw = bytearray(encode(message))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    for candidate in (bytes(raw), bytes(raw[:cut])):
        for decode in (decode_client, decode_server):
            try:
                decoded = decode(candidate)
            except WireError:
                continue
            assert encode(decoded) == candidate
