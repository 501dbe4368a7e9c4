"""Advertise a hosted room on the local network, from the asyncio thread that runs the room.

Uses zeroconf's asyncio API on the caller's loop, so registering (which announces the record a
few times over about a second) never blocks the room's 20 ms audio tick.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence

from zeroconf import Error as ZeroconfError
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncZeroconf

from app.lan.service import LanError, check_interfaces, make_info


class LanAdvertiser:
    """One room's mDNS record, on the given interface addresses only."""

    def __init__(self, interfaces: Sequence[str], address: str, port: int,
                 room_name: str | None, random: Callable[[int], bytes] = os.urandom) -> None:
        self.interfaces = check_interfaces(interfaces)
        self.info = make_info(address, port, room_name, random)
        self._zc: AsyncZeroconf | None = None

    @property
    def key(self) -> str:
        return self.info.name

    async def start(self) -> None:
        """Announce the room. LanError if the network cannot be used for mDNS."""
        try:
            self._zc = AsyncZeroconf(interfaces=list(self.interfaces),
                                     ip_version=IPVersion.V4Only)
            # The first await queues the record; the second waits until it has been announced.
            await (await self._zc.async_register_service(self.info, allow_name_change=True))
        except (OSError, RuntimeError, ZeroconfError) as exc:
            await self.close()
            raise LanError(f"Cannot announce the room on this network ({exc}).") from None

    async def close(self) -> None:
        """Withdraw the record (a goodbye packet, so browsers drop it at once) and close."""
        zc, self._zc = self._zc, None
        if zc is None:
            return
        with contextlib.suppress(Exception):
            await (await zc.async_unregister_service(self.info))
        with contextlib.suppress(Exception):
            await zc.async_close()
