"""LOSS_REPORT (0x19): a listener tells one speaker how much of their stream it lost.

Driven through the room core and the real relay router in memory: the report is sealed under
the room's control key and signed, goes by unicast to the speaker's slot only, and a hostile
relay can neither read, forge nor replay it.
"""

from __future__ import annotations

import pytest
from memrelay import MemoryRelay

from app.core import messages as msg
from app.core.errors import LocalProtocolError, RemoteProtocolError
from app.core.protocol import RoomProtocol
from crypto import control as cc
from crypto.identity import Identity
from crypto.invite import Invite
from relay import wire

RELAY = "ws://127.0.0.1:9"


def room() -> tuple[MemoryRelay, RoomProtocol, RoomProtocol, RoomProtocol]:
    relay = MemoryRelay()
    host = RoomProtocol.host(Identity.from_seed(b"\x01" * 32), [RELAY], "Majlis", now=0.0)
    relay.add(host)
    relay.pump()
    joined = []
    for n, name in ((2, "Ali"), (3, "Bashir")):
        invite = Invite.parse(host.invite.to_link())
        p = RoomProtocol.join(Identity.from_seed(bytes([n]) * 32), invite, name, now=0.0)
        relay.add(p)
        relay.pump()
        joined.append(p)
    for p in (host, *joined):
        p.events_received()
    return relay, host, joined[0], joined[1]


def test_the_body_round_trips_and_is_checked() -> None:
    report = msg.LossReport(speaker_id=7, expected=100, lost=12, jitter_ms=31)
    body = msg.encode_loss_report(report)
    assert body == bytes.fromhex("00000007" "0064" "000c" "001f")
    assert msg.decode_loss_report(body) == report
    assert report.loss_percent == pytest.approx(12.0)
    for bad in (body[:-1], body + b"\x00", bytes.fromhex("00000007" "0001" "0002" "0000")):
        with pytest.raises(RemoteProtocolError):
            msg.decode_loss_report(bad)


def test_a_listener_reports_to_the_speaker_alone() -> None:
    relay, host, ali, bashir = room()
    assert ali.me is not None and host.me is not None
    seen_before = len(relay.delivered)
    ali.report_loss(host.me, expected=100, lost=7, jitter_ms=25, now=1.0)
    relay.pump()
    delivered = relay.delivered[seen_before:]
    assert [conn for conn, _ in delivered] == [relay.conn_of(host)]  # unicast: Bashir saw nothing
    message = wire.decode_server(delivered[0][1])
    assert isinstance(message, wire.DeliverControl) and message.unicast
    assert cc.envelope_type(message.payload) == cc.CONTROL  # encrypted and signed
    t, report = host.loss_reports[ali.me]
    assert t == relay.now and report == msg.LossReport(host.me, 100, 7, 25)
    assert bashir.loss_reports == {} and ali.loss_reports == {}


def test_reports_go_only_to_someone_else_on_stage() -> None:
    _, _, ali, bashir = room()
    assert bashir.me is not None and ali.me is not None
    with pytest.raises(LocalProtocolError):
        ali.report_loss(bashir.me, 10, 1, 5, now=1.0)  # Bashir is a listener
    with pytest.raises(LocalProtocolError):
        ali.report_loss(ali.me, 10, 1, 5, now=1.0)
    with pytest.raises(LocalProtocolError):
        ali.report_loss(12345, 10, 1, 5, now=1.0)


def test_a_replayed_report_is_dropped_and_a_leaver_forgotten() -> None:
    relay, host, ali, _ = room()
    assert ali.me is not None and host.me is not None
    captured: list[bytes] = []

    def spy(proto: RoomProtocol, data: bytes) -> list[bytes]:
        if proto is host:
            captured.append(data)
        return [data]

    relay.tamper = spy
    ali.report_loss(host.me, expected=100, lost=50, jitter_ms=0, now=1.0)
    relay.pump()
    host.loss_reports.clear()
    host.receive_data(captured[-1], 2.0)  # the relay plays the old report again
    assert host.loss_reports == {}
    assert host.counters["control-replayed"] == 1
    ali.report_loss(host.me, expected=100, lost=1, jitter_ms=0, now=3.0)
    relay.pump()
    assert host.loss_reports[ali.me][1].lost == 1
    ali.leave(4.0)
    relay.pump()
    assert ali.me not in host.loss_reports
