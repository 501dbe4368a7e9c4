"""Qt models of the room, kept apart from the widgets (and checked with qtmodeltester).

`RosterModel` holds every member the local client knows, in arrival order, and is updated by
diffing immutable snapshots from the room thread: rows are inserted, removed and changed one by
one, so views keep their selection and scroll position. Two proxies split it into the stage
(hosts first) and the audience (raised hands first, in the order they were raised).
`KnockModel` is the waiting room; `LanRoomsModel` the rooms on this network.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from app.core.roster import Member, Role
from app.lan.service import LanRoom
from app.ui.qt import Qt, QtCore
from app.ui.runner import Knock
from crypto.identity import PublicIdentity

USER = Qt.ItemDataRole.UserRole
ROLE_RANK = {Role.HOST: 0, Role.COHOST: 1, Role.SPEAKER: 2, Role.LISTENER: 3}
LEVEL_STEP = 0.01  # level changes smaller than this do not repaint
DECAY = 0.75  # per timer tick: a ring fades over about a quarter of a second

Index = QtCore.QModelIndex | QtCore.QPersistentModelIndex


@functools.lru_cache(maxsize=4096)
def fingerprint(key: bytes) -> str:
    return PublicIdentity(key).fingerprint()


class Roles:
    MEMBER_ID = USER + 1
    ROLE = USER + 2  # int(Role)
    HAND = USER + 3
    MUTED = USER + 4
    LEVEL = USER + 5  # 0..1, smoothed
    IS_ME = USER + 6
    VERIFIED = USER + 7
    ON_STAGE = USER + 8
    SORT_KEY = USER + 9
    FINGERPRINT = USER + 10
    INVITED = USER + 11
    AWAY = USER + 12  # the member's link dropped; their place is kept while they reconnect


translate = QtCore.QCoreApplication.translate


def describe(member: Member, me: bool, level: float, verified: bool, away: bool = False) -> str:
    """What a screen reader says about a member: name, role and state, in the UI language."""
    roles = {Role.HOST: translate("RosterModel", "host"),
             Role.COHOST: translate("RosterModel", "co-host"),
             Role.SPEAKER: translate("RosterModel", "speaker"),
             Role.LISTENER: translate("RosterModel", "listener")}
    parts = [member.name]
    if me:
        parts.append(translate("RosterModel", "you"))
    parts.append(roles[member.role])
    if member.role.on_stage:
        if member.muted:
            parts.append(translate("RosterModel", "muted"))
        elif level > 0.02:
            parts.append(translate("RosterModel", "speaking"))
        else:
            parts.append(translate("RosterModel", "microphone on"))
    if member.hand:
        parts.append(translate("RosterModel", "hand raised"))
    if member.invited and member.role is Role.LISTENER:
        parts.append(translate("RosterModel", "invited to the stage, waiting for an answer"))
    if away:
        parts.append(translate("RosterModel", "reconnecting"))
    if verified:
        parts.append(translate("RosterModel", "safety number verified"))
    return translate("RosterModel", ", ").join(parts)


class RosterModel(QtCore.QAbstractListModel):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Member] = []
        self._me: int | None = None
        self._away: frozenset[int] = frozenset()
        self._levels: dict[int, float] = {}
        self._shown: dict[int, float] = {}  # the level views last painted
        self._verified: set[bytes] = set()
        self._hand_order: dict[int, int] = {}
        self._counter = itertools.count()

    # -- the Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: Index = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QtCore.QByteArray]:
        names = {Roles.MEMBER_ID: b"memberId", Roles.ROLE: b"role", Roles.HAND: b"hand",
                 Roles.MUTED: b"muted", Roles.LEVEL: b"level", Roles.IS_ME: b"isMe",
                 Roles.VERIFIED: b"verified", Roles.ON_STAGE: b"onStage"}
        out = dict(super().roleNames())
        out.update({k: QtCore.QByteArray(v) for k, v in names.items()})
        return out

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column():
            return None
        m = self._rows[index.row()]
        level = self._shown.get(m.member_id, 0.0)
        if role == Qt.ItemDataRole.DisplayRole:
            return m.name
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return describe(m, m.member_id == self._me, level, m.key in self._verified,
                            m.member_id in self._away)
        values: dict[int, Any] = {
            Roles.MEMBER_ID: m.member_id, Roles.ROLE: int(m.role), Roles.HAND: m.hand,
            Roles.MUTED: m.muted, Roles.LEVEL: level, Roles.IS_ME: m.member_id == self._me,
            Roles.VERIFIED: m.key in self._verified, Roles.ON_STAGE: m.role.on_stage,
            Roles.SORT_KEY: self._sort_key(m), Roles.INVITED: m.invited,
            Roles.FINGERPRINT: fingerprint(m.key), Roles.AWAY: m.member_id in self._away,
        }
        return values.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemNeverHasChildren

    # -- updates from snapshots ------------------------------------------------------------

    def set_members(self, members: Sequence[Member], me: int | None,
                    away: frozenset[int] = frozenset()) -> None:
        """Make the rows equal `members` (kept in first-seen order) with the fewest changes."""
        self._me = me
        changed_away = away ^ self._away
        self._away = away
        wanted = {m.member_id: m for m in members}
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].member_id not in wanted:
                self.beginRemoveRows(QtCore.QModelIndex(), row, row)
                gone = self._rows.pop(row)
                self._levels.pop(gone.member_id, None)
                self._shown.pop(gone.member_id, None)
                self._hand_order.pop(gone.member_id, None)
                self.endRemoveRows()
        for row, old in enumerate(self._rows):
            new = wanted.pop(old.member_id)
            self._note_hand(old, new)
            if new != old or new.member_id in changed_away:
                self._rows[row] = new
                index = self.index(row)
                self.dataChanged.emit(index, index)
        if wanted:
            first = len(self._rows)
            self.beginInsertRows(QtCore.QModelIndex(), first, first + len(wanted) - 1)
            for m in wanted.values():
                self._note_hand(None, m)
                self._rows.append(m)
            self.endInsertRows()

    def _note_hand(self, old: Member | None, new: Member) -> None:
        if new.hand and (old is None or not old.hand):
            self._hand_order[new.member_id] = next(self._counter)
        elif not new.hand:
            self._hand_order.pop(new.member_id, None)

    def set_levels(self, levels: dict[int, float]) -> None:
        """Feed the latest audio levels; rings rise at once and fade smoothly."""
        for row, m in enumerate(self._rows):
            mid = m.member_id
            new = max(levels.get(mid, 0.0), self._levels.get(mid, 0.0) * DECAY)
            if new < LEVEL_STEP:
                new = 0.0
            self._levels[mid] = new
            shown = self._shown.get(mid, 0.0)
            if abs(new - shown) >= LEVEL_STEP or (new == 0.0 and shown != 0.0):
                self._shown[mid] = new
                index = self.index(row)
                self.dataChanged.emit(index, index, [Roles.LEVEL])

    def set_verified(self, keys: Iterable[bytes]) -> None:
        self._verified = set(keys)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._levels.clear()
        self._shown.clear()
        self._hand_order.clear()
        self.endResetModel()

    # -- lookups ---------------------------------------------------------------------------

    def member(self, member_id: int) -> Member | None:
        return next((m for m in self._rows if m.member_id == member_id), None)

    def members(self) -> list[Member]:
        return list(self._rows)

    def level(self, member_id: int) -> float:
        """The level as last painted (what the speaking ring shows)."""
        return self._shown.get(member_id, 0.0)

    def _sort_key(self, m: Member) -> str:
        """One string that orders both views: stage by rank, audience hands first."""
        if m.role.on_stage:
            return f"0.{ROLE_RANK[m.role]}.{m.member_id:010d}"
        order = self._hand_order.get(m.member_id)
        if m.hand and order is not None:
            return f"1.0.{order:010d}"
        return f"1.1.{m.member_id:010d}"


class RosterFilter(QtCore.QSortFilterProxyModel):
    """The stage (`stage=True`) or the audience of a RosterModel, each in its own order."""

    def __init__(self, source: RosterModel, stage: bool,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setSourceModel(source)
        self.setSortRole(Roles.SORT_KEY)
        self.setFilterRole(Roles.ON_STAGE)
        self.setDynamicSortFilter(True)
        self.sort(0)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        return bool(index.data(Roles.ON_STAGE)) == self.stage


class KnockModel(QtCore.QAbstractListModel):
    """People in the waiting room, oldest first."""

    KNOCK_ID = USER + 1
    FINGERPRINT = USER + 2

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Knock] = []

    def rowCount(self, parent: Index = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column():
            return None
        k = self._rows[index.row()]
        came = translate("KnockModel", "came through code %1").replace(
            "%1", f"\u2066{k.code}\u2069") if k.code else ""
        if role == Qt.ItemDataRole.DisplayRole:
            text = f"{k.name}  ·  \u2066{k.fingerprint}\u2069"
            return f"{text}\n{came}" if came else text
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            text = translate(
                "KnockModel", "%1 asks to join; key fingerprint %2").replace(
                "%1", k.name).replace("%2", f"\u2066{k.fingerprint}\u2069")
            return f"{text}; {came}" if came else text
        if role == self.KNOCK_ID:
            return k.knock_id
        if role == self.FINGERPRINT:
            return k.fingerprint
        return None

    def set_knocks(self, knocks: Sequence[Knock]) -> None:
        if tuple(knocks) == tuple(self._rows):
            return
        self.beginResetModel()
        self._rows = list(knocks)
        self.endResetModel()

    def knock(self, row: int) -> Knock | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None


class LanRoomsModel(QtCore.QAbstractListModel):
    """Rooms announced on this network, as the browser reports them."""

    URL = USER + 1
    VISIBLE = USER + 2

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LanRoom] = []

    def rowCount(self, parent: Index = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column():
            return None
        room = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if room.name is not None:
                return room.name
            return translate("LanRoomsModel", "Private room (needs its invite)")
        if role == Qt.ItemDataRole.ToolTipRole:
            return room.url
        if role == Qt.ItemDataRole.DecorationRole:
            from app.ui import artwork

            return artwork.icon("people" if room.visible else "lock")
        if role == self.URL:
            return room.url
        if role == self.VISIBLE:
            return room.visible
        return None

    def set_rooms(self, rooms: Sequence[LanRoom]) -> None:
        if list(rooms) == self._rows:
            return
        self.beginResetModel()
        self._rows = list(rooms)
        self.endResetModel()

    def room(self, row: int) -> LanRoom | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
