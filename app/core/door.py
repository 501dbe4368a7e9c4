"""The room's door: a key any admin can open knocks with, so the room admits after its host.

Knocks are sealed to a key the invite pins. A version-1 invite pins only the host's key, so only
the host reads knocks. A version-2 invite also pins a *door* key (an Ed25519 identity of its
own, whose X25519 form seals knocks): the host makes it with the room and gives its 32-byte seed
(DOOR, a direct message sealed to the recipient) to every co-host it appoints. Whoever holds the
room's host role then reads knocks and resume knocks, and shows a joiner that it speaks for the
room with a DOOR_PASS: the door's signature over the room's routing id, its own key and the
joiner's session, which the joiner checks against the door key in its invite.

Limits: a co-host that is demoted or removed keeps the door seed: it can read later knocks and
answer joiners until the room moves to a new link (the same as an ex-member who kept a
version-1 link reads that knocks happen, but with names and keys). The door is not rotated.
"""

from __future__ import annotations

from crypto.errors import CryptoError
from crypto.identity import Identity, PublicIdentity

DOOR_LABEL = b"majlis/door/v1"  # door signature: routing id | admin key (32) | session (8)
SEED_SIZE = 32
PASS_SIZE = 8 + 64


def door_from_seed(seed: bytes, door_key: bytes) -> Identity | None:
    """The door identity if `seed` makes the key the invite pins, else None."""
    if len(seed) != SEED_SIZE:
        return None
    door = Identity.from_seed(seed)
    return door if door.public.key == door_key else None


def door_pass(door: Identity, routing_id: bytes, admin_key: bytes, session: bytes) -> bytes:
    """DOOR_PASS body: `session (8) | signature (64)`."""
    return session + door.sign(DOOR_LABEL, routing_id + admin_key + session)


def check_pass(body: bytes, door_key: bytes, routing_id: bytes, admin_key: bytes,
               session: bytes) -> bool:
    if len(body) != PASS_SIZE or body[:8] != session:
        return False
    try:
        PublicIdentity(door_key).verify(DOOR_LABEL, routing_id + admin_key + session, body[8:])
    except CryptoError:
        return False
    return True
