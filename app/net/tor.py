"""A Tor that Majlis starts itself, for people who have none running.

"Use Tor" first looks for a Tor that is already there (the tor service on 9050, Tor Browser on
9150). When nothing answers, or when the user gave bridges (bridges mean "Tor is blocked where I
am", and they apply only to a tor Majlis starts), Majlis runs the system's `tor` program as a
child process, the way OnionShare and Briar do:

- its data directory is a fresh folder in memory (/dev/shm) where the system has one, otherwise
  in the temporary folder, readable by this user only, and removed when Majlis stops it; tor is
  told to write as little as it can (`AvoidDiskWrites`), logs only to its standard output, which
  Majlis reads and never stores, and exits by itself if Majlis dies
  (`__OwningControllerProcess`), so a crash leaves no tor running. Nothing of it stays on disk
  after exit, as the ephemeral promise (docs/THREAT_MODEL.md) requires;
- its SOCKS port is chosen by tor (`auto`) on 127.0.0.1 and read from tor's own log line;
- bootstrap progress is reported to a callback as `TorProgress(percent, tag, summary)`;
- bridges are torrc `Bridge` lines (obfs4, meek_lite, Snowflake, or plain relays), run through
  the system's `obfs4proxy` (or `lyrebird`) and `snowflake-client`; a bridge type whose program is
  missing is refused before tor starts, with a sentence that names the program and its package.

Every failure is a `TorError` whose text is a sentence for the user. A bridge line is checked
before it reaches a torrc: a line break in a pasted "bridge" would otherwise add any tor option
(a control port open to the network, say), so anything but one printable line is refused.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import re
import shutil
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.net.proxy import TOR_PORTS, ProxySettings, tor_available

__all__ = ["BOOTSTRAP_TIMEOUT", "Bridge", "OwnTor", "TorError", "TorOptions", "TorProgress",
           "missing_programs", "start_tor", "tor_options", "use_tor"]

logger = logging.getLogger(__name__)
BOOTSTRAP_TIMEOUT = 180.0  # bridges over a slow censored link can take minutes
_LOG_TAIL = 8
# Which program carries each pluggable transport, first choice first, and its Debian package.
TRANSPORT_PROGRAMS: dict[str, tuple[tuple[str, ...], str]] = {
    "obfs4": (("obfs4proxy", "lyrebird"), "obfs4proxy"),
    "meek_lite": (("obfs4proxy", "lyrebird"), "obfs4proxy"),
    "snowflake": (("snowflake-client",), "snowflake-client"),
    "webtunnel": (("lyrebird",), "lyrebird (Tor Browser includes it)"),
}
_TRANSPORT_NAMES = {"obfs4": "obfs4", "meek_lite": "meek", "snowflake": "Snowflake",
                    "webtunnel": "WebTunnel"}
_BOOTSTRAP = re.compile(r"Bootstrapped (\d{1,3})% \(([\w-]+)\): (.*)$")
_SOCKS_READY = re.compile(r"Opened Socks listener connection \(ready\) on 127\.0\.0\.1:(\d+)")
_ADDRESS = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$")
_FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")


class TorError(Exception):
    """Tor could not be started or could not connect; `str()` is a sentence for the user.

    `kind` says which failure it is, for a UI that words it in the user's language: "no-tor"
    (the tor program is missing), "no-bridge-program", "cannot-start", "stuck" (no bootstrap
    in time; `progress` is where it stopped), "exited" (tor refused its settings or died)."""

    def __init__(self, message: str, kind: str = "cannot-start",
                 progress: TorProgress | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.progress = progress


@dataclass(frozen=True)
class TorProgress:
    """One step of tor's bootstrap: 0-100, tor's tag (stable, for translations), its summary."""

    percent: int
    tag: str
    summary: str


Progress = Callable[[TorProgress], None]


@dataclass(frozen=True)
class Bridge:
    """One bridge, as Tor Browser and bridges.torproject.org write it (with or without the
    leading "Bridge"): `[transport] address:port [fingerprint] [key=value ...]`."""

    line: str
    transport: str | None  # None: a plain (unobfuscated) bridge relay

    @classmethod
    def parse(cls, text: str) -> Bridge:
        text = text.strip()
        if any(not ch.isprintable() for ch in text):
            raise ValueError("A bridge must be one line of text; this one has line breaks or "
                             "control characters.")
        words = text.split()
        if words[:1] and words[0].lower() == "bridge":
            words = words[1:]
        if not words:
            raise ValueError("The bridge line is empty.")
        transport = None
        if not _ADDRESS.match(words[0]):
            first, words = words[0], words[1:]
            transport = first.lower()
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", transport):
                raise ValueError(f"{first!r} does not start like a bridge line (obfs4 "
                                 "ADDRESS:PORT ..., snowflake ..., or ADDRESS:PORT).")
        if not words or not _ADDRESS.match(words[0]):
            raise ValueError(f"The bridge line has no address and port: {text!r}.")
        rest = words[1:]
        if rest and "=" not in rest[0] and not _FINGERPRINT.match(rest[0]):
            raise ValueError(f"{rest[0]!r} in the bridge line is not a bridge fingerprint.")
        if any("=" not in w for w in rest[1:]):
            raise ValueError("After the fingerprint, a bridge line has only key=value "
                             "settings (cert=..., iat-mode=...).")
        return cls(" ".join(([transport] if transport else []) + words), transport)


@dataclass(frozen=True)
class TorOptions:
    """How Majlis runs its own tor. `extra_lines` are torrc lines for advanced use (an upstream
    proxy such as `HTTPSProxy`, `ReachableAddresses`, or a private test network)."""

    bridges: tuple[Bridge, ...] = ()
    extra_lines: tuple[str, ...] = ()
    tor_binary: str | None = None
    bootstrap_timeout: float = BOOTSTRAP_TIMEOUT

    def __post_init__(self) -> None:
        for line in self.extra_lines:
            if any(not ch.isprintable() for ch in line):
                raise ValueError("A tor setting must be one line of text.")

    @property
    def wants_own_tor(self) -> bool:
        """Bridges and extra settings apply only to a tor Majlis starts."""
        return bool(self.bridges or self.extra_lines)


def tor_options(bridges: Sequence[str] = (), config: Path | None = None) -> TorOptions:
    """Options from what a user typed: bridge lines, and a file of extra torrc lines (blank
    lines and # comments ignored). ValueError with a sentence for anything unusable."""
    extra: tuple[str, ...] = ()
    if config is not None:
        try:
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"Cannot read the tor settings file {config}: "
                             f"{getattr(exc, 'strerror', None) or exc}.") from None
        extra = tuple(line.strip() for line in text.splitlines()
                      if line.strip() and not line.lstrip().startswith("#"))
    return TorOptions(tuple(Bridge.parse(b) for b in bridges), extra)


def _which(names: Sequence[str], sbin: bool = False) -> str | None:
    """The first program found on PATH (and, for tor, in /usr/sbin, which a user's PATH often
    lacks)."""
    for name in names:
        found = shutil.which(name)
        if found is None and sbin and "/" not in name and os.access(f"/usr/sbin/{name}", os.X_OK):
            found = f"/usr/sbin/{name}"
        if found:
            return found
    return None


def find_tor(binary: str | None = None) -> str:
    """The tor program, or TorError saying how to get it."""
    found = _which([binary] if binary else ["tor"], sbin=True)
    if found is None:
        raise TorError("Majlis cannot start Tor: the tor program is not installed. Install it "
                       "(Debian, Ubuntu: sudo apt install tor), or start Tor Browser and Majlis "
                       "will use it.", "no-tor")
    return found


def missing_programs(bridges: Sequence[Bridge]) -> list[str]:
    """A sentence for each bridge type whose program is not installed (empty: all there)."""
    problems = []
    for transport in sorted({b.transport for b in bridges if b.transport}):
        if transport not in TRANSPORT_PROGRAMS:
            problems.append(f"Majlis does not know how to use {transport!r} bridges; use obfs4, "
                            "Snowflake, meek or WebTunnel bridges.")
            continue
        programs, package = TRANSPORT_PROGRAMS[transport]
        if _which(programs) is None:
            problems.append(f"{_TRANSPORT_NAMES[transport]} bridges need the {programs[0]} "
                            f"program, which is not installed (package {package}).")
    return problems


def torrc_lines(options: TorOptions, data_dir: Path, owner_pid: int) -> list[str]:
    """The whole configuration of Majlis' own tor."""
    lines = [
        f"DataDirectory {data_dir}",
        "SocksPort 127.0.0.1:auto",
        "ControlPort 0",
        "ClientOnly 1",
        "AvoidDiskWrites 1",
        "Log notice stdout",
        "SafeLogging 1",
        f"__OwningControllerProcess {owner_pid}",
    ]
    if options.bridges:
        lines.append("UseBridges 1")
        plugins: dict[str, list[str]] = {}
        for transport in sorted({b.transport for b in options.bridges if b.transport}):
            program = _which(TRANSPORT_PROGRAMS[transport][0])
            if program is not None:
                plugins.setdefault(program, []).append(transport)
        for program, transports in plugins.items():
            lines.append(f"ClientTransportPlugin {','.join(transports)} exec {program}")
        lines += [f"Bridge {b.line}" for b in options.bridges]
    lines += list(options.extra_lines)
    return lines


def _data_folder() -> Path:
    """A private folder in memory if the system has one (nothing reaches a disk at all).

    Its name carries our process id, so that a later start can remove what a Majlis killed
    outright (SIGKILL, power loss of a tmpfs-less system) left behind: its tor has exited by
    then (`__OwningControllerProcess`), but the folder would otherwise stay until reboot."""
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    for stale in where.glob("majlis-tor-*-*"):
        pid = stale.name.split("-")[2]
        with contextlib.suppress(OSError, ValueError):
            if stale.stat().st_uid == os.getuid() and not _alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"majlis-tor-{os.getpid()}-", dir=where))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OwnTor:
    """A tor process Majlis started; `socks_port` once `start()` returned."""

    def __init__(self, options: TorOptions) -> None:
        self.options = options
        self.socks_port = 0
        self.data_dir: Path | None = None
        self.progress = TorProgress(0, "starting", "Starting Tor")
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._problems: deque[str] = deque(maxlen=_LOG_TAIL)
        self._transport_notes: deque[str] = deque(maxlen=_LOG_TAIL)  # what obfs4proxy etc. say
        self._ready = asyncio.Event()
        self._on_progress: Progress | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self, on_progress: Progress | None = None) -> None:
        """Start tor and return once it is bootstrapped (100%); TorError otherwise."""
        self._on_progress = on_progress
        tor = find_tor(self.options.tor_binary)
        if problems := missing_programs(self.options.bridges):
            raise TorError(" ".join(problems), "no-bridge-program")
        self.data_dir = _data_folder()
        atexit.register(self._remove_sync)
        os.chmod(self.data_dir, 0o700)
        torrc = self.data_dir / "torrc"
        torrc.write_text("\n".join(torrc_lines(self.options, self.data_dir, os.getpid())) + "\n")
        defaults = self.data_dir / "torrc-defaults"
        defaults.write_text("")
        self._report(self.progress)
        try:
            self._proc = await asyncio.create_subprocess_exec(
                tor, "-f", str(torrc), "--defaults-torrc", str(defaults),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            self._remove_sync()
            raise TorError(f"Majlis could not start Tor ({exc.strerror or exc}).") from None
        self._reader = asyncio.create_task(self._read_log())
        try:
            async with asyncio.timeout(self.options.bootstrap_timeout):
                await self._ready.wait()
        except TimeoutError:
            await self.stop()
            raise TorError(self._stuck_sentence(), "stuck", self.progress) from None
        if self._proc.returncode is not None or not self.socks_port:
            await self.stop()
            raise TorError(self._exit_sentence(), "exited", self.progress)

    async def _read_log(self) -> None:
        """Follow tor's log: progress, the SOCKS port, warnings; never written anywhere."""
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if match := _SOCKS_READY.search(text):
                self.socks_port = int(match.group(1))
            elif match := _BOOTSTRAP.search(text):
                self.progress = TorProgress(min(int(match.group(1)), 100), match.group(2),
                                            match.group(3).strip())
                self._report(self.progress)
                if self.progress.percent == 100:
                    self._ready.set()
            elif 'Managed proxy "' in text and '": ' in text:
                self._transport_notes.append(text.split('": ', 1)[1].strip())
            elif "[warn]" in text or "[err]" in text:
                self._problems.append(text.split("] ", 1)[-1])
        await self._proc.wait()
        self._ready.set()  # start() sees the exit

    def _report(self, progress: TorProgress) -> None:
        """A failing callback must not stop `_read_log`: tor would block on a full pipe."""
        if self._on_progress is not None:
            try:
                self._on_progress(progress)
            except Exception:
                logger.exception("the Tor progress callback failed")

    def _stuck_sentence(self) -> str:
        p = self.progress
        advice = ("Check the bridges in Settings, or try other ones." if self.options.bridges
                  else "If Tor is blocked where you are, add a bridge (obfs4 or Snowflake) in "
                       "Settings.")
        said = (f" The bridge program said: {self._transport_notes[-1]}."
                if self._transport_notes else "")
        return (f"Tor could not connect within {self.options.bootstrap_timeout:.0f} seconds "
                f"(it stopped at {p.percent}%: {p.summary}).{said} {advice}")

    def _exit_sentence(self) -> str:
        useful = [p for p in self._problems if "see warnings above" not in p]
        detail = f" Tor said: {useful[0]}" if useful else ""
        return f"Tor stopped before it could connect.{detail}"

    async def stop(self) -> None:
        """Stop tor (SIGTERM, then SIGKILL) and remove its data directory."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(5.0):
                    await proc.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._remove_sync()

    def _remove_sync(self) -> None:
        """Also run at interpreter exit, so a forgotten stop() still leaves nothing behind."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
            atexit.unregister(self._remove_sync)


async def start_tor(options: TorOptions, on_progress: Progress | None = None) -> OwnTor:
    """Start Majlis' own tor and wait until it is bootstrapped."""
    own = OwnTor(options)
    await own.start(on_progress)
    return own


async def use_tor(options: TorOptions | None = None, on_progress: Progress | None = None,
                  ports: Sequence[int] = TOR_PORTS) -> tuple[ProxySettings, OwnTor | None]:
    """The proxy for "Use Tor": a Tor already running (9050, 9150), else Majlis' own tor.

    Returns the proxy settings and, when Majlis started tor, the `OwnTor` the caller must
    `stop()` when the room ends. TorError (a sentence) when no Tor can be had.
    """
    options = options or TorOptions()
    if not options.wants_own_tor:
        status = await tor_available(ports)
        if status.available and status.port is not None:
            return ProxySettings.tor(status.port), None
    own = await start_tor(options, on_progress)
    return ProxySettings.tor(own.socks_port), own
