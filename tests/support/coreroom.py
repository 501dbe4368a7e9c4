"""A room of `RoomProtocol`s on one in-memory relay, for the room-core tests."""

from __future__ import annotations

import itertools

from memrelay import MemoryRelay

from app.core import events as ev
from app.core.protocol import RoomProtocol
from app.core.roster import Role
from crypto.identity import Identity
from crypto.invite import Invite

RELAY = "ws://127.0.0.1:9"


def seeded(n: int) -> Identity:
    return Identity.from_seed(bytes([n]) * 32)


def events_of(p: RoomProtocol, kind: type) -> list:
    return [e for e in p.events_received() if isinstance(e, kind)]


class Room:
    """A host plus any number of members on one MemoryRelay."""

    def __init__(self, auto_admit: bool = True) -> None:
        self.relay = MemoryRelay()
        self.host = RoomProtocol.host(seeded(1), [RELAY], "Majlis", topic="tea",
                                      display_name="Huda", auto_admit=auto_admit, now=0.0)
        self.relay.add(self.host)
        self.relay.pump()
        self.log: dict[int, list[ev.Event]] = {}
        self._seeds = itertools.count(2)

    def join(self, name: str) -> RoomProtocol:
        invite = Invite.parse(self.host.invite.to_link())
        p = RoomProtocol.join(seeded(next(self._seeds)), invite, name, now=self.relay.now)
        self.relay.add(p)
        self.relay.pump()
        return p

    def events(self, p: RoomProtocol) -> list[ev.Event]:
        got = p.events_received()
        self.log.setdefault(id(p), []).extend(got)
        return got


def stage(room: Room, p: RoomProtocol) -> None:
    """Hand, invitation, consent and the host's confirmation: the whole path to the stage."""
    p.raise_hand(room.relay.now)
    room.relay.pump()
    assert any(e == ev.HandChanged(p.me, True) for e in room.host.events_received())
    room.host.invite_to_stage(p.me, room.relay.now)
    room.relay.pump()
    assert events_of(p, ev.StageInvited) == [ev.StageInvited(room.host.me)]
    assert p.members[p.me].role is Role.LISTENER  # nothing happens without consent
    p.accept_stage(room.relay.now)
    room.relay.pump()
