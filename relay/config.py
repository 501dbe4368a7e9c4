"""Configuration from three places, with one precedence: command line > environment > file.

Every option is listed once, in `OPTIONS`: its key in the TOML file, its environment variable
(`MAJLIS_RELAY_` and the key in capitals, for containers), its command-line flag, how to parse
it and what it does. `--help` is generated from that table, so it explains every option, where
it can be set, and its default. A value that cannot be used stops the relay before it listens,
with one line naming the option and where it came from ("MAJLIS_RELAY_PORT: 'x' is not a port
number", "relay.toml: max_rooms: ...").

The file is TOML (`--config FILE` or `MAJLIS_RELAY_CONFIG`), with the same keys at the top
level. Unknown keys are errors: a misspelt limit silently ignored is a limit not enforced.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from relay.errors import ConfigError
from relay.server import RelayConfig

__all__ = ["ENV_PREFIX", "OPTIONS", "Option", "load_config"]

ENV_PREFIX = "MAJLIS_RELAY_"


def _int(text: str, noun: str = "an integer") -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {noun}") from None


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise ValueError(f"{text} is not a positive integer")
    return value


def _count(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise ValueError(f"{text} is negative")
    return value


def _port(text: str) -> int:
    value = _int(text, "a port number")
    if not 0 <= value <= 65535:
        raise ValueError(f"{text} is not in 0..65535")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"{text} is not a positive number")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise ValueError(f"{text} is not a number of seconds")
    return value


def _keepalive(text: str) -> float:
    return _seconds(text)  # 0 turns keepalive off (RelayConfig treats 0 like None)


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _text(text: str) -> str:
    return text


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _tokens(text: str) -> tuple[str, ...]:
    """An empty token list given on purpose is a mistake, never "admit everyone"."""
    tokens = _words(text)
    if not tokens or len(tokens) != len(text.split(",")):
        raise ValueError("an empty token would admit no one and an empty list everyone; "
                         "leave the option out for an open relay")
    return tokens


def _host(text: str) -> str:
    """An empty host would make asyncio listen on every interface."""
    if not text.strip():
        raise ValueError("an empty address would listen on every interface; say 0.0.0.0 or "
                         ":: to mean that")
    return text.strip()


def _prefix(text: str) -> int:
    return _int(text, "a prefix length")


@dataclass(frozen=True)
class Option:
    key: str  # TOML key; environment variable MAJLIS_RELAY_<KEY>
    field: str  # RelayConfig field
    flag: str
    parse: Callable[[str], Any]
    help: str
    metavar: str | None = None  # None: a switch (flag without a value)
    kind: str = "value"  # "value", "switch", "list"

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()


OPTIONS: tuple[Option, ...] = (
    Option("host", "host", "--host", _host, "address to listen on (0.0.0.0: every interface)",
           "ADDR"),
    Option("port", "port", "--port", _port, "TCP port (0 picks a free one)", "PORT"),
    Option("cert", "certfile", "--cert", _text,
           "TLS certificate chain (PEM); enables wss://. Reloaded on SIGHUP and when it changes",
           "FILE"),
    Option("key", "keyfile", "--key", _text, "TLS private key (PEM), if not inside --cert",
           "FILE"),
    Option("tls_reload_interval", "tls_reload_interval", "--tls-reload-interval", _seconds,
           "seconds between checks of the certificate files for a renewal (0: SIGHUP only)", "S"),
    Option("path", "path", "--path", _text,
           "serve websockets only on this path (e.g. a long random one); every other request "
           "gets the ordinary web page", "PATH"),
    Option("site", "site", "--site", _text,
           "directory with the website to show everyone but relay clients (default: the page "
           "of a freshly installed nginx)", "DIR"),
    Option("healthz_path", "healthz_path", "--healthz-path", _text,
           "also answer health checks on this path of the public port (the metrics listener "
           "always has /healthz)", "PATH"),
    Option("http_timeout", "http_timeout", "--http-timeout", _positive,
           "seconds a visitor may take to send a request (idle keep-alive: 5 more), as nginx",
           "S"),
    Option("stealth", "stealth", "--stealth", _bool,
           "say nothing distinctive to a client before it sends a valid Join: close without "
           "reason or error message", None, "switch"),
    Option("token", "tokens", "--token", _tokens,
           "access token(s), comma-separated: only clients with one may join. Prefer "
           "--token-file (the command line is visible to other local users)", "TOKEN", "list"),
    Option("token_file", "token_file", "--token-file", _text,
           "file with one access token per line; read again on SIGHUP", "FILE"),
    Option("trusted_proxies", "trusted_proxies", "--trusted-proxies", _words,
           "comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is "
           "believed", "NETS", "list"),
    Option("max_message", "max_message", "--max-message", _positive_int,
           "largest websocket message accepted", "BYTES"),
    Option("max_rooms", "max_rooms", "--max-rooms", _positive_int, "rooms alive at once", "N"),
    Option("max_connections", "max_connections", "--max-connections", _positive_int,
           "connections at once", "N"),
    Option("max_room_size", "max_room_size", "--max-room-size", _positive_int,
           "members in one room (across every relay of the bus)", "N"),
    Option("rate", "rate_messages", "--rate", _positive,
           "messages per second per connection, bursts of twice as many", "PER_SECOND"),
    Option("rate_bytes", "rate_bytes", "--rate-bytes", _count,
           "bytes per second per connection, bursts of four times as many (0: no limit)",
           "BYTES"),
    Option("max_connections_per_ip", "max_connections_per_ip", "--max-connections-per-ip",
           _count, "connections at once from one address (0: no limit; loopback exempt)", "N"),
    Option("handshakes_per_ip", "handshakes_per_ip", "--handshakes-per-ip", _seconds,
           "websocket upgrades per second from one address, bursts of twice as many (0: no "
           "limit; loopback exempt)", "PER_SECOND"),
    Option("max_rooms_per_ip", "max_rooms_per_ip", "--max-rooms-per-ip", _count,
           "rooms one address may be in at once (0: no limit; loopback exempt)", "N"),
    Option("ipv4_prefix", "ipv4_prefix", "--ipv4-prefix", _prefix,
           "per-address limits count IPv4 networks of this prefix length", "BITS"),
    Option("ipv6_prefix", "ipv6_prefix", "--ipv6-prefix", _prefix,
           "per-address limits count IPv6 networks of this prefix length (one subscriber "
           "usually has a /64)", "BITS"),
    Option("exempt_loopback", "exempt_loopback", "--exempt-loopback", _bool,
           "exempt 127.0.0.1 and ::1 (a local proxy, a local Tor daemon for an onion service) "
           "from per-address limits; set false to count them as one address", "BOOL"),
    Option("media_buffer", "media_buffer_limit", "--media-buffer", _positive_int,
           "drop media for a listener with more than this queued", "BYTES"),
    Option("media_age", "media_max_age", "--media-age", _seconds,
           "drop media for a listener whose queued output has not drained for this long "
           "(0: off)", "S"),
    Option("control_buffer", "control_buffer_limit", "--control-buffer", _positive_int,
           "close a connection with more than this queued for it, of any kind (control, "
           "pongs, close frames)", "BYTES"),
    Option("output_memory", "output_memory", "--output-memory", _count,
           "queued output the whole relay may hold; past it the connections holding the most "
           "are dropped first (0: no ceiling)", "BYTES"),
    Option("stall_timeout", "stall_timeout", "--stall-timeout", _positive,
           "close a member whose queued output has not drained for this long", "S"),
    Option("join_timeout", "join_timeout", "--join-timeout", _positive,
           "close a connection that has not sent its Join this long after the upgrade", "S"),
    Option("max_handshakes", "max_handshakes", "--max-handshakes", _count,
           "connections in their TLS or HTTP handshake at once; more are dropped unanswered "
           "(0: no limit)", "N"),
    Option("tls_handshake_timeout", "tls_handshake_timeout", "--tls-handshake-timeout",
           _positive, "seconds a TLS handshake may take", "S"),
    Option("keepalive", "ping_interval", "--keepalive", _keepalive,
           "seconds between keepalive pings, randomised +-25%; a connection that does not "
           "answer within as long again is closed (0: no pings)", "S"),
    Option("redis", "redis_url", "--redis", _text,
           "share rooms with the other relays using this Redis (redis://HOST:PORT/DB)", "URL"),
    Option("bus_prefix", "bus_prefix", "--bus-prefix", _text,
           "prefix of this deployment's keys and channels in Redis", "WORD"),
    Option("bus_heartbeat", "bus_heartbeat", "--bus-heartbeat", _positive,
           "seconds between heartbeats on the bus", "S"),
    Option("bus_timeout", "bus_timeout", "--bus-timeout", _positive,
           "seconds of silence after which a relay is presumed dead and its members removed",
           "S"),
    Option("metrics_listen", "metrics_listen", "--metrics-listen", _text,
           "serve /metrics (Prometheus, counts only) and /healthz on this HOST:PORT",
           "HOST:PORT"),
    Option("log_ips", "log_ips", "--log-ips", _bool,
           "include client addresses in logs (off by default, to protect users)", None,
           "switch"),
    Option("log_level", "log_level", "--log-level", _text,
           "diagnostics on stderr: debug, info, warning or error", "LEVEL"),
)
_BY_KEY = {o.key: o for o in OPTIONS}
_FIELDS = {f.name for f in fields(RelayConfig)}
assert all(o.field in _FIELDS for o in OPTIONS)


def add_arguments(parser: argparse.ArgumentParser, defaults: RelayConfig) -> None:
    """One flag per option; unset flags stay None so they do not hide the file or environment."""
    parser.add_argument("--config", metavar="FILE",
                        help=f"TOML file with any of the keys below (env {ENV_PREFIX}CONFIG)")
    for o in OPTIONS:
        default = getattr(defaults, o.field)
        if isinstance(default, tuple):
            default = ",".join(default) or "none"
        shown = "off" if default in (None, False) else default
        help_text = f"{o.help} (default: {shown}; file: {o.key}; env: {o.env})".replace("%", "%%")
        if o.kind == "switch":  # "--stealth" alone means true; "--stealth false" is allowed
            parser.add_argument(o.flag, dest=o.key, metavar="BOOL", nargs="?", const=True,
                                default=None, type=_argparse_type(o), help=help_text)
        else:
            parser.add_argument(o.flag, dest=o.key, metavar=o.metavar, default=None,
                                type=_argparse_type(o), help=help_text)


def _argparse_type(o: Option) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return o.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = o.key
    return parse


def _from_file(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    name = os.path.basename(path)
    values: dict[str, Any] = {}
    for key, value in data.items():
        o = _BY_KEY.get(key)
        if o is None:
            raise ConfigError(f"{name}: unknown option {key!r}")
        values[o.field] = _typed(o, value, f"{name}: {key}")
    return values


def _typed(o: Option, value: Any, where: str) -> Any:
    """A TOML value: a string is parsed like a flag; numbers, booleans and lists must fit."""
    try:
        if o.kind == "list" and isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ValueError("must be a list of strings")
            if o.parse is _tokens:
                return _tokens(",".join(value))
            return tuple(v.strip() for v in value)
        if o.kind == "switch" and not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false")
        if isinstance(value, bool) and o.kind != "switch" and o.parse is not _bool:
            raise ValueError(f"{value!r} is not a valid value")
        if isinstance(value, int | float | bool):  # TOML numbers and booleans, as text
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a valid value")
        return o.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(args: argparse.Namespace, environ: Mapping[str, str],
                base: Mapping[str, Any] | None = None) -> RelayConfig:
    """Defaults (RelayConfig's, updated by `base`), then the file, then the environment, then
    the flags; ConfigError names the option and its source. Unknown MAJLIS_RELAY_* variables
    are errors too."""
    values: dict[str, Any] = dict(base or {})
    path = args.config or environ.get(ENV_PREFIX + "CONFIG")
    if path:
        values.update(_from_file(path))
    for name, text in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        o = _BY_KEY.get(name[len(ENV_PREFIX):].lower())
        if o is None:
            raise ConfigError(f"{name}: unknown option (see --help)")
        try:
            values[o.field] = o.parse(text)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    for o in OPTIONS:
        value = getattr(args, o.key)
        if value is not None:
            values[o.field] = value
    config = RelayConfig(**values)
    config.check()
    return config


def option_names() -> Sequence[str]:
    return [o.flag for o in OPTIONS]
