"""The room core's exception tree, split by blame as h11 does.

- `LocalProtocolError`: this client asked for something the room's rules forbid (raise a hand
  while on stage, kick as a listener). A bug or a UI that let the user click what it should not.
- `RemoteProtocolError`: a peer or the relay sent something malformed, forged or illegal. The core
  never raises these to the adapter: it drops the message, counts it and emits an event. They exist
  so that parsers have one type to raise and the core one type to catch.
"""

from __future__ import annotations


class RoomError(Exception):
    """Base of every error the room core raises."""


class LocalProtocolError(RoomError):
    """The local user (or the UI) attempted an action that is illegal in the current state."""


class RemoteProtocolError(RoomError):
    """A message from the network is malformed or not allowed; it is dropped, never acted on."""


class StaleCommit(RemoteProtocolError):
    """A commit that builds on an epoch the room has already left: another admin's commit for
    that epoch came first in the relay's order. Expected under concurrency; counted, not alarmed."""
