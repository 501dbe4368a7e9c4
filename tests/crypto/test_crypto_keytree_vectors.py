"""Golden vectors of the key tree, checked with the package and rebuilt from docs/PROTOCOL.md.

The second half is an independent implementation of part 4 ("Key tree") written from the text
with Python's hashlib and PyNaCl's raw bindings, sharing no code with crypto/: it rebuilds every
update, part and welcome byte for byte from the node secrets the vectors list, and replays every
member's path. If it and the package agree on the vectors, the document describes the package.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import struct
from pathlib import Path
from typing import Any

import nacl.bindings as raw
import pytest

import crypto.errors
import crypto.keytree
from crypto.errors import CryptoError
from crypto.identity import Identity
from crypto.keytree import AdminTree, MemberTree
from crypto.keytree_wire import Welcome

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "keytree"
DATA: Any = json.loads((VECTORS / "keytree.json").read_text(encoding="utf-8"))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def view_of(member: dict[str, Any], epoch: int, transcript: bytes) -> MemberTree:
    path = tuple(h(s) for s in member["path"])
    return MemberTree(Welcome(epoch, member["leaf"], len(path) - 1, transcript, path))


def states() -> list[tuple[int, bytes, list[dict[str, Any]]]]:
    """(epoch, transcript, members) before each step."""
    founder = DATA["founder"]
    founding = MemberTree.from_welcome(Identity(h(founder["seed"])), h(founder["welcome"]))
    out = [(founder["epoch"], founding.transcript, founder["members"])]
    for step in DATA["steps"]:
        out.append((step["epoch"], h(step["transcript"]), step["members"]))
    return out


def test_generator_reproduces_the_committed_file() -> None:
    spec = importlib.util.spec_from_file_location(
        "majlis_keytree_vectors", VECTORS / "make_vectors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert sorted(built) == sorted(p.name for p in VECTORS.glob("*.json"))
    for name, content in built.items():
        assert module.render(content) == (VECTORS / name).read_text(encoding="utf-8"), name


def test_a_co_admin_replays_every_commit_from_its_seed() -> None:
    founder = DATA["founder"]
    admin, welcome = AdminTree.create(Identity(h(founder["seed"])).public, founder["epoch"],
                                      lambda size: h(founder["commit_seed"]))
    assert welcome.hex() == founder["welcome"]
    for step in DATA["steps"]:
        joiner = Identity(h(step["seed"])).public if step["kind"] == "add" else None
        commit = admin.follow(h(step["update"]), h(step["commit_seed"]), joiner)
        assert commit.transcript.hex() == step["transcript"]
        if joiner is not None:
            assert commit.welcome is not None and commit.welcome.hex() == step["welcome"]
        key = admin.merge(commit)
        assert (key.number, key.key.hex(), admin.depth) == (
            step["epoch"], step["epoch_key"], step["depth"])


def test_every_member_reaches_the_recorded_path_by_update_part_or_welcome() -> None:
    for (epoch, transcript, members), step in zip(states(), DATA["steps"], strict=False):
        after = {m["leaf"]: m["path"] for m in step["members"]}
        for member in members:
            if member["name"] == step["name"]:
                continue  # the removed member: see the invalid vectors
            for message in [step["update"], *(p for _, p in step.get("parts", []))]:
                view = view_of(member, epoch, transcript)
                try:
                    key = view.apply(h(message))
                except crypto.keytree.NotAddressed:
                    continue
                assert [s.hex() for s in view.path_secrets()] == after[member["leaf"]]
                assert key.key.hex() == step["epoch_key"]
        if step["kind"] == "add":
            joiner = MemberTree.from_welcome(Identity(h(step["seed"])), h(step["welcome"]))
            assert [s.hex() for s in joiner.path_secrets()] == after[step["leaf"]]


@pytest.mark.parametrize("case", DATA["invalid"], ids=lambda c: f"{c['step']}-{c['description']}")
def test_invalid_updates_fail_with_the_named_error(case: dict[str, Any]) -> None:
    epoch, transcript, members = states()[case["step"]]
    member = next(m for m in members if m["leaf"] == case["leaf"])
    view = view_of(member, epoch, transcript)
    expected = getattr(crypto.errors, case["error"], None) or getattr(crypto.keytree, case["error"])
    with pytest.raises(CryptoError) as caught:
        view.apply(h(case["update"]))
    assert type(caught.value) is expected
    assert [s.hex() for s in view.path_secrets()] == member["path"]


# An independent implementation, from docs/PROTOCOL.md part 4 ---------------------------------


def kdf(key: bytes, purpose: bytes, context: bytes) -> bytes:
    return hashlib.blake2b(context, digest_size=32, key=key, person=purpose).digest()


def digest(data: bytes, size: int, person: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


def ancestor(leaf: int, height: int) -> int:
    return ((leaf >> height) << (height + 1)) | ((1 << height) - 1)


def seeded(seed: bytes, tag: int, node: int) -> bytes:
    return kdf(seed, b"majlis-lkh-seed", struct.pack(">BI", tag, node))


def sealed(recipient_seed: bytes, plain: bytes, ephemeral: bytes) -> bytes:
    ed_pk, _ = raw.crypto_sign_seed_keypair(recipient_seed)
    pk = raw.crypto_sign_ed25519_pk_to_curve25519(ed_pk)
    epk, esk = raw.crypto_box_seed_keypair(ephemeral)
    nonce = hashlib.blake2b(epk + pk, digest_size=24).digest()
    return bytes(epk) + bytes(raw.crypto_box(plain, nonce, pk, esk))


class Spec:
    """The admin's side of part 4, over the node secrets the vectors' members hold."""

    def __init__(self, members: list[dict[str, Any]], epoch: int, transcript: bytes) -> None:
        self.depth = len(members[0]["path"]) - 1
        self.nodes = {ancestor(m["leaf"], height): h(s)
                      for m in members for height, s in enumerate(m["path"])}
        self.epoch, self.transcript = epoch, transcript
        self.leaves = {m["leaf"] for m in members}

    def finish(self, kind: int, leaf: int, depth: int, nonce: bytes, entries: list[bytes],
               new_root: bytes) -> tuple[bytes, bytes, bytes]:
        e = self.epoch + 1
        header = struct.pack(">BBIHB24sB", 1, kind, e, leaf, depth, nonce, len(entries))
        digests = b"".join(digest(x, 16, b"majlis-lkh-entry") for x in entries)
        t = digest(header + digests, 32, b"majlis-lkh-tx")
        old_root = self.nodes[(1 << self.depth) - 1]
        tags = kdf(old_root, b"majlis-lkh-memb", t) + kdf(new_root, b"majlis-lkh-conf", t)
        return header + b"".join(entries) + tags, t, header

    def add(self, seed: bytes) -> tuple[bytes, bytes, list[bytes], int]:
        e, blank = self.epoch + 1, [x for x in range(1 << self.depth) if x not in self.leaves]
        leaf = blank[0] if blank else 1 << self.depth
        nodes, depth = dict(self.nodes), self.depth
        if not blank:
            depth += 1
            nodes[(1 << depth) - 1] = kdf(nodes[(1 << self.depth) - 1], b"majlis-lkh-grow",
                                          struct.pack(">IB", e, depth))
        for height in range(1, depth + 1):
            node = ancestor(leaf, height)
            nodes[node] = (kdf(nodes[node], b"majlis-lkh-ratch", struct.pack(">II", e, node))
                           if node in nodes else seeded(seed, 2, node))
        nodes[2 * leaf] = seeded(seed, 2, 2 * leaf)
        nonce = seeded(seed, 0, 0)[:24]
        update, t, _ = self.finish(1, leaf, depth, nonce, [], nodes[(1 << depth) - 1])
        path = [nodes[ancestor(leaf, height)] for height in range(depth + 1)]
        return update, t, path, leaf

    def remove(self, leaf: int, seed: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
        e, nonce = self.epoch + 1, seeded(seed, 0, 0)[:24]
        plan, secret = [], None
        for height in range(1, self.depth + 1):
            node = ancestor(leaf, height)
            other = ancestor(leaf ^ (1 << (height - 1)), height - 1)
            if secret is None and other not in self.nodes:
                continue
            secret = (seeded(seed, 1, node) if secret is None
                      else kdf(secret, b"majlis-lkh-path", struct.pack(">II", e, node)))
            if other in self.nodes:
                plan.append((height, other, secret))
        assert secret is not None
        header = struct.pack(">BBIHB24sB", 1, 2, e, leaf, self.depth, nonce, len(plan))
        entries = []
        for level, other, new in plan:
            key = kdf(self.nodes[other], b"majlis-lkh-wrap", nonce + struct.pack(">II", e, other))
            wrapped = raw.crypto_aead_xchacha20poly1305_ietf_encrypt(
                new, header + bytes([level]), nonce, key)
            entries.append(bytes([level]) + wrapped)
        update, _, header = self.finish(2, leaf, self.depth, nonce, entries, secret)
        digests = [digest(x, 16, b"majlis-lkh-entry") for x in entries]
        parts = []
        for index, (_, other, _) in enumerate(plan):
            rest = b"".join(digests[:index] + digests[index + 1 :])
            part = header[:1] + b"\x03" + header[2:] + bytes([index]) + entries[index] + rest
            parts.append((other, part + update[-64:]))
        return update, parts


def spec_apply(member: dict[str, Any], epoch: int, update: bytes) -> list[bytes]:
    """A member's steps 1-7, for well-formed updates and parts of the vectors."""
    path, me = [h(s) for s in member["path"]], member["leaf"]
    version, kind, e, leaf, depth, nonce, k = struct.unpack_from(">BBIHB24sB", update)
    assert version == 1 and e == epoch + 1 and leaf != me
    header = update[:1] + bytes([2 if kind == 3 else kind]) + update[2:34]
    if kind == 3:
        index, entry = update[34], update[35:84]
        others = [update[84 + 16 * i : 100 + 16 * i] for i in range(k - 1)]
        digests = [*others[:index], digest(entry, 16, b"majlis-lkh-entry"), *others[index:]]
        entries = [entry]
    else:
        entries = [update[34 + 49 * i : 83 + 49 * i] for i in range(k)]
        digests = [digest(x, 16, b"majlis-lkh-entry") for x in entries]
    t = digest(header + b"".join(digests), 32, b"majlis-lkh-tx")
    assert hmac.compare_digest(kdf(path[-1], b"majlis-lkh-memb", t), update[-64:-32])
    level = (me ^ leaf).bit_length()
    if kind == 1:
        if depth > len(path) - 1:
            path.append(kdf(path[-1], b"majlis-lkh-grow", struct.pack(">IB", e, depth)))
        for height in range(level, depth + 1):
            node = ancestor(me, height)
            path[height] = kdf(path[height], b"majlis-lkh-ratch", struct.pack(">II", e, node))
    else:
        entry = next(x for x in entries if x[0] == level)
        child = ancestor(me, level - 1)
        key = kdf(path[level - 1], b"majlis-lkh-wrap", nonce + struct.pack(">II", e, child))
        path[level] = raw.crypto_aead_xchacha20poly1305_ietf_decrypt(
            entry[1:], header + bytes([level]), nonce, key)
        for height in range(level + 1, depth + 1):
            node = ancestor(me, height)
            path[height] = kdf(path[height - 1], b"majlis-lkh-path", struct.pack(">II", e, node))
    assert hmac.compare_digest(kdf(path[-1], b"majlis-lkh-conf", t), update[-32:])
    return path


def test_the_document_rebuilds_every_update_part_and_welcome() -> None:
    founder = DATA["founder"]
    seed = h(founder["commit_seed"])
    nonce = seeded(seed, 0, 0)[:24]
    t0 = digest(struct.pack(">BBIHB24sB", 1, 1, founder["epoch"], 0, 0, nonce, 0), 32,
                b"majlis-lkh-tx")
    leaf0 = seeded(seed, 2, 0)
    plain = struct.pack(">BIHB", 1, founder["epoch"], 0, 0) + t0 + leaf0
    assert sealed(h(founder["seed"]), plain, seeded(seed, 3, 0)).hex() == founder["welcome"]
    assert founder["members"][0]["path"] == [leaf0.hex()]
    for (epoch, transcript, members), step in zip(states(), DATA["steps"], strict=False):
        spec, seed = Spec(members, epoch, transcript), h(step["commit_seed"])
        if step["kind"] == "add":
            update, t, path, leaf = spec.add(seed)
            plain = struct.pack(">BIHB", 1, epoch + 1, leaf, len(path) - 1) + t + b"".join(path)
            welcome = sealed(h(step["seed"]), plain, seeded(seed, 3, 2 * leaf))
            assert welcome.hex() == step["welcome"]
            assert update.hex() == step["update"] and t.hex() == step["transcript"]
        else:
            leaf = step["leaf"]
            update, parts = spec.remove(leaf, seed)
            assert update.hex() == step["update"]
            assert [[node, part.hex()] for node, part in parts] == step["parts"]
        after = {m["leaf"]: m["path"] for m in step["members"]}
        for member in members:
            if member["leaf"] == leaf:
                continue
            path = spec_apply(member, epoch, update)
            assert [s.hex() for s in path] == after[member["leaf"]]
            root = path[-1]
            epoch_key = kdf(root, b"majlis-lkh-epoch", struct.pack(">I", epoch + 1))
            assert epoch_key.hex() == step["epoch_key"]
        for node, part in step.get("parts", []):
            height = trailing_ones(node)
            readers = [m for m in members if ancestor(m["leaf"], height) == node]
            assert readers
            for member in readers:
                path = spec_apply(member, epoch, h(part))
                assert [s.hex() for s in path] == after[member["leaf"]]


def trailing_ones(node: int) -> int:
    return ((node + 1) & -(node + 1)).bit_length() - 1
