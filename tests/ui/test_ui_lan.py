"""Hosting "on this network": a relay inside the app, announced with zeroconf, on 127.0.0.1 only.

A second window, looking for rooms on the same (loopback) network, lists the room live: by name
when the host made it visible, as an opaque entry otherwise. Either way it takes the invite link
to get in, and the listing goes away when the room ends.
"""

from __future__ import annotations

import pytest

from app.settings import Settings
from app.ui.runner import HostPlan, Where

WAIT = 20000
pytestmark = pytest.mark.integration


def listed(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.home.rooms
    return [model.index(r, 0).data() for r in range(model.rowCount())]


@pytest.mark.parametrize("visible", [True, False])
def test_a_network_room_is_listed_live_and_joined_with_its_link(qtbot, make_window,
                                                                 visible: bool) -> None:  # type: ignore[no-untyped-def]
    neighbour = make_window("Huda", settings=Settings(display_name="Huda", lan_discovery=True))
    assert neighbour.home.discovery.isChecked() and neighbour.lan.active
    host = make_window("Layla")
    name = "Evening majlis" if visible else "Secret circle"
    host.host(HostPlan(name, where=Where.NETWORK, visible=visible,
                       lan_interfaces=("127.0.0.1",)))
    qtbot.waitUntil(lambda: bool(host.room.snapshot.invite_link), timeout=WAIT)
    assert host.room.snapshot.lan_url.startswith("ws://127.0.0.1:")
    expected = name if visible else "Private room (needs its invite)"
    qtbot.waitUntil(lambda: expected in listed(neighbour), timeout=WAIT)
    assert "Secret circle" not in listed(neighbour)
    url_role = neighbour.home.rooms.URL
    row = listed(neighbour).index(expected)
    assert neighbour.home.rooms.index(row, 0).data(url_role) == host.room.snapshot.lan_url

    neighbour.home.lan_list.clicked.emit(neighbour.home.rooms.index(row, 0))
    assert "invite link" in neighbour.home.lan_hint.text()  # a listing alone lets nobody in
    neighbour.home.link.setText(host.room.snapshot.invite_link)
    neighbour.home.join.click()
    qtbot.waitUntil(lambda: neighbour.room.snapshot.state == "in-room", timeout=WAIT)
    assert not neighbour.lan.active  # no browsing while in a room

    host.room.end.click()
    from app.ui.qt import QtWidgets
    box = next(b for b in host.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    next(b for b in box.buttons()
         if box.buttonRole(b) == QtWidgets.QMessageBox.ButtonRole.AcceptRole).click()
    qtbot.waitUntil(lambda: neighbour.room.ended, timeout=WAIT)
    assert not neighbour.room.status_banner.primary.isVisible()  # no Retry: the room ended
    neighbour.room.home.click()
    qtbot.waitUntil(lambda: neighbour.lan.active, timeout=WAIT)
    qtbot.waitUntil(lambda: expected not in listed(neighbour), timeout=WAIT)


def test_turning_discovery_off_stops_looking(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window("Huda", settings=Settings(display_name="Huda", lan_discovery=True))
    assert window.lan.active
    window.home.discovery.setChecked(False)
    assert not window.lan.active and not window.settings.lan_discovery
    assert "Not looking" in window.home.lan_empty.text()
