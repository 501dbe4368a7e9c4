"""The key tree's schedule: purpose labels, errors, node arithmetic and derivations.

Shared by the admin's view (`crypto.keytree`) and a member's (`crypto.keytree_member`); the
design and the derivations are drawn in `crypto.keytree`'s docstring and in docs/PROTOCOL.md,
part 4. Import the public names from `crypto.keytree`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import nacl.bindings as sodium

from .errors import CryptoError
from .identity import PublicIdentity
from .keys import EpochKey, kdf
from .keytree_wire import MAX_DEPTH, SECRET_SIZE

MAX_LEAVES = 1 << MAX_DEPTH

SEED = b"majlis-lkh-seed"
PATH = b"majlis-lkh-path"
RATCH = b"majlis-lkh-ratch"
GROW = b"majlis-lkh-grow"
WRAP = b"majlis-lkh-wrap"
EPOCH = b"majlis-lkh-epoch"
MEMBER = b"majlis-lkh-memb"
CONFIRM = b"majlis-lkh-conf"
TREE_PURPOSES = (SEED, PATH, RATCH, GROW, WRAP, EPOCH, MEMBER, CONFIRM)

# Tags of kdf(seed, "majlis-lkh-seed", tag | u32 node): everything random in one commit.
NONCE, PATH_START, FRESH, EPHEMERAL = 0, 1, 2, 3

U32 = struct.Struct(">I")
EN = struct.Struct(">II")
SEED_CONTEXT = struct.Struct(">BI")
GROW_CONTEXT = struct.Struct(">IB")

Random = Callable[[int], bytes]


class KeyTreeError(CryptoError):
    """An update that is well formed but does not fit this view of the tree."""


class EpochMismatch(KeyTreeError):
    """The update is not for the next epoch: a replay, or one was missed (ask for a welcome)."""


class MemberRemoved(KeyTreeError):
    """The update, authenticated by the previous epoch's root, removes this very member."""


class NotAddressed(KeyTreeError):
    """A part cut for another subtree: it carries no secret this member can open."""


class TreeMisuse(KeyTreeError):
    """A local mistake: removing a blank leaf, adding to a full tree or a member twice."""


# Node arithmetic (array representation) ---------------------------------------------------------


def ancestor(leaf: int, height: int) -> int:
    """The node at `height` above `leaf` (height 0 is the leaf's own node 2*leaf)."""
    return ((leaf >> height) << (height + 1)) | ((1 << height) - 1)


def copath(leaf: int, height: int) -> int:
    """The child of `ancestor(leaf, height)` whose subtree does not hold `leaf`."""
    return ancestor(leaf ^ (1 << (height - 1)), height - 1)


def lca_height(a: int, b: int) -> int:
    """Height of the lowest common ancestor of two different leaves."""
    return (a ^ b).bit_length()


def root(depth: int) -> int:
    return (1 << depth) - 1


# Derivations --------------------------------------------------------------------------------------


def from_seed(seed: bytes, tag: int, node: int) -> bytes:
    return kdf(seed, SEED, SEED_CONTEXT.pack(tag, node))


def epoch_key_of(root_secret: bytes, epoch: int) -> EpochKey:
    return EpochKey(epoch, kdf(root_secret, EPOCH, U32.pack(epoch)))


def wrap_key(secret: bytes, nonce: bytes, epoch: int, node: int) -> bytes:
    return kdf(secret, WRAP, nonce + EN.pack(epoch, node))


def seal_to(recipient: PublicIdentity, plain: bytes, ephemeral_seed: bytes) -> bytes:
    """libsodium's sealed box, with the ephemeral key from the commit seed instead of hidden
    randomness: epk | crypto_box(m, BLAKE2b-192(epk | pk), pk, esk). Opens with `unseal`."""
    epk, esk = sodium.crypto_box_seed_keypair(ephemeral_seed)
    pk = recipient.x25519_key
    nonce = sodium.crypto_generichash_blake2b_salt_personal(epk + pk, digest_size=24)
    return bytes(epk) + bytes(sodium.crypto_box(plain, nonce, pk, esk))


def present(secret: bytes | None) -> bytes:
    assert secret is not None  # an add gives every node on the joiner's path a secret
    return secret


def draw_seed(rng: Random) -> bytes:
    seed = rng(SECRET_SIZE)
    if not isinstance(seed, bytes) or len(seed) != SECRET_SIZE:
        raise TreeMisuse("the rng must return exactly the number of bytes asked for")
    return seed
