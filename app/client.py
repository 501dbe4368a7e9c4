"""The asyncio adapter that runs a `RoomProtocol` over a relay link, with the 20 ms audio tick.

It only moves bytes and frames: websocket messages into the protocol, its output onto the socket,
Opus packets from a source into `send_audio`, received packets into one `SpeakerStream` per
speaker, and the mix into a recording. Policy (who to admit, whether to accept the stage) comes
from the `Policy` callbacks, so the headless client and the desktop app can share this code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from app.net.transport import TransportError, describe_close, describe_code, open_link
from audio.codec import FRAME_SAMPLES, OpusEncoder
from audio.playout import SpeakerStream, mix

TICK = FRAME_SAMPLES / 48000  # 20 ms


def frame_level(frame: np.ndarray) -> float:
    """RMS of one frame, 0..1 of full scale."""
    return float(np.sqrt(np.mean(np.square(frame, dtype=np.float64)))) / 32768.0
MAX_CATCH_UP = 10  # ticks replayed after a stall before the clock is reset


@dataclass
class Outcome:
    """How a client run ended: `code` follows the CLI's exit codes, `message` is for the user."""

    code: int = 0
    message: str = ""


@dataclass
class Policy:
    """Decisions the adapter delegates; defaults suit a listener who only listens."""

    accept_stage: bool = False  # consent to speak when invited (the headless --speak flag)
    raise_hand: bool = False  # ask to speak once welcomed
    auto_stage: bool = False  # host: invite whoever raises a hand
    exit_on_kick: bool = True
    on_event: Callable[[ev.Event, RoomProtocol], None] | None = None


@dataclass
class Speech:
    """The PCM to speak once on stage, then silence: constant-rate frames, silence included."""

    pcm: np.ndarray | None = None
    start_after_join: float | None = None  # host: start this long after someone joins
    started: bool = False
    position: int = 0

    def next_frame(self) -> np.ndarray:
        if self.pcm is None or not self.started or self.position >= len(self.pcm):
            return np.zeros(FRAME_SAMPLES, dtype=np.int16)
        chunk = self.pcm[self.position : self.position + FRAME_SAMPLES]
        self.position += FRAME_SAMPLES
        if len(chunk) < FRAME_SAMPLES:
            chunk = np.concatenate([chunk, np.zeros(FRAME_SAMPLES - len(chunk), dtype=np.int16)])
        return chunk

    @property
    def finished(self) -> bool:
        return self.pcm is None or self.position >= len(self.pcm)


@dataclass
class Recording:
    """What this client heard, mixed, one frame per tick from the start: the room's timeline."""

    frames: list[np.ndarray] = field(default_factory=list)

    def pcm(self) -> np.ndarray:
        if not self.frames:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self.frames)


class RoomClient:
    def __init__(self, protocol: RoomProtocol, url: str, *, speech: Speech | None = None,
                 record: bool = False, policy: Policy | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.protocol = protocol
        self.url = url
        self.speech = speech or Speech()
        self.recording = Recording() if record else None
        self.policy = policy or Policy()
        self.clock = clock
        self.encoder = OpusEncoder()
        self.streams: dict[int, SpeakerStream] = {}
        self.outcome: Outcome | None = None
        self._ws: ClientConnection | None = None
        self._stop = asyncio.Event()
        self._speak_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Per member: RMS (0..1) of the last 20 ms played, for speaking rings; written by the
        # loop thread, read by the GUI (a dict swap of floats needs no lock).
        self.levels: dict[int, float] = {}

    # -- running ---------------------------------------------------------------------------

    async def run(self, duration: float | None = None) -> Outcome:
        self._loop = asyncio.get_running_loop()
        try:
            self._ws = await open_link(self.url)
        except TransportError as exc:
            return Outcome(3, str(exc))
        reader = asyncio.create_task(self._read())
        ticker = asyncio.create_task(self._tick_loop())
        await self._flush()
        stopper = asyncio.create_task(self._stop.wait())
        waits: set[asyncio.Future[Any]] = {reader, ticker, stopper}
        if duration is not None:
            waits.add(asyncio.ensure_future(asyncio.sleep(duration)))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, ticker):
            error = task.exception() if task.done() and not task.cancelled() else None
            if error is not None:
                raise error
        if self.outcome is None:
            self.outcome = Outcome(0, "")
            await self.leave()
        for future in waits:
            future.cancel()
        with contextlib.suppress(Exception):
            await self._ws.close()
        return self.outcome

    def stop(self) -> None:
        """Ask the run to end (signal handlers call this); the room is left politely."""
        self._stop.set()

    def stop_threadsafe(self) -> None:
        """`stop()` from another thread (the GUI's)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def act(self, intent: Callable[[RoomProtocol, float], None],
            on_error: Callable[[LocalProtocolError], None] | None = None) -> None:
        """Run a user intent (`lambda p, now: p.raise_hand(now)`) on the loop, from any thread.

        The GUI calls this; the protocol is only ever touched by the loop thread. A refused
        intent goes to `on_error` (called on the loop thread) instead of raising.
        """
        def run() -> None:
            try:
                intent(self.protocol, self.clock())
            except LocalProtocolError as exc:
                if on_error is not None:
                    on_error(exc)
            self._handle_events()
            asyncio.ensure_future(self._flush())

        if self._loop is None:
            raise RuntimeError("the client is not running")
        self._loop.call_soon_threadsafe(run)

    async def leave(self) -> None:
        if self.protocol.state in (State.IN_ROOM, State.KNOCKING, State.WAITING):
            with contextlib.suppress(LocalProtocolError):
                self.protocol.leave(self.clock())
            await self._flush()

    async def flush(self) -> None:
        """Send whatever the protocol has queued (after an intent from outside the loop)."""
        await self._flush()

    async def _flush(self) -> None:
        assert self._ws is not None
        for data in self.protocol.data_to_send():
            try:
                await self._ws.send(data)
            except ConnectionClosed as exc:
                self._finish(Outcome(3, describe_close(exc)))
                return

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                if isinstance(message, str):
                    continue
                self.protocol.receive_data(message, self.clock())
                self._handle_events()
                await self._flush()
        except ConnectionClosed as exc:
            if self.outcome is None:
                self._finish(Outcome(3, describe_close(exc)))
            return
        if self.outcome is None:
            self._finish(Outcome(3, "The relay closed the connection."))

    async def _tick_loop(self) -> None:
        next_tick = self.clock()
        while True:
            now = self.clock()
            behind = int((now - next_tick) / TICK)
            if behind > MAX_CATCH_UP:
                next_tick = now  # a long stall (laptop sleep): do not replay minutes of ticks
            while next_tick <= now:
                self._tick(next_tick)
                next_tick += TICK
            await self._flush()
            await asyncio.sleep(max(0.0, next_tick - self.clock()))

    # -- one 20 ms tick --------------------------------------------------------------------

    def _tick(self, now: float) -> None:
        p = self.protocol
        p.tick(now)
        self._handle_events()
        if self._speak_at is not None and now >= self._speak_at:
            self.speech.started = True
            self._speak_at = None
        if p.can_speak and (p.is_host or self.policy.accept_stage):
            # On stage every tick carries a frame, speech or silence: the traffic shape is constant.
            self.protocol.send_audio(self.encoder.encode(self.speech.next_frame()), now)
        heard = []
        levels: dict[int, float] = {}
        for member_id, stream in self.streams.items():
            frame = stream.pull()
            if frame is not None:
                heard.append(frame)
                levels[member_id] = frame_level(frame)
        self.levels = levels
        if self.recording is not None:
            self.recording.frames.append(mix(heard))

    def _handle_events(self) -> None:
        p = self.protocol
        for event in p.events_received():
            now = self.clock()
            if self.policy.on_event is not None:
                self.policy.on_event(event, p)
            if isinstance(event, ev.AudioFrame):
                stream = self.streams.get(event.member_id)
                if stream is None:
                    stream = self.streams[event.member_id] = SpeakerStream()
                stream.push(event.seq, event.payload)
            elif isinstance(event, ev.Welcomed):
                if self.policy.raise_hand:
                    p.raise_hand(now)
            elif isinstance(event, ev.MemberJoined):
                if p.is_host and self.speech.start_after_join is not None \
                        and not self.speech.started and self._speak_at is None:
                    self._speak_at = now + self.speech.start_after_join
            elif isinstance(event, ev.HandChanged):
                if event.raised and p.is_host and self.policy.auto_stage:
                    with contextlib.suppress(LocalProtocolError):
                        p.invite_to_stage(event.member_id, now)
            elif isinstance(event, ev.StageInvited):
                if self.policy.accept_stage:
                    p.accept_stage(now)
            elif isinstance(event, ev.RoleChanged):
                if event.member_id == p.me and event.role is not Role.LISTENER \
                        and self.policy.accept_stage:
                    p.set_muted(False, now)
                    self.speech.started = True
            elif isinstance(event, ev.MemberLeft):
                self.streams.pop(event.member_id, None)
            elif isinstance(event, ev.Kicked):
                if self.policy.exit_on_kick:
                    self._finish(Outcome(5, "You were removed from the room by a host."))
            elif isinstance(event, ev.Refused):
                self._finish(Outcome(6, "The host did not let you in."))
            elif isinstance(event, ev.RelayClosed):
                self._finish(Outcome(3, describe_code(event.code, event.reason)))
            elif isinstance(event, ev.JoinFailed):
                self._finish(Outcome(4, event.reason))
            elif isinstance(event, ev.RoomEnded):
                if event.reason == "host-ended" and not p.is_host:
                    self._finish(Outcome(7, "The host ended the room."))
                elif event.reason == "host-left":
                    self._finish(Outcome(7, "The host left, so the room has ended."))

    def _finish(self, outcome: Outcome) -> None:
        if self.outcome is None:
            self.outcome = outcome
        self._stop.set()
