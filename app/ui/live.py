"""`RoomClient` as the desktop app runs it: snapshots after each batch of events, and figures.

RoomClient already owns the sound (devices, consent, volumes, push-to-talk, levels); the app adds
only two things here:
- a callback after every batch of events that changed something, so the runner can hand the GUI
  one immutable snapshot instead of a stream of partial updates;
- connection figures for the quality indicator: the round trip to the relay, measured with
  websocket pings every few seconds, and the share of speakers' frames lost on the way.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.client import AudioSettings, Outcome, Policy, RoomClient
from app.core import events as ev
from app.core.protocol import RoomProtocol
from audio.codec import OpusEncoder

log = logging.getLogger(__name__)

STATS_INTERVAL = 2.0  # seconds between connection figures
PING_TIMEOUT = 5.0


def accepts_proxy() -> bool:
    """Whether this RoomClient can route through a proxy (the transport decides how)."""
    return "proxy" in inspect.signature(RoomClient.__init__).parameters


@dataclass(frozen=True)
class ConnectionStats:
    """What the quality indicator shows. None: not measured yet (or nobody is speaking)."""

    delay_ms: float | None = None  # round trip to the relay
    loss: float | None = None  # share of speakers' frames lost on the way, 0..1

    @property
    def quality(self) -> str:
        """"good", "fair" or "poor", from the worse of the two figures."""
        delay = self.delay_ms or 0.0
        loss = self.loss or 0.0
        if delay > 400 or loss > 0.10:
            return "poor"
        if delay > 150 or loss > 0.03:
            return "fair"
        return "good"


class LiveRoomClient(RoomClient):
    """A RoomClient that reports batches of changes and connection figures to the runner."""

    def __init__(self, protocol: RoomProtocol, url: str, *, audio: AudioSettings | None,
                 bitrate: int = 32000, policy: Policy | None = None,
                 on_batch: Callable[[], None] | None = None,
                 on_stats: Callable[[ConnectionStats], None] | None = None,
                 proxy: object | None = None) -> None:
        policy = policy or Policy()
        self._forward = policy.on_event
        policy.on_event = self._on_event
        extra: dict[str, Any] = {"proxy": proxy} if proxy is not None else {}
        super().__init__(protocol, url, policy=policy, audio=audio, **extra)
        if bitrate != self.encoder.bitrate:
            # A new encoder for a new rate: the packet size is fixed for an encoder's life.
            self.encoder = OpusEncoder(bitrate=bitrate, expected_loss=0)
        self.on_batch = on_batch
        self.on_stats = on_stats
        self._dirty = False

    async def run(self, duration: float | None = None) -> Outcome:
        measuring = asyncio.ensure_future(self._measure())
        try:
            return await super().run(duration)
        finally:
            measuring.cancel()

    def _on_event(self, event: ev.Event, protocol: RoomProtocol) -> None:
        if not isinstance(event, ev.AudioFrame):
            self._dirty = True
        if self._forward is not None:
            self._forward(event, protocol)

    def changed(self) -> None:
        """Something changed outside an event: the next batch sends a snapshot."""
        self._dirty = True

    def _handle_events(self) -> None:
        super()._handle_events()
        if self._dirty:
            self._dirty = False
            if self.on_batch is not None:
                self.on_batch()

    # -- connection figures ----------------------------------------------------------------

    async def _measure(self) -> None:
        while True:
            await asyncio.sleep(STATS_INTERVAL)
            delay = await self._ping()
            if self.on_stats is not None:
                self.on_stats(ConnectionStats(delay, self._loss()))

    async def _ping(self) -> float | None:
        ws: Any = self._ws
        if ws is None:
            return None
        try:
            pong = await ws.ping()
            latency: float = await asyncio.wait_for(pong, PING_TIMEOUT)
        except Exception:  # closed, or no answer in time: no figure this round
            return None
        return latency * 1000.0

    def _loss(self) -> float | None:
        stats = self.last_stats
        if stats is None or not stats.speakers:
            return None
        return max(s.loss_rate for s in stats.speakers.values())
