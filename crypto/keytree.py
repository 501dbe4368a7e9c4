"""The room's key tree: a logical key hierarchy (RFC 2627) that makes a removal cost O(log N).

Members sit at the leaves of a left-balanced binary tree of at most 2^16 leaves. Every non-blank
node has a 32-byte secret known to the members below it (and to the admins, who hold the whole
tree); the root's secret derives the epoch key. Nodes are numbered as in RFC 9420's array
representation: leaf i is node 2i, the root of a tree of depth d is node 2^d - 1, and a node's
height is its number of trailing one bits, so growing the tree never renumbers a node.

    removal of leaf L (epoch e, commit seed S drawn from the injected rng):
      each ancestor of L whose subtree still has members gets a fresh secret, bottom up:
        s_first = kdf(S, "majlis-lkh-seed", 1 | node)        the lowest ancestor still in use
        s_next  = kdf(s, "majlis-lkh-path", e | node)         every ancestor above it
      the new s of each ancestor is sealed for its other child (the subtree L was not in) under
        kdf(secret of that child, "majlis-lkh-wrap", nonce | e | child)   XChaCha20-Poly1305
      so every remaining member opens exactly one entry and hashes its way up to the root.
    addition of a joiner at the lowest blank leaf J:
      the tree doubles first if it is full (new root = kdf(old root, "majlis-lkh-grow", e | depth));
      each ancestor of J that has a secret ratchets: kdf(s, "majlis-lkh-ratch", e | node);
      blank ancestors and J's leaf get fresh secrets; only the joiner receives secrets (its path,
      sealed to its identity's X25519 key), everyone else learns just "leaf J joined".
    epoch key = kdf(root, "majlis-lkh-epoch", e); every update carries a membership tag
      kdf(old root, "majlis-lkh-memb", T) and a confirmation kdf(new root, "majlis-lkh-conf", T)
      over its transcript hash T, so outsiders cannot forge one and no flipped byte goes unseen.

Why a logical key hierarchy and not TreeKEM (RFC 9420): in a host-led room only admins commit,
and they already know every epoch key, so letting them hold every node secret gives away nothing.
In exchange an update needs no public-key operation at all (one AEAD per level instead of an
HPKE encryption per copath node), a member's share of a removal is one 49-byte entry, and no
member ever has to publish key material. What it gives up is TreeKEM's post-compromise healing
by ordinary members: here only an admin's commit refreshes keys.

Sans-I/O and pure: all randomness of a commit comes from one 32-byte seed drawn from the
injected `rng`, so a co-admin given that seed replays the commit bit for bit (`follow`).

Here: the admin's view and the public names. A member's view is `crypto.keytree_member`, labels
and derivations `crypto.keytree_schedule`, byte layouts `crypto.keytree_wire`.
"""

from __future__ import annotations

import heapq
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

import nacl.bindings as sodium
import nacl.utils

from .errors import DecryptionFailed, MalformedMessage, NonceExhausted
from .identity import PublicIdentity
from .keys import U32_MAX, EpochKey, kdf
from .keytree_member import MemberTree
from .keytree_schedule import (
    CONFIRM,
    EN,
    EPHEMERAL,
    FRESH,
    GROW,
    GROW_CONTEXT,
    MAX_LEAVES,
    MEMBER,
    NONCE,
    PATH,
    PATH_START,
    RATCH,
    TREE_PURPOSES,
    EpochMismatch,
    KeyTreeError,
    MemberRemoved,
    NotAddressed,
    Random,
    TreeMisuse,
    ancestor,
    copath,
    draw_seed,
    epoch_key_of,
    from_seed,
    lca_height,
    present,
    root,
    seal_to,
    wrap_key,
)
from .keytree_wire import (
    ADD,
    MAX_DEPTH,
    NONCE_SIZE,
    REMOVE,
    Entry,
    Header,
    Welcome,
    pack_part,
    pack_update,
    parse_update,
    transcript_hash,
)

__all__ = [
    "MAX_LEAVES",
    "TREE_PURPOSES",
    "AdminTree",
    "Commit",
    "EpochMismatch",
    "KeyTreeError",
    "MemberRemoved",
    "MemberTree",
    "NotAddressed",
    "TreeMisuse",
    "part_for",
    "split",
]


@dataclass(frozen=True)
class Commit:
    """A prepared add or removal: send `update` (and `welcome` to the joiner), then `merge` it.

    Nothing changes in the AdminTree until `merge`, so a commit that loses the race for its epoch
    is simply dropped. `seed` is the commit's only secret randomness: give it to co-admins (and
    nobody else) so they can `follow` the commit.
    """

    kind: int
    epoch: int
    leaf: int
    member: PublicIdentity
    update: bytes
    welcome: bytes | None
    transcript: bytes
    seed: bytes = field(repr=False)
    base: bytes = field(repr=False)
    depth: int = field(repr=False)
    changes: Mapping[int, bytes | None] = field(repr=False)


class AdminTree:
    """The committing admin's view: every node secret and who sits at which leaf.

    Memory is bounded by the tree: at most 2^17 - 1 node secrets and 2^16 members.
    """

    __slots__ = ("_depth", "_epoch", "_free", "_high", "_leaf_of", "_max_depth", "_members",
                 "_secrets", "_transcript")

    def __init__(self, epoch: int, founder: PublicIdentity, leaf_secret: bytes,
                 transcript: bytes, max_depth: int = MAX_DEPTH) -> None:
        self._max_depth = max_depth
        self._epoch = epoch
        self._depth = 0
        self._secrets: dict[int, bytes] = {0: leaf_secret}
        self._members: dict[int, PublicIdentity] = {0: founder}
        self._leaf_of: dict[bytes, int] = {founder.key: 0}
        self._free: list[int] = []  # blank leaves below the high-water mark, as a min-heap
        self._high = 1
        self._transcript = transcript

    @classmethod
    def create(cls, founder: PublicIdentity, epoch: int = 0, rng: Random = nacl.utils.random,
               max_depth: int = MAX_DEPTH) -> tuple[AdminTree, bytes]:
        """A one-leaf tree for the room's founder, and the founder's welcome.

        `max_depth` caps the room below the format's 2^16 leaves (a room's own size limit).
        """
        if not 0 <= epoch <= U32_MAX:
            raise TreeMisuse("an epoch number is a 32-bit unsigned integer")
        if not 1 <= max_depth <= MAX_DEPTH:
            raise TreeMisuse(f"a tree's depth limit is 1 to {MAX_DEPTH}")
        seed = draw_seed(rng)
        nonce = from_seed(seed, NONCE, 0)[:NONCE_SIZE]
        transcript = transcript_hash(Header(ADD, epoch, 0, 0, nonce, 0), ())
        tree = cls(epoch, founder, from_seed(seed, FRESH, 0), transcript, max_depth)
        return tree, tree._welcome(0, seed)

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def depth(self) -> int:
        """log2 of the number of leaf slots; the tree doubles when full and never shrinks."""
        return self._depth

    @property
    def transcript(self) -> bytes:
        """Transcript hash of the last merged commit: what the room layer signs and compares."""
        return self._transcript

    def __len__(self) -> int:
        return len(self._members)

    def members(self) -> dict[int, PublicIdentity]:
        """Leaf index -> identity of every current member (a copy)."""
        return dict(self._members)

    def leaf_of(self, member: PublicIdentity) -> int | None:
        return self._leaf_of.get(member.key)

    def epoch_key(self) -> EpochKey:
        return epoch_key_of(self._secrets[root(self._depth)], self._epoch)

    def node_secrets(self) -> dict[int, bytes]:
        """Every node secret by node index (a copy): for tests and for handing over to an admin."""
        return dict(self._secrets)

    def welcome_for(self, leaf: int, rng: Random = nacl.utils.random) -> bytes:
        """The current path of a member, sealed to it: for a member who missed a commit."""
        if leaf not in self._members:
            raise TreeMisuse(f"leaf {leaf} is blank")
        return self._welcome(leaf, draw_seed(rng))

    def _welcome(self, leaf: int, seed: bytes) -> bytes:
        path = tuple(self._secrets[ancestor(leaf, h)] for h in range(self._depth + 1))
        plain = Welcome(self._epoch, leaf, self._depth, self._transcript, path).pack()
        return seal_to(self._members[leaf], plain, from_seed(seed, EPHEMERAL, 2 * leaf))

    def add(self, joiner: PublicIdentity, rng: Random = nacl.utils.random) -> Commit:
        """Prepare the joiner's admission at the lowest blank leaf (doubling a full tree)."""
        if joiner.key in self._leaf_of:
            raise TreeMisuse("this identity already holds a leaf")
        epoch = self._next_epoch()
        leaf = self._free[0] if self._free else self._high
        depth = self._depth + (leaf == 1 << self._depth)
        if depth > self._max_depth:
            raise TreeMisuse(f"the tree is full ({1 << self._max_depth} members)")
        seed = draw_seed(rng)
        nonce = from_seed(seed, NONCE, 0)[:NONCE_SIZE]
        changes: dict[int, bytes | None] = {}
        if depth > self._depth:
            old = self._secrets[root(self._depth)]
            changes[root(depth)] = kdf(old, GROW, GROW_CONTEXT.pack(epoch, depth))
        for height in range(1, depth + 1):
            node = ancestor(leaf, height)
            current = changes.get(node, self._secrets.get(node))
            changes[node] = (
                from_seed(seed, FRESH, node) if current is None
                else kdf(current, RATCH, EN.pack(epoch, node))
            )
        changes[2 * leaf] = from_seed(seed, FRESH, 2 * leaf)
        header = Header(ADD, epoch, leaf, depth, nonce, 0)
        transcript = transcript_hash(header, ())
        update = pack_update(header, (), *self._tags(changes, depth, transcript))
        path = tuple(present(changes[ancestor(leaf, h)]) for h in range(depth + 1))
        plain = Welcome(epoch, leaf, depth, transcript, path).pack()
        welcome = seal_to(joiner, plain, from_seed(seed, EPHEMERAL, 2 * leaf))
        return Commit(ADD, epoch, leaf, joiner, update, welcome, transcript, seed,
                      self._transcript, depth, changes)

    def remove(self, leaf: int, rng: Random = nacl.utils.random) -> Commit:
        """Prepare the removal of `leaf`: fresh secrets on its path, each sealed for one subtree."""
        member = self._members.get(leaf)
        if member is None:
            raise TreeMisuse(f"leaf {leaf} is blank")
        if len(self._members) == 1:
            raise TreeMisuse("the last member cannot be removed; end the room instead")
        epoch = self._next_epoch()
        seed = draw_seed(rng)
        nonce = from_seed(seed, NONCE, 0)[:NONCE_SIZE]
        changes: dict[int, bytes | None] = {2 * leaf: None}
        plan: list[tuple[int, int, bytes]] = []  # (level, copath node, new secret of level)
        secret: bytes | None = None
        for height in range(1, self._depth + 1):
            node, other = ancestor(leaf, height), copath(leaf, height)
            other_blank = other not in self._secrets
            if secret is None:
                if other_blank:  # nobody left below this node: blank it
                    changes[node] = None
                    continue
                secret = from_seed(seed, PATH_START, node)
            else:
                secret = kdf(secret, PATH, EN.pack(epoch, node))
            changes[node] = secret
            if not other_blank:
                plan.append((height, other, secret))
        header = Header(REMOVE, epoch, leaf, self._depth, nonce, len(plan))
        aad = header.pack()
        entries = tuple(
            Entry(level, bytes(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
                new, aad + bytes((level,)), nonce,
                wrap_key(self._secrets[other], nonce, epoch, other),
            )))
            for level, other, new in plan
        )
        transcript = transcript_hash(header, tuple(e.digest() for e in entries))
        update = pack_update(header, entries, *self._tags(changes, self._depth, transcript))
        return Commit(REMOVE, epoch, leaf, member, update, None, transcript, seed,
                      self._transcript, self._depth, changes)

    def merge(self, commit: Commit) -> EpochKey:
        """Make a prepared commit the tree's state (after the room accepted it for its epoch)."""
        if commit.base != self._transcript or commit.epoch != self._epoch + 1:
            raise EpochMismatch("this commit was prepared on another state of the tree")
        for node, secret in commit.changes.items():
            if secret is None:
                self._secrets.pop(node, None)
            else:
                self._secrets[node] = secret
        if commit.kind == ADD:
            self._members[commit.leaf] = commit.member
            self._leaf_of[commit.member.key] = commit.leaf
            if self._free and self._free[0] == commit.leaf:
                heapq.heappop(self._free)
            else:
                self._high += 1
        else:
            del self._members[commit.leaf]
            del self._leaf_of[commit.member.key]
            heapq.heappush(self._free, commit.leaf)
        self._depth, self._epoch, self._transcript = commit.depth, commit.epoch, commit.transcript
        return self.epoch_key()

    def follow(self, update: bytes, seed: bytes, joiner: PublicIdentity | None = None) -> Commit:
        """Rebuild a co-admin's commit from its seed; it must match `update` byte for byte.

        The result is merged like one's own commit. A joiner's identity comes from the signed
        room commit that carried the update, since the tree update names only a leaf.
        """
        parsed = parse_update(update)
        if parsed.is_part:
            raise MalformedMessage("an admin follows whole updates, not parts")
        def replay(size: int) -> bytes:
            return seed
        if parsed.kind == ADD:
            if joiner is None:
                raise TreeMisuse("following an add needs the joiner's identity")
            commit = self.add(joiner, replay)
        else:
            commit = self.remove(parsed.header.leaf, replay)
        if not hmac.compare_digest(commit.update, update):
            raise DecryptionFailed("the update does not match this tree and seed")
        return commit

    def _next_epoch(self) -> int:
        if self._epoch >= U32_MAX:
            raise NonceExhausted("the epoch number would wrap: start a new room")
        return self._epoch + 1

    def _tags(self, changes: Mapping[int, bytes | None], depth: int,
              transcript: bytes) -> tuple[bytes, bytes]:
        old_root = self._secrets[root(self._depth)]
        new_root = present(changes[root(depth)])  # adds and removals both renew the root
        return kdf(old_root, MEMBER, transcript), kdf(new_root, CONFIRM, transcript)


def split(update: bytes) -> list[tuple[int, bytes]]:
    """Cut a removal into one part per subtree: (node whose members need it, part bytes).

    Every remaining member lies below exactly one of the nodes, so a transport that can address
    subtrees delivers each member about a third of the whole update. Adds are not cut: every
    member needs their whole 98 bytes.
    """
    parsed = parse_update(update)
    if parsed.kind != REMOVE or parsed.is_part:
        raise MalformedMessage("only a whole removal can be split")
    leaf = parsed.header.leaf
    return [(copath(leaf, e.level), pack_part(parsed, i)) for i, e in enumerate(parsed.entries)]


def part_for(update: bytes, leaf: int) -> bytes:
    """The part of a removal (or the whole add) that the member at `leaf` needs."""
    parsed = parse_update(update)
    if parsed.is_part:
        raise MalformedMessage("a part cannot be cut again")
    if parsed.kind == ADD:
        return update
    if leaf == parsed.header.leaf or leaf >= 1 << parsed.header.depth:
        raise NotAddressed("no part of this removal is for that leaf")
    level = lca_height(leaf, parsed.header.leaf)
    for index, entry in enumerate(parsed.entries):
        if entry.level == level:
            return pack_part(parsed, index)
    raise NotAddressed("that leaf's subtree is blank in this removal")
