"""A group the user is no longer in stays in the chat list, readable, with why it ended:
removed by its owner, or left. The cache keeps such a chat inactive with its history; the
last membership event about the user there tells which."""

from desktop.cache.store import Cache
from desktop.cache.views import ChannelView
from desktop.ui.i18n import tr

RECENT = 20  # newest events read to find the one that ended the membership


def ended_text(cache: Cache, channel: ChannelView, me: str) -> str | None:
    """What to show instead of the composer and the preview, or None while the user is a
    member (or for a direct chat)."""
    if channel.active or channel.kind != "group":
        return None
    for event in reversed(cache.messages(channel.id, limit=RECENT)):
        if event.subject == me and event.kind == "member_removed":
            return tr("You were removed from this group")
        if event.subject == me and event.kind == "member_left":
            return tr("You left this group")
    return tr("You are no longer in this group")
