"""`RelayConfig`: every setting of one relay process, with the checks that run before it listens.

relay/config.py fills it from a TOML file, the environment and the command line; an embedding
application (the desktop app's in-process relay, tests) builds it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from relay.access import parse_networks
from relay.bus import BusConfig
from relay.errors import ConfigError
from relay.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ROOM_SIZE,
    DEFAULT_MAX_ROOMS,
    DEFAULT_RATE,
    Limits,
)
from relay.wire import MAX_PAYLOAD

__all__ = ["RelayConfig", "read_token_file"]


@dataclass
class RelayConfig:
    """Everything one relay process needs; relay/config.py fills it from a file, the
    environment and the command line, and documents every field."""

    host: str = "127.0.0.1"
    port: int = 0
    certfile: str | None = None
    keyfile: str | None = None
    max_message: int = MAX_PAYLOAD + 64
    max_rooms: int = DEFAULT_MAX_ROOMS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_room_size: int = DEFAULT_MAX_ROOM_SIZE
    rate_messages: float = DEFAULT_RATE
    media_buffer_limit: int = 256 * 1024
    # Media is also dropped for a listener whose queued output has not drained for this long: a
    # frame written behind it would reach the listener after its playout gave up on it (the
    # jitter buffer's ceiling is 200 ms), and the queue would become delay. 0 turns it off.
    media_max_age: float = 0.2
    # Queued output of every kind (control, pongs, close frames) one connection may hold before
    # it is closed with TOO_SLOW; and for the whole relay, past which the connections holding
    # the most are dropped first. A stalled member is closed after `stall_timeout` seconds
    # whatever it is sent; an upgraded connection must send its Join within `join_timeout`.
    control_buffer_limit: int = 1024 * 1024
    output_memory: int = 64 * 1024 * 1024
    stall_timeout: float = 10.0
    join_timeout: float = 10.0
    # The website (relay/site.py): a directory of the operator's own pages (None: nginx's
    # default page), nginx's header timeout, and /healthz on this port only where asked.
    site: str | None = None
    http_timeout: float = 60.0
    healthz_path: str | None = None
    # Connections still in their TLS or HTTP handshake, and the TLS handshake's deadline.
    max_handshakes: int = 1000
    tls_handshake_timeout: float = 10.0
    log_ips: bool = False
    # Beyond the interface: how long a closing handshake may take before the socket is aborted,
    # and the keepalive ping period (None or 0 disables keepalive; each wait is randomised
    # +-25%).
    close_timeout: float = 5.0
    ping_interval: float | None = 20.0
    log_level: str = "warning"
    # Looking ordinary and access control (relay/access.py).
    path: str | None = None  # websocket only on this path; elsewhere the neutral page
    # Before a valid Join, close without a reason or an Error message (a client always sends
    # its Join first, so it still learns why it was refused).
    stealth: bool = True
    tokens: tuple[str, ...] = ()  # any of these admits; empty: the relay is open
    token_file: str | None = None  # one token a line, read again on SIGHUP
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies whose X-Forwarded-For is believed
    # Per client address (loopback exempt: a local proxy or onion service is many users).
    max_connections_per_ip: int = 256
    handshakes_per_ip: float = 20.0  # upgrades per second, bursts of twice as many
    max_rooms_per_ip: int = 64
    ipv4_prefix: int = 32  # per-address limits count networks of these prefix lengths
    ipv6_prefix: int = 64
    exempt_loopback: bool = True  # 127.0.0.1 and ::1 (a local proxy or Tor) are not counted
    # Bytes per second per connection, bursts of 4x; 0: only the message rate bounds it (200
    # messages of at most 64 KiB: 13 MB/s). Public relays should set it (RELAY.md).
    rate_bytes: float = 0
    # Operations.
    metrics_listen: str | None = None  # "127.0.0.1:9100": /metrics and /healthz there
    tls_reload_interval: float = 10.0  # seconds between checks of the certificate files; 0: off
    redis_url: str | None = None  # share rooms with other relays through this Redis
    bus_prefix: str = "majlis"
    bus_heartbeat: float = 1.0
    bus_timeout: float = 5.0

    def limits(self) -> Limits:
        """The router's limits; raises ConfigError naming the first bad value."""
        return Limits(
            max_rooms=self.max_rooms,
            max_connections=self.max_connections,
            max_room_size=self.max_room_size,
            rate_messages=self.rate_messages,
            rate_bytes=self.rate_bytes or None,
            max_rooms_per_source=self.max_rooms_per_ip or None,
        )

    def bus(self) -> BusConfig | None:
        if self.redis_url is None:
            return None
        return BusConfig(self.redis_url, self.bus_prefix, self.bus_heartbeat, self.bus_timeout)

    def metrics_address(self) -> tuple[str, int] | None:
        if self.metrics_listen is None:
            return None
        host, sep, port = self.metrics_listen.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ConfigError(f"metrics_listen {self.metrics_listen!r} is not HOST:PORT")
        return host.strip("[]"), int(port)

    def check(self) -> None:
        """Validate every field at once, so a bad option fails before anything listens."""
        self.limits()
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in 0..65535, not {self.port}")
        largest = MAX_PAYLOAD + 64  # the envelope's own maximum: a larger message is never valid
        if not 16 <= self.max_message <= largest:
            raise ConfigError(f"max_message must be between 16 and {largest} bytes (the largest "
                              f"valid message), not {self.max_message}")
        if not self.host.strip():
            raise ConfigError("host must not be empty (an empty host listens on every "
                              "interface; say 0.0.0.0 or :: to mean that)")
        if self.ping_interval and not 1.0 <= self.ping_interval <= 3600.0:
            raise ConfigError(f"keepalive must be 0 (off) or between 1 and 3600 seconds, not "
                              f"{self.ping_interval:g}")
        for name in ("media_buffer_limit", "control_buffer_limit", "max_connections_per_ip",
                     "max_rooms_per_ip", "handshakes_per_ip", "rate_bytes", "output_memory",
                     "max_handshakes"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        if not 0.0 <= self.media_max_age <= 60.0:
            raise ConfigError(f"media_age must be between 0 (off) and 60 seconds, not "
                              f"{self.media_max_age:g}")
        for name in ("stall_timeout", "join_timeout", "tls_handshake_timeout", "http_timeout"):
            value = getattr(self, name)
            if not 1.0 <= value <= 3600.0:
                raise ConfigError(f"{name} must be between 1 and 3600 seconds, not {value:g}")
        if self.output_memory and self.output_memory < self.control_buffer_limit:
            raise ConfigError("output_memory must be at least control_buffer")
        if self.rate_bytes and self.rate_bytes * 4 < self.max_message:
            raise ConfigError(f"rate_bytes {self.rate_bytes:g} is too low: its burst (4x) must "
                              f"hold one message of max_message ({self.max_message}) bytes")
        if not 8 <= self.ipv4_prefix <= 32 or not 16 <= self.ipv6_prefix <= 128:
            raise ConfigError("ipv4_prefix must be in 8..32 and ipv6_prefix in 16..128")
        if self.keyfile is not None and self.certfile is None:
            raise ConfigError("a key file needs a certificate file (--cert)")
        if not self.close_timeout > 0:
            raise ConfigError("close_timeout must be positive")
        for name in ("path", "healthz_path"):
            value = getattr(self, name)
            if value is not None and (not value.startswith("/") or "?" in value):
                raise ConfigError(f"{name} {value!r} must start with / and have no query")
        if self.healthz_path is not None and self.healthz_path == self.path:
            raise ConfigError("healthz_path must differ from path")
        if self.tls_reload_interval < 0:
            raise ConfigError("tls_reload_interval must not be negative")
        if any(not t or t != t.strip() for t in self.tokens):
            raise ConfigError("tokens must be non-empty and without surrounding spaces")
        if self.log_level not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"log_level {self.log_level!r} is not debug, info, warning or error")
        parse_networks(self.trusted_proxies)
        self.metrics_address()
        bus = self.bus()
        if bus is not None:
            bus.check()


def read_token_file(path: str) -> tuple[str, ...]:
    """Tokens, one a line; blank lines and lines starting with # are ignored."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"token_file: cannot read {path}: {exc}") from None
    return tuple(t.strip() for t in lines if t.strip() and not t.lstrip().startswith("#"))

