"""CPU cost of joining with a spoken code: one whole exchange, both sides, no network.

Prints one JSON object per line:
- `exchange`: median and p90 milliseconds for a complete run of the two machines (HELLO, REPLY,
  CONFIRM, INVITE: two SPAKE2 halves, the tags, sealing and opening), per side and together;
- `baseline`, measured in the same run: what a join by link already costs the same two apps in
  public-key work (the joiner's knock: sign + the host's verify; the welcome's sealed box:
  seal + open), so the code's extra cost reads against something familiar.

The code's cost bounds what a flood of HELLOs can cost a host: 3 exchanges per code at most.

Run: .venv/bin/python bench/code_exchange.py [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.code.codes import Code
from app.code.offer import CodeOffer
from app.code.redeem import CodeRedeem
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire


def _payload(envelope: bytes) -> bytes:
    message = wire.decode_client(envelope)
    assert isinstance(message, wire.Control | wire.Unicast)
    return message.payload


def one_exchange(invite: Invite, joiner: Identity) -> tuple[float, float]:
    """(joiner seconds, host seconds) of CPU for one complete exchange."""
    code = Code.generate(7, os.urandom)
    t = time.process_time
    c0 = t()
    offer = CodeOffer(code, invite.to_bytes(), "Book club", now=0.0, random=os.urandom)
    offer.data_to_send()
    offer.receive_data(wire.encode(wire.Joined(1, ())), 0.0)
    host = t() - c0
    c0 = t()
    redeem = CodeRedeem(code, joiner.public, "Guest", now=0.0, random=os.urandom)
    redeem.data_to_send()
    redeem.receive_data(wire.encode(wire.Joined(2, (1,))), 0.0)
    hello = _payload(redeem.data_to_send()[0])
    side = t() - c0
    c0 = t()
    offer.receive_data(wire.encode(wire.DeliverControl(2, hello, False)), 0.0)
    reply = _payload(offer.data_to_send()[0])
    host += t() - c0
    c0 = t()
    redeem.receive_data(wire.encode(wire.DeliverControl(1, reply, True)), 0.0)
    confirm = _payload(redeem.data_to_send()[0])
    side += t() - c0
    c0 = t()
    offer.receive_data(wire.encode(wire.DeliverControl(2, confirm, True)), 0.0)
    sealed = _payload(offer.data_to_send()[0])
    host += t() - c0
    c0 = t()
    redeem.receive_data(wire.encode(wire.DeliverControl(1, sealed, True)), 0.0)
    side += t() - c0
    assert redeem.invite == invite
    return side, host


def baseline(host: Identity, joiner: Identity) -> float:
    """Seconds of CPU for a knock's signature and check plus one sealed box each way."""
    c0 = time.process_time()
    signature = joiner.sign(b"majlis/knock/v1", b"x" * 80)
    joiner.public.verify(b"majlis/knock/v1", b"x" * 80, signature)
    host.unseal(host.public.seal(b"y" * 400))
    return time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    host, joiner = Identity.generate(), Identity.generate()
    invite = Invite.create(["ws://127.0.0.1:8765"], host.public.key)
    one_exchange(invite, joiner)  # warm-up
    runs = [one_exchange(invite, joiner) for _ in range(args.runs)]
    both = sorted(j + h for j, h in runs)
    print(json.dumps({
        "bench": "code_exchange", "runs": args.runs,
        "joiner_ms": round(statistics.median(j for j, _ in runs) * 1e3, 2),
        "host_ms": round(statistics.median(h for _, h in runs) * 1e3, 2),
        "total_ms": round(statistics.median(both) * 1e3, 2),
        "total_p90_ms": round(both[int(0.9 * (len(both) - 1))] * 1e3, 2),
    }))
    base = sorted(baseline(host, joiner) for _ in range(args.runs))
    print(json.dumps({"bench": "code_exchange_baseline", "what": "knock sign+verify and a "
                      "sealed box seal+open (libsodium)",
                      "total_ms": round(statistics.median(base) * 1e3, 3)}))


if __name__ == "__main__":
    main()
