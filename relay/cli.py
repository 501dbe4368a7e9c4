"""`majlis-relay` / `python -m relay`: run one relay until SIGTERM or SIGINT.

Made to be started by a service manager or a test harness: one machine-readable line on stdout
(`listening on ws://HOST:PORT`, with the real port when --port 0 picked one), diagnostics on
stderr, and exit codes that mean something: 0 after a clean stop, 1 when the relay cannot listen
(the address is in use, the interface does not exist), 2 for a bad option. Errors are one line,
never a traceback: an operator should not have to read Python to fix a typo.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from relay.errors import ConfigError
from relay.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ROOM_SIZE,
    DEFAULT_MAX_ROOMS,
    DEFAULT_RATE,
)
from relay.server import RelayConfig, RelayServer, quiet_exception_handler
from relay.wire import MAX_PAYLOAD

__all__ = ["build_parser", "config_from_args", "main"]

PROG = "majlis-relay"
DEFAULT_PORT = 8765


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line instead of argparse's usage block: the line is what the operator needs."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not in 0..65535")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = RelayConfig()
    p = _Parser(
        prog=PROG,
        description="Majlis relay: forwards end-to-end encrypted voice rooms it cannot read. "
        "Keeps no state on disk and, by default, logs no IP address.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for all interfaces)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"TCP port (default: {DEFAULT_PORT}; 0 picks a free port)",
    )
    p.add_argument("--cert", metavar="FILE", help="TLS certificate chain (PEM); enables wss://")
    p.add_argument(
        "--key", metavar="FILE", help="TLS private key (PEM), if not inside the --cert file"
    )
    p.add_argument(
        "--max-message",
        type=_positive_int,
        default=defaults.max_message,
        metavar="BYTES",
        help=f"largest websocket message accepted (default: {MAX_PAYLOAD + 64})",
    )
    p.add_argument(
        "--max-rooms",
        type=_positive_int,
        default=DEFAULT_MAX_ROOMS,
        metavar="N",
        help=f"rooms alive at once (default: {DEFAULT_MAX_ROOMS})",
    )
    p.add_argument(
        "--max-connections",
        type=_positive_int,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"connections at once (default: {DEFAULT_MAX_CONNECTIONS})",
    )
    p.add_argument(
        "--max-room-size",
        type=_positive_int,
        default=DEFAULT_MAX_ROOM_SIZE,
        metavar="N",
        help=f"members in one room (default: {DEFAULT_MAX_ROOM_SIZE})",
    )
    p.add_argument(
        "--rate",
        type=_rate,
        default=DEFAULT_RATE,
        metavar="PER_SECOND",
        help=f"messages per second per connection, bursts of twice as many "
        f"(default: {DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--media-buffer",
        type=_positive_int,
        default=defaults.media_buffer_limit,
        metavar="BYTES",
        help="drop media for a listener with more than this queued "
        f"(default: {defaults.media_buffer_limit})",
    )
    p.add_argument(
        "--control-buffer",
        type=_positive_int,
        default=defaults.control_buffer_limit,
        metavar="BYTES",
        help="disconnect a listener with more than this queued "
        f"(default: {defaults.control_buffer_limit})",
    )
    p.add_argument(
        "--log-ips",
        action="store_true",
        help="include client addresses in logs (off by default, to protect users)",
    )
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="diagnostics on stderr (default: warning)",
    )
    return p


def config_from_args(args: argparse.Namespace) -> RelayConfig:
    config = RelayConfig(
        host=args.host,
        port=args.port,
        certfile=args.cert,
        keyfile=args.key,
        max_message=args.max_message,
        max_rooms=args.max_rooms,
        max_connections=args.max_connections,
        max_room_size=args.max_room_size,
        rate_messages=args.rate,
        media_buffer_limit=args.media_buffer,
        control_buffer_limit=args.control_buffer,
        log_ips=args.log_ips,
    )
    config.check()
    return config


def _raise_fd_limit(wanted: int) -> None:
    """Each connection is a file descriptor; many systems start processes at 1024."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def _run(config: RelayConfig) -> int:
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
    await server.start()
    try:
        print(f"listening on {server.url}", flush=True)
        await stop.wait()
    finally:
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
        level=getattr(logging, args.log_level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _raise_fd_limit(config.max_connections + 64)
    try:
        return asyncio.run(_run(config))
    except ConfigError as exc:  # an unreadable certificate is only found when loading it
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        print(f"{PROG}: cannot listen on {config.host}:{config.port}: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 0
