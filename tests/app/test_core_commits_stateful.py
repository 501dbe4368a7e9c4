"""Commits from admins and members on a hostile relay, explored by Hypothesis.

A room on the MemoryRelay (the real router, real libsodium) takes random steps: joins, removals
by the host and by a co-host, promotions and demotions, leaves, dropped links, two would-be
committers racing, and a relay that drops, duplicates, reorders or replays what it delivers to
one member. After every step nothing may escape the core; once the relay turns honest and time
passes with the host talking, the invariants of one order must hold:

- every honest member in the room holds one key and one roster (member ids and roles) per epoch;
- no removed member holds the room's key of any epoch after its removal;
- no removed member who kept every key-tree root it ever held can derive the final key from one
  (room key of any tree epoch, ratcheted forward).
"""

from __future__ import annotations

import contextlib

from coreroom import Room
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from app.core.treekeys import room_key
from crypto.keytree_schedule import epoch_key_of
from relay import wire

SETTLE_SECONDS = 70  # longer than the longest key-request back-off (60 s)


class CommitMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = Room()
        self.host = self.room.host
        self.people: list[RoomProtocol] = []
        self.removed: dict[int, tuple[RoomProtocol, int]] = {}  # id(p) -> (p, epoch at removal)
        self.names = 0
        self.handed_over = False
        self.hoards: dict[int, set[bytes]] = {}  # id(p) -> every tree root it held
        for _ in range(3):
            self._join()
        self.host.make_cohost(self.people[0].me, self.room.relay.now)
        self.room.relay.pump()

    # -- helpers ---------------------------------------------------------------------------

    def _join(self) -> None:
        self.names += 1
        p = self.room.join(f"P{self.names}")
        self.people.append(p)
        for knock in list(self.host.knocks):
            self.host.admit(knock, self.room.relay.now)
        self.room.relay.pump()

    def in_room(self) -> list[RoomProtocol]:
        return [p for p in self.people if p.state is State.IN_ROOM and p.me is not None
                and id(p) not in self.removed]

    def _pick(self, index: int) -> RoomProtocol | None:
        live = self.in_room()
        return live[index % len(live)] if live else None

    def _note_removals(self) -> None:
        """Whoever an admin removed (and was told, or not): remember the epoch it happened at."""
        for p in self.people:
            if id(p) in self.removed or p.me is None:
                continue
            if any(isinstance(e, ev.Kicked) for e in self.room.events(p)) or (
                    p.identity.public.key in self.host._banned):
                epoch = self.host.keys.current.number if self.host.keys.current else 0
                self.removed[id(p)] = (p, epoch)

    # -- rules -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.people) < 7 and not self.handed_over)
    @rule()
    def join(self) -> None:
        self._join()

    @rule(index=st.integers(0, 20))
    def host_removes(self, index: int) -> None:
        p = self._pick(index)
        if p is not None and p.me in self.host.members:
            try:
                self.host.kick(p.me, self.room.relay.now)
            except LocalProtocolError:
                return
            self.room.relay.pump()
            self._note_removals()

    @rule(admin=st.integers(0, 20), index=st.integers(0, 20))
    def cohost_removes(self, admin: int, index: int) -> None:
        cohosts = [p for p in self.in_room() if p.is_admin and not p.is_host]
        target = self._pick(index)
        if not cohosts or target is None:
            return
        actor = cohosts[admin % len(cohosts)]
        try:
            actor.kick(target.me, self.room.relay.now)
        except LocalProtocolError:
            return
        self.room.relay.pump()
        self._note_removals()

    @rule(index=st.integers(0, 20), promote=st.booleans())
    def host_changes_a_role(self, index: int, promote: bool) -> None:
        p = self._pick(index)
        if p is None:
            return
        try:
            if promote:
                self.host.make_cohost(p.me, self.room.relay.now)
            else:
                self.host.move_to_audience(p.me, self.room.relay.now)
        except LocalProtocolError:
            return
        self.room.relay.pump()

    @rule(index=st.integers(0, 20))
    def someone_leaves(self, index: int) -> None:
        p = self._pick(index)
        if p is not None:
            p.leave(self.room.relay.now)
            self.room.relay.pump()
            self.people.remove(p)
            self.room.relay.remove(p)
            self.room.relay.pump()

    # After a hand-over nobody can read resume knocks (they are sealed to the first host's key),
    # so a dropped link cannot come back: a documented limit, not explored here.
    @precondition(lambda self: not self.handed_over)
    @rule(index=st.integers(0, 20))
    def a_link_drops_and_comes_back(self, index: int) -> None:
        p = self._pick(index)
        if p is None:
            return
        self.room.relay.drop(p)
        self.room.relay.advance(1.0)
        self.room.relay.rejoin(p)
        self.room.relay.advance(0.5)

    @rule(index=st.integers(0, 20), victim=st.integers(0, 20))
    def two_would_be_committers_race(self, index: int, victim: int) -> None:
        """The relay makes the host look gone to one co-host; both remove someone at once."""
        cohosts = [p for p in self.in_room() if p.is_admin and not p.is_host]
        others = [p for p in self.in_room() if not p.is_admin]
        if not cohosts or len(others) < 2:
            return
        actor = cohosts[index % len(cohosts)]
        host_slot = actor.members[self.host.me].slot
        actor.receive_data(wire.encode(wire.PeerLeft(host_slot)), self.room.relay.now)
        a, b = others[victim % len(others)], others[(victim + 1) % len(others)]
        try:
            self.host.kick(a.me, self.room.relay.now)
            actor.kick(b.me, self.room.relay.now)
        except LocalProtocolError:
            pass
        self.room.relay.pump()
        self._note_removals()

    @rule(index=st.integers(0, 20), how=st.sampled_from(["drop", "duplicate", "reorder",
                                                          "replay"]),
          seconds=st.sampled_from([0.0, 0.5, 2.5]))
    def hostile_relay_for_a_while(self, index: int, how: str, seconds: float) -> None:
        victim = self._pick(index)
        if victim is None:
            return
        held: list[bytes] = []
        earlier = [d for c, d in self.room.relay.delivered
                   if self.room.relay.clients.get(c) is victim]

        def tamper(to: RoomProtocol, data: bytes) -> list[bytes]:
            if to is not victim:
                return [data]
            if how == "drop":
                return []
            if how == "duplicate":
                return [data, data]
            if how == "reorder":
                held.append(data)
                return []
            return [data, earlier[len(earlier) // 2]] if earlier else [data]

        self.room.relay.tamper = tamper
        # Something happens meanwhile: a role change and a leave rotation's worth of time.
        with contextlib.suppress(LocalProtocolError):
            self.host.move_to_audience(self.people[-1].me or 0, self.room.relay.now)
        self.room.relay.pump()
        self.room.relay.advance(seconds)
        self.room.relay.tamper = None
        for data in reversed(held):
            victim.receive_data(data, self.room.relay.now)
        self.room.relay.pump()
        self._note_removals()

    @precondition(lambda self: not self.handed_over)
    @rule()
    def host_leaves_for_good(self) -> None:
        """The host quits while a co-host is in the room: the co-host with the lowest id
        carries it (newcomers cannot be admitted after that: knocks are sealed to the host)."""
        # A host quits a settled room: forks healed, everyone on its key. (Quitting while a
        # co-host's key is still forked can split the room: the successor holds the losing
        # state and nobody left can correct it; a documented limit, not explored here.)
        for _ in range(12):
            self.host.send_audio(b"\x05" * 80, self.room.relay.now)
            self.room.relay.advance(1.0)
        current = self.host.keys.current
        cohosts = [p for p in self.in_room() if p.is_admin and not p.is_host]
        if not cohosts or current is None or any(
                p.keys.current != current for p in self.in_room()):
            return
        self.host.leave(self.room.relay.now)
        self.room.relay.pump()
        self.room.relay.remove(self.host)
        self.room.relay.advance(3.0)
        successors = [p for p in self.in_room() if p.is_host]
        if not successors:
            # The named successor was on a forked key and could not read the LEAVE: it takes
            # over when the old host's place expires, like any member who saw the host vanish.
            for _ in range(130):
                self.room.relay.advance(1.0)
            successors = [p for p in self.in_room() if p.is_host]
        assert len(successors) == 1
        self.host = successors[0]
        self.people.remove(self.host)
        self.handed_over = True

    @rule(seconds=st.sampled_from([0.5, 2.5, 10.0]))
    def time_passes(self, seconds: float) -> None:
        self.room.relay.advance(seconds)
        self._note_removals()

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def members_hoard_their_tree_roots(self) -> None:
        for p in self.people:
            tree = p._tree_member.tree
            if tree is not None and id(p) not in self.removed:
                self.hoards.setdefault(id(p), set()).add(tree.path_secrets()[-1])

    @invariant()
    def nothing_escapes_the_core(self) -> None:
        for p in [self.host, *self.people]:
            assert p.counters["internal-error"] == 0

    def teardown(self) -> None:
        """Quiescence: an honest relay, the host talking, time for every back-off to end."""
        relay = self.room.relay
        relay.tamper = None
        for _ in range(SETTLE_SECONDS):
            if self.host.state is State.IN_ROOM:
                self.host.send_audio(b"\x05" * 80, relay.now)
            relay.advance(1.0)
        self._note_removals()
        honest = [self.host, *self.in_room()]
        assert self.host.state is State.IN_ROOM
        keys = {(p.keys.current.number, p.keys.current.key) for p in honest if p.keys.current}
        assert len(keys) == 1, f"{len(keys)} keys among {len(honest)} honest members"
        rosters = {frozenset((m.member_id, m.role) for m in p.members.values()) for p in honest}
        assert len(rosters) == 1
        (_, key), = keys
        for p, epoch in self.removed.values():
            for held in p.keys.numbers:
                later = p.keys.get(held)
                assert later is None or held <= epoch or later.key != key
            assert p.me not in self.host.members or p.state is not State.IN_ROOM
        final = self.host.keys.current
        admin = self.host._tree_admin
        tree_epochs = range(admin.tree.epoch + 1) if admin is not None else range(0)
        for p, epoch in self.removed.values():
            for hoarded in self.hoards.get(id(p), ()):
                for te in tree_epochs:
                    for e in range(epoch + 1, final.number + 1):
                        guess = room_key(epoch_key_of(hoarded, te), e)
                        while guess.number < final.number:
                            guess = guess.ratchet()
                        assert guess != final, "a removed member derived the room key"
        assert all(m.role is not Role.HOST for p in honest for m in p.members.values()
                   if m.member_id != self.host.me)


CommitMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_commits_on_a_hostile_relay = CommitMachine.TestCase
