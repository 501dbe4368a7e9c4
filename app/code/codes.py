"""Spoken one-time codes: what a code is, how it is typed, and every key derived from one.

A code is `NAMEPLATE-DDD-DDD`, e.g. `7-451-938`:

- the **nameplate** (`7`, 1 to 4 digits, no leading zero) is public. It addresses the mailbox: a
  relay room whose 16-byte routing id is `BLAKE2b-128(nameplate, person "majlis-mailbox")`, so
  the relay routes on the nameplate alone and learns nothing else of the code;
- the six digits after it are the **password** of a SPAKE2 exchange between the host's app and
  the joiner's. Neither the relay nor anyone on the network can test a guess offline against
  what it sees: each guess needs one live exchange with the host's app, which answers at most
  `MAX_ATTEMPTS` of them per code, then burns the code.

Why digits and no words. Digits are said and heard the same way by anyone who reads the number
on a screen, in English, Arabic or Chinese, and every keyboard and input method types them
(Arabic-Indic ٠١٢, Persian ۰۱۲ and full-width digits are read as the same digits).
Word lists per language would need three lists, the joiner to know which one the host used,
and would break on transliteration (Arabic words typed on a Latin keyboard) and Chinese input
methods (homophones, tones). Six digits said as two groups of three are as short to say as two
words, and their strength is exact: 10^6 passwords, 3 tries, so an online attacker's chance per
code is 3 in a million (docs/THREAT_MODEL.md, "Joining with a spoken code").

Every key is separated by purpose as crypto/keys.py separates them (keyed BLAKE2b with the
purpose as personalisation), with labels of its own (`PURPOSES` here), none of which the room's
key schedule uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import nacl.bindings as sodium
from spake2 import SPAKE2_A, SPAKE2_B, SPAKEError
from spake2.ed25519_basic import NotOnCurve

from app.code.errors import BadCode, CodeMessageError
from crypto.keys import kdf

__all__ = ["CODE_TTL", "MAX_ATTEMPTS", "PURPOSES", "SECRET_DIGITS", "Code", "mailbox_id",
           "parse_code", "pick_nameplate"]

SECRET_DIGITS = 6
MAX_ATTEMPTS = 3  # PAKE runs the host's app answers per code, successful or not
CODE_TTL = 300.0  # seconds a code stays open when nobody uses it
MAX_NAMEPLATE = 9999

MAILBOX = b"majlis-mailbox"  # nameplate -> mailbox routing id (unkeyed: the nameplate is public)
CONFIRM = b"majlis-code-conf"  # key confirmation tags, one per side
SEAL = b"majlis-code-seal"  # AEAD keys of the sealed messages, one per side
PURPOSES = (MAILBOX, CONFIRM, SEAL)

# SPAKE2 identities (idA, idB): the joiner speaks first (side A), the host answers (side B).
JOINER_ID = b"majlis-code/joiner"
HOST_ID = b"majlis-code/host"
_PASSWORD_PREFIX = b"majlis-code/v1:"

# Nameplates are tried short first: 1..99 (quick to say), then longer ones if those are taken.
_NAMEPLATE_RANGES = ((1, 99), (1, 99), (1, 99), (1, 99), (100, 999), (100, 999), (100, 999),
                     (1000, 9999), (1000, 9999), (1000, 9999), (1000, 9999), (1000, 9999))
NAMEPLATE_TRIES = len(_NAMEPLATE_RANGES)

_RELAY = re.compile(r"wss?://\S+", re.IGNORECASE)

NOT_A_CODE = ("This is not a Majlis code. A code looks like 7-451-938: a short number, then six "
              "digits.")
NO_NAMEPLATE = ("The code starts with a short number and a dash, like the 7 in 7-451-938; type "
                "it with that first number.")
WRONG_LENGTH = ("After its first number a code has exactly six digits, like 7-451-938. Check it "
                "with the person who gave it.")


def _random_below(limit: int, random: Callable[[int], bytes]) -> int:
    """A uniform integer in [0, limit) from 4-byte draws, rejecting the biased top (no modulo
    bias: every code is exactly as likely as every other)."""
    top = (2**32 // limit) * limit
    while True:
        n = int.from_bytes(random(4), "big")
        if n < top:
            return n % limit


@dataclass(frozen=True)
class Code:
    """One code: `nameplate` (public, addresses the mailbox) and `secret` (the PAKE password).

    The secret is kept out of `repr` so a code never lands in a log by accident."""

    nameplate: int
    secret: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.nameplate, int) or not 1 <= self.nameplate <= MAX_NAMEPLATE:
            raise BadCode(NO_NAMEPLATE, "nameplate")
        if not (isinstance(self.secret, str) and len(self.secret) == SECRET_DIGITS
                and self.secret.isascii() and self.secret.isdigit()):
            raise BadCode(WRONG_LENGTH, "length")

    def __repr__(self) -> str:
        return f"Code(nameplate={self.nameplate}, secret=...)"

    @classmethod
    def generate(cls, nameplate: int, random: Callable[[int], bytes]) -> Code:
        """A fresh code on `nameplate`, its six digits uniform over 000000..999999."""
        return cls(nameplate, f"{_random_below(10**SECRET_DIGITS, random):06d}")

    @property
    def text(self) -> str:
        """How the code is shown and said: `7-451-938`."""
        return f"{self.nameplate}-{self.secret[:3]}-{self.secret[3:]}"

    @property
    def mailbox_id(self) -> bytes:
        return mailbox_id(self.nameplate)

    @property
    def password(self) -> bytes:
        """The SPAKE2 password: nameplate and digits, under a version label."""
        return _PASSWORD_PREFIX + f"{self.nameplate}:{self.secret}".encode("ascii")


def mailbox_id(nameplate: int) -> bytes:
    """The relay routing id of a nameplate's mailbox: public, like the nameplate itself."""
    digest: bytes = sodium.crypto_generichash_blake2b_salt_personal(
        str(nameplate).encode("ascii"), digest_size=16, key=b"", person=MAILBOX)
    return digest


def pick_nameplate(tries: int, random: Callable[[int], bytes]) -> int:
    """The nameplate to try after `tries` were found taken on the relay (short ones first)."""
    low, high = _NAMEPLATE_RANGES[min(tries, NAMEPLATE_TRIES - 1)]
    return low + _random_below(high - low + 1, random)


def _ascii_digit(ch: str) -> str | None:
    """Any script's decimal digit (Arabic-Indic, Persian, full-width...) as an ASCII digit."""
    if ch.isascii():
        return ch if ch.isdigit() else None
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else None


def parse_code(text: str) -> tuple[Code, str | None]:
    """A typed code, and the relay address written with it if any (`7-451-938 wss://...`).

    Forgiving about what people type between digits (spaces, any dash, dots, Arabic commas) and
    about which digits they type; strict about everything else. Raises `BadCode`.
    """
    if not isinstance(text, str) or len(text) > 2100:
        raise BadCode(NOT_A_CODE, "not-a-code")
    relays = _RELAY.findall(text)
    if len(relays) > 1:
        raise BadCode(NOT_A_CODE, "not-a-code")
    relay = relays[0] if relays else None
    rest = _RELAY.sub(" ", text)
    groups: list[str] = []
    current = ""
    for ch in rest:
        digit = _ascii_digit(ch)
        if digit is not None:
            current += digit
            continue
        if unicodedata.category(ch)[0] in "LM":  # letters: not something we print in a code
            raise BadCode(NOT_A_CODE, "not-a-code")
        if current:
            groups.append(current)
            current = ""
    if current:
        groups.append(current)
    if not groups:
        raise BadCode(NOT_A_CODE, "not-a-code")
    if len(groups) == 1:
        raise BadCode(NO_NAMEPLATE if len(groups[0]) > SECRET_DIGITS else WRONG_LENGTH,
                      "nameplate" if len(groups[0]) > SECRET_DIGITS else "length")
    plate, secret = groups[0], "".join(groups[1:])
    if plate.startswith("0") or len(plate) > len(str(MAX_NAMEPLATE)):
        raise BadCode(NO_NAMEPLATE, "nameplate")
    return Code(int(plate), secret), relay


@dataclass(frozen=True)
class SessionKeys:
    """What one successful SPAKE2 run gives both sides: a tag each way and a sealing key each way.

    The tags bind both PAKE messages, so a tag made in one run is worthless in another."""

    host_tag: bytes
    joiner_tag: bytes
    host_seal: bytes
    joiner_seal: bytes

    @classmethod
    def derive(cls, pake_key: bytes, joiner_msg: bytes, host_msg: bytes) -> SessionKeys:
        transcript = joiner_msg + host_msg
        return cls(kdf(pake_key, CONFIRM, b"host" + transcript),
                   kdf(pake_key, CONFIRM, b"joiner" + transcript),
                   kdf(pake_key, SEAL, b"host"), kdf(pake_key, SEAL, b"joiner"))

    def __repr__(self) -> str:
        return "SessionKeys(...)"


# -- SPAKE2 (the `spake2` package), behind our own error type ----------------------------------

# What spake2 raises for a message that is not a usable group element or is of the wrong side:
# its own SPAKEError tree, ValueError/NotOnCurve from point decoding, AssertionError from size
# checks. Our parser has already checked the size and side byte; this is the rest.
_PAKE_ERRORS: tuple[type[BaseException], ...] = (ValueError, AssertionError, TypeError,
                                                  ArithmeticError)


_PAKE_ERRORS += (SPAKEError, NotOnCurve)


class JoinerPake:
    """The joiner's half of one SPAKE2 run (side A): `message` to send, `finish(reply)` once."""

    def __init__(self, code: Code, random: Callable[[int], bytes]) -> None:
        self._spake = SPAKE2_A(code.password, idA=JOINER_ID, idB=HOST_ID, entropy_f=random)
        self.message: bytes = self._spake.start()

    def finish(self, host_message: bytes) -> SessionKeys:
        """The session keys; CodeMessageError if the host's message is not a usable element."""
        try:
            key: bytes = self._spake.finish(host_message)
        except _PAKE_ERRORS as exc:
            raise CodeMessageError("the host's PAKE message is not usable") from exc
        return SessionKeys.derive(key, self.message, host_message)


def host_pake(code: Code, joiner_message: bytes,
              random: Callable[[int], bytes]) -> tuple[bytes, SessionKeys]:
    """The host's half (side B), in one step: its message and the session keys."""
    spake = SPAKE2_B(code.password, idA=JOINER_ID, idB=HOST_ID, entropy_f=random)
    message: bytes = spake.start()
    try:
        key: bytes = spake.finish(joiner_message)
    except _PAKE_ERRORS as exc:
        raise CodeMessageError("the joiner's PAKE message is not usable") from exc
    return message, SessionKeys.derive(key, joiner_message, message)
