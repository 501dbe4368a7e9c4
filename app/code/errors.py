"""The code exchange's exception tree, split by blame as the room core's is (app/core/errors.py).

- `BadCode`: what the person typed is not a code (a sentence for them, and a `reason`).
- `CodeStateError`: this app asked a machine for something illegal in its state (a bug).
- `CodeMessageError` (and `UnknownCodeVersion`): a mailbox message from the network is malformed.
  The machines never raise it to an adapter: they drop the message, count it, and go on.
- `CodeFailed`: an exchange ended without an invite; `str()` is a sentence for the joiner and
  `reason` a stable code a translated interface can key on.
"""

from __future__ import annotations


class CodeError(Exception):
    """Base of every error of app.code."""


class BadCode(CodeError):
    """The text is not a code; `str()` says what to fix, `reason` names the problem."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class CodeStateError(CodeError):
    """A local call that the machine's current state does not allow (a bug in the caller)."""


class CodeMessageError(CodeError):
    """A mailbox message that is malformed: wrong length, unknown type, bad padding."""


class UnknownCodeVersion(CodeMessageError):
    """A mailbox message of a version this app does not speak."""


class CodeFailed(CodeError):
    """Joining with a code did not work; `str()` is a sentence for the joiner."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
