"""Codes as people type them, and the keys derived from them."""

from __future__ import annotations

import contextlib
import random as stdrandom
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.code import messages as m
from app.code.codes import (
    MAX_ATTEMPTS,
    PURPOSES,
    SECRET_DIGITS,
    Code,
    JoinerPake,
    SessionKeys,
    host_pake,
    mailbox_id,
    parse_code,
    pick_nameplate,
)
from app.code.errors import BadCode, CodeMessageError
from crypto import keys

ROOT = Path(__file__).resolve().parents[2]


def seeded(seed: int = 1):  # type: ignore[no-untyped-def]
    return stdrandom.Random(seed).randbytes


def in_script(text: str, zero: int) -> str:
    """`text` with its ASCII digits written in the script whose zero is `zero`."""
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize("typed", [
    "7-451-938", "7 451 938", "7-451938", " 7 \u2014 451 . 938 ", "7\u060c451\u060c938",
    in_script("7-451-938", 0x0660),  # Arabic-Indic
    in_script("7-451-938", 0x06F0),  # Persian
    in_script("7\uff0d451\uff0d938", 0xFF10),  # full-width, with full-width dashes
])
def test_a_code_is_forgiving_about_separators_and_scripts(typed: str) -> None:
    assert parse_code(typed) == (Code(7, "451938"), None)


def test_a_code_can_name_its_relay() -> None:
    assert parse_code("12-000-001 wss://relay.example.org:443") == \
        (Code(12, "000001"), "wss://relay.example.org:443")
    assert parse_code("ws://127.0.0.1:9/ 12-000-001")[1] == "ws://127.0.0.1:9/"


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "not-a-code"), ("hello", "not-a-code"), ("7-abc-938", "not-a-code"),
    ("451938", "length"), ("7451938", "nameplate"), ("7-451-93", "length"),
    ("7-451-9388", "length"), ("07-451-938", "nameplate"), ("12345-451-938", "nameplate"),
    ("0-451-938", "nameplate"), ("7-451-938 ws://a ws://b", "not-a-code"),
    ("7" * 3000, "not-a-code"),
])
def test_what_is_not_a_code_gets_a_sentence(typed: str, reason: str) -> None:
    with pytest.raises(BadCode) as caught:
        parse_code(typed)
    assert caught.value.reason == reason
    assert str(caught.value).endswith(".")


def test_codes_print_as_they_are_said_and_never_in_a_repr() -> None:
    code = Code(7, "451938")
    assert code.text == "7-451-938"
    assert "451" not in repr(code)
    assert parse_code(code.text)[0] == code


def test_generated_codes_are_uniform_six_digits() -> None:
    rand = seeded(3)
    counts: Counter[str] = Counter()
    for _ in range(3000):
        code = Code.generate(5, rand)
        assert len(code.secret) == SECRET_DIGITS
        counts.update(code.secret)
    # every digit position is drawn from 000000..999999: each digit about 10% of 18,000
    assert set(counts) == set("0123456789")
    assert all(1500 < n < 2100 for n in counts.values())


def test_nameplates_start_short() -> None:
    rand = seeded(4)
    assert all(1 <= pick_nameplate(0, rand) <= 99 for _ in range(200))
    assert all(100 <= pick_nameplate(5, rand) <= 999 for _ in range(200))
    assert all(1000 <= pick_nameplate(50, rand) <= 9999 for _ in range(200))


def test_the_mailbox_is_addressed_by_the_nameplate_alone() -> None:
    assert Code(7, "451938").mailbox_id == Code(7, "000000").mailbox_id == mailbox_id(7)
    assert mailbox_id(7) != mailbox_id(8) and len(mailbox_id(7)) == 16


def test_labels_are_our_own() -> None:
    assert not set(PURPOSES) & set(keys.PURPOSES)
    assert all(len(p) <= 16 for p in PURPOSES)


def test_pake_agrees_only_on_the_same_code() -> None:
    joiner = JoinerPake(Code(7, "451938"), seeded(5))
    reply, host_keys = host_pake(Code(7, "451938"), joiner.message, seeded(6))
    assert joiner.finish(reply) == host_keys
    wrong = JoinerPake(Code(7, "451939"), seeded(5))
    reply, host_keys = host_pake(Code(7, "451938"), wrong.message, seeded(6))
    got = wrong.finish(reply)
    assert got.host_tag != host_keys.host_tag and got.joiner_seal != host_keys.joiner_seal
    # the same digits on another nameplate are another password
    other = JoinerPake(Code(8, "451938"), seeded(5))
    reply, host_keys = host_pake(Code(7, "451938"), other.message, seeded(6))
    assert other.finish(reply).host_tag != host_keys.host_tag


def test_session_keys_are_separated_by_side_and_purpose() -> None:
    k = SessionKeys.derive(bytes(32), b"A" * 33, b"B" * 33)
    assert len({k.host_tag, k.joiner_tag, k.host_seal, k.joiner_seal}) == 4
    assert repr(k) == "SessionKeys(...)"


@pytest.mark.parametrize("point", [b"A" + bytes(32), b"A" + b"\xff" * 32,
                                   b"A" + bytes([1]) + bytes(31)])
def test_unusable_pake_messages_raise_our_error(point: bytes) -> None:
    with pytest.raises(CodeMessageError):
        host_pake(Code(7, "451938"), point, seeded(7))
    joiner = JoinerPake(Code(7, "451938"), seeded(8))
    with pytest.raises(CodeMessageError):
        joiner.finish(b"B" + point[1:])


@given(st.binary(max_size=3000))
def test_the_parser_raises_only_its_own_error(data: bytes) -> None:
    with contextlib.suppress(CodeMessageError):
        m.decode(data)


@given(st.binary(min_size=2, max_size=300), st.integers(0, 255))
def test_prefixed_garbage_raises_only_its_own_error(body: bytes, kind: int) -> None:
    for sized in (body, body[: m.HELLO_SIZE - 2], body[: m.REPLY_SIZE - 2]):
        with contextlib.suppress(CodeMessageError):
            m.decode(bytes((1, kind)) + sized)


def test_attempt_budget_meets_the_threat_model() -> None:
    # THREAT_MODEL.md promises an online attacker less than 1 chance in 10,000 per code.
    assert MAX_ATTEMPTS / 10**SECRET_DIGITS < 1e-4


SANS_IO_PROBE = """
import json, sys
import app.code.codes, app.code.messages, app.code.offer, app.code.redeem, app.code.events
print(json.dumps(sorted({n.split(".")[0] for n in sys.modules})))
"""


def test_the_machines_are_sans_io() -> None:
    import json

    out = subprocess.run([sys.executable, "-c", SANS_IO_PROBE], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    loaded = set(json.loads(out))
    assert not loaded & {"asyncio", "websockets", "PySide6", "sounddevice", "audio"}
