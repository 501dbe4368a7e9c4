"""Bodies of the room's control messages, and their binary encoding.

These bodies travel inside the crypto envelopes (`crypto.control`): a group control message is
encrypted under the epoch's control key and signed by its sender; a direct message is sealed to
one member and signed. Every decoder checks lengths before use and raises only
`RemoteProtocolError`. PROTOCOL.md lists every body byte by byte.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from app.core.errors import RemoteProtocolError
from app.core.roster import Member, Role

MAX_NAME = 64  # bytes of UTF-8
MAX_ROOM_NAME = 100
MAX_TOPIC = 500
SESSION_SIZE = 8
KEY_SIZE = 32
SEALED_EPOCH_KEY_SIZE = 84
COMMITMENT_SIZE = 16
MAX_BANNED = 1000  # removed keys a welcome carries (the newest, if there were more)
MAX_EVIDENCE = 2048  # bytes of the unopened message a key request shows


class Kind(enum.IntEnum):
    """Kinds of control (group) and direct messages; the values are on the wire."""

    # group messages, encrypted under the epoch control key
    ADMIT = 0x10
    HAND = 0x11
    STAGE_INVITE = 0x12
    STAGE_ANSWER = 0x13
    SET_ROLE = 0x14
    MUTE = 0x15
    REKEY = 0x16
    LEAVE = 0x17
    END = 0x18
    LOSS_REPORT = 0x19  # a listener to one speaker, sent by unicast to the speaker's slot
    RETURN = 0x1A  # members who reconnected are back, at these slots
    MOVE = 0x1B  # the host moves the room to another relay of the invite
    PROPOSE = 0x1C  # a removal or role change, for the committer to commit
    # direct messages, sealed to one member
    WELCOME = 0x30
    KEY_REQUEST = 0x31
    WAITING = 0x32
    REFUSED = 0x33
    RESUME_EXPIRED = 0x34  # the host no longer holds a place for this member: knock afresh
    TREE_WELCOME = 0x35  # the member's key-tree path, after a WELCOME
    DOOR = 0x36  # the room's door seed, from the host to a co-host it appoints (app.core.door)
    DOOR_PASS = 0x37  # an admin that is not the pinned host shows a joiner the door's signature


class RekeyReason(enum.IntEnum):
    KICK = 1
    LEAVE = 2


class Writer:
    """Appends big-endian fields; the mirror of `Reader`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, v: int) -> Writer:
        self._parts.append(struct.pack(">B", v))
        return self

    def u16(self, v: int) -> Writer:
        self._parts.append(struct.pack(">H", v))
        return self

    def u32(self, v: int) -> Writer:
        self._parts.append(struct.pack(">I", v))
        return self

    def raw(self, b: bytes) -> Writer:
        self._parts.append(b)
        return self

    def text(self, s: str, limit: int, wide: bool = False) -> Writer:
        data = s.encode("utf-8")[:limit]
        # Cutting UTF-8 may split a character; drop the broken tail rather than send it.
        data = data.decode("utf-8", "ignore").encode("utf-8")
        return (self.u16(len(data)) if wide else self.u8(len(data))).raw(data)

    def done(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Reads big-endian fields with a length check before every use."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def _take(self, n: int) -> bytes:
        end = self._pos + n
        if n < 0 or end > len(self._data):
            raise RemoteProtocolError("message is truncated")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def u8(self) -> int:
        return int(self._take(1)[0])

    def u16(self) -> int:
        return int(struct.unpack(">H", self._take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self._take(4))[0])

    def raw(self, n: int) -> bytes:
        return self._take(n)

    def text(self, limit: int, wide: bool = False) -> str:
        n = self.u16() if wide else self.u8()
        if n > limit:
            raise RemoteProtocolError("text field is too long")
        try:
            return self._take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise RemoteProtocolError("text field is not UTF-8") from None

    def flag(self) -> bool:
        v = self.u8()
        if v > 1:
            raise RemoteProtocolError("boolean field is neither 0 nor 1")
        return v == 1

    def remaining(self) -> int:
        return len(self._data) - self._pos

    def end(self) -> None:
        if self._pos != len(self._data):
            raise RemoteProtocolError("message has trailing bytes")


def write_member(w: Writer, m: Member) -> None:
    flags = (1 if m.hand else 0) | (2 if m.invited else 0) | (4 if m.muted else 0)
    w.u32(m.member_id).raw(m.key).raw(m.session).u32(m.slot).u8(int(m.role)).u8(flags)
    w.text(m.name, MAX_NAME)


def read_member(r: Reader) -> Member:
    member_id = r.u32()
    key = r.raw(KEY_SIZE)
    session = r.raw(SESSION_SIZE)
    slot = r.u32()
    try:
        role = Role(r.u8())
    except ValueError:
        raise RemoteProtocolError("unknown role") from None
    flags = r.u8()
    if flags & ~7:
        raise RemoteProtocolError("unknown member flags")
    name = r.text(MAX_NAME)
    return Member(member_id, key, session, slot, name, role,
                  hand=bool(flags & 1), invited=bool(flags & 2), muted=bool(flags & 4))


# --- knock ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Resume:
    """A knock from someone already in the room whose connection dropped.

    `member_id` and the knock's session must match the host's record of them; `attempt` grows
    with every resume knock of that session, so a relay that replays an old one is not believed.
    """

    member_id: int
    attempt: int


@dataclass(frozen=True)
class KnockBody:
    name: str
    session: bytes
    resume: Resume | None = None


def encode_knock(b: KnockBody) -> bytes:
    w = Writer().raw(b.session).text(b.name, MAX_NAME)
    if b.resume is not None:
        w.u32(b.resume.member_id).u32(b.resume.attempt)
    return w.done()


def decode_knock(data: bytes) -> KnockBody:
    r = Reader(data)
    session = r.raw(SESSION_SIZE)
    name = r.text(MAX_NAME)
    resume = None
    if r.remaining():
        resume = Resume(r.u32(), r.u32())
    r.end()
    return KnockBody(name, session, resume)


# --- group messages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Admit:
    """A new member is in; everyone ratchets to `new_epoch`."""

    member: Member
    new_epoch: int
    # The key tree's ADD update for the joiner (98 bytes), empty when the committer holds no
    # tree (a co-host committing while the host is away): app.core.treekeys.
    tree: bytes = b""


@dataclass(frozen=True)
class Flag:
    """HAND (raised), STAGE_ANSWER (accepted) and MUTE (muted): one boolean about the signer."""

    value: bool


@dataclass(frozen=True)
class Target:
    """STAGE_INVITE and END's cousins: a message about one member."""

    member_id: int


@dataclass(frozen=True)
class SetRole:
    """A role change is a commit: it names the epoch it creates (current + 1) and every member
    ratchets, so roles are state agreed per epoch, not messages applied in arrival order."""

    member_id: int
    role: Role
    new_epoch: int


@dataclass(frozen=True)
class Rekey:
    """One chunk of a fresh epoch key sealed to each remaining member.

    Large rooms need several chunks (each message is bounded); `removed` rides on every chunk so
    that any one of them is enough to know who is out.
    """

    new_epoch: int
    reason: RekeyReason
    chunk: int
    chunks: int
    removed: tuple[int, ...]
    entries: tuple[tuple[int, bytes], ...]
    # Key-tree REMOVE updates (chunk 0 only), applied in order by every member holding a tree;
    # with `from_tree` the new key derives from the tree's new root (app.core.treekeys) and
    # `entries` key only the members without a leaf.
    updates: tuple[bytes, ...] = ()
    from_tree: bool = False


@dataclass(frozen=True)
class Proposal:
    """Remove `member_id` (`role` None) or move it to `role`: asked of the committer."""

    member_id: int
    role: Role | None


def encode_proposal(m: Proposal) -> bytes:
    return Writer().u32(m.member_id).u8(0 if m.role is None else int(m.role)).done()


def decode_proposal(data: bytes) -> Proposal:
    r = Reader(data)
    member_id, value = r.u32(), r.u8()
    r.end()
    if value == 0:
        return Proposal(member_id, None)
    try:
        return Proposal(member_id, Role(value))
    except ValueError:
        raise RemoteProtocolError("unknown role") from None


MAX_TREE_UPDATES = 40  # app.core.treekeys: tree removals in one REKEY
MAX_TREE_UPDATE = 882  # crypto.keytree_wire: the largest update (depth 16)
MAX_TREE_WELCOME = 632  # crypto.keytree_wire: the largest sealed tree welcome


def encode_admit(m: Admit) -> bytes:
    w = Writer().u32(m.new_epoch)
    write_member(w, m.member)
    w.u16(len(m.tree)).raw(m.tree)
    return w.done()


def decode_admit(data: bytes) -> Admit:
    r = Reader(data)
    epoch = r.u32()
    member = read_member(r)
    size = r.u16()
    if size > MAX_TREE_UPDATE:
        raise RemoteProtocolError("a key-tree update is too long")
    tree = r.raw(size)
    r.end()
    return Admit(member, epoch, tree)


def encode_flag(m: Flag) -> bytes:
    return bytes([1 if m.value else 0])


def decode_flag(data: bytes) -> Flag:
    r = Reader(data)
    v = r.flag()
    r.end()
    return Flag(v)


def encode_target(m: Target) -> bytes:
    return Writer().u32(m.member_id).done()


def decode_target(data: bytes) -> Target:
    r = Reader(data)
    v = r.u32()
    r.end()
    return Target(v)


def encode_set_role(m: SetRole) -> bytes:
    return Writer().u32(m.member_id).u8(int(m.role)).u32(m.new_epoch).done()


def decode_set_role(data: bytes) -> SetRole:
    r = Reader(data)
    member_id = r.u32()
    try:
        role = Role(r.u8())
    except ValueError:
        raise RemoteProtocolError("unknown role") from None
    new_epoch = r.u32()
    r.end()
    return SetRole(member_id, role, new_epoch)


def encode_rekey(m: Rekey) -> bytes:
    w = Writer().u32(m.new_epoch).u8(int(m.reason)).u16(m.chunk).u16(m.chunks)
    w.u16(len(m.removed))
    for mid in m.removed:
        w.u32(mid)
    w.u16(len(m.entries))
    for mid, sealed in m.entries:
        w.u32(mid).raw(sealed)
    w.u8(1 if m.from_tree else 0).u8(len(m.updates))
    for update in m.updates:
        w.u16(len(update)).raw(update)
    return w.done()


def decode_rekey(data: bytes) -> Rekey:
    r = Reader(data)
    epoch = r.u32()
    try:
        reason = RekeyReason(r.u8())
    except ValueError:
        raise RemoteProtocolError("unknown rekey reason") from None
    chunk, chunks = r.u16(), r.u16()
    if chunks == 0 or chunk >= chunks:
        raise RemoteProtocolError("rekey chunk number out of range")
    removed = tuple(r.u32() for _ in range(r.u16()))
    entries = tuple((r.u32(), r.raw(SEALED_EPOCH_KEY_SIZE)) for _ in range(r.u16()))
    from_tree = r.flag()
    count = r.u8()
    if count > MAX_TREE_UPDATES or (count and chunk != 0) or (from_tree and not count):
        raise RemoteProtocolError("key-tree updates out of place")
    updates = []
    for _ in range(count):
        size = r.u16()
        if size > MAX_TREE_UPDATE:
            raise RemoteProtocolError("a key-tree update is too long")
        updates.append(r.raw(size))
    r.end()
    return Rekey(epoch, reason, chunk, chunks, removed, entries, tuple(updates), from_tree)


MAX_RETURNS = 4000  # members in one RETURN: 8 bytes each, well under the body limit


@dataclass(frozen=True)
class Return:
    """Members whose connection dropped are back, each at a new relay slot.

    `new_epoch` is the current epoch plus one when everyone ratchets (a returner must not read
    what was said while it was away), or the current epoch when only the host announces itself.
    """

    new_epoch: int
    slots: tuple[tuple[int, int], ...]  # (member id, slot)


def encode_return(m: Return) -> bytes:
    w = Writer().u32(m.new_epoch).u16(len(m.slots))
    for member_id, slot in m.slots:
        w.u32(member_id).u32(slot)
    return w.done()


def decode_return(data: bytes) -> Return:
    r = Reader(data)
    epoch, count = r.u32(), r.u16()
    if count == 0 or count > MAX_RETURNS:
        raise RemoteProtocolError("a return lists no members, or too many")
    slots = tuple((r.u32(), r.u32()) for _ in range(count))
    r.end()
    if len({mid for mid, _ in slots}) != count or any(slot == 0 for _, slot in slots):
        raise RemoteProtocolError("a return lists a member twice, or slot 0")
    return Return(epoch, slots)


@dataclass(frozen=True)
class Move:
    """The host moves the room to the invite's relay number `relay` (0-based)."""

    relay: int


def encode_move(m: Move) -> bytes:
    return Writer().u8(m.relay).done()


def decode_move(data: bytes) -> Move:
    r = Reader(data)
    m = Move(r.u8())
    r.end()
    return m


@dataclass(frozen=True)
class Leave:
    """LEAVE: empty from a member; from a host handing the room over, the successor it names
    (a co-host it sees present), so that every member names the same one."""

    successor: int | None = None


def encode_leave(m: Leave) -> bytes:
    return b"" if m.successor is None else Writer().u32(m.successor).done()


def decode_leave(data: bytes) -> Leave:
    if not data:
        return Leave()
    r = Reader(data)
    successor = r.u32()
    r.end()
    return Leave(successor)


def expect_empty(data: bytes) -> None:
    if data:
        raise RemoteProtocolError("message should have no body")


@dataclass(frozen=True)
class LossReport:
    """What one listener's jitter buffer saw of one speaker's stream over the last report window.

    The speaker's encoder turns the loss its listeners see into Opus' expected-loss setting, which
    decides how many bits go to in-band FEC. `lost` counts frames whose packet was missing at
    playout time (before FEC rebuilt any), `expected` the frames that were due.
    """

    speaker_id: int
    expected: int
    lost: int
    jitter_ms: int

    @property
    def loss_percent(self) -> float:
        return 100.0 * self.lost / self.expected if self.expected else 0.0


def encode_loss_report(m: LossReport) -> bytes:
    """Counts are clamped to what the fields hold. `lost` can come in negative: the jitter
    buffer moves frames it counted lost to `expanded` when it finds, a stall later, that the
    stream had ended (audio/jitter.py `_stop`), so one window's difference can go below zero
    after a long gap, as Tor's bursts make."""
    expected = max(0, min(m.expected, 0xFFFF))
    w = Writer().u32(m.speaker_id).u16(expected).u16(max(0, min(m.lost, expected)))
    return w.u16(max(0, min(m.jitter_ms, 0xFFFF))).done()


def decode_loss_report(data: bytes) -> LossReport:
    r = Reader(data)
    m = LossReport(r.u32(), r.u16(), r.u16(), r.u16())
    r.end()
    if m.lost > m.expected:
        raise RemoteProtocolError("loss report counts more lost frames than were due")
    return m


# --- direct messages --------------------------------------------------------------------------

@dataclass(frozen=True)
class Welcome:
    """Everything a joiner needs, sealed to it and signed by the host.

    Also the answer to KEY_REQUEST (`resync` set): a member who lost a rotation gets the room's
    current state afresh instead of a delta it might also have lost.
    """

    session: bytes  # echoes the joiner's knock: a replayed old welcome does not match
    member_id: int
    room_name: str
    topic: str
    epoch: int
    epoch_key: bytes  # 32 bytes; safe in clear here, the whole welcome is a sealed box
    members: tuple[Member, ...]
    audience_total: int
    resync: bool
    # Identity keys any admin removed: every admin refuses them, including one who was away
    # when the removal happened and learns it only from this resync.
    banned: tuple[bytes, ...] = ()


def encode_welcome(m: Welcome) -> bytes:
    w = Writer().raw(m.session).u32(m.member_id).text(m.room_name, MAX_ROOM_NAME)
    w.text(m.topic, MAX_TOPIC, wide=True).u32(m.epoch).raw(m.epoch_key)
    w.u8(1 if m.resync else 0).u32(m.audience_total).u16(len(m.members))
    for member in m.members:
        write_member(w, member)
    banned = m.banned[-MAX_BANNED:]
    w.u16(len(banned))
    for key in banned:
        w.raw(key)
    return w.done()


def decode_welcome(data: bytes) -> Welcome:
    r = Reader(data)
    session = r.raw(SESSION_SIZE)
    member_id = r.u32()
    room_name = r.text(MAX_ROOM_NAME)
    topic = r.text(MAX_TOPIC, wide=True)
    epoch = r.u32()
    key = r.raw(KEY_SIZE)
    resync = r.flag()
    total = r.u32()
    members = tuple(read_member(r) for _ in range(r.u16()))
    count = r.u16()
    if count > MAX_BANNED:
        raise RemoteProtocolError("a welcome lists too many removed keys")
    banned = tuple(r.raw(KEY_SIZE) for _ in range(count))
    r.end()
    return Welcome(session, member_id, room_name, topic, epoch, key, members, total, resync,
                   banned)


@dataclass(frozen=True)
class TreeWelcome:
    """A member's key-tree path (crypto.keytree's sealed welcome), right after its WELCOME.

    Its own message, not a field of WELCOME: the path (up to 632 bytes) would push the welcome
    of a small room out of the smallest padded size. `epoch` is the room epoch the WELCOME
    gave: a tree welcome for another epoch is not for the state this member holds.
    """

    epoch: int
    tree: bytes


def encode_tree_welcome(m: TreeWelcome) -> bytes:
    return Writer().u32(m.epoch).raw(m.tree).done()


def decode_tree_welcome(data: bytes) -> TreeWelcome:
    r = Reader(data)
    epoch = r.u32()
    tree = data[4:]
    if not tree or len(tree) > MAX_TREE_WELCOME:
        raise RemoteProtocolError("a key-tree welcome is empty or too long")
    return TreeWelcome(epoch, tree)


class Evidence(enum.IntEnum):
    """What a key request shows to prove that a newer epoch exists: a message the requester
    received and could not open. Only an admin holding that epoch's key can check it, and a
    relay (or anyone outside the room) cannot make one that passes."""

    NONE = 0  # none: enough for a member behind the admin (an admin back from a dropped link)
    AUDIO = 1  # a relay Media payload (crypto.frame)
    CONTROL = 2  # a control envelope (crypto.control)


@dataclass(frozen=True)
class KeyRequest:
    member_id: int
    session: bytes
    epoch: int  # the newest epoch the member holds
    commitment: bytes  # EpochKey.commitment() of that key: a fork shows as a different one
    evidence_kind: Evidence
    evidence: bytes  # at most MAX_EVIDENCE bytes


def encode_key_request(m: KeyRequest) -> bytes:
    w = Writer().u32(m.member_id).raw(m.session).u32(m.epoch).raw(m.commitment)
    w.u8(int(m.evidence_kind))
    return w.u16(len(m.evidence)).raw(m.evidence).done()


def decode_key_request(data: bytes) -> KeyRequest:
    r = Reader(data)
    member_id, session, epoch = r.u32(), r.raw(SESSION_SIZE), r.u32()
    commitment = r.raw(COMMITMENT_SIZE)
    try:
        kind = Evidence(r.u8())
    except ValueError:
        raise RemoteProtocolError("unknown kind of evidence") from None
    size = r.u16()
    if size > MAX_EVIDENCE or (size == 0) != (kind is Evidence.NONE):
        raise RemoteProtocolError("evidence is missing, too large, or given as none")
    evidence = r.raw(size)
    r.end()
    return KeyRequest(member_id, session, epoch, commitment, kind, evidence)


def encode_session(session: bytes) -> bytes:
    """WAITING and REFUSED carry only the joiner's session: a replay to a later join is ignored."""
    return session


def decode_session(data: bytes) -> bytes:
    r = Reader(data)
    s = r.raw(SESSION_SIZE)
    r.end()
    return s
