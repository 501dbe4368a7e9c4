"""Byte formats of the key tree: updates, per-subtree parts and welcomes.

Kept apart from the tree logic (`crypto.keytree`) so that the layouts, every length check and the
transcript can be read on one page next to `docs/PROTOCOL.md` ("Key tree"). Nothing here holds a
secret: it parses, packs and hashes. Parsers raise only `CryptoError` subclasses.

    update  = header (34) | k entries (49 each) | membership tag (32) | confirmation (32)
    part    = header (34, kind PART) | u8 index | one entry (49) | k-1 digests (16) | tags (64)
    welcome = Seal(joiner, u8 version | u32 epoch | u16 leaf | u8 depth | transcript (32)
                           | depth+1 path secrets (32 each, leaf first))
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass

import nacl.bindings as sodium

from .errors import MalformedMessage, UnknownVersion

__all__ = [
    "ADD",
    "MAX_DEPTH",
    "MAX_PART_SIZE",
    "MAX_UPDATE_SIZE",
    "MAX_WELCOME_SIZE",
    "PART",
    "REMOVE",
    "VERSION",
    "Entry",
    "Header",
    "Update",
    "Welcome",
    "pack_part",
    "pack_update",
    "parse_update",
    "parse_welcome",
    "transcript_hash",
]

VERSION = 1
ADD = 0x01
REMOVE = 0x02
PART = 0x03

MAX_DEPTH = 16  # 2^16 = 65,536 leaves: more than any room the relay carries
SECRET_SIZE = 32
NONCE_SIZE = 24
WRAPPED_SIZE = SECRET_SIZE + 16  # XChaCha20-Poly1305 ciphertext of one secret, with its tag
ENTRY_SIZE = 1 + WRAPPED_SIZE  # 49
DIGEST_SIZE = 16
TAG_SIZE = 32
HEADER_SIZE = 34
TAGS_SIZE = 2 * TAG_SIZE
UPDATE_FIXED = HEADER_SIZE + TAGS_SIZE  # 98
PART_FIXED = HEADER_SIZE + 1 + ENTRY_SIZE + TAGS_SIZE - DIGEST_SIZE  # 132, plus 16 per entry
MAX_UPDATE_SIZE = UPDATE_FIXED + MAX_DEPTH * ENTRY_SIZE  # 882
MAX_PART_SIZE = PART_FIXED + MAX_DEPTH * DIGEST_SIZE  # 388
WELCOME_FIXED = 1 + 4 + 2 + 1 + 32  # 40, plus 32 per path secret
SEALED_OVERHEAD = 48
MAX_WELCOME_SIZE = SEALED_OVERHEAD + WELCOME_FIXED + (MAX_DEPTH + 1) * SECRET_SIZE  # 632

TRANSCRIPT = b"majlis-lkh-tx"
ENTRY = b"majlis-lkh-entry"

_HEADER = struct.Struct(">BBIHB24sB")
_WELCOME = struct.Struct(">BIHB32s")


def _blake2b(data: bytes, size: int, person: bytes) -> bytes:
    out: bytes = sodium.crypto_generichash_blake2b_salt_personal(
        data, digest_size=size, person=person
    )
    return out


@dataclass(frozen=True)
class Header:
    """The 34 bytes every update and part starts with; also the AEAD's associated data."""

    kind: int
    epoch: int
    leaf: int
    depth: int
    nonce: bytes
    count: int

    def pack(self, kind: int | None = None) -> bytes:
        """The header's bytes; `kind` replaces the kind (a part hashes as its REMOVE)."""
        return _HEADER.pack(
            VERSION,
            self.kind if kind is None else kind,
            self.epoch,
            self.leaf,
            self.depth,
            self.nonce,
            self.count,
        )


@dataclass(frozen=True)
class Entry:
    """One wrapped path secret: the new secret of the ancestor at `level`, for the other child."""

    level: int
    wrapped: bytes

    def pack(self) -> bytes:
        return bytes((self.level,)) + self.wrapped

    def digest(self) -> bytes:
        """What the transcript holds for this entry, so a part can prove the others exist."""
        return _blake2b(self.pack(), DIGEST_SIZE, ENTRY)


def transcript_hash(header: Header, digests: tuple[bytes, ...]) -> bytes:
    """BLAKE2b-256(header as ADD/REMOVE | entry digests), person "majlis-lkh-tx".

    The same 32 bytes come out of a whole update and of each of its parts, so the room layer can
    sign this hash once and every member can check the signature whatever it was delivered.
    """
    kind = REMOVE if header.kind == PART else header.kind
    return _blake2b(header.pack(kind) + b"".join(digests), 32, TRANSCRIPT)


@dataclass(frozen=True)
class Update:
    """A parsed update or part. For a part, `entries` holds only the entry it carries."""

    header: Header
    entries: tuple[Entry, ...]
    digests: tuple[bytes, ...]
    membership: bytes
    confirmation: bytes

    @property
    def is_part(self) -> bool:
        return self.header.kind == PART

    @property
    def kind(self) -> int:
        """ADD or REMOVE: what the update does (a part is always of a REMOVE)."""
        return REMOVE if self.header.kind == PART else self.header.kind

    def transcript(self) -> bytes:
        return transcript_hash(self.header, self.digests)

    def aad(self, level: int) -> bytes:
        """Associated data of the entry at `level`: the header (as REMOVE) and the level."""
        return self.header.pack(REMOVE) + bytes((level,))


def pack_update(header: Header, entries: tuple[Entry, ...], membership: bytes,
                confirmation: bytes) -> bytes:
    return header.pack() + b"".join(e.pack() for e in entries) + membership + confirmation


def pack_part(update: Update, index: int) -> bytes:
    """The part of a whole REMOVE update that the subtree of entry `index` needs."""
    header = update.header
    others = update.digests[:index] + update.digests[index + 1 :]
    return (
        header.pack(PART)
        + bytes((index,))
        + update.entries[index].pack()
        + b"".join(others)
        + update.membership
        + update.confirmation
    )


def parse_update(data: bytes) -> Update:
    """Check every length and field of an update or part (MalformedMessage / UnknownVersion).

    Nothing is decrypted here: a receiver learns whether the bytes are well formed, then decides
    whether they fit its view of the tree (`crypto.keytree.MemberTree.apply`).
    """
    if not isinstance(data, bytes) or len(data) < 2:
        raise MalformedMessage("a key tree update is at least 2 bytes")
    if data[0] != VERSION:
        raise UnknownVersion(f"key tree update version {data[0]} is not spoken here")
    kind = data[1]
    if kind not in (ADD, REMOVE, PART):
        raise MalformedMessage(f"unknown key tree update kind {kind}")
    limit = MAX_PART_SIZE if kind == PART else MAX_UPDATE_SIZE
    if not HEADER_SIZE <= len(data) <= limit:
        raise MalformedMessage(f"a key tree update is {HEADER_SIZE} to {limit} bytes")
    _, _, epoch, leaf, depth, nonce, count = _HEADER.unpack_from(data)
    header = Header(kind, epoch, leaf, depth, nonce, count)
    if not 1 <= depth <= MAX_DEPTH:
        raise MalformedMessage(f"the tree depth of an update is 1 to {MAX_DEPTH}")
    if leaf >= 1 << depth:
        raise MalformedMessage("the leaf is outside the tree")
    if kind == ADD:
        if count != 0:
            raise MalformedMessage("an add carries no wrapped secrets")
        expected = UPDATE_FIXED
    elif not 1 <= count <= depth:
        raise MalformedMessage("a removal carries 1 to depth wrapped secrets")
    elif kind == REMOVE:
        expected = UPDATE_FIXED + count * ENTRY_SIZE
    else:
        expected = PART_FIXED + count * DIGEST_SIZE
    if len(data) != expected:
        raise MalformedMessage(f"this update must be exactly {expected} bytes")
    tags = data[-TAGS_SIZE:]
    membership, confirmation = tags[:TAG_SIZE], tags[TAG_SIZE:]
    if kind == PART:
        return _parse_part(data, header, membership, confirmation)
    entries = tuple(
        _entry(data, HEADER_SIZE + i * ENTRY_SIZE, depth) for i in range(count)
    )
    if any(a.level >= b.level for a, b in itertools.pairwise(entries)):
        raise MalformedMessage("the levels of a removal's entries must increase")
    digests = tuple(e.digest() for e in entries)
    return Update(header, entries, digests, membership, confirmation)


def _parse_part(data: bytes, header: Header, membership: bytes, confirmation: bytes) -> Update:
    index = data[HEADER_SIZE]
    if index >= header.count:
        raise MalformedMessage("a part's entry index is beyond its entry count")
    entry = _entry(data, HEADER_SIZE + 1, header.depth)
    start = HEADER_SIZE + 1 + ENTRY_SIZE
    others = [
        data[start + i * DIGEST_SIZE : start + (i + 1) * DIGEST_SIZE]
        for i in range(header.count - 1)
    ]
    digests = (*others[:index], entry.digest(), *others[index:])
    return Update(header, (entry,), tuple(digests), membership, confirmation)


def _entry(data: bytes, offset: int, depth: int) -> Entry:
    level = data[offset]
    if not 1 <= level <= depth:
        raise MalformedMessage(f"an entry's level is 1 to the tree depth ({depth})")
    return Entry(level, data[offset + 1 : offset + ENTRY_SIZE])


@dataclass(frozen=True)
class Welcome:
    """The opened welcome: where the joiner sits and the secrets of its whole path."""

    epoch: int
    leaf: int
    depth: int
    transcript: bytes
    path: tuple[bytes, ...]  # path[h] is the secret of the leaf's ancestor at height h

    def pack(self) -> bytes:
        head = _WELCOME.pack(VERSION, self.epoch, self.leaf, self.depth, self.transcript)
        return head + b"".join(self.path)


def parse_welcome(plain: bytes) -> Welcome:
    """Check an opened welcome's layout (MalformedMessage / UnknownVersion)."""
    if len(plain) < WELCOME_FIXED + SECRET_SIZE:
        raise MalformedMessage("a welcome holds at least one path secret")
    if plain[0] != VERSION:
        raise UnknownVersion(f"welcome version {plain[0]} is not spoken here")
    _, epoch, leaf, depth, transcript = _WELCOME.unpack_from(plain)
    if depth > MAX_DEPTH or leaf >= 1 << depth:
        raise MalformedMessage("a welcome's leaf or depth is outside the largest tree")
    if len(plain) != WELCOME_FIXED + (depth + 1) * SECRET_SIZE:
        raise MalformedMessage("a welcome holds exactly depth+1 path secrets")
    body = plain[WELCOME_FIXED:]
    path = tuple(body[i : i + SECRET_SIZE] for i in range(0, len(body), SECRET_SIZE))
    return Welcome(epoch, leaf, depth, transcript, path)
