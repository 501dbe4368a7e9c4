"""The relay's one error tree.

Everything the relay raises derives from `RelayError`, so a caller (the server adapter, a client
decoding relay messages, a fuzz test) can catch one family and know nothing else escapes:

    RelayError
    ├── WireError            a relay envelope is malformed (the only family parsers raise)
    │   ├── UnknownVersion   the first byte names an envelope version we do not speak
    │   └── MessageTooLarge  a payload or peer list exceeds the fixed maximum
    ├── RouterMisuse         the caller broke the Router's API contract (a local bug, not the peer)
    ├── ConfigError          a limit or option has a value the relay cannot run with
    └── ListenError          an address (the relay's or its metrics') cannot be listened on

Wire errors are the peer's fault and are turned into a close with a reason; `RouterMisuse` and
`ConfigError` are ours and surface to the operator.
"""

from __future__ import annotations


class RelayError(Exception):
    """Base class of every error the relay package raises."""


class WireError(RelayError):
    """A relay envelope could not be decoded or encoded; `str(e)` says which field and why."""


class UnknownVersion(WireError):
    """The envelope's version byte is not one this code speaks."""


class MessageTooLarge(WireError):
    """A payload (or a Joined peer list) is larger than the envelope allows."""


class RouterMisuse(RelayError):
    """The Router was driven in a way its contract forbids (for example connecting twice)."""


class ConfigError(RelayError, ValueError):
    """A configuration value is out of range; `str(e)` names the option and the allowed range.

    Also a ValueError, so code that embeds a relay can treat it like any other bad argument.
    """


class ListenError(RelayError, OSError):
    """An address cannot be listened on; `address` says which one (the relay's own, or the
    metrics listener's), so an operator is not sent looking at the wrong port."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"cannot listen on {address}: {reason}")
        self.address, self.reason = address, reason
