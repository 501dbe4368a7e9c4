"""Rooms on the local network: advertise a hosted room and browse for others with mDNS (zeroconf).

Everything here binds only to the interface addresses it is given. The desktop app passes the
computer's LAN addresses; tests pass 127.0.0.1 and nothing else, so no test ever speaks on a real
network. What neighbours on the network learn is in docs/THREAT_MODEL.md ("LAN neighbour"): that a
room exists and its relay's address, and its name only when the host chose to make it visible.
The invite (the room secret) is never advertised, so a listing alone never lets anyone in.
"""

from app.lan.service import SERVICE_TYPE, LanError, LanRoom

__all__ = ["SERVICE_TYPE", "LanError", "LanRoom"]
