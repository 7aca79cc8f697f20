"""Stored rows as views: a message with its reactions, the quote of what it answers, and
this device's changes to it that are still in the outbox (shown as if done: a pending edit
shows its text, a pending deletion hides the text, a pending reaction shows)."""

import json
from collections.abc import Iterable
from dataclasses import replace

from peewee import Database

from desktop.cache.attachments import AttachmentBook
from desktop.cache.views import AttachmentView, MentionView, MessageView, QuoteView, ReactionView

# The columns a stored event's view is read from, in ``view_of``'s order.
MESSAGE_COLUMNS = (
    "channel, seq, kind, sender, text, ts, client_id, subject, name, written, reply_to, "
    "mentions, mentions_me, edited, deleted, target, emoji, removed"
)


def view_of(row: tuple) -> MessageView:
    """A stored event's plain view (no reactions, quote or outbox changes) from a row of
    ``MESSAGE_COLUMNS``."""
    (channel, seq, kind, sender, text, ts, client_id, subject, name, written, reply_to,
     mentions, mentions_me, edited, deleted, target, emoji, removed) = row  # fmt: skip
    view = MessageView.stored(
        channel, seq, kind, sender, text, ts, client_id, subject, name, written
    )
    return view.with_state(
        reply_to, decode_mentions(mentions), bool(mentions_me),
        edited is not None and not deleted,  # a deletion takes the edits with it
        bool(deleted), target, emoji, bool(removed), mentions_known=mentions is not None,
    )  # fmt: skip


def decode_mentions(stored: str | None) -> tuple[MentionView, ...]:
    """The mentions column as views; none when empty or not known yet."""
    if not stored:
        return ()
    return tuple(MentionView(user, start, end) for user, start, end in json.loads(stored))


def toggled(
    reactions: tuple[ReactionView, ...], emoji: str, user: str, removed: bool
) -> tuple[ReactionView, ...]:
    """``reactions`` with ``user``'s ``emoji`` added at the end (or taken away)."""
    out: list[ReactionView] = []
    found = False
    for r in reactions:
        users = tuple(u for u in r.users if u != user)
        if r.emoji == emoji:
            found = True
            users = users if removed else (*users, user)
        if users:
            out.append(ReactionView(r.emoji, users))
    if not found and not removed:
        out.append(ReactionView(emoji, (user,)))
    return tuple(out)


class Decorator:
    """Completes views of one cache's stored messages with what other rows say of them."""

    def __init__(self, db: Database, me: str, attachments: AttachmentBook) -> None:
        self._db = db
        self._me = me
        self._attachments = attachments

    def decorate(
        self, channel_id: int, views: list[MessageView], outbox: Iterable[MessageView]
    ) -> list[MessageView]:
        """``views`` (of one channel) with their reactions, quotes, files and the outbox's
        changes to them applied; other kinds pass unchanged."""
        mine: dict[int, list[MessageView]] = {}
        for change in outbox:
            if change.is_change and change.target is not None:
                mine.setdefault(change.target, []).append(change)
        seqs = [v.seq for v in views if v.kind == "message" and v.seq is not None]
        reactions = self._reactions(channel_id, seqs)
        quotes = self._quotes(channel_id, {v.reply_to for v in views if v.reply_to}, mine)
        files = self._attachments.of_messages(channel_id, seqs)
        return [
            self._complete(v, reactions, quotes, mine, files) if v.kind == "message" else v
            for v in views
        ]

    def _complete(
        self,
        view: MessageView,
        reactions: dict[int, tuple[ReactionView, ...]],
        quotes: dict[int, QuoteView],
        mine: dict[int, list[MessageView]],
        files: dict[int, tuple[AttachmentView, ...]],
    ) -> MessageView:
        changes = tuple(mine.get(view.seq, ())) if view.seq is not None else ()
        shown = replace(
            view,
            reactions=reactions.get(view.seq or 0, ()),
            quote=quotes.get(view.reply_to or 0),
            changes=changes,
            attachments=files.get(view.seq, ()) if view.seq is not None else view.attachments,
        )
        for change in changes:
            if change.state == "pending":
                shown = self._as_if_done(shown, change)
        return shown

    def _as_if_done(self, view: MessageView, change: MessageView) -> MessageView:
        """A message as it will be once ``change`` (still in the outbox) is stored."""
        if view.deleted:
            return view
        if change.kind == "delete":
            return replace(view, text="", mentions=(), mentions_me=False, deleted=True,
                           reactions=(), attachments=())  # fmt: skip
        if change.kind == "edit":
            return replace(view, text=change.text, mentions=(), edited=True)
        if change.kind == "reaction" and change.emoji is not None:
            return replace(
                view, reactions=toggled(view.reactions, change.emoji, self._me, change.removed)
            )
        return view

    def _reactions(self, channel_id: int, seqs: list[int]) -> dict[int, tuple[ReactionView, ...]]:
        """Each message's emoji in the order they were first put there, each with its users
        in the order they put it there."""
        if not seqs:
            return {}
        rows = self._db.execute_sql(
            "SELECT seq, emoji, user FROM reaction WHERE channel = ? AND seq BETWEEN ? AND ? "
            "AND present ORDER BY seq, stamp, id",
            (channel_id, min(seqs), max(seqs)),
        )
        found: dict[int, dict[str, list[str]]] = {}
        for seq, emoji, user in rows:
            found.setdefault(seq, {}).setdefault(emoji, []).append(user)
        return {
            seq: tuple(ReactionView(emoji, tuple(users)) for emoji, users in by_emoji.items())
            for seq, by_emoji in found.items()
        }

    def _quotes(
        self, channel_id: int, seqs: set[int], mine: dict[int, list[MessageView]]
    ) -> dict[int, QuoteView]:
        """The messages replies answer, as they are now (with pending edits and deletions
        of this device's)."""
        if not seqs:
            return {}
        marks = ", ".join("?" * len(seqs))
        rows = self._db.execute_sql(
            f"SELECT {MESSAGE_COLUMNS} FROM message WHERE channel = ? AND seq IN ({marks}) "
            "AND kind = 'message'",
            (channel_id, *seqs),
        )
        quotes = {}
        for row in rows:
            view, seq = view_of(row), row[1]
            for change in mine.get(seq, ()):
                if change.state == "pending":
                    view = self._as_if_done(view, change)
            quotes[seq] = QuoteView(seq, view.sender, view.text, view.edited, view.deleted)
        return quotes
