"""The two code machines against each other through the real relay Router, on scripted time.

`MemoryRelay` (tests/support) runs relay/rooms.py's Router in memory; its Tamper hook plays a
hostile relay that replays, reorders, truncates, pads or rewrites what it delivers. A machine
that is finished is taken off the relay, as the adapter closes its link.
"""

from __future__ import annotations

import random as stdrandom
from collections.abc import Callable

import pytest
from memrelay import MemoryRelay

from app.code import events as ev
from app.code import messages as m
from app.code.codes import CODE_TTL, MAX_ATTEMPTS, Code
from app.code.offer import SESSION_TIMEOUT, CodeOffer, OfferState
from app.code.redeem import EXCHANGE_TIMEOUT, CodeRedeem, RedeemState
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire

CODE = Code(7, "451938")
ROOM = "نادي الكتاب — Book club"


def seeded(seed: int) -> Callable[[int], bytes]:
    return stdrandom.Random(seed).randbytes


HOST = Identity.from_seed(bytes(range(32)))
INVITE = Invite.create(["ws://127.0.0.1:9", "wss://relay.example.org"], HOST.public.key,
                       random=seeded(1))


class Mailbox:
    """A relay with one host offering CODE, and helpers to bring joiners in."""

    def __init__(self, ttl: float = CODE_TTL) -> None:
        self.relay = MemoryRelay()
        self.offer = CodeOffer(CODE, INVITE.to_bytes(), ROOM, now=0.0, random=seeded(2), ttl=ttl)
        self.relay.add(self.offer)  # type: ignore[arg-type]
        self.relay.pump()
        self.host_events: list[ev.HostEvent] = self.offer.events_received()
        self._seed = 10

    def joiner(self, code: Code = CODE, name: str = "Guest") -> CodeRedeem:
        self._seed += 1
        j = CodeRedeem(code, Identity.from_seed(bytes([self._seed]) * 32).public, name,
                       now=self.relay.now, random=seeded(self._seed))
        self.relay.add(j)  # type: ignore[arg-type]
        self.pump()
        return j

    def pump(self) -> None:
        while True:
            self.relay.pump()
            self.host_events += self.offer.events_received()
            done = [p for p in self.relay.clients.values() if getattr(p, "finished", False)]
            if not done:
                return
            for machine in done:
                self.relay.remove(machine)

    def advance(self, seconds: float) -> None:
        self.relay.now += seconds
        for machine in list(self.relay.clients.values()):
            machine.tick(self.relay.now)
        self.pump()


def outcome(j: CodeRedeem) -> ev.JoinerEvent:
    return j.events_received()[-1]


def test_a_joiner_with_the_code_gets_the_invite_and_the_host_learns_its_key() -> None:
    box = Mailbox()
    assert box.host_events == [ev.CodeOpened()]
    j = box.joiner()
    got = j.events_received()
    assert [e.step for e in got if isinstance(e, ev.Progress)] == \
        ["mailbox", "exchanging", "confirming"]
    received = got[-1]
    assert isinstance(received, ev.InviteReceived)
    assert received.invite == INVITE and received.room_name == ROOM
    assert received.host_fingerprint == HOST.public.fingerprint()
    assert box.offer.state is OfferState.USED
    used = [e for e in box.host_events if isinstance(e, ev.CodeUsed)]
    assert used == [ev.CodeUsed(j.identity.key, "Guest")]
    # the mailbox is gone with the used code: the next joiner finds nobody
    late = box.joiner()
    assert outcome(late) == ev.ExchangeFailed("no-such-code", late.failure.sentence)  # type: ignore[union-attr]


def test_the_relay_sees_neither_the_code_nor_the_room_nor_the_invite() -> None:
    box = Mailbox()
    j = box.joiner()
    assert j.state is RedeemState.DONE
    seen = b"".join(data for _conn, data in box.relay.delivered)
    for secret in (CODE.secret.encode(), CODE.text.encode(), INVITE.room_secret,
                   INVITE.to_bytes(), INVITE.to_link().encode(), ROOM.encode(),
                   b"Book club", b"relay.example.org", b"Guest", j.identity.key):
        assert secret not in seen
    # every message has a fixed size: a room name and two relays fit the smallest INVITE
    sizes = {len(d.payload) for d in map(wire.decode_server, (d for _c, d in
             box.relay.delivered)) if isinstance(d, wire.DeliverControl)}
    assert sizes == {m.HELLO_SIZE, m.REPLY_SIZE, m.CONFIRM_SIZE, min(m.INVITE_SIZES)}


def test_wrong_codes_fail_clearly_and_burn_the_code_after_the_budget() -> None:
    box = Mailbox()
    wrong = Code(7, "000000")
    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        j = box.joiner(wrong)
        failed = outcome(j)
        assert isinstance(failed, ev.ExchangeFailed) and failed.reason == "wrong-code"
        assert "does not match" in failed.sentence
        assert ev.AttemptFailed(left) in box.host_events
    assert box.offer.state is OfferState.BURNED
    assert ev.CodeClosed("burned") in box.host_events
    # even the right code is refused now: the mailbox has closed
    right = box.joiner()
    assert isinstance(outcome(right), ev.ExchangeFailed)
    assert right.failure is not None and right.failure.reason == "no-such-code"


def test_the_right_code_still_works_after_one_typo() -> None:
    box = Mailbox()
    typo = box.joiner(Code(7, "451939"))
    assert typo.failure is not None and typo.failure.reason == "wrong-code"
    j = box.joiner()
    assert j.state is RedeemState.DONE and box.offer.attempts_left == MAX_ATTEMPTS - 2


def test_an_expired_code_is_refused() -> None:
    box = Mailbox(ttl=60.0)
    box.advance(61.0)
    assert box.offer.state is OfferState.EXPIRED
    assert ev.CodeClosed("expired") in box.host_events
    j = box.joiner()
    assert j.failure is not None and j.failure.reason == "no-such-code"
    assert "expired" in j.failure.sentence


def test_a_hello_that_crosses_the_expiry_is_told_so() -> None:
    box = Mailbox(ttl=20.0)
    j = CodeRedeem(CODE, Identity.from_seed(bytes([99]) * 32).public, "G", now=0.0,
                   random=seeded(99))
    box.relay.add(j)  # type: ignore[arg-type]
    box.relay.now = 21.0  # the host's clock passes the expiry as the HELLO arrives
    box.pump()
    assert j.failure is not None and j.failure.reason == "expired"


def test_a_joiner_that_never_confirms_costs_a_try_after_the_session_timeout() -> None:
    box = Mailbox()
    # a guesser that answers nothing after the host's REPLY
    box.relay.tamper = lambda proto, data: [] if proto is not box.offer and \
        data[1] == wire.MessageType.DELIVER_CONTROL else [data]
    j = box.joiner()
    assert box.offer.tries_used == 1 and j.state is RedeemState.HELLO_SENT
    box.advance(SESSION_TIMEOUT)
    assert ev.AttemptFailed(MAX_ATTEMPTS - 1) in box.host_events
    box.advance(EXCHANGE_TIMEOUT)
    assert j.failure is not None and j.failure.reason == "timeout"


def test_a_joiner_leaving_mid_exchange_ends_its_try() -> None:
    box = Mailbox()
    box.relay.tamper = lambda proto, data: [] if proto is not box.offer and \
        data[1] == wire.MessageType.DELIVER_CONTROL else [data]
    j = box.joiner()
    assert box.offer.tries_used == 1
    box.relay.remove(j)  # type: ignore[arg-type]
    box.pump()
    assert ev.AttemptFailed(MAX_ATTEMPTS - 1) in box.host_events


def test_a_taken_nameplate_is_reported() -> None:
    relay = MemoryRelay()
    first = CodeOffer(Code(7, "111111"), INVITE.to_bytes(), ROOM, now=0, random=seeded(4))
    relay.add(first)  # type: ignore[arg-type]
    relay.pump()
    second = CodeOffer(CODE, INVITE.to_bytes(), ROOM, now=0, random=seeded(5))
    relay.add(second)  # type: ignore[arg-type]
    relay.pump()
    assert second.state is OfferState.TAKEN and second.finished
    assert first.state is OfferState.OPEN


# -- the hostile relay ----------------------------------------------------------------------------


def deliveries_to(box: Mailbox, machine: object,
                  rewrite: Callable[[bytes], list[bytes]]) -> None:
    """Rewrite every DeliverControl that reaches `machine`."""
    def tamper(proto: object, data: bytes) -> list[bytes]:
        if proto is machine and data[1] == wire.MessageType.DELIVER_CONTROL:
            return rewrite(data)
        return [data]
    box.relay.tamper = tamper  # type: ignore[assignment]


def test_a_replayed_hello_is_not_a_new_try() -> None:
    box = Mailbox()
    deliveries_to(box, box.offer, lambda data: [data, data, data])
    j = box.joiner()
    assert j.state is RedeemState.DONE
    assert box.offer.tries_used == 1
    assert box.offer.counters["hello-replayed"] == 2


def test_a_hello_replayed_from_another_slot_is_not_a_new_try() -> None:
    box = Mailbox()
    hellos: list[bytes] = []

    def keep(data: bytes) -> list[bytes]:
        hellos.append(data)
        return [data]
    deliveries_to(box, box.offer, keep)
    box.joiner()
    replay = wire.decode_server(hellos[0])
    assert isinstance(replay, wire.DeliverControl)
    forged = wire.encode(wire.DeliverControl(replay.from_slot + 40, replay.payload, False))
    box.offer.receive_data(forged, box.relay.now)
    assert box.offer.counters["after-close"] == 1  # used already; and below, while open:
    box2 = Mailbox()
    j = CodeRedeem(CODE, HOST.public, "x", now=0, random=seeded(50))
    j.receive_data(wire.encode(wire.Joined(9, (1,))), 0)
    hello = next(d for d in j.data_to_send() if d[1] == wire.MessageType.CONTROL)
    payload = wire.decode_client(hello).payload  # type: ignore[union-attr]
    for slot in (20, 21, 22):
        box2.offer.receive_data(wire.encode(wire.DeliverControl(slot, payload, False)), 0)
    assert box2.offer.tries_used == 1 and box2.offer.counters["hello-replayed"] == 2


def unicast_payloads(box: Mailbox) -> list[bytes]:
    out = []
    for _conn, data in box.relay.delivered:
        message = wire.decode_server(data)
        if isinstance(message, wire.DeliverControl):
            out.append(message.payload)
    return out


@pytest.mark.parametrize("cut", [1, 2, 10, 34, 66])
def test_truncated_messages_are_dropped_and_counted(cut: int) -> None:
    box = Mailbox()
    deliveries_to(box, box.offer, lambda data: [data[: 8 + cut], data])
    j = box.joiner()
    assert j.state is RedeemState.DONE  # the whole message still arrived after the cut one
    assert box.offer.counters["malformed"] >= 1


def test_oversized_and_padded_messages_are_dropped() -> None:
    box = Mailbox()
    deliveries_to(box, box.offer, lambda data: [data + b"\x00", data + bytes(60000), data])
    j = box.joiner()
    assert j.state is RedeemState.DONE
    assert box.offer.counters["malformed"] >= 2


def test_a_truncated_or_flipped_invite_never_yields_a_room() -> None:
    box = Mailbox()

    def flip(data: bytes) -> list[bytes]:
        if len(data) > 1000:  # the INVITE: flip one bit deep in the sealed part
            return [data[:500] + bytes([data[500] ^ 1]) + data[501:]]
        return [data]
    j = CodeRedeem(CODE, Identity.from_seed(bytes([60]) * 32).public, "G", now=0,
                   random=seeded(60))
    deliveries_to(box, j, flip)
    box.relay.add(j)  # type: ignore[arg-type]
    box.pump()
    assert j.failure is not None and j.failure.reason == "tampered" and j.invite is None


def test_reordered_messages_do_nothing_out_of_turn() -> None:
    box = Mailbox()
    captured: list[bytes] = []

    def hold(data: bytes) -> list[bytes]:
        captured.append(data)
        return [data]
    j = CodeRedeem(CODE, Identity.from_seed(bytes([61]) * 32).public, "G", now=0,
                   random=seeded(61))
    deliveries_to(box, j, hold)
    box.relay.add(j)  # type: ignore[arg-type]
    box.pump()
    reply, invite = captured
    # a new joiner gets the old INVITE before anything, then the old REPLY: neither works
    k = CodeRedeem(CODE, Identity.from_seed(bytes([62]) * 32).public, "G", now=0,
                   random=seeded(62))
    k.receive_data(wire.encode(wire.Joined(5, (1,))), 0)
    k.receive_data(invite, 0)
    assert k.counters["invite-unexpected"] == 1 and k.state is RedeemState.HELLO_SENT
    k.receive_data(reply, 0)
    assert k.failure is not None and k.failure.reason == "wrong-code"  # another run's answer


def test_a_fake_host_gets_one_guess_and_nothing_more() -> None:
    """Someone else in the mailbox answers first with its own guess: the joiner checks that one
    answer, finds it wrong, and stops; the real host is not involved."""
    j = CodeRedeem(CODE, Identity.from_seed(bytes([63]) * 32).public, "G", now=0,
                   random=seeded(63))
    j.receive_data(wire.encode(wire.Joined(5, (1, 2))), 0)
    hello = m.decode(wire.decode_client(j.data_to_send()[1]).payload)  # type: ignore[union-attr]
    assert isinstance(hello, m.Hello)
    from app.code.codes import host_pake

    guess_reply, keys = host_pake(Code(7, "123456"), hello.pake, seeded(64))
    j.receive_data(wire.encode(wire.DeliverControl(2, m.encode(m.Reply(guess_reply,
                                                                        keys.host_tag)), True)), 0)
    assert j.failure is not None and j.failure.reason == "wrong-code"
    assert not [d for d in j.data_to_send()]  # nothing sent under the fake host's key
    real_reply, real_keys = host_pake(CODE, hello.pake, seeded(65))
    j.receive_data(wire.encode(wire.DeliverControl(1, m.encode(m.Reply(real_reply,
                                                                        real_keys.host_tag)),
                                                   True)), 0)
    assert j.counters["after-end"] == 1


def test_messages_from_strangers_and_the_wrong_direction_are_ignored() -> None:
    box = Mailbox()
    j = CodeRedeem(CODE, Identity.from_seed(bytes([66]) * 32).public, "G", now=0,
                   random=seeded(66))
    j.receive_data(wire.encode(wire.Joined(5, (1,))), 0)
    j.data_to_send()
    # a FAILED from a slot that is not in the mailbox, a HELLO, a media frame, garbage
    j.receive_data(wire.encode(wire.DeliverControl(9, m.encode(m.Failed("expired")), True)), 0)
    j.receive_data(wire.encode(wire.DeliverControl(1, b"\x01\x01" + b"A" + bytes(32), False)), 0)
    j.receive_data(wire.encode(wire.DeliverMedia(b"x")), 0)
    j.receive_data(b"\x01", 0)
    j.receive_data(wire.encode(wire.DeliverControl(1, b"\x02\x02" + bytes(65), True)), 0)
    assert j.state is RedeemState.HELLO_SENT
    assert j.counters["failed-ignored"] == 1 and j.counters["wrong-direction"] == 1
    assert j.counters["malformed"] == 1 and j.counters["wire-malformed"] == 1
    box.offer.receive_data(wire.encode(wire.DeliverControl(3, m.encode(m.Failed("used-up")), True)),
                           0)
    box.offer.receive_data(wire.encode(wire.DeliverControl(3, bytes(m.CONFIRM_SIZE), True)), 0)
    assert box.offer.state is OfferState.OPEN and box.offer.tries_used == 0


def test_the_host_leaving_ends_the_wait_with_a_sentence() -> None:
    box = Mailbox()
    box.relay.tamper = lambda proto, data: [] if proto is box.offer and \
        data[1] == wire.MessageType.DELIVER_CONTROL else [data]
    j = box.joiner()
    box.offer.revoke(box.relay.now)
    box.pump()
    assert j.failure is not None and j.failure.reason == "host-left"
    assert ev.CodeClosed("revoked") in box.host_events


def test_a_flood_of_hellos_gets_three_answers_and_few_refusals() -> None:
    box = Mailbox()
    box.relay.tamper = lambda proto, data: [] if proto is not box.offer and \
        data[1] == wire.MessageType.DELIVER_CONTROL else [data]  # guessers that never confirm
    for _ in range(40):
        box.joiner(Code(7, "000000"))
    sent = [wire.decode_client(d) for d in box.offer.data_to_send()]
    assert box.offer.tries_used == MAX_ATTEMPTS
    kinds = [p[1] for p in unicast_payloads(box)]
    replies = [k for k in kinds if k == m.Kind.REPLY]
    refusals = [k for k in kinds if k == m.Kind.FAILED]
    assert len(replies) == MAX_ATTEMPTS and len(refusals) == 16 and not sent
    assert box.offer.counters["refusal-dropped"] == 40 - MAX_ATTEMPTS - 16
