"""Invite links: everything a guest needs to find, enter and trust a room, in one string.

    majlis://join#<base64url without padding of:>
        u8 version (1) | room_secret (32) | host_key (32) | u8 n (1..8)
        | n x (u16 length | UTF-8 relay URL, ws:// or wss://, at most 1024 bytes)
    version 2 adds the room's door key after the host key:
        u8 version (2) | room_secret (32) | host_key (32) | door_key (32) | u8 n | relays

The door key is an Ed25519 key (its X25519 form seals knocks) whose private half the host gives
to every co-host it appoints: any admin can then read knocks and, signing with it, show a joiner
that it speaks for the room. A version-1 link has no door: knocks are sealed to the host key.

Everything sits in the fragment (after "#"), which browsers and most link previewers never send
to a server, so a link pasted into a web chat does not hand the secret to that chat's servers.
The host key pins the host: a relay that answers for the room cannot pretend to be its host.

People paste links through chat apps that wrap lines, add spaces or change case, so parsing
forgives whitespace and the scheme's case; it forgives nothing else. Every failure is a
`BadInvite` whose text is a sentence for the person holding the link, not for a programmer.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import nacl.bindings as sodium
import nacl.utils

from .errors import BadInvite
from .keys import routing_id

__all__ = ["MAX_RELAYS", "MAX_URL_BYTES", "PREFIX", "VERSION", "Invite"]

PREFIX = "majlis://join#"
VERSION = 2  # the newest layout this code writes and reads (1 is read too)
MAX_RELAYS = 8
MAX_URL_BYTES = 1024
_SECRET_SIZE = 32
_FIXED = 1 + 32 + 32 + 1  # version, secret, host key, relay count
_MAX_ENCODED = 4 * (_FIXED + 32 + MAX_RELAYS * (2 + MAX_URL_BYTES)) // 3 + 4

_WHITESPACE = re.compile(r"\s+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_U16 = struct.Struct(">H")

NOT_MAJLIS = (
    "This is not a Majlis invite link. A Majlis invite starts with \"majlis://join#\"; "
    "ask the person who invited you to send it again."
)
DAMAGED = (
    "This invite link is damaged or cut off. Copy the whole link again, from \"majlis://\" "
    "to its very last character, and try once more."
)
NEWER = (
    "This invite was made by a newer version of Majlis. Update Majlis, then open the link again."
)
BAD_RELAY = (
    "This invite link does not contain a usable server address, so Majlis cannot reach the room. "
    "Ask the person who invited you for a new link."
)


def _relay_problem(url: str) -> str | None:
    """Why `url` cannot be a relay address, or None when it can."""
    try:
        encoded = url.encode("utf-8")
    except UnicodeEncodeError:
        return "a relay address is valid Unicode"
    if not 1 <= len(encoded) <= MAX_URL_BYTES:
        return "a relay address is 1 to 1024 bytes"
    if url.startswith("wss://"):
        rest = url[6:]
    elif url.startswith("ws://"):
        rest = url[5:]
    else:
        return "a relay address starts with ws:// or wss://"
    if not rest or rest.startswith("/"):
        return "a relay address names a host"
    if not url.isprintable() or any(ch.isspace() for ch in url):
        return "a relay address has no spaces or control characters"
    return None


def _decode_fragment(text: str) -> bytes:
    """Strict base64url: only the URL-safe alphabet, no padding, one canonical spelling."""
    if len(text) > _MAX_ENCODED or len(text) % 4 == 1 or not _BASE64URL.fullmatch(text):
        raise BadInvite(DAMAGED, "damaged")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadInvite(DAMAGED, "damaged") from exc
    if _encode(raw) != text:  # stray bits in the last character: not a link we made
        raise BadInvite(DAMAGED, "damaged")
    return raw


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Invite:
    """A room's relays, its secret, and its host's pinned Ed25519 key. The secret never prints."""

    relays: tuple[str, ...]
    room_secret: bytes = field(repr=False)
    host_key: bytes
    door_key: bytes | None = None  # None: a version-1 link, knocks go to the host key

    def __post_init__(self) -> None:
        if not isinstance(self.relays, tuple) or not 1 <= len(self.relays) <= MAX_RELAYS:
            raise BadInvite(BAD_RELAY, "bad-relay")
        for url in self.relays:
            if not isinstance(url, str) or _relay_problem(url) is not None:
                raise BadInvite(BAD_RELAY, "bad-relay")
        if not isinstance(self.room_secret, bytes) or len(self.room_secret) != _SECRET_SIZE:
            raise BadInvite(DAMAGED, "damaged")
        if not isinstance(self.host_key, bytes) or not _valid_point(self.host_key):
            raise BadInvite(DAMAGED, "damaged")
        if self.door_key is not None and (not isinstance(self.door_key, bytes)
                                          or not _valid_point(self.door_key)):
            raise BadInvite(DAMAGED, "damaged")

    @classmethod
    def create(
        cls,
        relays: Sequence[str],
        host_key: bytes,
        random: Callable[[int], bytes] = nacl.utils.random,
        door_key: bytes | None = None,
    ) -> Invite:
        """A new room: a fresh 32-byte secret, the host's key and the relays to meet on."""
        return cls(tuple(relays), random(_SECRET_SIZE), host_key, door_key)

    @property
    def knock_key(self) -> bytes:
        """The Ed25519 key whose X25519 form knocks are sealed to: the door's, else the host's."""
        return self.door_key if self.door_key is not None else self.host_key

    @classmethod
    def parse(cls, link: str) -> Invite:
        """The invite in `link`, or `BadInvite` whose text tells the user what went wrong."""
        if not isinstance(link, str):
            raise BadInvite(NOT_MAJLIS, "not-majlis")
        compact = _WHITESPACE.sub("", link)
        head, hash_mark, fragment = compact.partition("#")
        if not hash_mark or head.lower() != PREFIX[:-1]:
            if compact.lower().startswith("majlis:"):  # ours, but cut short or mangled
                raise BadInvite(DAMAGED, "damaged")
            raise BadInvite(NOT_MAJLIS, "not-majlis")
        return cls.from_bytes(_decode_fragment(fragment))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Invite:
        """The invite encoded in the fragment's bytes (what `to_bytes` returns)."""
        if len(raw) < 1:
            raise BadInvite(DAMAGED, "damaged")
        if raw[0] not in (1, VERSION):
            if raw[0] > VERSION:
                raise BadInvite(NEWER, "newer-version")
            raise BadInvite(DAMAGED, "damaged")
        fixed = _FIXED + (32 if raw[0] == 2 else 0)
        if len(raw) < fixed:
            raise BadInvite(DAMAGED, "damaged")
        count = raw[fixed - 1]
        if count == 0:
            raise BadInvite(BAD_RELAY, "bad-relay")
        if count > MAX_RELAYS:
            raise BadInvite(DAMAGED, "damaged")
        relays: list[str] = []
        offset = fixed
        for _ in range(count):
            if offset + 2 > len(raw):
                raise BadInvite(DAMAGED, "damaged")
            (size,) = _U16.unpack_from(raw, offset)
            offset += 2
            if offset + size > len(raw):
                raise BadInvite(DAMAGED, "damaged")
            if size > MAX_URL_BYTES:
                raise BadInvite(BAD_RELAY, "bad-relay")
            try:
                url = raw[offset : offset + size].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadInvite(BAD_RELAY, "bad-relay") from exc
            relays.append(url)
            offset += size
        if offset != len(raw):
            raise BadInvite(DAMAGED, "damaged")
        door = raw[65:97] if raw[0] == 2 else None
        return cls(tuple(relays), raw[1:33], raw[33:65], door)

    def to_bytes(self) -> bytes:
        """The fragment's bytes, before base64url."""
        if self.door_key is None:
            parts = [b"\x01", self.room_secret, self.host_key, bytes((len(self.relays),))]
        else:
            parts = [b"\x02", self.room_secret, self.host_key, self.door_key,
                     bytes((len(self.relays),))]
        for url in self.relays:
            encoded = url.encode("utf-8")
            parts += [_U16.pack(len(encoded)), encoded]
        return b"".join(parts)

    def to_link(self) -> str:
        """"majlis://join#" and the base64url of `to_bytes()`, without padding."""
        return PREFIX + _encode(self.to_bytes())

    @property
    def routing_id(self) -> bytes:
        """The 16-byte id this room has on the relay."""
        return routing_id(self.room_secret)


def _valid_point(key: bytes) -> bool:
    """A host key that is not a proper Ed25519 point could never verify anything: a damaged link."""
    if len(key) != 32:
        return False
    valid: bool = sodium.crypto_core_ed25519_is_valid_point(key)
    return valid
