"""A second lane for audio: the same frames over a second connection, first arrival wins.

Voice travels over TCP (websockets), where a lost IP packet loses nothing but stalls the
stream until it is retransmitted: 20-40 ms when the next packets reveal the gap, 200 ms and
more (doubling each time) when the retransmission is lost too or the stream is thin. Measured
through a real relay in a network namespace dropping 5 % of IP packets (bench/network.py,
docs/AUDIO.md): one connection delivered 5 % of frames more than 180 ms late and 2 % more than
400 ms late; two independent connections carrying the same frames, taking whichever copy comes
first, delivered 98 % within 2 ms. Stalls of two TCP connections rarely coincide.

So a speaker sends every sealed frame twice: on the room's link, and on a *lane*, a second
websocket to the same relay joined to a second routing id derived from the room's
(`lane_room`), on which only audio travels. A listener whose link stalls opens a lane too and
takes each frame from whichever connection brings it first; `Firsts` drops the second copy
before the room core sees it (the core's replay window would drop it anyway, but would count it
as a replay). Both copies are the same fixed-size sealed frame: the relay and an observer see
the same sizes and rhythm on both connections, and nothing on the lane is readable to them.

Who pays. A speaker's uplink doubles (about 64 kbit/s more); a listener opens a lane only when
its own link stalls (`LanePolicy`) and closes it when it has been calm for a while, or at once
when its link is too slow to carry two copies, so a clean or narrow link costs nothing. The
relay learns that two connections belong together, which their timing and address told it
anyway.

`LanePolicy` is pure (time passed in); `MediaLane` is the asyncio adapter around one
connection; the room client wires them to the room (app.client).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import deque
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.net.backoff import Backoff
from app.net.proxy import ProxySettings
from app.net.transport import TransportError, open_link
from relay.wire import DELIVER_MEDIA_PREFIX, MEDIA_PREFIX, ROOM_ID_SIZE, Join, encode

__all__ = ["LANE_PERSON", "Backlog", "Firsts", "LaneKeeper", "LanePolicy", "MediaLane",
           "is_delivered_media", "is_media", "lane_room", "too_slow_sentence"]

LANE_PERSON = b"majlis-lane"
# A lane that cannot take a copy at once drops it: a copy is only worth sending while it can
# still beat the other one, and a full buffer means the lane is the slower of the two.
MAX_LANE_BUFFER = 4096


def lane_room(routing_id: bytes) -> bytes:
    """The lane's routing id: a hash of the room's, so it reveals nothing the relay lacks."""
    if len(routing_id) != ROOM_ID_SIZE:
        raise ValueError(f"a routing id is {ROOM_ID_SIZE} bytes")
    return hashlib.blake2b(routing_id, digest_size=ROOM_ID_SIZE, person=LANE_PERSON).digest()


def is_media(data: bytes) -> bool:
    return data[:2] == MEDIA_PREFIX


def is_delivered_media(data: bytes) -> bool:
    return data[:2] == DELIVER_MEDIA_PREFIX


class Firsts:
    """Which delivered frames were seen already: the first copy passes, the second is dropped.

    Keyed by the whole message's digest, so only a byte-identical copy is dropped: a forged
    frame with a real frame's counter is a different message, goes on to the core, fails
    authentication there, and cannot shadow the real one. Bounded: the last `size` frames
    (10 s of five speakers), far more than two lanes can ever be apart.
    """

    def __init__(self, size: int = 2500) -> None:
        self.size = size
        self._seen: set[bytes] = set()
        self._order: deque[bytes] = deque()  # oldest first, to forget in order
        self.duplicates = 0

    def first(self, data: bytes) -> bool:
        key = hashlib.blake2b(data, digest_size=16).digest()
        if key in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(key)
        self._order.append(key)
        if len(self._order) > self.size:
            self._seen.discard(self._order.popleft())
        return True


class LanePolicy:
    """Whether a listener wants a lane, from what its link did; time comes in as `now`.

    A stall (a frame that came too late to play) opens the lane; `calm` seconds without one
    close it. A new listener does not start with one: on a narrow link (128 kbit/s and one
    speaker) a second copy from the start overfilled the link for the ten seconds it takes to
    see that, and cost PESQ 4.5 -> 3.3 (bench/network.py), while on a lossy link waiting for the
    first stall costs only the words of that stall. A link too slow for what the room sends
    (`too_slow`) closes it at once and keeps it closed for `narrow_hold` seconds: a second copy
    would only deepen the queue that is making us late. A speaker always wants one.
    """

    def __init__(self, *, calm: float = 120.0, narrow_hold: float = 300.0) -> None:
        self.calm = calm
        self.narrow_hold = narrow_hold
        self._last_stall: float | None = None
        self._narrow_until = float("-inf")
        self._stalls_seen = 0

    def observe(self, now: float, stalls: int, too_slow: bool) -> None:
        """`stalls`: the running count of late or stretched frames; `too_slow`: falling behind."""
        if stalls > self._stalls_seen:
            self._last_stall = now
        self._stalls_seen = stalls
        if too_slow:
            self._narrow_until = now + self.narrow_hold

    def wanted(self, now: float, speaking: bool) -> bool:
        if now < self._narrow_until:
            return False
        if speaking:
            return True
        return self._last_stall is not None and now - self._last_stall < self.calm


class MediaLane:
    """One lane: a websocket joined to `lane_room`, reconnecting (with backoff) while open.

    `send(frame)` hands a sealed Media message to the lane if it can take it at once;
    `deliver(data)` is called with every DeliverMedia that arrives. Nothing here is fatal to
    the room: a lane that cannot connect is simply not there.
    """

    def __init__(self, url: str, routing_id: bytes, deliver: Callable[[bytes], None], *,
                 proxy: ProxySettings | None = None, backoff: Backoff | None = None) -> None:
        self.url = url
        self.room = lane_room(routing_id)
        self.deliver = deliver
        self.proxy = proxy
        self.backoff = backoff or Backoff()
        self.sent = self.dropped = self.received = self.connects = 0
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def start(self) -> None:
        if not self.open:
            self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        task, self._task = self._task, None
        ws, self._ws = self._ws, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)

    def send(self, media: bytes) -> None:
        """Queue one Media message without waiting; dropped when the lane is busy or down."""
        ws = self._ws
        if ws is None or ws.transport.get_write_buffer_size() > MAX_LANE_BUFFER:
            self.dropped += 1
            return
        try:
            # What websockets' broadcast() does: frame it and write it, no task, no waiting.
            ws.protocol.send_binary(media)
            ws.send_data()
        except Exception:  # a closing connection: the reader reconnects
            self.dropped += 1
            return
        self.sent += 1

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                ws = await open_link(self.url, proxy=self.proxy)
                await ws.send(encode(Join(self.room, quiet=True)))
            except (TransportError, ConnectionClosed, OSError):
                await asyncio.sleep(self.backoff.delay(attempt))
                attempt += 1
                continue
            self.connects += 1
            attempt = 0
            first = True
            try:
                async for message in ws:
                    if first:
                        first = False  # the Joined: slots mean nothing on a lane
                        self._ws = ws
                        continue
                    if isinstance(message, bytes) and is_delivered_media(message):
                        self.received += 1
                        self.deliver(message)
            except ConnectionClosed:
                pass
            finally:
                if self._ws is ws:
                    self._ws = None
            await asyncio.sleep(self.backoff.delay(attempt))
            attempt += 1


class Backlog:
    """Whether a listener's link falls behind what the room sends (a queue growing somewhere).

    Each frame's transit is its arrival time minus its sender's 20 ms schedule (`seq * 20 ms`).
    Jitter moves single transits; a link too narrow for the room makes the *fastest* transit
    grow and keep growing, because every frame waits behind the ones before it. Per speaker,
    the fastest transit of each second is kept for `window` seconds; the link is behind when the
    fastest of the last second is `limit` seconds slower than the fastest of the window's first
    half. The relay keeps a backlog from growing past about 0.2 s (it drops media for a
    listener whose queue has not drained for that long), so the limit must sit below that:
    0.15 s. A TCP stall delays some frames of a second, never its fastest; a sender's sound
    card may drift by a percent against our clock (50 ms over the window), below the limit.
    Bounded: `max_speakers` speakers, `window` seconds each.
    """

    def __init__(self, *, window: int = 10, limit: float = 0.15,
                 max_speakers: int = 64) -> None:
        self.window = window
        self.limit = limit
        self.max_speakers = max_speakers
        self._fastest: dict[int, dict[int, float]] = {}  # member -> second -> fastest transit

    def frame(self, member_id: int, seq: int, now: float) -> None:
        transit = now - seq * 0.020
        seconds = self._fastest.get(member_id)
        if seconds is None:
            if len(self._fastest) >= self.max_speakers:
                return
            seconds = self._fastest[member_id] = {}
        second = int(now)
        fastest = seconds.get(second)
        if fastest is None:
            # A new second: the only time anything can have fallen out of the window.
            for old in [s for s in seconds if s <= second - self.window]:
                del seconds[old]
            seconds[second] = transit
        elif transit < fastest:
            seconds[second] = transit

    def forget(self, member_id: int) -> None:
        self._fastest.pop(member_id, None)

    def reset(self) -> None:
        """Forget every speaker's history: judge the link afresh from now on."""
        self._fastest.clear()

    def behind(self, now: float) -> float:
        """How much slower (seconds) the fastest recent frames are than earlier ones."""
        worst = 0.0
        current = int(now)
        for seconds in self._fastest.values():
            early = [t for s, t in seconds.items() if s <= current - self.window // 2]
            late = [t for s, t in seconds.items() if s >= current - 1]
            if early and late:
                # A transit jump can also be a new stream of the same member with a new session
                # counter: that shows as a fall, never as a rise this large and lasting.
                worst = max(worst, min(late) - min(early))
        return worst

    def too_slow(self, now: float) -> bool:
        return self.behind(now) > self.limit


class LaneKeeper:
    """The room client's lane, composed: when to open one, the copies out, the firsts in.

    The client calls `outgoing` for every message it sends, `first` for every delivered frame
    from either connection, `frame` for every authenticated frame it plays, and `tick` about
    once a second; `too_slow(speakers)` is called once when the link cannot carry the room
    (the front end says it in the user's language; `too_slow_sentence` is the English).
    """

    def __init__(self, deliver: Callable[[bytes], None], *, proxy: ProxySettings | None,
                 enabled: bool = True,
                 on_too_slow: Callable[[int], None] | None = None) -> None:
        self.enabled = enabled
        self.deliver = deliver
        self.proxy = proxy
        self.on_too_slow = on_too_slow
        self.policy = LanePolicy()
        self.firsts = Firsts()
        self.backlog = Backlog()
        self.lane: MediaLane | None = None
        self.too_slow = False  # the link falls behind what the room sends
        self._uplink_drops = 0
        self.lanes_opened = 0

    def outgoing(self, data: bytes) -> None:
        if self.lane is not None and is_media(data):
            self.lane.send(data)

    def first(self, data: bytes) -> bool:
        return not is_delivered_media(data) or self.firsts.first(data)

    def frame(self, member_id: int, seq: int, now: float) -> None:
        self.backlog.frame(member_id, seq, now)

    def forget(self, member_id: int) -> None:
        self.backlog.forget(member_id)

    async def tick(self, now: float, *, url: str, routing_id: bytes, in_room: bool,
                   speaking: bool, stalls: int, speakers: int, uplink_drops: int = 0) -> None:
        slow = self.backlog.too_slow(now)
        # A narrow uplink shows as our own frames dropped behind a backed-up buffer.
        narrow_up = uplink_drops > self._uplink_drops
        self._uplink_drops = uplink_drops
        if (slow or narrow_up) and self.lane is not None:
            # Falling behind with a lane open: the lane's copies may be what does not fit.
            # Close it and judge the link again without it, before telling anyone.
            self.policy.observe(now, stalls, True)
            self.backlog.reset()
            slow = False
        elif slow and not self.too_slow and self.on_too_slow is not None:
            self.on_too_slow(speakers)
        self.too_slow = slow
        self.policy.observe(now, stalls, slow)
        want = self.enabled and in_room and self.policy.wanted(now, speaking)
        lane = self.lane
        if lane is not None and (not want or lane.url != url):
            self.lane = None
            await lane.close()
            lane = None
        if want and lane is None:
            self.lane = MediaLane(url, routing_id, self.deliver, proxy=self.proxy)
            self.lane.start()
            self.lanes_opened += 1

    async def close(self) -> None:
        lane, self.lane = self.lane, None
        if lane is not None:
            await lane.close()

    def stats(self) -> dict[str, int | bool]:
        lane = self.lane
        return {"open": lane is not None, "connected": lane is not None and lane.connected,
                "opened": self.lanes_opened, "duplicates": self.firsts.duplicates,
                "sent": lane.sent if lane else 0, "received": lane.received if lane else 0,
                "too_slow": self.too_slow}


def too_slow_sentence(speakers: int) -> str:
    if speakers > 1:
        return (f"Your connection is too slow for {speakers} speakers: you will hear gaps. "
                "Fewer people on stage, or a faster network, would help.")
    return "Your connection is too slow for this room: you will hear gaps."
