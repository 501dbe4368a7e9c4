"""Control traffic of a room under churn: one leave and one join a second for 60 simulated seconds.

The admin runs the real room core (`RoomProtocol.host`) and the real router (`relay.rooms.Router`)
fans out what it sends, in memory, no sockets. The N members are passive connections of the
router that count the bytes delivered to them: their clients are not run (with N = 5,000 every
member opening every message would measure Python, not the protocol; the bytes they are sent are
the same). The admin's roster starts with N members (fresh identities, as admissions leave it).

Each simulated second one member sends a real LEAVE (signed, sealed under the current key), so
the admin's batched leave rotation fires, and one newcomer sends a real knock that the admin
admits (ADMIT to everyone, WELCOME to the newcomer).

    .venv/bin/python bench/churn.py [--sizes 100,1000,5000] [--seconds 60]

Prints one JSON line per N: `control_bytes_per_member_per_s` (p50 and max over members),
`admin_upload_bytes_per_s`, `rekey_cpu_ms` (admin CPU per removal) and `rotations`, for two
designs in the same run:

- `rotation: "key-tree"`: the core as it is, the host holding the room's key tree
  (app/core/treekeys.py): a removal is one tree update (98 + 49 x depth bytes) in the REKEY;
- `rotation: "seal-to-every-member (baseline)"`: the same core with the tree switched off, as a
  co-host without the tree rotates: the new key sealed to every member (84 bytes each).

`control_body_bytes_per_member_per_s` is the same traffic counted before padding (the bodies of
the control messages, without envelope, signature and padding): what the padding to 512, 2048,
8192 ... bytes costs is the difference. `goal_bytes_per_member_per_s` is the target for N = 5,000
(an eighth of the audio stream); `meets_goal` compares the measured p50 to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core import messages as msg  # noqa: E402
from app.core.protocol import RoomProtocol  # noqa: E402
from app.core.roster import Member, Role  # noqa: E402
from crypto import control as cc  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from relay import wire  # noqa: E402
from relay.rooms import Close, Router, Send  # noqa: E402

GOAL = 1024  # bytes of control a second per member at N = 5,000
TICK = 0.02


class ChurnRoom:
    def __init__(self, n: int, tree: bool) -> None:
        self.router: Router[int] = Router()
        self.now = 0.0
        self.host = RoomProtocol.host(Identity.generate(), ["ws://127.0.0.1:9"], "Churn",
                                      now=0.0)
        if not tree:
            self.host._tree_admin = None
        self.bodies = 0  # bytes of broadcast control bodies, before envelope and padding
        send_group = self.host._send_group

        def counted(kind: msg.Kind, body: bytes, now: float, to_slot: int | None = None) -> None:
            if to_slot is None:
                self.bodies += len(body)
            send_group(kind, body, now, to_slot)

        self.host._send_group = counted  # type: ignore[method-assign]
        self.received: dict[int, int] = {}
        self.uploaded = 0
        self.identities: dict[int, Identity] = {}  # member id -> identity (to sign a LEAVE)
        self._apply(self.router.connect(1))
        self._host_sends()  # Join
        self.host.receive_data(wire.encode(wire.Joined(1, ())), 0.0)
        self._next_conn = 2
        for _ in range(n):
            self._add_member()
        self.host.events_received()

    def _add_member(self) -> None:
        identity = Identity.generate()
        conn = self._next_conn
        self._next_conn += 1
        self._apply(self.router.connect(conn))
        self._apply(self.router.receive(conn, wire.encode(wire.Join(
            self.host.invite.routing_id, quiet=True)), self.now))
        mid = self.host._new_member_id()
        self.host.members[mid] = Member(mid, identity.public.key, bytes(8), conn,
                                        f"M{mid}", Role.LISTENER)
        if self.host._tree_admin is not None:  # as its admission would have: a leaf each
            self.host._tree_admin.add(identity.public)
        self.identities[mid] = identity
        self.received.setdefault(conn, 0)

    def _apply(self, outputs: list[Send[int] | Close[int]]) -> None:
        for out in outputs:
            if isinstance(out, Close):
                raise RuntimeError(f"the router closed connection {out.conn}")
            for target in out.targets:
                if target != out.exclude and target in self.received:
                    self.received[target] += len(out.data)

    def _host_sends(self) -> None:
        for data in self.host.data_to_send():
            self.uploaded += len(data)
            self._apply(self.router.receive(1, data, self.now))

    def leave(self) -> None:
        """The lowest member id leaves: a real LEAVE, sealed under the current key."""
        mid = min(m for m in self.identities if m in self.host.members)
        member = self.host.members[mid]
        key = self.host.keys.current
        assert key is not None
        sealed = cc.seal_control(key, self.identities.pop(mid), mid, 1, int(msg.Kind.LEAVE), b"")
        self.host.receive_data(wire.encode(wire.DeliverControl(member.slot, sealed, False)),
                               self.now)
        self.received.pop(member.slot, None)
        self._apply(self.router.disconnect(member.slot))

    def join(self) -> None:
        """A newcomer knocks (really: sealed to the host, inside the invite's AEAD)."""
        identity = Identity.generate()
        conn = self._next_conn
        self._next_conn += 1
        self._apply(self.router.connect(conn))
        self.received[conn] = 0
        body = msg.encode_knock(msg.KnockBody("New", bytes(8)))
        knock = cc.seal_knock(self.host.invite.room_secret, self.host.identity.public, identity,
                              body)
        self.host.receive_data(wire.encode(wire.DeliverControl(conn, knock, False)), self.now)
        for mid, m in self.host.members.items():
            if m.key == identity.public.key:
                self.identities[mid] = identity

    def run(self, seconds: int) -> dict[str, object]:
        cpu = [0.0, 0]
        rotate = self.host._rotate

        def timed(reason: msg.RekeyReason, removed: tuple[int, ...], now: float) -> None:
            t0 = time.process_time()
            rotate(reason, removed, now)
            cpu[0] += time.process_time() - t0
            cpu[1] += 1

        self.host._rotate = timed  # type: ignore[method-assign]
        start_received = dict(self.received)
        self.uploaded = 0
        self.bodies = 0
        for second in range(seconds):
            self.leave()
            self.join()  # the admission rotates the leaver out first, then ratchets
            self._host_sends()
            for step in range(int(1 / TICK)):
                self.now = second + (step + 1) * TICK
                self.host.tick(self.now)
                self._host_sends()
        per_member = [(self.received[c] - start_received.get(c, 0)) / seconds
                      for c in self.received if c in start_received]
        return {
            "control_bytes_per_member_per_s": {
                "p50": round(statistics.median(per_member)),
                "max": round(max(per_member)),
            },
            "control_body_bytes_per_member_per_s": round(self.bodies / seconds),
            "admin_upload_bytes_per_s": round(self.uploaded / seconds),
            "rekey_cpu_ms": round(1000 * cpu[0] / max(int(cpu[1]), 1), 2),
            "rotations": int(cpu[1]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    for n in (int(x) for x in args.sizes.split(",")):
        for tree, name in ((False, "seal-to-every-member (baseline)"), (True, "key-tree")):
            room = ChurnRoom(n, tree)
            figures = room.run(args.seconds)
            p50 = figures["control_bytes_per_member_per_s"]["p50"]  # type: ignore[index]
            print(json.dumps({
                "bench": "churn", "n": n, "seconds": args.seconds, "rotation": name,
                **figures,
                "goal_bytes_per_member_per_s": GOAL,
                "meets_goal": p50 <= GOAL,
            }), flush=True)


if __name__ == "__main__":
    main()
