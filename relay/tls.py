"""TLS whose certificate can be replaced without a restart (SIGHUP, or the files changing).

A listening asyncio server keeps the SSLContext it was given, so the relay hands it a context
whose `sni_callback` swaps in the newest loaded context at the start of every handshake (the
callback runs for every ClientHello, with or without a server name). New handshakes get the new
certificate; established connections keep theirs. A certificate that fails to load (half-written
by a renewal, a key that does not match) is reported and the previous one stays in service, so a
botched renewal never takes the relay down.
"""

from __future__ import annotations

import logging
import os
import ssl

from relay.errors import ConfigError

__all__ = ["ReloadingTLS"]

logger = logging.getLogger("relay.tls")


def _load(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # HTTP/1.1 only, like an ordinary web server in front of a websocket endpoint.
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load certificate {certfile}: {exc}") from None
    return context


class ReloadingTLS:
    """The server context plus `reload()`; `reloads` and `failures` count for the metrics."""

    def __init__(self, certfile: str, keyfile: str | None) -> None:
        self.certfile, self.keyfile = certfile, keyfile
        self.current = _load(certfile, keyfile)  # ConfigError at start: fail loudly
        self._stamp = self._stat()
        self.reloads = 0
        self.failures = 0
        self.context = _load(certfile, keyfile)
        self.context.sni_callback = self._pick

    def _pick(self, conn: ssl.SSLObject | ssl.SSLSocket, name: str | None,
              _ctx: ssl.SSLContext) -> int | None:
        conn.context = self.current
        return None

    def _stat(self) -> tuple[float, ...]:
        stamps: list[float] = []
        for path in (self.certfile, self.keyfile):
            if path is None:
                continue
            try:
                st = os.stat(path)
                stamps.extend((st.st_mtime, st.st_size, st.st_ino))
            except OSError:
                stamps.append(-1.0)
        return tuple(stamps)

    def reload(self) -> bool:
        """Load the files again; True if the new certificate is now in service."""
        self._stamp = self._stat()
        try:
            self.current = _load(self.certfile, self.keyfile)
        except ConfigError as exc:
            self.failures += 1
            logger.warning("%s; still serving the previous certificate", exc)
            return False
        self.reloads += 1
        logger.info("certificate reloaded")
        return True

    def reload_if_changed(self) -> bool:
        """Reload when either file's time, size or inode changed since the last load."""
        if self._stat() == self._stamp:
            return False
        return self.reload()
