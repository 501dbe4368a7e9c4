"""Removed means deaf, joined means no history: the key tree against members who keep secrets.

The adversary (`Hoarder`) is a coalition of removed members who kept every node secret they ever
held and try everything the formats allow with it: every hoarded value as the key of every wrapped
secret of every later update, every ratchet and growth step of adds, and the hash chain upwards
from anything that opens. It is written from docs/PROTOCOL.md with plain kdf calls, not with the
module's private helpers, so a mistake in the module's derivations cannot hide itself here.
"""

from __future__ import annotations

import hashlib
import struct
from collections import defaultdict
from collections.abc import Callable

import nacl.bindings as sodium
import nacl.exceptions
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crypto.errors import CryptoError
from crypto.identity import Identity
from crypto.keys import EpochKey, kdf
from crypto.keytree import AdminTree, Commit, MemberRemoved, MemberTree, part_for
from crypto.keytree_wire import ADD, parse_update

EN = struct.Struct(">II")


def seeded(name: str) -> Identity:
    return Identity(hashlib.shake_256(name.encode()).digest(32))


def counter(name: str) -> Callable[[int], bytes]:
    calls = [0]

    def rng(size: int) -> bytes:
        calls[0] += 1
        return hashlib.shake_256(f"{name}/{calls[0]}".encode()).digest(size)

    return rng


def ancestor(leaf: int, height: int) -> int:
    return ((leaf >> height) << (height + 1)) | ((1 << height) - 1)


def copath(leaf: int, height: int) -> int:
    return ancestor(leaf ^ (1 << (height - 1)), height - 1)


class Hoarder:
    """Every value a coalition ever held, and what it holds for each node now (its guesses)."""

    def __init__(self) -> None:
        self.ever: set[bytes] = set()
        self.current: defaultdict[int, set[bytes]] = defaultdict(set)
        self.opened = 0

    def hold(self, view: MemberTree) -> None:
        for height, secret in enumerate(view.path_secrets()):
            self.know(ancestor(view.leaf, height), {secret})

    def absorb(self, other: Hoarder) -> None:
        self.ever |= other.ever
        for node, values in other.current.items():
            self.current[node] |= values

    def know(self, node: int, values: set[bytes]) -> None:
        self.current[node] |= values
        self.ever |= values

    def observe(self, update: bytes) -> None:
        parsed = parse_update(update)
        header, epoch = parsed.header, parsed.header.epoch
        if parsed.kind == ADD:
            if header.leaf == 1 << (header.depth - 1):  # the tree grew
                old = self.current[(1 << (header.depth - 1)) - 1]
                context = struct.pack(">IB", epoch, header.depth)
                self.know((1 << header.depth) - 1,
                          {kdf(v, b"majlis-lkh-grow", context) for v in old})
            for height in range(1, header.depth + 1):
                node = ancestor(header.leaf, height)
                ratcheted = {kdf(v, b"majlis-lkh-ratch", EN.pack(epoch, node))
                             for v in self.current[node]}
                self.current[node] = set()
                self.know(node, ratcheted)
            return
        for height in range(1, header.depth + 1):  # guesses: new secrets derived from old ones
            node = ancestor(header.leaf, height)
            self.ever |= {kdf(v, label, EN.pack(epoch, node)) for v in self.current[node]
                          for label in (b"majlis-lkh-path", b"majlis-lkh-ratch")}
        for entry in parsed.entries:
            other = copath(header.leaf, entry.level)
            aad = parsed.aad(entry.level)
            for value in list(self.ever):
                key = kdf(value, b"majlis-lkh-wrap", header.nonce + EN.pack(epoch, other))
                try:
                    secret = bytes(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                        entry.wrapped, aad, header.nonce, key))
                except nacl.exceptions.CryptoError:
                    continue
                self.opened += 1
                self.know(ancestor(header.leaf, entry.level), {secret})
                for height in range(entry.level + 1, header.depth + 1):
                    node = ancestor(header.leaf, height)
                    secret = kdf(secret, b"majlis-lkh-path", EN.pack(epoch, node))
                    self.know(node, {secret})

    def derives(self, key: EpochKey) -> bool:
        context = struct.pack(">I", key.number)
        return any(kdf(v, b"majlis-lkh-epoch", context) == key.key for v in self.ever)


def root_secret(admin: AdminTree) -> bytes:
    return admin.node_secrets()[(1 << admin.depth) - 1]


class Room:
    """An admin tree, each member's view, and what each member ever held (its shadow)."""

    def __init__(self, size: int, name: str) -> None:
        self.name, self.rng, self.joined = name, counter(name), 0
        founder = seeded(f"{name}/0")
        self.admin, welcome = AdminTree.create(founder.public, 0, self.rng)
        self.views = {0: MemberTree.from_welcome(founder, welcome)}
        self.shadows = {0: Hoarder()}
        self.shadows[0].hold(self.views[0])
        self.coalition = Hoarder()  # every removed member, pooling what it ever held
        self.removed_views: list[MemberTree] = []
        self.history: set[bytes] = set(self.admin.node_secrets().values())
        self.keys = [self.admin.epoch_key()]
        self.updates: list[bytes] = []
        for _ in range(size - 1):
            self.add()

    def add(self) -> MemberTree:
        self.joined += 1
        identity = seeded(f"{self.name}/{self.joined}")
        commit = self.admin.add(identity.public, self.rng)
        assert commit.welcome is not None
        earlier_keys, earlier_updates = list(self.keys), list(self.updates)
        earlier_secrets = set(self.history)
        self.deliver(commit)
        view = MemberTree.from_welcome(identity, commit.welcome)
        # the late joiner: no secret it holds ever existed before, and with them it opens no
        # earlier wrapped secret and derives no earlier epoch key
        assert not set(view.path_secrets()) & earlier_secrets
        joiner = Hoarder()
        joiner.hold(view)
        for update in earlier_updates:
            if parse_update(update).kind != ADD:
                joiner.observe(update)
        assert joiner.opened == 0
        assert not any(joiner.derives(key) for key in earlier_keys)
        self.views[commit.leaf] = view
        self.shadows[commit.leaf] = Hoarder()
        self.shadows[commit.leaf].hold(view)
        return view

    def admin_secrets_now(self) -> list[bytes]:
        return list(self.admin.node_secrets().values())

    def remove(self, leaf: int, by_part: bool = False) -> None:
        commit = self.admin.remove(leaf, self.rng)
        view = self.views.pop(leaf)
        try:
            view.apply(commit.update)
        except MemberRemoved:
            pass
        else:
            raise AssertionError("a removed member derived the new key")
        self.removed_views.append(view)
        self.coalition.absorb(self.shadows.pop(leaf))
        self.deliver(commit, by_part)

    def deliver(self, commit: Commit, by_part: bool = False) -> None:
        self.updates.append(commit.update)
        for leaf, view in self.views.items():
            view.apply(part_for(commit.update, leaf) if by_part else commit.update)
            self.shadows[leaf].hold(view)
        for stale in self.removed_views:  # a removed member that kept its view and keeps trying
            try:
                stale.apply(commit.update)
            except CryptoError:
                pass
            else:
                raise AssertionError("a removed member's view accepted a later update")
        self.coalition.observe(commit.update)
        key = self.admin.merge(commit)
        self.keys.append(key)
        self.history |= set(self.admin_secrets_now())
        assert all(v.epoch_key() == key for v in self.views.values())

    def check(self) -> None:
        assert root_secret(self.admin) not in self.coalition.ever
        assert not self.coalition.derives(self.admin.epoch_key())


def test_a_removed_member_with_every_old_secret_learns_no_later_root() -> None:
    room = Room(64, "hoard")
    room.remove(37)  # it held its leaf and its six ancestors' secrets
    for step in range(30):
        room.check()
        if step % 3 == 2:
            room.add()
        else:
            room.remove(sorted(room.views)[(7 * step + 3) % len(room.views)])
    room.check()
    assert room.coalition.opened == 0


def test_removed_members_pooling_their_secrets_learn_nothing_either() -> None:
    room = Room(16, "pool")
    for leaf in (1, 2, 5, 6, 9, 14):
        room.remove(leaf, by_part=True)
        room.check()
    for _ in range(4):
        room.add()
        room.check()
    room.remove(0)
    room.check()
    assert len(room.coalition.ever) > 20 and room.coalition.opened == 0


def test_the_coalition_attack_does_work_on_what_it_legitimately_held() -> None:
    """The adversary is not toothless: fed an update from before its removal, it opens it."""
    room = Room(8, "sanity")
    spy = Hoarder()
    spy.hold(room.views[3])
    commit = room.admin.remove(6, room.rng)
    spy.observe(commit.update)
    room.admin.merge(commit)
    assert spy.opened == 1 and root_secret(room.admin) in spy.ever
    assert spy.derives(room.admin.epoch_key())


class KeyTreeMachine(RuleBasedStateMachine):
    """Random adds and removals (whole updates or per-subtree parts) in one room.

    Invariants: every current member derives the admin's epoch key; the coalition of every
    removed member, with everything each ever held, derives no later root; a joiner holds no
    earlier secret (checked inside `Room.add`); a removed member's kept view accepts nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.room = Room(2, f"machine/{id(self)}")

    @precondition(lambda self: len(self.room.views) < 24)
    @rule()
    def add(self) -> None:
        self.room.add()

    @precondition(lambda self: len(self.room.views) > 1)
    @rule(data=st.data(), by_part=st.booleans())
    def remove(self, data: st.DataObject, by_part: bool) -> None:
        leaf = data.draw(st.sampled_from(sorted(self.room.views)))
        self.room.remove(leaf, by_part)

    @invariant()
    def removed_members_stay_deaf(self) -> None:
        self.room.check()


KeyTreeMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestKeyTreeMachine = KeyTreeMachine.TestCase
