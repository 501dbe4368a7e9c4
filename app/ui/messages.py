"""Sentences the room shows, in the user's language.

The room core and the network layer explain themselves in English (for logs and the headless
client); the app maps each case to a translated sentence here and keeps the English detail for a
tooltip. Each call re-reads the translation, so a language change takes effect at once.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from app.client import Outcome
from app.core import events as ev
from app.ui.common import ltr
from app.ui.live import ConnectionStats
from app.ui.qt import QtCore

translate = QtCore.QCoreApplication.translate


def waiting() -> str:
    return translate("Messages", "You are in the waiting room. The host will let you in soon.")


def stage_invitation(inviter: str) -> str:
    if inviter:
        return translate("Messages", "%1 invites you to speak on the stage. You start muted: "
                                      "nobody hears you until you unmute.").replace("%1", inviter)
    return translate("Messages", "You are invited to speak on the stage. You start muted: "
                                  "nobody hears you until you unmute.")


def reconnecting() -> str:
    return translate("Messages", "Connection lost. Reconnecting…")


def security_alert() -> str:
    return translate("Messages", "A message that failed its security check was thrown away. "
                                  "Nothing you hear was affected.")


def no_audio() -> str:
    return translate("Messages", "No microphone or speaker could be opened. You can stay in "
                                  "the room; check Settings.")


def lan_problem() -> str:
    return translate("Messages", "The room could not be announced on this network. People "
                                  "can still join with the invite link.")


class Plurals(QtCore.QObject):
    """Sentences with a count. Qt chooses the language's plural form (Arabic has six) only for
    a QObject's `tr()` given a count; that is also the only form lupdate marks as plural."""

    def too_slow(self, speakers: int) -> str:
        return self.tr("Your connection is too slow for %n speakers: you will hear gaps.", "",
                       speakers)

    def tries_left(self, tries: int) -> str:
        return self.tr("%n tries left", "", tries)


def too_slow(speakers: int) -> str:
    """Our link cannot carry the room (Policy.on_link_too_slow)."""
    return Plurals().too_slow(speakers)


def came_through(name: str, code: str) -> str:
    return translate("Messages", "%1 came in through code %2.").replace("%1", name).replace(
        "%2", ltr(code))


def admission_paused() -> str:
    return translate("Messages", "Someone was removed, so people with the link no longer come "
                                 "in by themselves: they could come back under a new name. "
                                 "Let each person in from the waiting room, or start a new "
                                 "room with a new link.")


def waiting_room_kept() -> str:
    return translate("Messages", "Everyone who knocks now waits until you let them in.")


def for_event(event: ev.Event) -> str | None:
    """The sentence for an event that ends the room for us, or None."""
    if isinstance(event, ev.Kicked):
        return translate("Messages", "You were removed from the room by a host. You can no "
                                      "longer hear it.")
    if isinstance(event, ev.Refused):
        return translate("Messages", "The host did not let you in.")
    if isinstance(event, ev.JoinFailed):
        if event.reason.startswith("Nobody is in this room"):
            return translate("Messages", "Nobody is in this room: it has ended, or the host has "
                                          "not opened it yet.")
        return translate("Messages", "The host did not answer. The room may have ended, or the "
                                      "host is away.")
    if isinstance(event, ev.RoomEnded):
        if event.reason == "host-ended":
            return translate("Messages", "The host ended the room.")
        if event.reason in ("host-left", "no-host"):
            return translate("Messages", "The host left, so the room has ended.")
    return None


def is_lan_url(url: str) -> bool:
    """Whether a relay address is on this network (a private or link-local address)."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.endswith(".local")
    return (address.is_private or address.is_link_local) and not address.is_loopback


def for_outcome(outcome: Outcome, is_host: bool, lan: bool = False) -> str | None:
    """The sentence for how a run ended; None when the user simply left. `lan`: the room was
    on this network (a relay inside its host's app), which goes away when the room ends."""
    code = outcome.code
    if code == 0:
        return None
    if code == 3 and lan and not is_host and "proxy" not in outcome.message.lower():
        return translate("Messages", "The room's host is no longer on this network: the room "
                                     "has ended, or the host's computer left the network.")
    if code == 3 and "proxy" in outcome.message.lower():
        return translate("Messages", "Could not connect through the proxy set in Settings. "
                                     "Majlis does not connect without it.")
    if code == 3:
        return translate("Messages", "Could not reach the relay, or the connection to it was "
                                      "lost.")
    if code == 4:
        return translate("Messages", "This room is not there any more.")
    if code == 5:
        return for_event(ev.Kicked())
    if code == 6:
        return for_event(ev.Refused())
    if code == 7:
        return translate("Messages", "The host ended the room.")
    return translate("Messages", "Something went wrong and the room was closed.")


def encryption_explained(room_code: str) -> str:
    return translate(
        "Messages",
        "Voices and messages in this room are encrypted on each person's computer. The relay "
        "that passes them on cannot listen, and nothing is recorded.\n\nRoom code: %1\n\n"
        "Everyone in this room sees the same code. Read it out loud: if someone sees a "
        "different code, they are not in the same room as you. To be sure of one person, "
        "compare your safety number with theirs.").replace("%1", ltr(room_code))


def quality(stats: ConnectionStats, via: str = "") -> str:
    """The connection figures; `via` names the proxy the connection goes through ("Tor")."""
    text = _figures(stats)
    if via:
        text += " · " + translate("Messages", "via %1").replace("%1", via)
    return text


def _figures(stats: ConnectionStats) -> str:
    if stats.delay_ms is None and stats.loss is None:
        return translate("Messages", "Connection: measuring…")
    word = {"good": translate("Messages", "good"), "fair": translate("Messages", "fair"),
            "poor": translate("Messages", "poor")}[stats.quality]
    parts = [translate("Messages", "Connection: %1").replace("%1", word)]
    if stats.delay_ms is not None:
        parts.append(translate("Messages", "%1 ms").replace("%1", str(round(stats.delay_ms))))
    if stats.loss is not None:
        parts.append(translate("Messages", "%1% lost").replace(
            "%1", str(round(stats.loss * 100))))
    return " · ".join(parts)
