"""Replying to, reacting to, editing and deleting messages (docs/protocol.md, "Messages that
change"), for the window and the CLI.

Each operation checks what it can here, so a mistake is told at once with a clear
``ValueError`` (``ChangeRefused``, or ``NotOffered`` when the server does not take such
changes), then writes the change to the outbox like a message: it survives a restart and
waiting offline, goes in writing order with an id that makes a retry harmless, and the
message shows it at once (``MessageView.changes``). The server may still refuse it (the
message was deleted meanwhile, say): it is then marked failed, to retry or discard.
"""

import json

from desktop.cache.store import Cache
from desktop.cache.views import ChannelView, MessageView
from shared import limits
from shared.emoji import qualified
from shared.protocol import FEATURE_LIFECYCLE
from shared.text import BLANK_MESSAGE, is_blank

LIFECYCLE_ACTIONS = "replies, reactions, edits and deletions"


def check_text(text: str) -> None:
    """Raise ``ValueError`` for text the server would refuse for its length or blankness."""
    if is_blank(text):
        raise ValueError(BLANK_MESSAGE)
    if len(text) > limits.MAX_TEXT_CHARS:
        raise ValueError(f"a message holds at most {limits.MAX_TEXT_CHARS:,} characters")


# What a numbered event that is not a message is, for a refusal that names it.
_KIND_WORDS = {
    "created": "the chat's start",
    "member_added": "a member joining",
    "member_removed": "a member's removal",
    "member_left": "a member leaving",
    "renamed": "a renaming",
    "reaction": "a reaction",
    "edit": "an edit",
    "delete": "a deletion",
}


class ChangeRefused(ValueError):
    """A reply or change this app will not send: the message cannot take it."""


class NotOffered(ValueError):
    """The server does not offer what the operation needs (it is older than this app)."""


class MessageLifecycle:
    """Reply, react, edit and delete, for ``SyncEngine`` (which provides the cache, the
    connection's features and ``_queued``)."""

    cache: Cache

    @property
    def features(self) -> frozenset[str]:
        raise NotImplementedError  # SyncEngine's

    def _queued(self, queued: MessageView) -> MessageView:
        raise NotImplementedError  # SyncEngine's

    def can(self, feature: str) -> bool:
        """Whether the server offers ``feature`` (``shared.protocol.FEATURE_LIFECYCLE``...),
        as it last said; the window hides the actions that need one it does not."""
        return feature in self.features

    def reply(self, channel_id: int, seq: int, text: str) -> MessageView:
        """Queue a message answering the message ``seq`` of the channel."""
        check_text(text)
        self._message(channel_id, seq)
        return self._queued(self.cache.queue(channel_id, text, reply_to=seq))

    def react(self, channel_id: int, seq: int, emoji: str, remove: bool = False) -> MessageView:
        """Queue putting ``emoji`` on the message ``seq`` (or taking it back, ``remove``).
        An emoji a keyboard typed without its variation selector is sent in the form that
        counts (``shared.emoji.qualified``). Returns the queued change."""
        taken = qualified(emoji)
        if taken is None:
            raise ChangeRefused(f"{emoji!r} is not one emoji")
        message = self._message(channel_id, seq)
        shown = {r.emoji for r in message.reactions}
        if not remove and taken not in shown and len(shown) >= limits.MAX_REACTIONS_PER_MESSAGE:
            raise ChangeRefused(
                f"message {seq} has {limits.MAX_REACTIONS_PER_MESSAGE} different emoji "
                "already, as many as a message takes"
            )
        change = self.cache.queue_change(channel_id, "reaction", seq, emoji=taken, removed=remove)
        return self._queued(change)

    def edit(self, channel_id: int, seq: int, text: str) -> MessageView:
        """Queue new text for the user's own message ``seq``. Returns the queued change."""
        check_text(text)
        message = self._message(channel_id, seq)
        if message.sender != self.cache.me:
            raise ChangeRefused(f"message {seq} is {message.sender}'s: you can edit only yours")
        return self._queued(self.cache.queue_change(channel_id, "edit", seq, text=text))

    def delete(self, channel_id: int, seq: int) -> MessageView:
        """Queue deleting the message ``seq`` for everyone: the user's own, or any message
        of a group the user owns. Returns the queued change."""
        message = self._message(channel_id, seq)
        channel = self.cache.channel(channel_id)
        owner = channel is not None and channel.kind == "group" and channel.owner == self.cache.me
        if message.sender != self.cache.me and not owner:
            raise ChangeRefused(
                f"message {seq} is {message.sender}'s: you can delete only yours, "
                "or any in a group you own"
            )
        return self._queued(self.cache.queue_change(channel_id, "delete", seq))

    def _message(self, channel_id: int, seq: int) -> MessageView:
        """The message a reply or change is about, as shown here; refuses what the server
        would refuse anyway."""
        if not self.can(FEATURE_LIFECYCLE):
            raise NotOffered(not_offered(self.cache))
        channel = self._chat(channel_id)
        message = self.cache.message(channel_id, seq)
        if message is None:
            if seq > channel.last_seq:
                raise ChangeRefused(f"there is no message {seq} in this chat")
            raise ChangeRefused(f"message {seq} is not on this device yet; fetch it first")
        if message.kind != "message":
            what = _KIND_WORDS.get(message.kind, "an event this version does not know")
            raise ChangeRefused(f"{seq} is not a message of this chat: it is {what}")
        if message.deleted:
            raise ChangeRefused(f"message {seq} was deleted")
        return message

    def _chat(self, channel_id: int) -> ChannelView:
        channel = self.cache.channel(channel_id)
        if channel is None:
            raise ChangeRefused(f"there is no chat {channel_id} on this device")
        if not channel.active:
            raise ChangeRefused(f"you are no longer in {channel.title}")
        return channel


def not_offered(cache: Cache) -> str:
    """Why replies and changes cannot be sent now."""
    if cache.setting("server_features") is None:
        return (
            "this device has not reached its server yet, so it does not know whether the "
            f"server takes {LIFECYCLE_ACTIONS}; connect once first"
        )
    return f"the server does not take {LIFECYCLE_ACTIONS}: it is older than this app"


def stored_features(cache: Cache) -> frozenset[str]:
    """What the server offered when this device last signed in to it."""
    return frozenset(json.loads(cache.setting("server_features") or "[]"))


def features_setting(features: list[str]) -> str:
    """How the cache keeps what the server offers."""
    return json.dumps(sorted(features))


def store_features(cache: Cache, features: list[str]) -> None:
    """Remember what the server offers, for when it cannot be reached."""
    cache.set_setting("server_features", features_setting(features))
