"""One Majlis window per person: a second launch with a link hands the link to the first.

The desktop opens `majlis://` links by starting `majlis LINK`. With Majlis already open that
would make a second window, a second identity and a second set of devices; instead the new
process passes the link to the running app over a local socket and exits.

The socket lives in `$XDG_RUNTIME_DIR` (a per-user directory of mode 700 on a RAM disk, gone at
logout), never in a shared directory such as /tmp where another account could create the name
first and receive our links, which carry room secrets. Its name includes a digest of the config
directory, so separate profiles (`MAJLIS_CONFIG_DIR`) stay separate apps. A Linux session without
`$XDG_RUNTIME_DIR` gets no hand-over at all (each launch opens a window) rather than a guessable
name in /tmp. On macOS Qt's socket goes in the per-user temporary directory, on Windows it is a
named pipe; both with user-only access. Nothing is written to disk.
"""

from __future__ import annotations

from app.ui.linkpass import MAX_LINK, server_name
from app.ui.qt import QtCore, QtNetwork, Signal

__all__ = ["MAX_LINK", "LinkServer", "hand_over", "server_name"]

TIMEOUT_MS = 1000


def hand_over(link: str, name: str | None = None) -> bool:
    """Give `link` to an app already running for this profile; False if none answers."""
    name = name or server_name()
    if name is None:
        return False
    socket = QtNetwork.QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(QtCore.QByteArray(link.encode("utf-8")[:MAX_LINK] + b"\n"))
    sent = socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return sent


class LinkServer(QtCore.QObject):
    """Listens for links from later launches; `linkReceived` for each (GUI thread)."""

    linkReceived = Signal(str)

    def __init__(self, name: str | None = None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()  # None: no hand-over here (see the module)
        self.server = QtNetwork.QLocalServer(self)
        self.server.setSocketOptions(QtNetwork.QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed app is replaced, a live one is not."""
        if self.name is None or hand_over_probe(self.name):
            return False  # another window of this profile is running and keeps the name
        if self.server.listen(self.name):
            return True
        QtNetwork.QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while (conn := self.server.nextPendingConnection()) is not None:
            buffer = bytearray()

            def read(conn: QtNetwork.QLocalSocket = conn, buffer: bytearray = buffer) -> None:
                buffer.extend(bytes(conn.readAll().data()))
                if b"\n" in buffer or len(buffer) > MAX_LINK:
                    line = bytes(buffer).split(b"\n", 1)[0][:MAX_LINK]
                    conn.readyRead.disconnect()
                    conn.disconnectFromServer()
                    conn.deleteLater()
                    text = line.decode("utf-8", "replace").strip()
                    if text:
                        self.linkReceived.emit(text)

            conn.readyRead.connect(read)
            if conn.bytesAvailable():
                read()


def hand_over_probe(name: str) -> bool:
    """Whether something answers at `name` (without sending it anything)."""
    socket = QtNetwork.QLocalSocket()
    socket.connectToServer(name)
    alive = socket.waitForConnected(TIMEOUT_MS // 4)
    socket.abort()
    return alive
