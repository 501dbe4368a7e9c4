"""Watch the local network for rooms, live, without ever blocking the caller.

zeroconf's threaded `ServiceBrowser` calls back on its own thread; resolving a record (which can
take up to a few seconds) happens there too. Every change ends in one call of `on_change` with the
whole current list, from that thread: the Qt side turns it into a queued signal.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence

from zeroconf import Error as ZeroconfError
from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

from app.lan.service import MAX_ROOMS, SERVICE_TYPE, LanError, LanRoom, check_interfaces, parse_info

RESOLVE_TIMEOUT_MS = 3000


class LanBrowser:
    """Rooms advertised on the given interface addresses."""

    def __init__(self, interfaces: Sequence[str],
                 on_change: Callable[[tuple[LanRoom, ...]], None]) -> None:
        self.interfaces = check_interfaces(interfaces)
        self.on_change = on_change
        self._rooms: dict[str, LanRoom] = {}
        self._lock = threading.Lock()
        self._zc: Zeroconf | None = None
        self._browser: ServiceBrowser | None = None

    @property
    def rooms(self) -> tuple[LanRoom, ...]:
        with self._lock:
            return tuple(sorted(self._rooms.values(), key=_order))

    def start(self) -> None:
        """Bind the mDNS sockets and start browsing. LanError if the network refuses."""
        try:
            self._zc = Zeroconf(interfaces=list(self.interfaces), ip_version=IPVersion.V4Only)
            self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, handlers=[self._changed])
        except (OSError, RuntimeError, ZeroconfError) as exc:
            self.close()
            raise LanError(f"Cannot look for rooms on this network ({exc}).") from None

    def close(self) -> None:
        browser, self._browser = self._browser, None
        zc, self._zc = self._zc, None
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.cancel()
        if zc is not None:
            with contextlib.suppress(Exception):
                zc.close()

    def _changed(self, zeroconf: Zeroconf, service_type: str, name: str,
                 state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            with self._lock:
                gone = self._rooms.pop(name, None) is not None
            if gone:
                self.on_change(self.rooms)
            return
        info = zeroconf.get_service_info(service_type, name, timeout=RESOLVE_TIMEOUT_MS)
        room = parse_info(info) if info is not None else None
        with self._lock:
            if room is None:
                changed = self._rooms.pop(name, None) is not None
            elif self._rooms.get(name) == room:
                changed = False
            elif name in self._rooms or len(self._rooms) < MAX_ROOMS:
                self._rooms[name] = room
                changed = True
            else:
                changed = False
        if changed:
            self.on_change(self.rooms)


def _order(room: LanRoom) -> tuple[bool, str, str]:
    """Visible rooms first, by name; then the opaque ones in a stable order."""
    return (room.name is None, (room.name or "").casefold(), room.key)
