"""The key tree's API, byte layouts and failure modes, with real libsodium throughout.

Secrecy against removed members and late joiners (the attacker's tests) is in
test_crypto_keytree_secrecy.py; the golden vectors in test_crypto_keytree_vectors.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.treekeys import ROOM_TREE
from crypto.errors import (
    CryptoError,
    DecryptionFailed,
    MalformedMessage,
    NonceExhausted,
    UnknownVersion,
)
from crypto.identity import Identity
from crypto.keys import PURPOSES, U32_MAX, kdf
from crypto.keytree import (
    TREE_PURPOSES,
    AdminTree,
    Commit,
    EpochMismatch,
    MemberRemoved,
    MemberTree,
    NotAddressed,
    TreeMisuse,
    part_for,
    split,
)
from crypto.keytree_wire import (
    MAX_PART_SIZE,
    MAX_UPDATE_SIZE,
    MAX_WELCOME_SIZE,
    parse_update,
    transcript_hash,
)


def seeded(name: str) -> Identity:
    return Identity(hashlib.shake_256(name.encode()).digest(32))


class Counter:
    """A deterministic rng that also counts how often the core asked for randomness."""

    def __init__(self, name: str) -> None:
        self.name, self.calls = name, 0

    def __call__(self, size: int) -> bytes:
        self.calls += 1
        return hashlib.shake_256(f"{self.name}/{self.calls}".encode()).digest(size)


class Room:
    """An admin tree with every member's own view, kept in step by applying every update."""

    def __init__(self, size: int, name: str = "room", max_depth: int = 16) -> None:
        self.rng = Counter(name)
        self.ids = {0: seeded(f"{name}/0")}
        self.admin, welcome = AdminTree.create(self.ids[0].public, 7, self.rng, max_depth)
        self.views = {0: MemberTree.from_welcome(self.ids[0], welcome)}
        self.joined = 0
        self.log: list[Commit] = []
        for _ in range(size - 1):
            self.add()

    def add(self) -> Commit:
        self.joined += 1
        identity = seeded(f"{self.name}/{self.joined}")
        commit = self.admin.add(identity.public, self.rng)
        self.deliver(commit)
        assert commit.welcome is not None
        self.ids[commit.leaf] = identity
        self.views[commit.leaf] = MemberTree.from_welcome(identity, commit.welcome)
        return commit

    @property
    def name(self) -> str:
        return self.rng.name

    def remove(self, leaf: int) -> Commit:
        commit = self.admin.remove(leaf, self.rng)
        removed = self.views.pop(leaf)
        with pytest.raises(MemberRemoved):
            removed.apply(commit.update)
        del self.ids[leaf]
        self.deliver(commit)
        return commit

    def deliver(self, commit: Commit) -> None:
        self.log.append(commit)
        for view in self.views.values():
            view.apply(commit.update)
        key = self.admin.merge(commit)
        assert all(v.epoch_key() == key for v in self.views.values())


def test_labels_are_short_distinct_and_apart_from_the_key_schedule() -> None:
    assert len(set(TREE_PURPOSES)) == len(TREE_PURPOSES)
    assert all(len(p) <= 16 for p in TREE_PURPOSES)
    assert not set(TREE_PURPOSES) & set(PURPOSES)
    key = bytes(range(32))
    labels = (*TREE_PURPOSES, *PURPOSES, ROOM_TREE)
    assert len(ROOM_TREE) <= 16 and len(set(labels)) == len(labels)
    assert len({kdf(key, p, b"ctx") for p in labels}) == len(labels)


def test_left_balanced_allocation_doubling_and_reuse_of_blank_leaves() -> None:
    room = Room(5)
    assert sorted(room.views) == [0, 1, 2, 3, 4] and room.admin.depth == 3
    room.remove(3)
    room.remove(1)
    assert room.add().leaf == 1 and room.add().leaf == 3  # lowest blank leaf first
    assert room.add().leaf == 5 and room.admin.depth == 3
    for leaf in (1, 2, 3, 4, 5):
        room.remove(leaf)
    assert room.admin.depth == 3 and len(room.admin) == 1  # a tree never shrinks
    assert set(room.admin.node_secrets()) == {0, 1, 3, 7}  # the founder's path, nothing blank kept


def test_an_emptied_subtree_is_blanked_and_costs_no_entry() -> None:
    room = Room(8)
    assert len(parse_update(room.admin.remove(5, room.rng).update).entries) == 3
    room.remove(4)
    assert 9 in room.admin.node_secrets()  # node of leaves 4-5 still has leaf 5
    room.remove(5)
    secrets = room.admin.node_secrets()
    assert 9 not in secrets and 8 not in secrets and 10 not in secrets
    commit = room.remove(6)  # its parent keeps leaf 7; the other half of the root is blank now
    assert [e.level for e in parse_update(commit.update).entries] == [1, 3]
    assert len(commit.update) == 98 + 2 * 49


def test_sizes_follow_the_documented_formulas() -> None:
    room = Room(40)
    depth = room.admin.depth
    add = room.add()
    assert len(add.update) == 98
    assert add.welcome is not None and len(add.welcome) == 48 + 40 + 32 * (depth + 1)
    commit = room.remove(13)
    k = len(parse_update(commit.update).entries)
    assert len(commit.update) == 98 + 49 * k <= MAX_UPDATE_SIZE
    assert all(len(p) == 132 + 16 * k <= MAX_PART_SIZE for _, p in split(commit.update))
    assert (MAX_WELCOME_SIZE, MAX_UPDATE_SIZE, MAX_PART_SIZE) == (632, 882, 388)
    # the budget of a removal (2 KB per member, 8 KB of admin upload) holds by construction,
    # whole update broadcast, up to the largest tree the format allows (65,536 members)
    assert MAX_UPDATE_SIZE <= 2048 and MAX_UPDATE_SIZE <= 8192


def test_each_member_needs_only_its_part_and_parts_cover_the_room() -> None:
    room = Room(23)
    commit = room.admin.remove(9, room.rng)
    parts = split(commit.update)
    whole = parse_update(commit.update)
    key = None
    for leaf, view in room.views.items():
        if leaf == 9:
            continue
        part = part_for(commit.update, leaf)
        assert part in [p for _, p in parts]
        assert parse_update(part).transcript() == whole.transcript() == commit.transcript
        for other in parts:
            if other[1] != part:
                with pytest.raises(NotAddressed):
                    view.apply(other[1])
        key = view.apply(part)
    assert key == room.admin.merge(commit)
    with pytest.raises(NotAddressed):
        part_for(commit.update, 9)
    with pytest.raises(MalformedMessage):
        split(parts[0][1])
    with pytest.raises(MalformedMessage):
        split(room.admin.add(seeded("x").public, room.rng).update)


def test_replays_gaps_and_resynchronisation_by_welcome() -> None:
    room = Room(6)
    late = room.views.pop(4)
    first = room.remove(2)
    second = room.add()
    with pytest.raises(EpochMismatch):
        room.views[0].apply(second.update)  # replay
    with pytest.raises(EpochMismatch):
        late.apply(second.update)  # missed the one before
    late = MemberTree.from_welcome(room.ids[4], room.admin.welcome_for(4, room.rng))
    assert late.epoch_key() == room.admin.epoch_key() and late.epoch == first.epoch + 1
    with pytest.raises(TreeMisuse):
        room.admin.welcome_for(7, room.rng)  # leaf 2 was given to the joiner; 7 is blank
    with pytest.raises(DecryptionFailed):
        MemberTree.from_welcome(room.ids[1], room.admin.welcome_for(4, room.rng))


def test_local_misuse_is_refused() -> None:
    room = Room(4, max_depth=2)
    with pytest.raises(TreeMisuse):
        room.admin.add(room.ids[1].public, room.rng)  # already a member
    with pytest.raises(TreeMisuse):
        room.admin.add(seeded("fifth").public, room.rng)  # full at 2^2
    with pytest.raises(TreeMisuse):
        room.admin.remove(9, room.rng)
    for leaf in (1, 2, 3):
        room.remove(leaf)
    with pytest.raises(TreeMisuse):
        room.admin.remove(0, room.rng)  # the last member
    with pytest.raises(TreeMisuse):
        room.admin.add(seeded("y").public, lambda size: b"short")
    with pytest.raises(TreeMisuse):
        AdminTree.create(seeded("z").public, max_depth=17)


def test_a_commit_prepared_on_an_older_state_cannot_be_merged() -> None:
    room = Room(5)
    stale = room.admin.remove(1, room.rng)
    room.remove(2)
    with pytest.raises(EpochMismatch):
        room.admin.merge(stale)
    assert 1 in room.admin.members()


def test_epoch_numbers_never_wrap() -> None:
    admin, welcome = AdminTree.create(seeded("a").public, U32_MAX - 1)
    view = MemberTree.from_welcome(seeded("a"), welcome)
    commit = admin.add(seeded("b").public)
    view.apply(commit.update)
    assert admin.merge(commit) == view.epoch_key() and view.epoch == U32_MAX
    with pytest.raises(NonceExhausted):
        admin.remove(1)
    with pytest.raises(NonceExhausted):
        admin.add(seeded("c").public)
    young, _ = AdminTree.create(seeded("a").public, 0)
    with pytest.raises(EpochMismatch):
        view.apply(young.add(seeded("b").public).update)


def test_all_randomness_comes_from_the_injected_rng() -> None:
    """Same rng, same bytes, down to the sealed welcomes: nothing draws hidden randomness."""
    outputs = []
    for _ in range(2):
        room = Room(9, name="same")
        commits = [room.add(), room.remove(4), room.add()]
        outputs.append([(c.update, c.welcome) for c in commits])
        outputs[-1].append((room.admin.welcome_for(3, room.rng), None))
    assert outputs[0] == outputs[1]
    assert room.rng.calls == 1 + 8 + 3 + 1  # one seed per commit and per welcome_for


def test_a_co_admin_follows_commits_from_their_seeds() -> None:
    first = Room(6, name="shared")
    # the co-admin starts from the same founding seed and replays every commit from its seed
    second, _ = AdminTree.create(first.ids[0].public, 7, Counter("shared"))
    for commit in first.log:
        second.merge(second.follow(commit.update, commit.seed, commit.member))
    assert second.node_secrets() == first.admin.node_secrets()
    commit = first.admin.remove(2, first.rng)
    followed = second.follow(commit.update, commit.seed)
    first.admin.merge(commit)
    second.merge(followed)
    joiner = seeded("joiner")
    commit = second.add(joiner.public)
    with pytest.raises(TreeMisuse):
        first.admin.follow(commit.update, commit.seed)  # an add names no identity
    with pytest.raises(DecryptionFailed):
        first.admin.follow(commit.update, bytes(32), joiner.public)
    with pytest.raises(MalformedMessage):
        first.admin.follow(part_for(followed.update, 0), commit.seed)
    first.admin.merge(first.admin.follow(commit.update, commit.seed, joiner.public))
    second.merge(commit)
    assert second.node_secrets() == first.admin.node_secrets()
    assert second.members() == first.admin.members()
    assert second.epoch_key() == first.admin.epoch_key()


def test_updates_from_outside_the_epoch_are_refused_before_anything_else() -> None:
    """A tree of the same shape and epoch but other secrets (what a relay or an ex-member could
    build) fails the membership tag, so member 3 is not even told it was removed."""
    room = Room(6)
    twin = Room(6, name="twin")
    fake = twin.admin.remove(3, twin.rng)
    assert fake.epoch == room.admin.epoch + 1
    for view in room.views.values():
        with pytest.raises(DecryptionFailed):
            view.apply(fake.update)


def tampered(data: bytes) -> list[bytes]:
    return [data[:i] + bytes([data[i] ^ bit]) + data[i + 1 :]
            for i in range(len(data)) for bit in (0x01, 0x80)]


@pytest.mark.parametrize("kind", ["add", "grow", "remove", "part"])
def test_every_flipped_bit_is_rejected_by_every_member(kind: str) -> None:
    room = Room(12 if kind != "grow" else 8)
    if kind in ("add", "grow"):
        commit = room.admin.add(seeded("newcomer").public, room.rng)
        messages = {leaf: commit.update for leaf in room.views}
    else:
        commit = room.admin.remove(5, room.rng)
        room.views.pop(5)
        messages = {leaf: commit.update if kind == "remove" else part_for(commit.update, leaf)
                    for leaf in room.views}
    for leaf, view in room.views.items():
        before = (view.epoch, view.path_secrets(), view.transcript)
        for bad in tampered(messages[leaf]):
            with pytest.raises(CryptoError):
                view.apply(bad)
        assert (view.epoch, view.path_secrets(), view.transcript) == before
        view.apply(messages[leaf])
    key = room.admin.merge(commit)
    assert all(v.epoch_key() == key for v in room.views.values())


def test_every_flipped_bit_of_a_welcome_is_rejected() -> None:
    room = Room(5)
    commit = room.admin.add(seeded("newcomer").public, room.rng)
    assert commit.welcome is not None
    for bad in tampered(commit.welcome):
        with pytest.raises(DecryptionFailed):
            MemberTree.from_welcome(seeded("newcomer"), bad)


def test_parsers_raise_only_crypto_errors_on_garbage() -> None:
    room = Room(10)
    commit = room.admin.remove(3, room.rng)
    seeds = [commit.update, part_for(commit.update, 0), room.admin.add(seeded("n").public).update]
    rnd = random.Random(5)
    view = room.views[0]
    samples = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(900))) for _ in range(300)]
    for data in seeds:
        samples += [data[:n] for n in range(len(data))] + [data + b"\0", data * 2]
        for _ in range(200):
            mutated = bytearray(data)
            for _ in range(rnd.randrange(1, 4)):
                mutated[rnd.randrange(len(mutated))] = rnd.randrange(256)
            samples.append(bytes(mutated))
    for data in samples:
        if data in seeds:  # a mutation that wrote back the same byte is the genuine update
            continue
        for call in (parse_update, view.apply, split, lambda d: part_for(d, 1),
                     lambda d: MemberTree.from_welcome(room.ids[0], d)):
            with contextlib.suppress(CryptoError):
                call(data)
    assert view.epoch == room.admin.epoch


def test_layout_checks_name_the_problem() -> None:
    room = Room(6)
    update = room.admin.remove(2, room.rng).update
    with pytest.raises(UnknownVersion):
        parse_update(b"\x02" + update[1:])
    with pytest.raises(MalformedMessage, match="kind"):
        parse_update(update[:1] + b"\x09" + update[2:])
    depth17 = update[:8] + b"\x11" + update[9:]
    with pytest.raises(MalformedMessage, match="depth"):
        parse_update(depth17)
    with pytest.raises(MalformedMessage, match="leaf"):
        parse_update(update[:6] + struct.pack(">H", 8) + update[8:])
    entries = parse_update(update).entries
    assert [e.level for e in entries] == [1, 2, 3]
    swapped = update[:34] + update[34 + 49 : 34 + 98] + update[34 : 34 + 49] + update[34 + 98 :]
    with pytest.raises(MalformedMessage, match="increase"):
        parse_update(swapped)
    header = parse_update(update).header
    assert transcript_hash(header, tuple(e.digest() for e in entries)) == \
        parse_update(update).transcript()
    assert update[:2] == b"\x01\x02"


FUZZ_ROOM = Room(12, name="fuzz")
FUZZ_UPDATE = FUZZ_ROOM.admin.remove(6, FUZZ_ROOM.rng).update


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=1000),
    st.builds(lambda cut, junk: FUZZ_UPDATE[:cut] + junk,
              st.integers(0, len(FUZZ_UPDATE)), st.binary(max_size=60)),
))
def test_any_bytes_give_a_crypto_error_or_nothing(data: bytes) -> None:
    view = FUZZ_ROOM.views[0]
    if data == FUZZ_UPDATE:
        return
    for call in (parse_update, view.apply, split, lambda d: part_for(d, 3),
                 lambda d: MemberTree.from_welcome(FUZZ_ROOM.ids[0], d)):
        with contextlib.suppress(CryptoError):
            call(data)
    assert view.epoch == FUZZ_ROOM.admin.epoch


def test_welcome_and_part_edges() -> None:
    room = Room(3)
    with pytest.raises(MalformedMessage):
        MemberTree.from_welcome(room.ids[0], bytes(MAX_WELCOME_SIZE + 1))
    with pytest.raises(DecryptionFailed):
        MemberTree.from_welcome(room.ids[0], bytes(10))
    add = room.admin.add(seeded("late").public, room.rng)
    assert part_for(add.update, 1) == add.update  # everyone needs the whole 98-byte add
