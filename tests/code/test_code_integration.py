"""Joining with a code between real processes: `majlis host --code` and `majlis join --code`.

Real relay processes on 127.0.0.1, real websockets, real SPAKE2 and libsodium; the LAN test
announces and finds the room with zeroconf bound to 127.0.0.1 only, as tests/lan does. The
canary test reads the relay process's own memory (/proc/PID/mem) after an exchange and looks
for the code, the room's name, the invite and its secret: none may be there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import Stderr, majlis
from relayproc import RelayProcess

from crypto.invite import Invite

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 40.0
CODE_LINE = re.compile(r"^code: (\S+) \(relay (\S+?);")


def read_stdout(proc: subprocess.Popen[str], prefix: str, timeout: float = TIMEOUT) -> str:
    """The first stdout line starting with `prefix` (earlier lines are skipped)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no {prefix!r} line; exit {proc.poll()}")


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def host(*args: str) -> tuple[subprocess.Popen[str], Stderr, Invite, str, str]:
    """A host process; returns it, its stderr, its invite, its first code and the code's relay."""
    proc = majlis("host", "--code", *args, stdin=subprocess.PIPE)
    err = Stderr(proc)
    invite = Invite.parse(read_stdout(proc, "invite: ").split(" ", 1)[1])
    found = CODE_LINE.match(read_stdout(proc, "code: "))
    assert found is not None
    return proc, err, invite, found.group(1), found.group(2)


def join(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    proc = majlis("join", *args)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def command(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def memory_of(pid: int) -> Iterator[bytes]:
    """Every readable mapping of a process (root reads any process's memory via /proc)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r") or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                yield mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue


def test_internet_room_joined_with_a_code_through_a_relay_process(relay: RelayProcess) -> None:
    """The joiner learns the room's name and host fingerprint before knocking; the host sees
    that the knock came through its code, admits it, and the relay holds no secret."""
    room = "canary-room-" + os.urandom(6).hex()
    guest = "canary-guest-" + os.urandom(6).hex()
    proc, err, invite, code, code_relay = host("--relay", relay.url, "--name", room,
                                               "--as", "Host")
    try:
        assert code_relay == relay.url and re.fullmatch(r"[1-9]\d{0,3}-\d{3}-\d{3}", code)
        joiner = majlis("join", "--code", code, "--relay", relay.url, "--as", guest,
                        "--for", "6")
        jerr = Stderr(joiner)
        from crypto.identity import PublicIdentity

        fingerprint = PublicIdentity(invite.host_key).fingerprint()
        jerr.wait_for(f"the code opened room {room!r}; its host's fingerprint is {fingerprint}")
        err.wait_for(f"was used by {guest}")
        at = err.wait_for(f"knock 1: {guest}")
        err.wait_for("knock 1 came through code " + code, after=at)
        command(proc, "admit 1")
        jerr.wait_for(f"joined {room!r}")
        assert joiner.wait(timeout=TIMEOUT) == 0
        # The canary: the relay's memory, with the room still open on it.
        memory = b"".join(memory_of(relay.proc.pid))
        assert invite.routing_id in memory  # the reader works: the live room's id is there
        for secret in (code.encode(), room.encode(), invite.room_secret, invite.to_bytes(),
                       invite.to_link().split("#")[1].encode(), guest.encode()):
            assert secret not in memory, f"the relay's memory holds {secret!r}"
    finally:
        stop(proc)


def test_a_wrong_code_fails_clearly_and_burns_after_three_tries(relay: RelayProcess) -> None:
    proc, err, _invite, code, _ = host("--relay", relay.url, "--name", "Club", "--auto-admit")
    try:
        plate, digits = code.split("-", 1)
        wrong = f"{plate}-{(int(digits.replace('-', '')) + 1) % 10**6:06d}"
        for left in (2, 1):
            done = join("--code", wrong, "--relay", relay.url)
            assert done.returncode == 8, done.stderr
            assert "The code does not match" in done.stderr
            err.wait_for(f"({left} of 3 tries left)")
        done = join("--code", wrong, "--relay", relay.url)
        assert done.returncode == 8 and "The code does not match" in done.stderr
        err.wait_for(f"Code {code} stopped working after 3 tries")
        right = join("--code", code, "--relay", relay.url)
        assert right.returncode == 8
        assert "Nobody is offering this code here" in right.stderr
        assert "Traceback" not in right.stderr + err.text
    finally:
        stop(proc)


def test_an_expired_code_is_refused(relay: RelayProcess) -> None:
    proc, err, _invite, code, _ = host("--relay", relay.url, "--name", "Club", "--code-ttl", "5")
    try:
        err.wait_for(f"Code {code} expired unused", timeout=15)
        done = join("--code", code, "--relay", relay.url)
        assert done.returncode == 8
        assert "It may have expired" in done.stderr
        command(proc, "code")  # a fresh one works
        fresh = CODE_LINE.match(read_stdout(proc, "code: "))
        assert fresh is not None and fresh.group(1) != code
    finally:
        stop(proc)


def test_a_lan_room_joined_with_a_code_between_two_processes(relay: RelayProcess) -> None:
    """The host's built-in relay is announced with zeroconf on 127.0.0.1; the joiner finds the
    room there, as the home page lists it, and uses that relay for the code. Another room's
    relay is announced too (a relay process with no code on it), so the joiner may find that
    one first and must pass it over (test_code_desk.py checks that order for certain)."""
    decoy = subprocess.Popen([sys.executable, "-m", "app.lan", "advertise", "--interface",
                              "127.0.0.1", "--port", relay.url.rsplit(":", 1)[1]],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    assert decoy.stdout is not None and decoy.stdout.readline().startswith("advertising ")
    proc, err, _invite, code, code_relay = host("--name", "Lan club", "--auto-admit",
                                                "--lan", "127.0.0.1")
    try:
        assert code_relay.startswith("ws://127.0.0.1:")
        done = join("--code", code, "--lan", "127.0.0.1", "--as", "Neighbour", "--for", "2",
                    timeout=60)
        assert done.returncode == 0, done.stderr
        assert "the code opened room 'Lan club'" in done.stderr
        assert "joined 'Lan club'" in done.stderr
        err.wait_for("Neighbour joined through code " + code)
    finally:
        stop(proc)
        stop(decoy)


def test_joining_without_a_relay_or_with_a_bad_code_says_why() -> None:
    done = join("--code", "7-451-938")
    assert done.returncode == 2 and "--relay URL" in done.stderr
    done = join("--code", "hello", "--relay", "ws://127.0.0.1:9")
    assert done.returncode == 2 and "not a Majlis code" in done.stderr
    done = join()
    assert done.returncode == 2 and "--code CODE" in done.stderr
    done = join("--code", "7-451-938", "--lan", "not-an-address")
    assert done.returncode == 3 and "is not an IP address" in done.stderr
    assert "Traceback" not in done.stderr
