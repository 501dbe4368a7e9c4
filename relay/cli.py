"""`majlis-relay` / `python -m relay`: run one relay until SIGTERM or SIGINT.

Made to be started by a service manager or a test harness: one machine-readable line on stdout
(`listening on ws://HOST:PORT`, with the real port when --port 0 picked one), diagnostics on
stderr, and exit codes that mean something: 0 after a clean stop, 1 when the relay cannot listen
(the address is in use, the interface does not exist), 2 for a bad option. Errors are one line,
never a traceback: an operator should not have to read Python to fix a typo.
"""

from __future__ import annotations

import signal

# Before the slow imports below: see relay/__main__.py (the console script starts here).
if hasattr(signal, "SIGHUP"):
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from relay.config import add_arguments, load_config
from relay.errors import ConfigError, ListenError
from relay.logs import OncePerInterval
from relay.onion import OnionError, publish
from relay.server import RelayConfig, RelayServer, quiet_exception_handler

__all__ = ["build_parser", "config_from_args", "main"]

PROG = "majlis-relay"
DEFAULT_PORT = 8765


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line instead of argparse's usage block: the line is what the operator needs."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Majlis relay: forwards end-to-end encrypted voice rooms it cannot read. "
        "Keeps no state on disk and, by default, logs no IP address. Every option can also be "
        "set in a TOML file (--config) or an environment variable; the command line wins over "
        "the environment, which wins over the file. SIGHUP reloads the TLS certificate and the "
        "token file.",
    )
    add_arguments(p, RelayConfig(port=DEFAULT_PORT))
    p.add_argument("--onion-control", metavar="ADDRESS",
                   help="publish the relay as a Tor onion service through this tor control "
                        "port (127.0.0.1:9051, 9051 or a socket path) and print 'onion "
                        "ws://....onion/' (relay/onion.py, docs/RELAY.md)")
    p.add_argument("--onion-key", type=Path, metavar="FILE",
                   help="with --onion-control: keep the onion address across restarts in "
                        "this key file (created, mode 0600, if missing)")
    return p


def config_from_args(args: argparse.Namespace,
                     environ: Mapping[str, str] | None = None) -> RelayConfig:
    return load_config(args, os.environ if environ is None else environ, {"port": DEFAULT_PORT})


FD_RESERVE = 64  # listeners, the metrics server, Redis, logs


def _check_fd_limit(config: RelayConfig) -> str | None:
    """Each connection, and each handshake in progress, is a file descriptor, and many systems
    start processes at 1024. Raise the soft limit as far as needed; if the hard limit is too
    low, say so before listening: past the limit every accept fails, and the relay would
    refuse people while its limits claim room for them."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    wanted = config.max_connections + config.max_handshakes + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return None
    if hard == resource.RLIM_INFINITY or hard >= wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            return None
    return (f"max_connections {config.max_connections} and max_handshakes "
            f"{config.max_handshakes} need {wanted} open files, but the limit is {soft} "
            f"(hard limit {hard}); raise it (systemd: LimitNOFILE=, shell: ulimit -n) or "
            "lower max_connections")


def _notify_ready() -> None:
    """Tell systemd (Type=notify) the relay is listening, so that a reload is held back until
    then. No dependency: the protocol is one datagram."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"READY=1", path)


async def _run(config: RelayConfig, onion_control: str | None = None,
               onion_key: Path | None = None) -> int:
    loop = asyncio.get_running_loop()
    if not config.log_ips:
        loop.set_exception_handler(quiet_exception_handler)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    server = RelayServer(config)
    with contextlib.suppress(NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, server.reload)
    await server.start()
    onion = None
    try:
        print(f"listening on {server.url}", flush=True)
        if server.metrics_url is not None:
            print(f"{PROG}: metrics on {server.metrics_url}", file=sys.stderr, flush=True)
        if onion_control:
            port = int(server.url.rsplit(":", 1)[1])
            onion = await asyncio.to_thread(publish, onion_control, port, onion_key, config.host)
            print(f"onion {onion.url}", flush=True)
        _notify_ready()
        await stop.wait()
    finally:
        if onion is not None:
            onion.close()
        await server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        parser.error(str(exc))
    logging.basicConfig(
        level=getattr(logging, config.log_level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # asyncio's and websockets' records too
        handler.addFilter(OncePerInterval())
    problem = _check_fd_limit(config)
    if problem is not None:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(config, args.onion_control, args.onion_key))
    except ConfigError as exc:  # an unreadable certificate is only found when loading it
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except ListenError as exc:
        print(f"{PROG}: cannot listen on {exc.address}: {exc.reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        print(f"{PROG}: cannot listen on {config.host}:{config.port}: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 0
    except OnionError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
