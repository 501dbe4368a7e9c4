"""The epoch keys one member holds.

After a rotation the previous key is kept for a short grace period, because frames and control
messages sent just before the rotation are still in flight; then it is dropped. A member never
holds a key older than the one it was welcomed with, which is what keeps late joiners deaf to the
past.
"""

from __future__ import annotations

from crypto.keys import EpochKey

GRACE_SECONDS = 2.0


class Keyring:
    def __init__(self) -> None:
        self.current: EpochKey | None = None
        self._keys: dict[int, EpochKey] = {}
        self._expiry: dict[int, float] = {}

    def install(self, key: EpochKey, now: float) -> None:
        """Make `key` current; the one it replaces stays readable for GRACE_SECONDS."""
        if self.current is not None:
            self._expiry[self.current.number] = now + GRACE_SECONDS
        self._keys[key.number] = key
        self._expiry.pop(key.number, None)
        self.current = key

    def get(self, number: int) -> EpochKey | None:
        return self._keys.get(number)

    def expire(self, now: float) -> None:
        for number, when in list(self._expiry.items()):
            if now >= when:
                del self._expiry[number]
                self._keys.pop(number, None)

    def wipe(self) -> None:
        """Forget every key (Python cannot zero immutable bytes; dropping all references is the
        best it offers, and the room's keys never touch the disk)."""
        self._keys.clear()
        self._expiry.clear()
        self.current = None

    @property
    def numbers(self) -> list[int]:
        return sorted(self._keys)
