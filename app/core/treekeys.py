"""The key tree in the room: removals at O(log N), carried in the signed epoch commit.

The host holds the room's `AdminTree` (`crypto.keytree`); every member holds a `MemberTree`.
- ADMIT carries the tree's ADD update (98 bytes) and the joiner's WELCOME its tree welcome: joins
  stay a one-way ratchet of the room key, and the tree's ancestors ratchet too, so a joiner learns
  nothing of the tree before it.
- A removal's REKEY carries one tree REMOVE update per leaf that must go: every leaf whose member
  is not kept (removed, left, away, or removed earlier by a co-host's rotation, which the tree did
  not see). Once every such leaf is gone, the new room key derives from the new root; members
  apply the updates with their `MemberTree` and derive the same key. Members without a leaf
  (admitted while a co-host committed, or back from a drop that spanned a rotation) get the key
  sealed to them as before.
- The control envelope's signature covers the whole REKEY body, tree updates included, so it
  signs each update's transcript hash; the relay sees a padded envelope and nothing else.

Only the host holds the AdminTree (it is created with the room). A co-host committing while the
host is away, and a co-host that took the room over, rotate by sealing to every member (O(N)),
as before the tree; the host's next rotation takes out every leaf those rotations removed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

from app.core.messages import MAX_TREE_UPDATES
from crypto.errors import CryptoError
from crypto.identity import Identity, PublicIdentity
from crypto.keys import EpochKey, kdf
from crypto.keytree import AdminTree, KeyTreeError, MemberTree

ROOM_TREE = b"majlis-room-tree"  # room key of a tree rotation = kdf(tree epoch key, this, u32 e)

Random = Callable[[int], bytes]


def room_key(tree_key: EpochKey, room_epoch: int) -> EpochKey:
    """The room's epoch key after a tree rotation. Room and tree count epochs apart (joins,
    role changes and returns advance the room alone), so the room's number is bound in."""
    return EpochKey(room_epoch, kdf(tree_key.key, ROOM_TREE, struct.pack(">I", room_epoch)))


class AdminKeys:
    """The committing host's tree. Commits are merged as they are sent: the host commits in
    its own order, and a member whose tree fell out of step asks for a key and gets a fresh
    tree welcome with it."""

    def __init__(self, host: PublicIdentity, random: Random) -> None:
        self.random = random
        self.tree, _ = AdminTree.create(host, rng=random)

    def add(self, joiner: PublicIdentity) -> tuple[bytes, bytes] | None:
        """(update for ADMIT, welcome for the joiner), or None when the joiner cannot have a
        leaf (the tree is full): it is then keyed by sealed entries."""
        try:
            commit = self.tree.add(joiner, self.random)
        except KeyTreeError:
            return None
        self.tree.merge(commit)
        assert commit.welcome is not None
        return commit.update, commit.welcome

    def holds(self, key: bytes) -> bool:
        return self.tree.leaf_of(PublicIdentity(key)) is not None

    def rotate(self, keep: Iterable[bytes], room_epoch: int
               ) -> tuple[tuple[bytes, ...], EpochKey | None]:
        """Take out of the tree every leaf whose member is not in `keep` (at most
        MAX_TREE_UPDATES); the room key, when every such leaf is gone, else None (seal a fresh
        key to everyone this time; the rest go in the next rotation)."""
        kept = set(keep)
        stale = sorted(leaf for leaf, ident in self.tree.members().items()
                       if ident.key not in kept)
        updates = []
        for leaf in stale[:MAX_TREE_UPDATES]:
            commit = self.tree.remove(leaf, self.random)
            self.tree.merge(commit)
            updates.append(commit.update)
        if not updates or len(stale) > MAX_TREE_UPDATES:
            return tuple(updates), None
        return tuple(updates), room_key(self.tree.epoch_key(), room_epoch)

    def welcome_for(self, key: bytes) -> bytes:
        """The member's current tree path sealed to it, or b"" when it holds no leaf."""
        leaf = self.tree.leaf_of(PublicIdentity(key))
        return b"" if leaf is None else self.tree.welcome_for(leaf, self.random)


class MemberKeys:
    """A member's tree, kept in step with the host's commits. A commit that does not apply
    drops the tree (the member then asks for a key and gets a fresh tree welcome with it)."""

    def __init__(self) -> None:
        self.tree: MemberTree | None = None
        self.lost = 0

    def welcomed(self, identity: Identity, blob: bytes) -> None:
        if not blob:
            return
        try:
            self.tree = MemberTree.from_welcome(identity, blob)
        except CryptoError:
            self.tree, self.lost = None, self.lost + 1

    def apply(self, updates: Iterable[bytes]) -> EpochKey | None:
        """Apply updates in order; the tree's new epoch key, or None (no tree, or out of step)."""
        if self.tree is None:
            return None
        key = None
        try:
            for update in updates:
                key = self.tree.apply(update)
        except CryptoError:  # MemberRemoved (keyed out while away), EpochMismatch, forged
            self.tree, self.lost = None, self.lost + 1
            return None
        return key
