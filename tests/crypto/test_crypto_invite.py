"""Invite links: round trips, forgiving parsing, and sentences a person can act on."""

from __future__ import annotations

import base64

import pytest

from crypto import BadInvite, Identity, Invite, routing_id
from crypto.invite import BAD_RELAY, DAMAGED, NEWER, NOT_MAJLIS

HOST = Identity.from_seed(bytes(range(32))).public.key
SECRET = bytes([3]) * 32
RELAY = "wss://relay.example.org"


def make(*relays: str) -> Invite:
    return Invite.create(relays or (RELAY,), HOST, random=lambda n: SECRET[:n])


def link_of(payload: bytes) -> str:
    return "majlis://join#" + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def reason(link: str) -> str:
    with pytest.raises(BadInvite) as caught:
        Invite.parse(link)
    return caught.value.reason


def test_create_and_round_trip() -> None:
    invite = make(RELAY, "ws://127.0.0.1:8765")
    assert invite.room_secret == SECRET
    assert invite.host_key == HOST
    assert invite.routing_id == routing_id(SECRET)
    assert Invite.parse(invite.to_link()) == invite


def test_create_draws_a_fresh_secret_by_default() -> None:
    assert Invite.create([RELAY], HOST).room_secret != Invite.create([RELAY], HOST).room_secret


def test_everything_secret_is_in_the_fragment() -> None:
    link = make().to_link()
    before, _, fragment = link.partition("#")
    assert before == "majlis://join"
    assert base64.urlsafe_b64decode(fragment + "==")[1:33] == SECRET


def test_repr_hides_the_room_secret() -> None:
    text = repr(make())
    assert SECRET.hex() not in text
    assert str(SECRET) not in text
    assert RELAY in text


def test_parse_forgives_whitespace_and_scheme_case() -> None:
    invite = make()
    link = invite.to_link()
    fragment = link.split("#")[1]
    for variant in (f"\n\t {link}  ", "MAJLIS://JOIN#" + fragment, link[:40] + "\n" + link[40:]):
        assert Invite.parse(variant) == invite


def test_fragment_is_case_sensitive() -> None:
    link = make().to_link()
    head, fragment = link.split("#")
    assert reason(head + "#" + fragment.swapcase()) in ("damaged", "newer-version", "bad-relay")


def test_the_four_user_sentences_are_distinct_and_plain() -> None:
    sentences = {NOT_MAJLIS, DAMAGED, NEWER, BAD_RELAY}
    assert len(sentences) == 4
    for sentence in sentences:
        assert sentence.endswith(".")
        for jargon in ("base64", "byte", "utf", "parse", "decode", "payload", "error"):
            assert jargon not in sentence.lower()


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://example.org/join#x", NOT_MAJLIS),
        ("hello", NOT_MAJLIS),
        ("majlis://jo", DAMAGED),
        ("majlis://join#", DAMAGED),
        ("majlis://join#!!!", DAMAGED),
    ],
)
def test_error_sentences(link: str, expected: str) -> None:
    with pytest.raises(BadInvite) as caught:
        Invite.parse(link)
    assert str(caught.value) == expected


def test_newer_version_and_damaged_version() -> None:
    raw = make().to_bytes()
    assert reason(link_of(bytes([3]) + raw[1:])) == "newer-version"
    assert reason(link_of(bytes([255]) + raw[1:2])) == "newer-version"
    assert reason(link_of(bytes([0]) + raw[1:])) == "damaged"


def test_cut_off_at_every_length_is_damaged() -> None:
    raw = make().to_bytes()
    for size in range(1, len(raw)):
        assert reason(link_of(raw[:size])) in ("damaged", "bad-relay"), size
    link = make().to_link()
    for size in range(len("majlis://join#"), len(link)):
        assert reason(link[:size]) in ("damaged", "bad-relay"), size


def test_trailing_bytes_are_damaged() -> None:
    assert reason(link_of(make().to_bytes() + b"\x00")) == "damaged"


def test_non_canonical_base64_is_damaged() -> None:
    link = make().to_link()
    last = link[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The final character carries unused low bits; any other spelling of them is refused.
    sibling = alphabet[alphabet.index(last) ^ 1]
    assert reason(link[:-1] + sibling) == "damaged"


@pytest.mark.parametrize("relays", [(), tuple(f"wss://r{i}.example" for i in range(9))])
def test_relay_count_is_1_to_8(relays: tuple[str, ...]) -> None:
    with pytest.raises(BadInvite) as caught:
        Invite(relays, SECRET, HOST)
    assert caught.value.reason == "bad-relay"


def test_eight_relays_and_long_urls_are_fine() -> None:
    relays = tuple(f"wss://r{i}.example/" + "p" * (1024 - 17) for i in range(8))
    assert all(len(url.encode()) == 1024 for url in relays)
    invite = make(*relays)
    assert Invite.parse(invite.to_link()) == invite


@pytest.mark.parametrize(
    "url",
    ["http://relay.example", "wss://", "ws:///path", "wss://a b", "wss://a\x00",
     "wss://" + "a" * 1019, "relay.example", "WSS://relay.example"],
)
def test_bad_relay_urls(url: str) -> None:
    with pytest.raises(BadInvite) as caught:
        make(url)
    assert caught.value.reason == "bad-relay"
    assert str(caught.value) == BAD_RELAY


def test_bad_relay_inside_a_link() -> None:
    raw = make().to_bytes()[:65]
    assert reason(link_of(raw + b"\x01\x00\x0bftp://x.org")) == "bad-relay"
    assert reason(link_of(raw + b"\x01\x00\x02\xc3\x28")) == "bad-relay"  # not UTF-8
    assert reason(link_of(raw + b"\x00")) == "bad-relay"


def test_international_relay_names_survive() -> None:
    invite = make("wss://مجلس.example/ws")
    assert Invite.parse(invite.to_link()).relays == ("wss://مجلس.example/ws",)


def test_host_key_that_is_not_a_point_is_damaged() -> None:
    raw = bytearray(make().to_bytes())
    raw[33:65] = bytes([2]) + bytes(31)
    assert reason(link_of(bytes(raw))) == "damaged"


def test_non_string_link() -> None:
    with pytest.raises(BadInvite):
        Invite.parse(b"majlis://join#AQ")  # type: ignore[arg-type]
