"""What the GUI and the room thread hand each other: plans, options and snapshots (plain,
immutable values, safe to pass between threads). app.ui.runner re-exports them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.client import AudioSettings
from app.code.codes import Code
from app.core.roster import Member
from crypto.invite import Invite

__all__ = ["CodePlan", "HostPlan", "JoinPlan", "Knock", "RoomSnapshot", "RunnerOptions", "Where",
           "relay_urls"]


class Where(enum.Enum):
    COMPUTER = "computer"  # a relay inside the app on 127.0.0.1: only this computer
    NETWORK = "network"  # a relay inside the app on a LAN address, announced with zeroconf
    RELAY = "relay"  # a relay somewhere else, by URL


@dataclass(frozen=True)
class HostPlan:
    room_name: str
    topic: str = ""
    where: Where = Where.COMPUTER
    relay_url: str = ""  # RELAY: one address, or several separated by spaces (`relay_urls`)
    approve_each: bool = False
    visible: bool = False  # NETWORK only: list the room's name on the network
    lan_interfaces: tuple[str, ...] = ()  # NETWORK only: where to listen and announce


@dataclass(frozen=True)
class JoinPlan:
    invite: Invite


@dataclass(frozen=True)
class CodePlan:
    """Join with a spoken code: trade it for the invite on the first of `relays` that offers
    it, show the room's name and host to the person, and knock only once they say yes."""

    code: Code
    relays: tuple[str, ...]


@dataclass(frozen=True)
class Knock:
    knock_id: int
    name: str
    fingerprint: str
    code: str = ""  # the spoken code this knock came through, if it came through one


@dataclass(frozen=True)
class RoomSnapshot:
    """The room as the GUI may see it: immutable, built on the loop thread after each batch."""

    state: str = "connecting"
    room_name: str = ""
    topic: str = ""
    room_code: str = ""
    invite_link: str = ""
    is_host: bool = False
    me: int | None = None
    members: tuple[Member, ...] = ()
    knocks: tuple[Knock, ...] = ()
    consented: bool = False
    lan_url: str = ""  # the relay's address when hosting on this network
    away: frozenset[int] = frozenset()  # members whose link dropped (place kept)
    relays: tuple[str, ...] = ()  # the invite's relays, in order
    relay: str = ""  # the one the room is on now

    @property
    def my_member(self) -> Member | None:
        return next((m for m in self.members if m.member_id == self.me), None)


@dataclass
class RunnerOptions:
    """What the runner needs from settings. `audio` None: no devices (tests, screenshots)."""

    audio: AudioSettings | None = None
    bitrate: int = 32000
    proxy: str = ""  # socks5://host:port or http://host:port; "" = direct
    push_to_talk: bool = False


def relay_urls(text: str) -> list[str]:
    """The addresses typed in the relay field: one, or several separated by spaces or commas.

    Several go into the invite in this order: when one is blocked or down, members (and the
    host) go on to the next (app.net.failover)."""
    return [u for u in text.replace(",", " ").split() if u]
