"""The asyncio adapter that runs a `RoomProtocol` over a relay link, with the room's sound.

It only moves bytes and frames: websocket messages into the protocol and its output onto the
socket; captured or prepared audio through `audio.pipeline.Speaking` into `send_audio`; received
packets into `audio.pipeline.Listening` (an adaptive jitter buffer per speaker) and its mix to the
speakers and the recording. Policy (who to admit, whether to accept the stage) comes from the
`Policy` callbacks, so the headless client and the desktop app share this code.

Two ways to run the sound. Without `AudioSettings` (the headless default) a 20 ms timer drives
everything through `_tick`. With devices, the devices are the clock: a frame is encoded and sent
as soon as the microphone has delivered one, and the next mix is made when the speaker's buffer
runs low, so neither side waits for a timer tick and the two sound cards' clocks never drift
against a third. The loop does not poll them: the microphone's callback wakes it when a frame is
complete, and it wakes `OUTPUT_LEAD` before the speaker's next callback is due (learnt from the
callbacks' own times, `audio.cadence`) to mix the frame that callback will take, so a mixed frame
waits only that long before it plays. PortAudio's own threads only copy into and out of ring
buffers (`audio.devices`). The devices' half of this class is `app.sound.SoundDevices`.

The microphone opens only while the user is on stage and has said yes (hosting the room,
accepting a stage invitation, or unmuting), and closes when they leave the stage: a listener never
opens it. A device that fails or vanishes is reported once through `Policy.on_audio_problem`; the
room goes on without it (listen-only, or sending silence, muted) and the device is tried again
every few seconds.

A dropped link is not the end: while the room core holds our place (`State.RESUMING`) the client
reconnects through `app.net.failover.RelayLink` (backoff, the invite's other relays, a relay the
host moved the room to) and the core resumes; the UI hears `Disconnected` and `Resumed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.clienttypes import AudioSettings, ClientStats, Outcome, Policy, Recording, Speech
from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from app.core.roster import Role
from app.net.backoff import Backoff
from app.net.failover import RelayLink
from app.net.lanes import LaneKeeper, is_media
from app.net.pacing import Pacer
from app.net.proxy import ProxySettings, is_onion
from app.net.transport import TransportError, describe_close, describe_code
from app.net.wakeup import PROBE_TIMEOUT, SleepWatch, boot_clock
from app.sound import TICK, SoundDevices, wake
from audio.capture import CaptureLevels
from audio.codec import OpusEncoder
from audio.dsp import DspUnavailable, SpeexProcessor
from audio.jitter import MAX_DELAY
from audio.pipeline import Listening, Speaking

__all__ = ["AudioSettings", "ClientStats", "Outcome", "Policy", "Recording", "RoomClient",
           "Speech"]

# The jitter buffer's ceiling through Tor: circuits add bursts of hundreds of milliseconds that a
# direct link does not (bench/tor.py, docs/AUDIO.md "Through Tor"). The target still follows
# the observed jitter; only the bound is higher.
TOR_MAX_DELAY = 0.5
MAX_CATCH_UP = 10  # ticks replayed after a stall before the clock is reset
UNANSWERED_BEFORE_NEXT = 2  # unanswered resume knocks (5 s each) before trying the next relay
LOSS_REPORT_FRESH = 10.0  # seconds a listener's loss report counts for the encoder
STATS_INTERVAL = 0.5  # seconds between `last_stats` snapshots for other threads
LANE_INTERVAL = 1.0  # seconds between looks at whether a second audio lane is wanted
# Our own audio waiting in the link's buffer past which a frame is dropped, not queued: on a
# slow or stalled uplink a queued frame reaches listeners only after their playout gave up on
# it, and the queue would become delay. About 25 frames beyond the kernel's 4 KiB
# (app.net.transport.tune_for_voice); control messages are never dropped.
UPLINK_BACKLOG = 4096


def playout_ceiling(relays: Sequence[str], proxy: ProxySettings | None) -> float:
    """The jitter buffer's ceiling: the default, or TOR_MAX_DELAY through Tor (or a SOCKS5
    proxy, the way Tor Browser's port is given) and for onion relays."""
    through_tor = proxy is not None and proxy.kind in ("tor", "socks5")
    return TOR_MAX_DELAY if through_tor or any(is_onion(r) for r in relays) else MAX_DELAY


class RoomClient(SoundDevices):
    def __init__(self, protocol: RoomProtocol, url: str, *, speech: Speech | None = None,
                 record: bool = False, policy: Policy | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 audio: AudioSettings | None = None,
                 proxy: ProxySettings | None = None, reconnect: bool = True,
                 backoff: Backoff | None = None,
                 boot: Callable[[], float] = boot_clock, lanes: bool = True) -> None:
        self.protocol = protocol
        self.proxy = proxy  # SOCKS5 (Tor) or HTTP CONNECT; None connects directly
        # The relay we start on, then the invite's others (app.net.failover).
        self.link = RelayLink(protocol.invite.relays, url, proxy=proxy, backoff=backoff)
        self.reconnect = reconnect  # come back after a drop (False: a drop ends the run)
        self._pacer = Pacer()
        self._unanswered = 0  # resume knocks unanswered on this link
        self.speech = speech or Speech()
        self.recording = Recording() if record else None
        self.policy = policy or Policy()
        self.clock = clock
        self.boot = boot  # runs through a suspend, unlike `clock` (app.net.wakeup)
        self._sleep_watch = SleepWatch(clock(), boot())
        self.audio = audio
        self.problems: list[str] = []
        # No FEC until listeners report loss (see audio.pipeline): clean links sound better.
        self.speaking = Speaking(OpusEncoder(expected_loss=0), self._processor())
        self.listening = Listening(clock, playout_ceiling(protocol.invite.relays, proxy))
        self.streams = self.listening.streams  # member id -> VoiceStream (pull() needs no time)
        self.outcome: Outcome | None = None
        # Consent to the microphone: hosting, accepting the stage, or unmuting.
        self.consented = protocol.is_host
        self.frames_received = 0
        self.last_stats: ClientStats | None = None  # refreshed by the loop; safe to read anywhere
        self._ws: ClientConnection | None = None
        self._stop = asyncio.Event()
        self._speak_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._init_sound()
        # A second connection carrying copies of the audio when our link stalls (app.net.lanes).
        self.lanes = LaneKeeper(self._from_lane, proxy=proxy, enabled=lanes,
                                on_too_slow=self._too_slow)
        self._next_lane = 0.0
        self._lane_busy = False
        self.frames_dropped_uplink = 0
        # The loop's nap: a future the timer or a microphone frame (`_device_ready`) resolves.
        self._nap: asyncio.Future[None] | None = None
        self._next_send = self._next_play = 0.0
        self._next_tune = 0.0
        self._next_stats = 0.0
        self._tasks: set[asyncio.Future[Any]] = set()
        # Per member: RMS (0..1) of the last 20 ms played, for speaking rings; written by the
        # loop thread, read by the GUI (a dict swap of floats needs no lock).
        self.levels: dict[int, float] = {}

    def _processor(self) -> SpeexProcessor | None:
        a = self.audio
        echo = a is not None and a.echo_cancellation and a.playback
        if a is None or not a.capture or not (a.noise_suppression or echo):
            return None
        try:
            return SpeexProcessor(noise_suppression=a.noise_suppression, echo_cancellation=echo)
        except DspUnavailable as exc:
            self._problem(str(exc))
            return None

    @property
    def encoder(self) -> OpusEncoder:
        return self.speaking.encoder

    @encoder.setter
    def encoder(self, encoder: OpusEncoder) -> None:
        self.speaking.encoder = encoder

    @property
    def input_levels(self) -> CaptureLevels:
        """The microphone's meter and voice activity, for the UI (last frame captured)."""
        return self.speaking.chain.levels

    @property
    def url(self) -> str:
        """The relay we are on (or were last on)."""
        return self.link.url

    # -- running ---------------------------------------------------------------------------

    async def run(self, duration: float | None = None) -> Outcome:
        self._loop = asyncio.get_running_loop()
        try:
            self._ws = await self.link.connect()
        except TransportError as exc:
            return Outcome(3, str(exc))
        reader = asyncio.create_task(self._read())
        ticker = asyncio.create_task(self._tick_loop())
        await self._flush()
        stopper = asyncio.create_task(self._stop.wait())
        waits: set[asyncio.Future[Any]] = {reader, ticker, stopper}
        if duration is not None:
            waits.add(asyncio.ensure_future(asyncio.sleep(duration)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in (reader, ticker):
                error = task.exception() if task.done() and not task.cancelled() else None
                if error is not None:
                    raise error
            if self.outcome is None:
                self.outcome = Outcome(0, "")
                await self.leave()
        finally:
            for future in waits:
                future.cancel()
            self.last_stats = self.stats()  # with the devices' figures, before they close
            await self._close_devices()
            await self.lanes.close()
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
            self._spawn(self._flush())

        if self._loop is None:
            raise RuntimeError("the client is not running")
        self._loop.call_soon_threadsafe(run)

    def _on_loop(self, job: Callable[[], None]) -> None:
        """Run `job` on the loop thread (now, when there is no loop yet)."""
        if self._loop is None:
            job()
        else:
            self._loop.call_soon_threadsafe(job)

    def set_volume(self, member_id: int, volume: float) -> None:
        """This listener's volume for one speaker (0 silences them, 1 as sent, up to 4)."""
        if not 0.0 <= volume < float("inf"):
            raise ValueError(f"volume must be finite and not negative, got {volume}")
        self._on_loop(lambda: self.listening.set_volume(member_id, volume))

    def set_push_to_talk(self, enabled: bool) -> None:
        """With push-to-talk on, the microphone is heard only while `talk(True)`."""
        self._on_loop(lambda: setattr(self.speaking.chain.gate, "push_to_talk", enabled))

    def talk(self, held: bool) -> None:
        """The push-to-talk key went down (True) or up (False)."""
        self._on_loop(lambda: setattr(self.speaking.chain.gate, "key_held", held))

    async def leave(self) -> None:
        if self.protocol.state in (State.IN_ROOM, State.KNOCKING, State.WAITING):
            with contextlib.suppress(LocalProtocolError):
                self.protocol.leave(self.clock())
            await self._flush(everything=True)

    async def flush(self) -> None:
        """Send whatever the protocol has queued (after an intent from outside the loop)."""
        await self._flush()

    async def _flush(self, everything: bool = False) -> None:
        """Send what the protocol has queued; control messages at the pacer's rate (a host
        welcoming thousands must stay under the relay's limits), media at once; `everything`
        when leaving."""
        assert self._ws is not None
        ws = self._ws
        self._queue_output()
        for data in self._pacer.drain() if everything else self._pacer.ready(self.clock()):
            self.lanes.outgoing(data)  # a copy of each audio frame on the lane, if one is open
            if is_media(data) and ws.transport.get_write_buffer_size() > UPLINK_BACKLOG:
                self.frames_dropped_uplink += 1
                continue
            try:
                await ws.send(data)
            except ConnectionClosed as exc:
                if not self._may_resume():
                    self._finish(Outcome(3, describe_close(exc)))
                return  # the reader sees the drop too, and reconnects

    def _queue_output(self) -> bool:
        """Move what the protocol wants sent into the pacer; whether anything waits there.

        Checked before `_flush` on the hot paths (every frame received, every loop wake): most
        of those have nothing to send, and awaiting a flush costs a coroutine and the pacer's
        bookkeeping each time (its budgets refill from elapsed time, so a skipped call changes
        nothing)."""
        out = self.protocol.data_to_send()
        for data in out:
            self._pacer.push(data)
        return bool(out) or self._pacer.waiting > 0

    def _may_resume(self) -> bool:
        return self.reconnect and self.protocol.reconnectable and not self._stop.is_set()

    async def _read(self) -> None:
        """Read the link; after a drop, reconnect and read the new one, while we may."""
        while True:
            assert self._ws is not None
            reason = "The relay closed the connection."
            try:
                async for message in self._ws:
                    if isinstance(message, str) or not self.lanes.first(message):
                        continue  # text, or a frame the lane brought first
                    self.protocol.receive_data(message, self.clock())
                    self._handle_events()
                    if self._queue_output():  # an audio frame in usually sends nothing back
                        await self._flush()
            except ConnectionClosed as exc:
                reason = describe_close(exc)
            if self.outcome is not None:
                return
            if not self._may_resume():
                self._finish(Outcome(3, reason))
                return
            if not await self._come_back():
                if self.outcome is None:
                    self._finish(Outcome(3, f"Lost the connection to the room. {reason} "
                                            f"{self.link.last_error}".strip()))
                return

    async def _come_back(self) -> bool:
        """Hold our place and reconnect (backoff, next relay); the core resumes on the link."""
        p = self.protocol
        p.connection_lost(self.clock())
        self._pacer.clear()
        self._unanswered = 0
        self._handle_events()
        ws = await self.link.reconnect(
            lambda: (p.state is State.RESUMING or p.rejoining) and self.outcome is None,
            self._stop)
        if ws is None:
            return False
        self._ws = ws
        p.reconnect(self.clock())
        await self._flush()
        return True

    async def _probe_link(self) -> None:
        """After a sleep: a ping the relay must answer at once, or the link is dropped and we
        resume (a dead link would otherwise go unnoticed until the next keep-alive)."""
        ws = self._ws
        if ws is None or self.protocol.state is State.RESUMING:
            return
        try:
            pong = await ws.ping()
            async with asyncio.timeout(PROBE_TIMEOUT):
                await pong
        except TimeoutError:
            if ws is self._ws:
                ws.transport.abort()  # no closing handshake over a dead link: the reader resumes
        except ConnectionClosed:
            pass  # the reader has seen it too, and resumes

    def _switch_relay(self) -> None:
        """Close the link (after sending what is queued); the reader reconnects where preferred."""
        ws = self._ws

        async def close() -> None:
            await self._flush()
            if ws is not None:
                await ws.close()

        self._spawn(close())

    def _from_lane(self, data: bytes) -> None:
        """An audio frame from the lane: into the core like one from the link, if first."""
        if not self.lanes.first(data) or self.protocol.state is State.CLOSED:
            return
        self.protocol.receive_data(data, self.clock())
        self._handle_events()
        if self._queue_output():
            self._spawn(self._flush())

    def _too_slow(self, speakers: int) -> None:
        if self.policy.on_link_too_slow is not None:
            self.policy.on_link_too_slow(speakers)

    async def _lane_tick(self, now: float) -> None:
        p = self.protocol
        on_stage = sum(1 for m in p.members.values() if m.role.on_stage and m.member_id != p.me)
        try:
            stats = self.listening.stats()
            await self.lanes.tick(
                now, url=self.link.url, routing_id=p.invite.routing_id,
                in_room=p.state is State.IN_ROOM,
                speaking=p.can_speak and (self.consented or self.policy.accept_stage),
                stalls=sum(s.late for s in stats.values()),
                speakers=on_stage, uplink_drops=self.frames_dropped_uplink)
        finally:
            self._lane_busy = False

    def _spawn(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    async def _tick_loop(self) -> None:
        next_tick = self.clock()
        self._next_send = self._next_play = next_tick
        while True:
            self._poked = False  # before the rings are read: a later frame wakes us again
            now = self.clock()
            if self._sleep_watch.check(now, self.boot()):
                self._spawn(self._probe_link())
            if int((now - next_tick) / TICK) > MAX_CATCH_UP:
                # A long stall (laptop sleep): do not replay minutes of ticks.
                next_tick = self._next_send = self._next_play = now
            while next_tick <= now:
                if self.audio is None:
                    self._tick(next_tick)
                else:
                    self._control_tick(next_tick)
                self._feedback(next_tick)
                next_tick += TICK
            if self.audio is not None:
                self._service_devices(now)
                self._send_ready(now)
                self._play_ready(now)
            if now >= self._next_lane and not self._lane_busy:
                self._next_lane = now + LANE_INTERVAL
                self._lane_busy = True
                self._spawn(self._lane_tick(now))
            if now >= self._next_stats:
                self._next_stats = now + STATS_INTERVAL
                self.last_stats = self.stats()
            if self._queue_output():
                await self._flush()
            if self.audio is None:
                wake = next_tick
            elif self._mic.io is not None or self._speaker.io is not None:
                # The devices wake us every 20 ms (frames captured, frames due): the control
                # tick and the device check ride on those wakes, a tick late at most, rather
                # than waking on their own (each wake costs the loop a turn or two).
                mic = self._mic.io
                wake = min(next_tick + TICK, self._next_play)
                if mic is None:
                    wake = min(wake, self._next_send)
                elif mic.captured_frames:
                    wake = now  # captured while this turn ran (its poke may be spent): now
            else:
                wake = min(next_tick, self._next_send, self._next_play)
            await self._sleep(max(0.0, wake - self.clock()))

    async def _sleep(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if a microphone frame arrives (`_device_ready`)."""
        loop = asyncio.get_running_loop()
        nap = self._nap = loop.create_future()
        timer = loop.call_later(delay, wake, nap)
        try:
            await nap
        finally:
            timer.cancel()
            self._nap = None

    # -- one 20 ms tick, without devices (the desktop app's subclass replaces it) -----------

    def _tick(self, now: float) -> None:
        self._control_tick(now)
        if self._sending():
            self._send(self.speaking.encode_file(self.speech.next_frame()), now)
        self._play_tick(now)

    def _control_tick(self, now: float) -> None:
        p = self.protocol
        p.tick(now)
        self._handle_events()
        if self._speak_at is not None and now >= self._speak_at:
            self.speech.started = True
            self._speak_at = None
            me = p.my_member
            if me is not None and me.muted and p.can_speak:
                with contextlib.suppress(LocalProtocolError):
                    p.set_muted(False, now)  # the host speaks its file: say so to the room

    def _sending(self) -> bool:
        """On stage with consent: every 20 ms carries a frame, speech or silence."""
        p = self.protocol
        me = p.my_member
        if not p.can_speak or me is None or not (self.consented or self.policy.accept_stage):
            return False
        self.speaking.chain.gate.muted = me.muted
        return True

    def _send(self, packet: bytes, now: float) -> None:
        self.protocol.send_audio(packet, now)

    def _play_tick(self, now: float) -> np.ndarray:
        """The next mixed frame: recorded, kept for the echo canceller, written if no device."""
        frame = self.listening.pull(now)
        levels = dict(self.listening.levels)
        me = self.protocol.me
        captured = self.speaking.chain.levels
        if me is not None and self._mic.io is not None and captured.sending:
            levels[me] = captured.rms
        self.levels = levels
        if self.recording is not None:
            self.recording.frames.append(frame)
        if self._speaker.io is not None:
            self.speaking.played(frame)
        return frame

    # -- loss feedback ---------------------------------------------------------------------

    def _feedback(self, now: float) -> None:
        """Tell each speaker what we lost of them; tune our FEC to what listeners tell us."""
        p = self.protocol
        if p.state is not State.IN_ROOM:
            return
        for speaker, due, lost, jitter_ms in self.listening.due_reports(now):
            member = p.members.get(speaker)
            if member is not None and member.role.on_stage:
                with contextlib.suppress(LocalProtocolError):
                    p.report_loss(speaker, due, lost, jitter_ms, now)
        if p.can_speak and now >= self._next_tune:
            self._next_tune = now + 1.0
            fresh = [r.loss_percent for t, r in p.loss_reports.values()
                     if now - t <= LOSS_REPORT_FRESH]
            if fresh:
                self.speaking.tune(fresh)

    # -- statistics ------------------------------------------------------------------------

    def stats(self) -> ClientStats:
        """A snapshot, on the loop thread; other threads read `last_stats` (refreshed 2x/s)."""
        mic, out = self._mic.io, self._speaker.io
        return ClientStats(
            speakers=self.listening.stats(),
            frames_sent=self.speaking.frames_sent,
            frames_received=self.frames_received,
            expected_loss=self.speaking.expected_loss,
            listener_loss={mid: r.loss_percent for mid, (_, r) in
                           self.protocol.loss_reports.items()},
            capture=self.speaking.chain.levels,
            microphone=mic.stats if mic is not None else None,
            speaker=out.stats if out is not None else None,
            output_buffer_ms=(out.queued_samples / 48.0) if out is not None else 0.0,
            problems=tuple(self.problems),
            counters=dict(self.protocol.counters,
                          **{"audio-dropped-uplink": self.frames_dropped_uplink}),
            lanes=self.lanes.stats(),
        )

    # -- events ----------------------------------------------------------------------------

    def _handle_events(self) -> None:
        p = self.protocol
        for event in p.events_received():
            now = self.clock()
            if self.policy.on_event is not None:
                self.policy.on_event(event, p)
            if isinstance(event, ev.AudioFrame):
                self.frames_received += 1
                self.listening.push(event.member_id, event.seq, event.payload, now)
                self.lanes.frame(event.member_id, event.seq, now)
            elif isinstance(event, ev.RoomOpened):
                if self.policy.unmute_on_stage:
                    with contextlib.suppress(LocalProtocolError):
                        p.set_muted(False, now)
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
                if event.member_id == p.me:
                    self._my_role(event.role, now)
            elif isinstance(event, ev.MuteChanged):
                if event.member_id == p.me and not event.muted:
                    self.consented = True  # unmuting is saying yes to the microphone
            elif isinstance(event, ev.MemberLeft):
                self.listening.forget(event.member_id)
                self.lanes.forget(event.member_id)
            elif isinstance(event, ev.Kicked):
                if self.policy.exit_on_kick:
                    self._finish(Outcome(5, "You were removed from the room by a host."))
            elif isinstance(event, ev.Refused):
                self._finish(Outcome(6, "The host did not let you in."))
            elif isinstance(event, ev.RelayClosed):
                self._finish(Outcome(3, describe_code(event.code, event.reason)))
            elif isinstance(event, ev.JoinFailed):
                self._finish(Outcome(4, event.reason))
            elif isinstance(event, ev.RoomMoving):
                if event.url != self.link.url:
                    self.link.prefer(event.url)
                    self._switch_relay()
            elif isinstance(event, ev.ResumeUnanswered):
                # Twice (10 s) before moving on: a host welcoming a crowd back may be slow, but
                # the host may also be on another operator's relay.
                self._unanswered += 1
                if self._unanswered >= UNANSWERED_BEFORE_NEXT and self.link.prefer_next():
                    self._unanswered = 0
                    self._switch_relay()
            elif isinstance(event, ev.ResumeExpired):
                self.consented = False  # a new member again: the microphone waits for consent
                for member_id in list(self.listening.streams):
                    self.listening.forget(member_id)
            elif isinstance(event, ev.RoomEnded):
                if event.reason == "connection-lost":
                    self._finish(Outcome(3, "Lost the connection to the room and could not get "
                                            "back in within two minutes."))
                elif event.reason == "host-ended" and not p.is_host:
                    self._finish(Outcome(7, "The host ended the room."))
                elif event.reason == "host-left":
                    self._finish(Outcome(7, "The host left, so the room has ended."))

    def _my_role(self, role: Role, now: float) -> None:
        p = self.protocol
        if role is Role.LISTENER:
            self.consented = p.is_host  # back in the audience: the microphone closes
        elif role is Role.SPEAKER:
            self.consented = True  # only an accepted invitation puts a listener on stage
        if role is not Role.LISTENER and self.policy.accept_stage:
            p.set_muted(False, now)
            self.speech.started = True
        elif role is not Role.LISTENER and self.policy.unmute_on_stage and self.consented:
            with contextlib.suppress(LocalProtocolError):
                p.set_muted(False, now)

    def _finish(self, outcome: Outcome) -> None:
        if self.outcome is None:
            self.outcome = outcome
        self._stop.set()
