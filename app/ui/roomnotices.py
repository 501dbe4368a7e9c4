"""The room's passing notices: the banners that tell something and offer an answer, apart from
the room's state (room.py). A mixin of RoomPage, translated in RoomPage's context (Qt looks a
`tr()` up under the instance's class, so the strings are written with that context here)."""

from __future__ import annotations

from app.ui import messages
from app.ui.common import Banner, confirm
from app.ui.qt import QtCore, Signal

translate = QtCore.QCoreApplication.translate


def _ok() -> str:
    return translate("RoomPage", "OK")


class RoomNotices:
    """Banner handlers for RoomPage (which provides the banners and `newRoomRequested`)."""

    notice_banner: Banner
    reconnect_banner: Banner
    admission_banner: Banner
    newRoomRequested: Signal

    def _notice(self, text: str, kind: str, detail: str = "") -> None:
        self.notice_banner.show_message(text, kind, _ok())
        self.notice_banner.setToolTip(detail)

    def _reconnecting(self, on: bool) -> None:
        if on:
            self.reconnect_banner.show_message(messages.reconnecting(), "warning")
        else:
            self.reconnect_banner.hide()

    def _refused(self, detail: str) -> None:
        self._notice(translate("RoomPage", "That is not possible right now."), "warning", detail)

    def _audio_problem(self, detail: str) -> None:
        if detail.endswith("works again."):  # RoomClient retries devices and says so
            self.notice_banner.hide()
            return
        self._notice(messages.no_audio(), "warning", detail)

    def another_link(self) -> None:
        """A second launch handed us an invite while we are in this room (app.ui.single)."""
        self._notice(translate("RoomPage", "Another invite link arrived. It is waiting on the "
                                           "home page: leave this room to join it."), "info")

    def _lan_problem(self, detail: str) -> None:
        self._notice(messages.lan_problem(), "warning", detail)

    def _too_slow(self, speakers: int) -> None:
        """Policy.on_link_too_slow: said once a room; the relay drops what we cannot take."""
        self._notice(messages.too_slow(speakers), "warning")

    def _came_through_code(self, name: str, code: str) -> None:
        self._notice(messages.came_through(name, code), "info")

    # -- after a removal in an anyone-with-the-link room (ev.AdmissionPaused) ------------------

    def _keep_waiting_room(self) -> None:
        self.admission_banner.hide()
        self._notice(messages.waiting_room_kept(), "info")

    def _ask_new_room(self) -> None:
        confirm(self,  # type: ignore[arg-type]
                translate("RoomPage", "Start a new room?"),
                translate("RoomPage", "This room ends for everyone in it, and a new room opens "
                                      "with a new link. Share the new link only with the "
                                      "people you want in."),
                translate("RoomPage", "&Start a new room"), self._new_room)

    def _new_room(self) -> None:
        self.admission_banner.hide()
        self.newRoomRequested.emit()
