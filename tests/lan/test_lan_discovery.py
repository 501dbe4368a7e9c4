"""Rooms on the LAN, between real processes, on 127.0.0.1 only (never a real interface).

An advertiser process (`python -m app.lan advertise`) announces rooms; a browser in this process
sees them come and go. Visible rooms carry their name; the others are opaque. Records from the
network are treated as hostile: names are cleaned and bounded, bad records skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from zeroconf import ServiceInfo

from app.lan.browse import LanBrowser
from app.lan.service import (
    SERVICE_TYPE,
    LanError,
    LanRoom,
    check_interfaces,
    clean_name,
    make_info,
    parse_info,
)

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
TIMEOUT = 20.0


def advertise(port: int, name: str | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "app.lan", "advertise", "--interface", LOOPBACK,
            "--port", str(port)]
    if name is not None:
        args += ["--name", name]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("advertising "), proc.stderr.read() if proc.stderr else ""
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


class Watch:
    """A browser and the latest list it reported."""

    def __init__(self) -> None:
        self.rooms: tuple[LanRoom, ...] = ()
        self.changed = threading.Condition()
        self.browser = LanBrowser([LOOPBACK], self._seen)

    def _seen(self, rooms: tuple[LanRoom, ...]) -> None:
        with self.changed:
            self.rooms = rooms
            self.changed.notify_all()

    def until(self, test) -> tuple[LanRoom, ...]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while not test(self.rooms):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"never happened; rooms: {self.rooms}")
                self.changed.wait(left)
            return self.rooms


@pytest.fixture
def watch() -> Iterator[Watch]:
    w = Watch()
    w.browser.start()
    try:
        yield w
    finally:
        w.browser.close()


def test_rooms_are_seen_across_processes_and_vanish_when_withdrawn(watch: Watch) -> None:
    visible = advertise(41001, "Book club — نادي الكتاب")
    opaque = advertise(41002)
    try:
        rooms = watch.until(lambda rs: {r.url for r in rs} >= {"ws://127.0.0.1:41001",
                                                                 "ws://127.0.0.1:41002"})
        by_url = {r.url: r for r in rooms}
        assert by_url["ws://127.0.0.1:41001"].name == "Book club — نادي الكتاب"
        assert by_url["ws://127.0.0.1:41002"].name is None
        assert not by_url["ws://127.0.0.1:41002"].visible
        assert [r.url for r in rooms if r.url.endswith(("41001", "41002"))] == \
            ["ws://127.0.0.1:41001", "ws://127.0.0.1:41002"]  # visible rooms first
        stop(visible)
        watch.until(lambda rs: "ws://127.0.0.1:41001" not in {r.url for r in rs})
    finally:
        stop(visible)
        stop(opaque)
    watch.until(lambda rs: "ws://127.0.0.1:41002" not in {r.url for r in rs})


def test_a_record_never_names_the_computer_or_an_opaque_room() -> None:
    info = make_info(LOOPBACK, 4000, None)
    assert info.properties == {b"v": b"1"}
    assert info.server is not None and info.server.startswith("majlis-")
    assert os.uname().nodename.lower() not in info.server.lower()
    assert os.uname().nodename.lower() not in info.name.lower()
    named = make_info(LOOPBACK, 4000, "Book club")
    assert named.properties[b"name"] == b"Book club"
    assert make_info(LOOPBACK, 4000, None).name != info.name  # random per room


def test_names_from_the_network_are_cleaned() -> None:
    assert clean_name("safe\u202eeman") == "safeeman"  # no right-to-left override tricks
    assert clean_name("a\x00b\nc") == "abc"
    assert len(clean_name("ع" * 500).encode()) <= 100
    assert clean_name("   ") == ""


def hostile(properties: dict[bytes, bytes], port: int = 4000,
            address: str = LOOPBACK) -> ServiceInfo:
    return ServiceInfo(SERVICE_TYPE, f"x.{SERVICE_TYPE}", port=port, properties=properties,
                       server="x.local.", parsed_addresses=[address])


def test_hostile_records_are_skipped_or_defused() -> None:
    assert parse_info(hostile({b"v": b"2"})) is None  # a version we do not speak
    assert parse_info(hostile({})) is None
    assert parse_info(hostile({b"v": b"1"}, address="224.0.0.251")) is None
    assert parse_info(hostile({b"v": b"1"}, port=0)) is None
    room = parse_info(hostile({b"v": b"1", b"name": b"\xff\xfe\xe2\x80\xaeevil"}))
    assert room is not None and room.name is not None and "\u202e" not in room.name
    room = parse_info(hostile({b"v": b"1", b"name": b""}))
    assert room is not None and room.name is None


def test_interfaces_must_be_addresses() -> None:
    assert check_interfaces(["127.0.0.1"]) == ["127.0.0.1"]
    with pytest.raises(LanError):
        check_interfaces([])
    with pytest.raises(LanError):
        check_interfaces(["eth0"])
