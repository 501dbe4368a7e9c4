"""Write the golden vectors of the key tree into this folder (run: python make_vectors.py).

Deterministic: identity seeds and commit seeds are SHAKE-256 of names, and the key tree draws
all its randomness from the injected rng (its sealed welcomes too). Running it twice gives the
same file; `tests/crypto/test_crypto_keytree_vectors.py` checks that the committed file matches.
See docs/PROTOCOL.md, part 4 ("Test vectors"), for what the file holds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crypto.errors import CryptoError  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from crypto.keytree import AdminTree, MemberTree, part_for, split  # noqa: E402
from crypto.keytree_wire import ADD, Welcome  # noqa: E402

Json = dict[str, Any]
FOUNDING_EPOCH = 41
# (kind, identity name): a room that grows to depth 3, reuses a blank leaf, loses its founder
# and empties a subtree, so every rule of part 4 is exercised at least once.
SCRIPT = [
    ("add", "bahar"), ("add", "chen"), ("add", "dariush"), ("add", "elif"),
    ("remove", "chen"), ("add", "farah"), ("add", "golnar"), ("remove", "amal"),
    ("remove", "elif"), ("remove", "golnar"), ("add", "hamid"),
]


def named(name: str, size: int = 32) -> bytes:
    return hashlib.shake_256(b"majlis-vectors/keytree/" + name.encode()).digest(size)


class Seeds:
    """The injected rng: commit seed number i is named("commit/i"); remembers the last one."""

    def __init__(self) -> None:
        self.count = 0
        self.last = b""

    def __call__(self, size: int) -> bytes:
        self.count += 1
        self.last = named(f"commit/{self.count}", size)
        return self.last


def copy_of(view: MemberTree) -> MemberTree:
    return MemberTree(Welcome(view.epoch, view.leaf, view.depth, view.transcript,
                              view.path_secrets()))


def snapshot(views: dict[str, MemberTree]) -> list[Json]:
    return [
        {"name": name, "seed": named(f"identity/{name}").hex(), "leaf": view.leaf,
         "path": [s.hex() for s in view.path_secrets()]}
        for name, view in sorted(views.items(), key=lambda item: item[1].leaf)
    ]


def keytree() -> Json:
    rng = Seeds()
    people = {name: Identity(named(f"identity/{name}")) for name in
              ["amal", *(name for _, name in SCRIPT)]}
    admin, welcome = AdminTree.create(people["amal"].public, FOUNDING_EPOCH, rng)
    views = {"amal": MemberTree.from_welcome(people["amal"], welcome)}
    out: Json = {
        "founder": {"name": "amal", "seed": people["amal"].seed.hex(), "epoch": FOUNDING_EPOCH,
                    "commit_seed": rng.last.hex(), "welcome": welcome.hex(),
                    "members": snapshot(views)},
        "steps": [],
        "invalid": [],
    }
    for number, (kind, name) in enumerate(SCRIPT):
        before = {n: copy_of(v) for n, v in views.items()}
        if kind == "add":
            commit = admin.add(people[name].public, rng)
        else:
            leaf = admin.leaf_of(people[name].public)
            assert leaf is not None
            commit = admin.remove(leaf, rng)
        step: Json = {"kind": kind, "name": name, "seed": people[name].seed.hex(),
                      "commit_seed": commit.seed.hex(), "leaf": commit.leaf,
                      "update": commit.update.hex(), "transcript": commit.transcript.hex()}
        if commit.kind == ADD:
            assert commit.welcome is not None
            step["welcome"] = commit.welcome.hex()
        else:
            step["parts"] = [[node, part.hex()] for node, part in split(commit.update)]
            del views[name]
        out["invalid"].extend(invalid(number, commit.update, commit.leaf, before))
        for view in views.values():
            view.apply(commit.update)
        key = admin.merge(commit)
        if commit.kind == ADD:
            assert commit.welcome is not None
            views[name] = MemberTree.from_welcome(people[name], commit.welcome)
        assert all(v.epoch_key() == key for v in views.values())
        step.update({"epoch": key.number, "epoch_key": key.key.hex(), "depth": admin.depth,
                     "members": snapshot(views)})
        out["steps"].append(step)
    return out


def invalid(number: int, update: bytes, leaf: int, views: dict[str, MemberTree]) -> list[Json]:
    """Bad variants of step `number`'s update, each given to one member at the state before it."""
    if number not in (0, 4):  # keep the file short: the first add and the first removal
        return []
    someone = min((v for v in views.values() if v.leaf != leaf), key=lambda v: v.leaf)
    cases: list[tuple[str, bytes, MemberTree]] = [
        ("confirmation tag changed", update[:-1] + bytes([update[-1] ^ 1]), someone),
        ("membership tag changed", update[:-33] + bytes([update[-33] ^ 1]) + update[-32:],
         someone),
        ("nonce changed", update[:9] + bytes([update[9] ^ 1]) + update[10:], someone),
        ("next epoch but one", update[:5] + bytes([update[5] ^ 2]) + update[6:], someone),
        ("one byte short", update[:-1], someone),
        ("version 2", b"\x02" + update[1:], someone),
    ]
    if update[1] == 2:
        removed = next(v for v in views.values() if v.leaf == leaf)
        cases.append(("the member's own removal", update, removed))
        mine = part_for(update, someone.leaf)
        other = next(v for v in views.values()
                     if v.leaf != leaf and part_for(update, v.leaf) != mine)
        cases.append(("a part cut for another subtree", part_for(update, other.leaf), someone))
        cases.append(("an entry's wrapped secret changed",
                      update[:40] + bytes([update[40] ^ 1]) + update[41:], someone))
    out = []
    for description, data, view in cases:
        try:
            view.apply(data)
        except CryptoError as exc:
            out.append({"step": number, "description": description, "leaf": view.leaf,
                        "update": data.hex(), "error": type(exc).__name__})
        else:
            raise AssertionError(f"{description}: accepted")
    return out


def build() -> dict[str, Json]:
    return {"keytree.json": keytree()}


def render(content: Json) -> str:
    return json.dumps(content, indent=1) + "\n"


def main() -> None:
    for name, content in build().items():
        (HERE / name).write_text(render(content), encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
