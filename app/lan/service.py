"""What a Majlis room looks like in mDNS, both ways, and which addresses count as "this network".

A room is a `_majlis._tcp` service whose instance name is random (never the room's name, never
the computer's host name: both would leak), pointing at the relay the host runs inside the app.
The TXT record holds `v=1` and, only for rooms the host made visible, `name=<room name>`.
Entries come from anyone on the network, so parsing treats them as hostile: bounded, cleaned,
and a bad entry is skipped rather than trusted.
"""

from __future__ import annotations

import ipaddress
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from zeroconf import ServiceInfo

SERVICE_TYPE = "_majlis._tcp.local."
VERSION = b"1"
MAX_NAME_BYTES = 100  # the room protocol's own limit for room names
MAX_ROOMS = 64  # a neighbour flooding the network with adverts gets no more rows than this


class LanError(Exception):
    """Advertising or browsing could not start; `str()` is a sentence for the user."""


@dataclass(frozen=True)
class LanRoom:
    """One advertised room. `name` is None for rooms that are not visible: only the invite helps."""

    key: str  # the mDNS instance name, stable while the room is advertised
    url: str  # ws://ADDRESS:PORT of the host's relay
    name: str | None = None

    @property
    def visible(self) -> bool:
        return self.name is not None


def clean_name(text: str) -> str:
    """A room name from the network, safe to show: no control or bidi-override characters.

    Bidirectional overrides (U+202E and friends) would let an advert make one name look like
    another in a right-to-left interface.
    """
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    encoded = kept.strip().encode("utf-8")[:MAX_NAME_BYTES]
    return encoded.decode("utf-8", errors="ignore").strip()


def make_info(address: str, port: int, room_name: str | None,
              random: Callable[[int], bytes] = os.urandom) -> ServiceInfo:
    """The service record for a room whose relay listens on address:port."""
    properties: dict[str, bytes] = {"v": VERSION}
    if room_name is not None:
        cleaned = clean_name(room_name)
        if cleaned:
            properties["name"] = cleaned.encode("utf-8")
    token = random(8).hex()
    return ServiceInfo(SERVICE_TYPE, f"{token}.{SERVICE_TYPE}", port=port,
                       properties=properties, server=f"majlis-{token}.local.",
                       parsed_addresses=[address])


def parse_info(info: ServiceInfo) -> LanRoom | None:
    """A LanRoom from a resolved record, or None if it is not a room we can use."""
    props: Mapping[bytes, bytes | None] = info.properties or {}
    if props.get(b"v") != VERSION or not info.port:
        return None
    addresses = [a for a in info.parsed_addresses() if _usable(a)]
    if not addresses:
        return None
    raw = props.get(b"name")
    name: str | None = None
    if raw:
        name = clean_name(raw.decode("utf-8", errors="replace")) or None
    host = addresses[0]
    if ":" in host:
        host = f"[{host}]"
    return LanRoom(key=info.name, url=f"ws://{host}:{info.port}", name=name)


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_multicast or ip.is_unspecified)


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on local networks (private ranges), loopback excluded.

    Only these are offered for "this network": a public address would advertise a room to the
    whole internet's view of this machine.
    """
    import ifaddr

    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue
            try:
                addr = ipaddress.IPv4Address(ip.ip)
            except ValueError:
                continue
            if addr.is_private and not addr.is_loopback and not addr.is_link_local:
                found.append(str(addr))
    return sorted(set(found))


def check_interfaces(interfaces: Sequence[str]) -> list[str]:
    """The given interface addresses, validated; at least one is required."""
    if not interfaces:
        raise LanError("This computer is not connected to a local network.")
    out = []
    for item in interfaces:
        try:
            out.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise LanError(f"{item!r} is not an IP address.") from None
    return out
