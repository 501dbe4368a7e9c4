"""A member's view of the key tree: its leaf and the secrets of its path to the root.

Import it as `crypto.keytree.MemberTree`; the design is in `crypto.keytree`'s docstring and the
processing rules, step by step, in docs/PROTOCOL.md part 4 ("Applying a commit").
"""

from __future__ import annotations

import hmac

import nacl.bindings as sodium
import nacl.exceptions

from .errors import DecryptionFailed, MalformedMessage
from .identity import Identity
from .keys import U32_MAX, EpochKey, kdf
from .keytree_schedule import (
    CONFIRM,
    EN,
    GROW,
    GROW_CONTEXT,
    MEMBER,
    PATH,
    RATCH,
    EpochMismatch,
    MemberRemoved,
    NotAddressed,
    ancestor,
    epoch_key_of,
    lca_height,
    wrap_key,
)
from .keytree_wire import ADD, MAX_WELCOME_SIZE, Update, Welcome, parse_update, parse_welcome

__all__ = ["MemberTree"]


class MemberTree:
    """A member's view: its leaf and the secrets of the nodes from its leaf up to the root."""

    __slots__ = ("_epoch", "_leaf", "_path", "_transcript")

    def __init__(self, welcome: Welcome) -> None:
        self._epoch = welcome.epoch
        self._leaf = welcome.leaf
        self._path = list(welcome.path)
        self._transcript = welcome.transcript

    @classmethod
    def from_welcome(cls, identity: Identity, welcome: bytes) -> MemberTree:
        """Open a welcome sealed to `identity` (MalformedMessage / DecryptionFailed)."""
        if not isinstance(welcome, bytes) or len(welcome) > MAX_WELCOME_SIZE:
            raise MalformedMessage(f"a welcome is at most {MAX_WELCOME_SIZE} bytes")
        return cls(parse_welcome(identity.unseal(welcome)))

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def leaf(self) -> int:
        return self._leaf

    @property
    def transcript(self) -> bytes:
        return self._transcript

    @property
    def depth(self) -> int:
        return len(self._path) - 1

    def path_secrets(self) -> tuple[bytes, ...]:
        """The secrets this member holds, leaf first (for tests of what a member can know)."""
        return tuple(self._path)

    def epoch_key(self) -> EpochKey:
        return epoch_key_of(self._path[-1], self._epoch)

    def apply(self, message: bytes) -> EpochKey:
        """Apply an update or a part; return the new epoch key. All or nothing.

        Raises MalformedMessage/UnknownVersion (layout), EpochMismatch (not current+1),
        DecryptionFailed (membership tag, wrapped secret or confirmation do not check out: forged,
        tampered, or a different tree), MemberRemoved (an authentic removal of this member),
        NotAddressed (a part for another subtree). The view is unchanged on every error.
        """
        update = parse_update(message)
        header = update.header
        if self._epoch >= U32_MAX or header.epoch != self._epoch + 1:
            raise EpochMismatch(f"update for epoch {header.epoch}, this member is at {self._epoch}")
        grows = update.kind == ADD and header.depth == self.depth + 1
        if header.depth != self.depth and not grows:
            raise MalformedMessage("the update's tree depth does not follow this member's")
        if grows and header.leaf != 1 << self.depth:
            raise MalformedMessage("a tree grows only to add the first leaf of its new half")
        transcript = update.transcript()
        if not hmac.compare_digest(kdf(self._path[-1], MEMBER, transcript), update.membership):
            raise DecryptionFailed("the update was not made by a member of the current epoch")
        if header.leaf == self._leaf:
            if update.kind == ADD:
                raise MalformedMessage("an add names this member's own leaf")
            raise MemberRemoved("this member was removed from the room")
        path = self._add(update) if update.kind == ADD else self._remove(update)
        if not hmac.compare_digest(kdf(path[-1], CONFIRM, transcript), update.confirmation):
            raise DecryptionFailed("the update's confirmation does not match the derived root")
        self._path, self._epoch, self._transcript = path, header.epoch, transcript
        return self.epoch_key()

    def _add(self, update: Update) -> list[bytes]:
        header, path = update.header, list(self._path)
        if header.depth > self.depth:
            path.append(kdf(path[-1], GROW, GROW_CONTEXT.pack(header.epoch, header.depth)))
        for height in range(lca_height(self._leaf, header.leaf), header.depth + 1):
            node = ancestor(self._leaf, height)
            path[height] = kdf(path[height], RATCH, EN.pack(header.epoch, node))
        return path

    def _remove(self, update: Update) -> list[bytes]:
        header, path = update.header, list(self._path)
        level = lca_height(self._leaf, header.leaf)
        entry = next((e for e in update.entries if e.level == level), None)
        if entry is None:
            if update.is_part:
                raise NotAddressed("this part was cut for another subtree")
            raise DecryptionFailed("the update holds no secret for this member's subtree")
        child = ancestor(self._leaf, level - 1)
        key = wrap_key(path[level - 1], header.nonce, header.epoch, child)
        try:
            secret = bytes(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                entry.wrapped, update.aad(level), header.nonce, key
            ))
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise DecryptionFailed("the wrapped secret did not open") from exc
        path[level] = secret
        for height in range(level + 1, header.depth + 1):
            secret = kdf(secret, PATH, EN.pack(header.epoch, ancestor(self._leaf, height)))
            path[height] = secret
        return path
