"""Removals through the key tree, on the MemoryRelay (the real router, real libsodium).

The removed member here is a modified client: it keeps a copy of every tree secret and epoch key
it ever held, reads every control envelope the relay still delivers to it (its socket stays
open), and tries to follow the removal with its hoard. It must learn nothing: no key of the new
epoch, from the tree update or from the sealed entries.
"""

from __future__ import annotations

import copy

from coreroom import Room

from app.core import messages as msg
from app.core.protocol import RoomProtocol, State
from app.core.treekeys import room_key
from crypto import control as cc
from crypto.errors import CryptoError
from crypto.keytree import MemberRemoved, MemberTree
from crypto.keytree_schedule import epoch_key_of
from relay import wire


def rekeys_seen_by(room: Room, p: RoomProtocol, keys: list) -> list[msg.Rekey]:
    """Every REKEY delivered to `p` that opens under a key it hoarded."""
    found = []
    conn = room.relay.conn_of(p)
    for to, data in room.relay.delivered:
        if to != conn:
            continue
        message = wire.decode_server(data)
        if not isinstance(message, wire.DeliverControl):
            continue
        for key in keys:
            try:
                opened = cc.open_control(message.payload, key)
            except CryptoError:
                continue
            if opened.kind == msg.Kind.REKEY:
                found.append(msg.decode_rekey(opened.body))
    return found


def room_of(n: int) -> tuple[Room, list[RoomProtocol]]:
    room = Room()
    people = [room.join(f"P{i}") for i in range(n)]
    room.relay.pump()
    assert all(p.state is State.IN_ROOM for p in people)
    return room, people


def test_every_member_holds_a_tree_in_step_with_the_host() -> None:
    room, people = room_of(5)
    admin = room.host._tree_admin
    assert admin is not None and len(admin.tree) == 6
    for p in people:
        tree = p._tree_member.tree
        assert tree is not None
        assert tree.epoch == admin.tree.epoch
        assert tree.epoch_key() == admin.tree.epoch_key()


def test_a_removed_member_who_kept_every_secret_cannot_follow_a_tree_removal() -> None:
    room, people = room_of(6)
    victim = people[2]
    hoard_tree = copy.deepcopy(victim._tree_member.tree)
    assert hoard_tree is not None
    hoard_keys = [victim.keys.get(n) for n in victim.keys.numbers]
    hoard_secrets = set(hoard_tree.path_secrets())
    old = room.host.keys.current
    room.host.kick(victim.me, room.relay.now)
    room.relay.pump()
    new = room.host.keys.current
    assert new.number == old.number + 1
    honest = [p for p in people if p is not victim]
    assert all(p.keys.current == new for p in honest)
    assert new.number not in victim.keys.numbers
    # The rotation went through the tree: one update, no key sealed to anyone (all hold leaves).
    rekeys = rekeys_seen_by(room, victim, [k for k in hoard_keys if k is not None])
    assert rekeys, "the relay delivered the removal to the removed member's open socket"
    rekey = rekeys[-1]
    assert rekey.from_tree and len(rekey.updates) == 1 and rekey.entries == ()
    try:
        hoard_tree.apply(rekey.updates[0])
        raise AssertionError("the removed member followed its own removal")
    except MemberRemoved:
        pass
    admin = room.host._tree_admin
    assert admin is not None
    assert hoard_secrets.isdisjoint(admin.tree.node_secrets().values())
    for secret in hoard_secrets:
        for epoch in range(admin.tree.epoch + 2):
            assert room_key(epoch_key_of(secret, epoch), new.number) != new


def test_a_leaver_is_rotated_out_through_the_tree_and_joins_still_ratchet() -> None:
    room, people = room_of(4)
    leaver = people[0]
    hoard = copy.deepcopy(leaver._tree_member.tree)
    leaver.leave(room.relay.now)
    room.relay.advance(3.0)
    key = room.host.keys.current
    assert all(p.keys.current == key for p in people[1:])
    newcomer = room.join("Late")
    room.relay.pump()
    assert newcomer.state is State.IN_ROOM and newcomer._tree_member.tree is not None
    assert all(p.keys.current == room.host.keys.current for p in [*people[1:], newcomer])
    assert hoard is not None and hoard.epoch_key() != room.host._tree_admin.tree.epoch_key()
    assert key.number not in leaver.keys.numbers


def test_a_member_whose_tree_fell_out_of_step_asks_and_gets_a_fresh_path() -> None:
    room, people = room_of(4)
    lost = people[1]
    lost._tree_member.tree = None  # as if a commit did not apply
    room.host.kick(people[3].me, room.relay.now)
    room.relay.advance(5.0)
    assert lost.keys.current == room.host.keys.current
    assert lost._tree_member.tree is not None
    assert isinstance(lost._tree_member.tree, MemberTree)
    # ... and the next removal reaches it through the tree again.
    room.host.kick(people[2].me, room.relay.now)
    room.relay.pump()
    assert lost.keys.current == room.host.keys.current
    assert room.host.counters["key-requests-answered"] >= 1
