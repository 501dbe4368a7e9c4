"""The room client's sound devices: opening them when wanted, surviving their failures, and
timing the microphone's frames out and the speaker's mixes in (see app.client's docstring).

`SoundDevices` is a mixin of `app.client.RoomClient`: it works on the client's protocol, sound
pipeline and loop, and the client calls it from its loop (`_service_devices`, `_send_ready`,
`_play_ready`). PortAudio's threads only touch `_device_ready`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.clienttypes import AudioSettings, Policy, Speech
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol, State
from audio.codec import FRAME_SAMPLES
from audio.devices import AudioIO, DeviceError
from audio.pipeline import Speaking

__all__ = ["OUTPUT_LEAD", "TICK", "Port", "SoundDevices", "wake"]

TICK = FRAME_SAMPLES / 48000  # 20 ms
DEVICE_CHECK = 0.1  # seconds between device health checks
DEVICE_RETRY = 5.0  # seconds before a failed device is tried again
OUTPUT_LEAD = 0.006  # a frame is mixed this long before the speaker's callback takes it ...
OUTPUT_LEAD_STEP = 0.003  # ... 3 ms earlier after each underrun ...
OUTPUT_LEAD_MAX = 0.060  # ... at most 60 ms ...
OUTPUT_LEAD_RELAX = 10.0  # ... and 1 ms later again after each such while without one


@dataclass
class Port:
    """One device direction over a room's life."""

    io: AudioIO | None = None
    opening: bool = False
    failed_at: float | None = None
    failures: int = 0


class SoundDevices:
    """Microphone and speaker for `RoomClient` (a mixin: the names below are the client's)."""

    protocol: RoomProtocol
    audio: AudioSettings | None
    speech: Speech
    speaking: Speaking
    policy: Policy
    problems: list[str]
    consented: bool
    clock: Callable[[], float]
    _stop: asyncio.Event
    _loop: asyncio.AbstractEventLoop | None
    _nap: asyncio.Future[None] | None
    _next_send: float
    _next_play: float

    def _init_sound(self) -> None:
        self._mic = Port()
        self._speaker = Port()
        self._output_lead = OUTPUT_LEAD
        self._underruns_seen = 0
        self._lead_since = 0.0  # when the lead last changed
        self._next_check = 0.0
        # Whether a microphone callback has already asked to end the loop's nap (PortAudio's
        # thread sets it, the loop clears it).
        self._poked = False

    # The client's, used here.
    def _sending(self) -> bool:
        raise NotImplementedError

    def _send(self, packet: bytes, now: float) -> None:
        raise NotImplementedError

    def _play_tick(self, now: float) -> np.ndarray:
        raise NotImplementedError

    def _spawn(self, job: Coroutine[Any, Any, Any]) -> None:
        raise NotImplementedError

    def _device_ready(self) -> None:
        """On PortAudio's thread: a captured frame is in the ring; end the loop's nap."""
        if self._poked or self._loop is None:
            return
        self._poked = True
        with contextlib.suppress(RuntimeError):  # the loop is closing: nothing left to wake
            self._loop.call_soon_threadsafe(self._wake_loop)

    def _wake_loop(self) -> None:
        # A frame that came while the loop was busy may have been read already by that same
        # turn: then this nap need not end (the next frame pokes again: the flag is down).
        self._poked = False
        mic = self._mic.io
        if self._nap is not None and (mic is None or mic.captured_frames > 0):
            wake(self._nap)


    def _wants_mic(self) -> bool:
        a = self.audio
        if a is None or not a.capture or self.speech.pcm is not None:
            return False
        p, me = self.protocol, self.protocol.my_member
        if p.state is State.RESUMING:  # keep it open across a reconnect; nothing is sent
            return me is not None and me.role.on_stage and self.consented
        return self._sending()

    def _service_devices(self, now: float) -> None:
        if now < self._next_check:
            return
        self._next_check = now + DEVICE_CHECK
        in_room = self.protocol.resumable  # devices stay open while we reconnect
        assert self.audio is not None
        self._keep(self._speaker, self.audio.playback and in_room, False, now)
        self._keep(self._mic, self._wants_mic(), True, now)
        out = self._speaker.io
        if out is not None:
            underruns = out.stats.underruns
            if underruns > self._underruns_seen:
                self._output_lead = min(OUTPUT_LEAD_MAX, self._output_lead + OUTPUT_LEAD_STEP)
                self._lead_since = now
            elif self._output_lead > OUTPUT_LEAD and now - self._lead_since >= OUTPUT_LEAD_RELAX:
                # A load spike made us late once; it should not cost delay for the whole room.
                self._output_lead = max(OUTPUT_LEAD, self._output_lead - 0.001)
                self._lead_since = now
            self._underruns_seen = underruns

    def _keep(self, port: Port, wanted: bool, capture: bool, now: float) -> None:
        io = port.io
        if io is not None:
            problem = io.check(now)
            if problem is not None:
                port.io, port.failed_at, port.failures = None, now, port.failures + 1
                self._problem(problem + (" Sending silence; you are muted." if capture
                                         else " Listening continues without sound."))
                if capture:
                    self._mute_self(now)
            elif not wanted:
                port.io = None
                self._spawn(self._in_thread(io.stop))
        elif wanted and not port.opening and (port.failed_at is None
                                               or now - port.failed_at >= DEVICE_RETRY):
            port.opening = True
            self._spawn(self._open(port, capture))

    async def _open(self, port: Port, capture: bool) -> None:
        assert self.audio is not None
        a = self.audio
        io = AudioIO(a.input_device, a.output_device, capture=capture, playback=not capture,
                     latency=a.latency, notify=self._device_ready if capture else None)
        try:
            await self._in_thread(io.start)
        except DeviceError as exc:
            port.failed_at = self.clock()
            port.failures += 1
            if port.failures == 1:
                self._problem(str(exc) + (" You can listen, but not speak." if capture
                                          else " The room goes on without sound."))
            return
        finally:
            port.opening = False
        still_wanted = self._wants_mic() if capture else self.protocol.resumable
        if not still_wanted or self._stop.is_set():
            await self._in_thread(io.stop)
            return
        if port.failures:
            self._problem(f"The {'microphone' if capture else 'speaker'} works again.")
            me = self.protocol.my_member
            if capture and self.policy.unmute_on_stage and me is not None and me.muted:
                with contextlib.suppress(LocalProtocolError):
                    self.protocol.set_muted(False, self.clock())
        port.io, port.failed_at, port.failures = io, None, 0
        if capture:
            self.speaking.reset_far()
        else:
            self._output_lead, self._underruns_seen, self._lead_since = OUTPUT_LEAD, 0, self.clock()

    async def _in_thread(self, job: Callable[[], None]) -> None:
        """Opening and closing a device can block for a while: keep it off the loop."""
        await asyncio.get_running_loop().run_in_executor(None, job)

    async def _close_devices(self) -> None:
        for port in (self._mic, self._speaker):
            io, port.io = port.io, None
            if io is not None:
                with contextlib.suppress(Exception):
                    await self._in_thread(io.stop)

    def _mute_self(self, now: float) -> None:
        me = self.protocol.my_member
        if me is not None and not me.muted and self.protocol.can_speak:
            with contextlib.suppress(LocalProtocolError):
                self.protocol.set_muted(True, now)

    def _send_ready(self, now: float) -> None:
        """Send what the microphone has captured, or keep the 20 ms pace from the timer."""
        mic = self._mic.io
        if not self._sending():
            if mic is not None:
                while mic.read_frame() is not None:
                    pass
            self._next_send = now + TICK
            return
        if mic is not None and self.speech.pcm is None:
            while (frame := mic.read_frame()) is not None:
                self._send(self.speaking.encode_captured(frame), now)
            self._next_send = now + TICK
            return
        while self._next_send <= now:
            self._send(self.speaking.encode_file(self.speech.next_frame()), self._next_send)
            self._next_send += TICK

    def _play_ready(self, now: float) -> None:
        """Mix the frames the speaker's next callbacks will take, just before they are due, or
        mix every 20 ms without a speaker.

        A frame is mixed `_output_lead` before the callback that plays it (6 ms, more after
        underruns): the ring before the speaker holds it only that long. Topping the ring up to
        a fixed level instead (25 ms) kept each frame there 20-25 ms.
        """
        out = self._speaker.io
        if out is not None:
            frames, due = out.plan_output(self._output_lead)
            for _ in range(frames):
                out.write_frame(self._play_tick(now))
            # `due` is on the monotonic clock: the wait from this moment (not from `now`, the
            # start of this wake: mixing and encoding since then would make us wake early, for
            # nothing, and sleep again).
            self._next_play = self.clock() + max(0.0, due - time.monotonic())
            return
        while self._next_play <= now:
            self._play_tick(self._next_play)
            self._next_play += TICK

    def _problem(self, text: str) -> None:
        self.problems.append(text)
        if self.policy.on_audio_problem is not None:
            self.policy.on_audio_problem(text)


def wake(nap: asyncio.Future[None]) -> None:
    if not nap.done():
        nap.set_result(None)
