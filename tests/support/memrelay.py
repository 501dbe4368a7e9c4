"""An in-memory relay for room-core tests: the real sans-I/O `relay.rooms.Router`, no sockets.

Each `RoomProtocol` is a connection; `pump()` moves bytes until nothing is left to move, in
order, like TCP would. A test can put a `Tamper` between the router and one recipient to play a
hostile relay: drop, replay, rewrite or inject messages. This is the ConnectionPair of h11's tests,
with the relay's own routing code in the middle.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from app.core.protocol import RoomProtocol
from relay.rooms import Close, Router, Send

# (recipient, data) -> what that recipient actually gets
Tamper = Callable[[RoomProtocol, bytes], list[bytes]]


class MemoryRelay:
    def __init__(self) -> None:
        self.router: Router[int] = Router()
        self.clients: dict[int, RoomProtocol] = {}
        self.inbox: dict[int, deque[bytes]] = {}
        self.tamper: Tamper | None = None
        self.delivered: list[tuple[int, bytes]] = []  # everything a "spy" on the relay saw
        self.sent: list[tuple[int, bytes]] = []  # everything clients sent to the relay
        self.closed: dict[int, Close[int]] = {}
        self.now = 0.0
        self._next = 1

    def add(self, protocol: RoomProtocol) -> int:
        conn = self._next
        self._next += 1
        self.clients[conn] = protocol
        self.inbox[conn] = deque()
        self._apply(self.router.connect(conn))
        return conn

    def remove(self, protocol: RoomProtocol) -> None:
        conn = self.conn_of(protocol)
        del self.clients[conn]
        self._apply(self.router.disconnect(conn))

    def drop(self, protocol: RoomProtocol) -> None:
        """The client's link dies (the relay tells the others), and the client notices."""
        self.remove(protocol)
        protocol.connection_lost(self.now)

    def lose(self, protocol: RoomProtocol) -> int:
        """The client's link dies and the client notices, but the relay has not yet (its
        keep-alive takes up to 40 s): the old connection stays in the room until `notice`.
        Returns that connection."""
        conn = self.conn_of(protocol)
        del self.clients[conn]
        protocol.connection_lost(self.now)
        return conn

    def notice(self, conn: int) -> None:
        """The relay finally finds connection `conn` (from `lose`) gone and tells the room."""
        self._apply(self.router.disconnect(conn))

    def send_from(self, protocol: RoomProtocol, data: bytes) -> None:
        """`data` arrives at the relay on `protocol`'s link, as if it had sent it."""
        self._apply(self.router.receive(self.conn_of(protocol), data, self.now))

    def rejoin(self, protocol: RoomProtocol) -> None:
        """The client is back on a new link to this relay (a new slot), and resumes."""
        self.add(protocol)
        protocol.reconnect(self.now)
        self.pump()

    def restart(self) -> list[RoomProtocol]:
        """The relay process dies and comes back empty: every link is gone, nobody is told."""
        dropped = list(self.clients.values())
        self.router = Router()
        self.clients.clear()
        self.inbox.clear()
        for protocol in dropped:
            protocol.connection_lost(self.now)
        return dropped

    def conn_of(self, protocol: RoomProtocol) -> int:
        return next(c for c, p in self.clients.items() if p is protocol)

    def _apply(self, outputs: list[Send[int] | Close[int]]) -> None:
        for out in outputs:
            if isinstance(out, Close):
                self.closed[out.conn] = out
                continue
            for target in out.targets:
                if target != out.exclude and target in self.inbox:
                    self.inbox[target].append(bytes(out.data))

    def pump(self, rounds: int = 100) -> None:
        """Deliver until quiet. Each round: every client's output to the router, then inboxes."""
        for _ in range(rounds):
            moved = False
            for conn, proto in list(self.clients.items()):
                for data in proto.data_to_send():
                    moved = True
                    self.sent.append((conn, data))
                    self._apply(self.router.receive(conn, data, self.now))
            for conn, box in self.inbox.items():
                proto = self.clients.get(conn)
                while box:
                    moved = True
                    data = box.popleft()
                    self.delivered.append((conn, data))
                    if proto is None:
                        continue
                    for d in (self.tamper(proto, data) if self.tamper else [data]):
                        proto.receive_data(d, self.now)
            if not moved:
                return
        raise AssertionError("the room never went quiet")

    def advance(self, seconds: float) -> None:
        """Let time pass for everyone, then deliver what the deadlines produced."""
        self.now += seconds
        for proto in self.clients.values():
            proto.tick(self.now)
        self.pump()
