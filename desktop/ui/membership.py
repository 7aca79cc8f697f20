"""A group the user was removed from stays in the chat list, readable, saying so; one the
user left goes from the list (it was their choice). The cache keeps such a chat inactive
with its history; the last membership event about the user there tells which it was."""

from enum import Enum

from desktop.cache.store import Cache
from desktop.cache.views import ChannelView
from desktop.ui.i18n import tr

RECENT = 20  # newest events read to find the one that ended the membership


class Ended(Enum):
    REMOVED = "member_removed"
    LEFT = "member_left"
    UNKNOWN = ""  # no longer listed by the server (restored from a backup, say)


def how_ended(cache: Cache, channel: ChannelView, me: str) -> Ended | None:
    """How the user's membership of a group ended, or None while it lasts (or for a direct
    chat)."""
    if channel.active or channel.kind != "group":
        return None
    for event in reversed(cache.messages(channel.id, limit=RECENT)):
        if event.subject == me and event.kind in (Ended.REMOVED.value, Ended.LEFT.value):
            return Ended(event.kind)
    return Ended.UNKNOWN


def ended_text(ended: Ended | None) -> str | None:
    """What to show instead of the composer and the preview."""
    if ended is None:
        return None
    return {
        Ended.REMOVED: tr("You were removed from this group"),
        Ended.LEFT: tr("You left this group"),
        Ended.UNKNOWN: tr("You are no longer in this group"),
    }[ended]
