"""The roster, waiting-room and LAN models: Qt's model checks, and the orders people see."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.roster import Member, Role
from app.lan.service import LanRoom
from app.ui.models import KnockModel, LanRoomsModel, Roles, RosterFilter, RosterModel, describe
from app.ui.qt import Qt
from app.ui.runner import Knock
from crypto.identity import Identity


def member(mid: int, name: str, role: Role = Role.LISTENER, **kw: object) -> Member:
    key = Identity.from_seed(bytes([mid]) * 32).public.key
    return Member(mid, key, bytes(8), mid, name, role, **kw)  # type: ignore[arg-type]


HOST = member(1, "Layla", Role.HOST, muted=False)
ROOM = [HOST, member(2, "Omar"), member(3, "Sara"), member(4, "Yusuf", Role.SPEAKER),
        member(5, "Mei", Role.COHOST)]


def names(model: object) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]  # type: ignore[attr-defined]


def test_roster_model_passes_qt_model_checks(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RosterModel()
    model.set_members(ROOM, me=1)
    qtmodeltester.check(model, force_py=True)  # stays connected: every change below is checked
    model.set_members([*ROOM[:3], replace(ROOM[3], role=Role.LISTENER, hand=True)], me=1)
    model.set_levels({1: 0.3})
    model.set_members([], me=1)
    model.set_members(ROOM, me=1)
    model.clear()
    assert model.rowCount() == 0


@pytest.mark.parametrize("stage", [True, False])
def test_filters_pass_qt_model_checks(qtmodeltester, stage: bool) -> None:  # type: ignore[no-untyped-def]
    model = RosterModel()
    model.set_members(ROOM, me=1)
    proxy = RosterFilter(model, stage=stage)
    qtmodeltester.check(proxy, force_py=True)


def test_other_models_pass_qt_model_checks(qapp, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    """`qapp`: the LAN model paints icons, which needs the application object."""
    knocks = KnockModel()
    knocks.set_knocks([Knock(1, "Ali", "3F2A 9C01 7B44 E0D2"), Knock(2, "Zara", "AAAA BBBB")])
    qtmodeltester.check(knocks, force_py=True)
    rooms = LanRoomsModel()
    rooms.set_rooms([LanRoom("a._majlis._tcp.local.", "ws://127.0.0.1:1", "Book club"),
                     LanRoom("b._majlis._tcp.local.", "ws://127.0.0.1:2")])
    qtmodeltester.check(rooms, force_py=True)
    assert rooms.index(1, 0).data() == "Private room (needs its invite)"
    assert rooms.index(0, 0).data(LanRoomsModel.URL) == "ws://127.0.0.1:1"


def test_stage_lists_hosts_first_then_cohosts_then_speakers() -> None:
    model = RosterModel()
    model.set_members([ROOM[3], ROOM[4], ROOM[1], HOST], me=1)
    stage = RosterFilter(model, stage=True)
    assert names(stage) == ["Layla", "Mei", "Yusuf"]


def test_audience_puts_raised_hands_first_in_the_order_they_were_raised() -> None:
    model = RosterModel()
    audience = RosterFilter(model, stage=False)
    people = [member(i, n) for i, n in ((2, "Omar"), (3, "Sara"), (6, "Zaid"), (7, "Huda"))]
    model.set_members([HOST, *people], me=1)
    assert names(audience) == ["Omar", "Sara", "Zaid", "Huda"]
    people[3] = replace(people[3], hand=True)  # Huda first...
    model.set_members([HOST, *people], me=1)
    people[1] = replace(people[1], hand=True)  # ...then Sara
    model.set_members([HOST, *people], me=1)
    assert names(audience) == ["Huda", "Sara", "Omar", "Zaid"]
    people[3] = replace(people[3], hand=False)
    model.set_members([HOST, *people], me=1)
    assert names(audience) == ["Sara", "Omar", "Zaid", "Huda"]


def test_updates_change_rows_in_place_and_keep_the_order_of_arrival() -> None:
    model = RosterModel()
    model.set_members(ROOM[:3], me=1)
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    changed: list[int] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    omar_on_stage = replace(ROOM[1], role=Role.SPEAKER)
    model.set_members([HOST, omar_on_stage, ROOM[4]], me=1)  # Sara left, Mei came
    assert removed == [(2, 2)]
    assert inserted == [(2, 2)]
    assert changed == [1]
    assert names(model) == ["Layla", "Omar", "Mei"]
    assert model.index(1, 0).data(Roles.ON_STAGE) is True


def test_levels_rise_at_once_fade_out_and_only_repaint_on_change() -> None:
    model = RosterModel()
    model.set_members(ROOM, me=1)
    repaints: list[int] = []
    model.dataChanged.connect(lambda top, _b, _roles=(): repaints.append(top.row()))
    model.set_levels({4: 0.2})
    assert model.level(4) == pytest.approx(0.2)
    assert repaints == [3]
    model.set_levels({4: 0.2})  # a steady level: the decay keeps the larger value, no repaint
    assert repaints == [3]
    for _ in range(30):
        model.set_levels({})
    assert model.level(4) == 0.0
    assert model.index(3, 0).data(Roles.LEVEL) == 0.0


def test_accessible_text_says_role_state_and_verification() -> None:
    model = RosterModel()
    yusuf = replace(ROOM[3], muted=True)
    model.set_members([HOST, yusuf, replace(ROOM[1], hand=True)], me=1)
    model.set_verified({yusuf.key})
    text = model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert text == "Yusuf, speaker, muted, safety number verified"
    assert model.index(2, 0).data(Qt.ItemDataRole.AccessibleTextRole) == \
        "Omar, listener, hand raised"
    assert describe(HOST, True, 0.3, False) == "Layla, you, host, speaking"


def test_rows_report_fingerprints_of_their_keys() -> None:
    model = RosterModel()
    model.set_members(ROOM, me=1)
    expected = Identity.from_seed(bytes([2]) * 32).public.fingerprint()
    assert model.index(1, 0).data(Roles.FINGERPRINT) == expected


def test_a_member_who_lost_the_link_stays_in_place_and_is_shown_reconnecting() -> None:
    model = RosterModel()
    model.set_members(ROOM, me=1)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    model.set_members(ROOM, me=1, away=frozenset({4}))
    assert changed == [3] and names(model) == [m.name for m in ROOM]
    assert model.index(3, 0).data(Roles.AWAY) is True
    assert model.index(3, 0).data(Qt.ItemDataRole.AccessibleTextRole) == \
        "Yusuf, speaker, muted, reconnecting"
    model.set_members(ROOM, me=1)  # back
    assert changed == [3, 3] and model.index(3, 0).data(Roles.AWAY) is False
