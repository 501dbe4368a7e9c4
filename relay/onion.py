"""Publish a running relay as a Tor onion service through tor's control port.

`majlis-relay --onion-control 127.0.0.1:9051` asks the operator's tor (with `ControlPort 9051`
and `CookieAuthentication 1` in its torrc, or a control socket path) to publish the relay's
port as an onion service, waits until tor has uploaded the service's descriptor, and prints the
room URL (`onion ws://….onion/`). The service lives exactly as long as the relay's control
connection: when the relay stops, tor takes it down.

Without `--onion-key` the address is new at every start and nothing touches the disk, like the
relay itself. With `--onion-key FILE`, the service's private key is read from FILE, or created
there (mode 0600) on the first start, so the address survives restarts: that file is then the
address, and whoever copies it can run the service. The torrc way (`HiddenServiceDir`,
docs/RELAY.md) needs no control port; this way needs no root access to torrc.

stem (Tor's own controller library) speaks the control protocol, including its cookie and
SAFECOOKIE authentication. Failures are `OnionError`, one sentence for the operator.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OnionError", "OnionService", "publish"]

PUBLISH_TIMEOUT = 120.0


class OnionError(Exception):
    """The onion service could not be published; `str()` says why in one sentence."""


@dataclass
class OnionService:
    """A published service; `close()` takes it down (as does the relay exiting)."""

    service_id: str
    controller: Any  # stem.control.Controller; stem has no type hints

    @property
    def url(self) -> str:
        return f"ws://{self.service_id}.onion/"

    def close(self) -> None:
        # tor may be gone already, and the service with it
        with contextlib.suppress(Exception):
            self.controller.remove_ephemeral_hidden_service(self.service_id)
        self.controller.close()


def _controller(control: str) -> Any:
    try:
        from stem import SocketError
        from stem.control import Controller
    except ImportError:
        raise OnionError("--onion-control needs the stem library (pip install stem).") from None
    try:
        if "/" in control:
            return Controller.from_socket_file(control)
        host, _, port = control.rpartition(":")
        return Controller.from_port(address=host or "127.0.0.1", port=int(port))
    except ValueError:
        raise OnionError(f"--onion-control {control!r}: write HOST:PORT (127.0.0.1:9051), "
                         "PORT, or the path of tor's control socket.") from None
    except SocketError as exc:
        raise OnionError(f"cannot reach tor's control port at {control} ({exc}); is "
                         "ControlPort set in its torrc?") from None


def publish(control: str, relay_port: int, key_file: Path | None = None,
            relay_host: str = "127.0.0.1", onion_port: int = 80,
            timeout: float = PUBLISH_TIMEOUT) -> OnionService:
    """Publish `relay_host`:`relay_port` as `onion_port` of an onion service; block until tor
    has uploaded its descriptor (the address works from then on)."""
    if relay_host in ("", "0.0.0.0", "::"):
        relay_host = "127.0.0.1"
    from stem import ControllerError, Timeout

    key_type, key_content = "NEW", "ED25519-V3"
    if key_file is not None and key_file.exists():
        try:
            key_type, _, key_content = key_file.read_text().strip().partition(":")
        except OSError as exc:
            raise OnionError(f"cannot read the onion key {key_file}: {exc.strerror}.") from None
        if key_type != "ED25519-V3" or not key_content:
            raise OnionError(f"{key_file} is not an onion service key (ED25519-V3:…).")
    controller = _controller(control if ":" in control or "/" in control else f":{control}")
    try:
        controller.authenticate()
        reply = controller.create_ephemeral_hidden_service(
            {onion_port: f"{relay_host}:{relay_port}"}, key_type=key_type,
            key_content=key_content, await_publication=True, timeout=timeout)
    except Timeout:
        controller.close()
        raise OnionError(f"tor did not publish the onion service within {timeout:.0f} s; is "
                         "it connected to the Tor network?") from None
    except (ControllerError, OSError) as exc:
        controller.close()
        raise OnionError(f"tor refused to publish the onion service ({exc}).") from None
    if key_file is not None and key_type == "NEW":
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"{reply.private_key_type}:{reply.private_key}\n")
        except OSError as exc:
            controller.close()
            raise OnionError(f"cannot write the onion key {key_file}: {exc.strerror}.") from None
    return OnionService(str(reply.service_id), controller)
