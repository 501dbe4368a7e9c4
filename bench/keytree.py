"""What one removal costs with the key tree, against today's one-sealed-key-per-member rotation.

For each room size N it builds a real AdminTree of N members (real libsodium, no shortcuts), then
removes R random members (each followed by a join, so N holds) and prints one JSON line per
scheme:
- `key-tree`: bytes each member receives per removal when the whole update is broadcast
  (`bytes_per_member_broadcast`) and when each member gets only its part (`..._path_only`), the
  admin's upload (one broadcast of the update), admin CPU ms per removal (prepare + merge), member
  CPU ms to apply the whole update or its part (median over sampled members), and what a join
  costs (the 98-byte add everyone gets, the welcome, admin CPU);
- `baseline-sealed-per-member`, measured in the same run: a fresh EpochKey sealed to each of the
  N-1 remaining members with crypto.keys.seal_epoch_key (84 bytes, plus a 4-byte member id to say
  whose it is), broadcast to everyone as today; member CPU is finding and opening its own key.
Then a `compare` line with the ratios and whether the goals hold (2 KB per member, 8 KB admin).
CPU figures are process CPU time (time.process_time), which a busy shared machine disturbs less
than wall time; they are still noisier there than on a quiet one.

Run: .venv/bin/python bench/keytree.py [--sizes 100 1000 5000] [--removals 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crypto.identity import Identity, PublicIdentity
from crypto.keys import SEALED_EPOCH_KEY_SIZE, EpochKey, open_epoch_key, seal_epoch_key
from crypto.keytree import AdminTree, MemberTree, part_for, split

MEMBER_ID_SIZE = 4  # how today's rotation says whose sealed key is whose
GOAL_MEMBER_BYTES = 2048
GOAL_ADMIN_BYTES = 8192


def cpu_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = call()
    return (time.process_time() - start) * 1000, result


def identities(count: int, tag: str) -> list[Identity]:
    return [Identity(hashlib.shake_256(f"{tag}/{i}".encode()).digest(32)) for i in range(count)]


def key_tree(n: int, removals: int, sample: int, rnd: random.Random) -> dict[str, Any]:
    people = identities(n + removals, f"bench/{n}")
    by_key = {p.public.key: p for p in people}
    admin, _ = AdminTree.create(people[0].public)
    add_ms: list[float] = []
    welcome_sizes: list[int] = []
    for person in people[1:n]:
        spent, commit = cpu_ms(partial(admin.add, person.public))
        spent2, _ = cpu_ms(partial(admin.merge, commit))
        add_ms.append(spent + spent2)
        welcome_sizes.append(len(commit.welcome))
    fresh = iter(people[n:])
    admin_ms: list[float] = []
    whole_ms: list[float] = []
    part_ms: list[float] = []
    update_sizes: list[int] = []
    part_sizes: list[int] = []
    for _ in range(removals):
        leaves = sorted(admin.members())
        victim = rnd.choice(leaves[1:])
        watchers = rnd.sample([leaf for leaf in leaves if leaf != victim], min(sample, n - 1))
        views = {}
        for leaf in watchers:
            member: PublicIdentity = admin.members()[leaf]
            welcome = admin.welcome_for(leaf)
            views[leaf] = (MemberTree.from_welcome(by_key[member.key], welcome),
                           MemberTree.from_welcome(by_key[member.key], welcome))
        prepare_ms, commit = cpu_ms(partial(admin.remove, victim))
        merge_ms, key = cpu_ms(partial(admin.merge, commit))
        admin_ms.append(prepare_ms + merge_ms)
        update_sizes.append(len(commit.update))
        parts = split(commit.update)
        part_sizes.extend(len(p) for _, p in parts)
        for leaf, (whole_view, part_view) in views.items():
            spent, got = cpu_ms(partial(whole_view.apply, commit.update))
            whole_ms.append(spent)
            part = part_for(commit.update, leaf)
            spent, got_too = cpu_ms(partial(part_view.apply, part))
            part_ms.append(spent)
            assert got == got_too == key
        admin.merge(admin.add(next(fresh).public))  # a join keeps the room at N
    assert len(admin) == n
    return {
        "bench": "keytree", "scheme": "key-tree", "n": n, "removals": removals,
        "tree_depth": admin.depth,
        "bytes_per_member_broadcast": max(update_sizes),
        "bytes_per_member_broadcast_mean": round(statistics.mean(update_sizes), 1),
        "bytes_per_member_path_only": max(part_sizes),
        "bytes_per_member_path_only_mean": round(statistics.mean(part_sizes), 1),
        "admin_upload_bytes": max(update_sizes),
        "admin_upload_bytes_if_parts_unicast": max(part_sizes) * (n - 1),
        "relay_egress_bytes_broadcast": max(update_sizes) * (n - 1),
        "admin_cpu_ms": round(statistics.median(admin_ms), 3),
        "admin_cpu_ms_max": round(max(admin_ms), 3),
        "member_cpu_ms_whole": round(statistics.median(whole_ms), 4),
        "member_cpu_ms_part": round(statistics.median(part_ms), 4),
        "join_update_bytes": 98,
        "join_welcome_bytes": max(welcome_sizes),
        "join_admin_cpu_ms": round(statistics.median(add_ms), 3),
    }


def baseline(n: int, rounds: int, sample: int, rnd: random.Random) -> dict[str, Any]:
    """Today's rotation: a new random epoch key sealed to every remaining member, broadcast."""
    people = identities(n, f"bench/{n}")
    remaining = people[1:]
    admin_ms: list[float] = []
    member_ms: list[float] = []
    size = 0
    for number in range(1, rounds + 1):
        epoch = EpochKey.random(number)

        def rotate(epoch: EpochKey = epoch) -> list[bytes]:
            return [i.to_bytes(MEMBER_ID_SIZE, "big") + seal_epoch_key(p.public, epoch)
                    for i, p in enumerate(remaining)]

        spent, message = cpu_ms(rotate)
        admin_ms.append(spent)
        size = sum(len(entry) for entry in message)
        for index in rnd.sample(range(len(remaining)), min(sample, len(remaining))):
            wanted = index.to_bytes(MEMBER_ID_SIZE, "big")

            def receive(wanted: bytes = wanted, me: Identity = remaining[index],
                        message: list[bytes] = message) -> EpochKey:
                entry = next(e for e in message if e[:MEMBER_ID_SIZE] == wanted)
                return open_epoch_key(me, entry[MEMBER_ID_SIZE:])

            spent, got = cpu_ms(receive)
            member_ms.append(spent)
            assert got == epoch
    assert size == (n - 1) * (MEMBER_ID_SIZE + SEALED_EPOCH_KEY_SIZE)
    return {
        "bench": "keytree", "scheme": "baseline-sealed-per-member", "n": n, "removals": rounds,
        "bytes_per_member_broadcast": size,
        "bytes_per_member_path_only": MEMBER_ID_SIZE + SEALED_EPOCH_KEY_SIZE,
        "admin_upload_bytes": size,
        "relay_egress_bytes_broadcast": size * (n - 1),
        "admin_cpu_ms": round(statistics.median(admin_ms), 3),
        "member_cpu_ms_whole": round(statistics.median(member_ms), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--removals", type=int, default=30)
    parser.add_argument("--baseline-rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20, help="members timed per removal")
    args = parser.parse_args()
    rnd = random.Random(2026)
    for n in args.sizes:
        tree = key_tree(n, args.removals, args.sample, rnd)
        base = baseline(n, args.baseline_rounds, args.sample, rnd)
        print(json.dumps(tree), flush=True)
        print(json.dumps(base), flush=True)
        print(json.dumps({
            "bench": "keytree", "scheme": "compare", "n": n,
            "member_bytes_ratio_broadcast": round(
                base["bytes_per_member_broadcast"] / tree["bytes_per_member_broadcast"], 1),
            "admin_upload_ratio": round(base["admin_upload_bytes"] / tree["admin_upload_bytes"], 1),
            "admin_cpu_ratio": round(base["admin_cpu_ms"] / max(tree["admin_cpu_ms"], 1e-3), 1),
            "goal_member_2kb_met": tree["bytes_per_member_broadcast"] <= GOAL_MEMBER_BYTES,
            "goal_admin_8kb_met": tree["admin_upload_bytes"] <= GOAL_ADMIN_BYTES,
            "baseline_goal_member_2kb_met": base["bytes_per_member_broadcast"] <= GOAL_MEMBER_BYTES,
        }), flush=True)


if __name__ == "__main__":
    main()
