"""Applying reactions, edits and deletions to stored messages, whatever order they arrive in.

A change event is stored as a row of its own (so seqs stay gap-free) and applied to the
message it targets. A message is stored from a copy of the server's that carries its state
as of the copy's ``changed``: every change up to that seq is reflected in it. So a change
applies only above the message's ``changed`` (docs/protocol.md, "Messages that change"),
and also only above what decided the part of the state it changes: the edit the text comes
from (``edited``), or the reaction event that last set that user's emoji (``stamp``). That
second test makes the result the same when changes arrive out of order among themselves
(events from a stretch away from a group fetched after later ones), not only when a change
arrives before or after its message. A deleted message takes no more changes.

Deleting empties the text and mentions of the message and of its edits, and removes its
reactions; the text of an edit of a deleted message is never written.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from peewee import Database

from shared.protocol import CHANGE_KINDS, Event, Mention

NO_MENTIONS = ""  # what the mentions column holds for a text that names nobody


def encode_mentions(mentions: Iterable[Mention]) -> str:
    """The mentions column: JSON ``[[user, start, end], ...]``, or empty for none."""
    found = [[m.user, m.start, m.end] for m in mentions]
    return json.dumps(found, separators=(",", ":")) if found else NO_MENTIONS


def names(event: Event, me: str) -> bool:
    """Whether someone else's message or edit names ``me``."""
    return event.sender != me and any(m.user == me for m in event.mentions)


@dataclass
class Changed:
    """What applying changes did: the messages whose state moved, by seq, and whether a
    deletion left text to purge from the files (``Cache.finish_purge``)."""

    targets: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)

    @property
    def purged(self) -> bool:
        return bool(self.deleted)


@dataclass(frozen=True)
class _Change:
    seq: int
    kind: str
    sender: str
    text: str
    mentions: str | None
    mentions_me: bool
    target: int
    emoji: str | None
    removed: bool


class ChangeApplier:
    """Applies change events to one cache's messages, inside the caller's transaction."""

    def __init__(self, db: Database, me: str) -> None:
        self._db = db
        self._me = me

    def earlier(self, channel_id: int, span: tuple[int, int]) -> list["_Change"]:
        """The stored change events that target a message from ``span[0]`` to ``span[1]``
        (asked before new events there are stored). One range query on the partial index
        of change rows: next to nothing when there are none."""
        return self._stored_changes(channel_id, *span)

    def doomed(
        self, channel_id: int, events: list[Event], earlier: list["_Change"], plain: bool
    ) -> set[int]:
        """Seqs of messages these events (about to be stored) must not bring text for: ones
        deleted, by a stored row (``earlier`` holds those of the events' own span) or by one
        of the events. ``plain``: the events carry nothing of messages that change."""
        doomed = {c.target for c in earlier if c.kind == "delete"}
        if plain:
            return doomed
        doomed |= {e.target for e in events if e.kind == "delete" and e.target is not None}
        doomed |= {e.seq for e in events if e.kind == "message" and e.deleted}
        edited = [e.target for e in events if e.kind == "edit" and e.target is not None]
        if edited:  # the messages of edits may be older than the events' span
            low, high = min(edited), max(edited)
            rows = self._db.execute_sql(
                "SELECT target FROM message WHERE channel = ? AND target BETWEEN ? AND ? "
                "AND kind = 'delete' UNION SELECT seq FROM message WHERE channel = ? "
                "AND seq BETWEEN ? AND ? AND deleted",
                (channel_id, low, high, channel_id, low, high),
            )
            doomed |= {seq for (seq,) in rows}
        return doomed

    def store_reactions(self, events: list[Event]) -> None:
        """The reactions a batch of message copies carry, decided as of each copy's
        ``changed``."""
        rows = [
            (e.channel, e.seq, user, r.emoji, e.changed or 0)
            for e in events
            if e.reactions and not e.deleted
            for r in e.reactions
            for user in r.users
        ]
        if rows:
            self._db.cursor().executemany(
                "INSERT OR IGNORE INTO reaction (channel, seq, user, emoji, present, stamp) "
                "VALUES (?, ?, ?, ?, 1, ?)",
                rows,
            )

    def apply_new(
        self,
        channel_id: int,
        events: list[Event],
        earlier: list["_Change"],
        doomed: set[int],
        provisional: bool = False,
        plain: bool = False,
    ) -> Changed:
        """After storing ``events`` (new to the cache) of one channel: apply the changes
        among them, and the ``earlier`` ones that target messages among them. ``doomed`` is
        what ``doomed`` said before they were stored; ``provisional``: the events were made
        here from an acknowledgement, without their mentions; ``plain``: no change events
        among them."""
        changes = [] if plain else [
            self._from_event(e, e.target in doomed, provisional)
            for e in events
            if e.kind in CHANGE_KINDS and e.target
        ]  # fmt: skip
        if earlier:
            copies = {e.seq for e in events if e.kind == "message"}
            changes += [c for c in earlier if c.target in copies]
        done = Changed()
        for change in sorted(changes, key=lambda c: c.seq):
            if self._apply(channel_id, change, done):
                done.targets.add(change.target)
        return done

    def mentions_known(self, channel_id: int, events: list[Event], me: str) -> set[int]:
        """Our own messages and edits stored from the server's acknowledgement do not know
        whom their text names; the server's copy of them says. Returns the messages whose
        mentions became known."""
        known: set[int] = set()
        for e in events:
            if e.sender != me or e.kind not in ("message", "edit"):
                continue
            cursor = self._db.execute_sql(
                "UPDATE message SET mentions = ? WHERE channel = ? AND seq = ? "
                "AND mentions IS NULL",
                (encode_mentions(e.mentions), channel_id, e.seq),
            )
            if cursor.rowcount and e.kind == "edit" and e.target is not None:
                self._db.execute_sql(
                    "UPDATE message SET mentions = ? WHERE channel = ? AND seq = ? "
                    "AND edited = ? AND NOT deleted",
                    (encode_mentions(e.mentions), channel_id, e.target, e.seq),
                )
                known.add(e.target)
            elif cursor.rowcount and e.kind == "message":
                known.add(e.seq)
        return known

    def _stored_changes(self, channel_id: int, low: int, high: int) -> list[_Change]:
        rows = self._db.execute_sql(
            "SELECT seq, kind, sender, text, mentions, target, emoji, removed "
            "FROM message WHERE channel = ? AND target BETWEEN ? AND ?",
            (channel_id, low, high),
        )
        return [
            _Change(seq, kind, sender, text, mentions, self._names_me(sender, mentions), target,
                    emoji, bool(removed))
            for seq, kind, sender, text, mentions, target, emoji, removed in rows
            if kind in CHANGE_KINDS
        ]  # fmt: skip

    def _names_me(self, sender: str, mentions: str | None) -> bool:
        """Whether a stored change's text names this cache's user (only a message row keeps
        that in ``mentions_me``, which counts unread mentions)."""
        return sender != self._me and any(m[0] == self._me for m in json.loads(mentions or "[]"))

    def _from_event(self, e: Event, doomed: bool, provisional: bool) -> _Change:
        assert e.target is not None
        mentions = None if provisional else encode_mentions(e.mentions)
        return _Change(
            e.seq, e.kind, e.sender, "" if doomed else e.text, mentions, names(e, self._me),
            e.target, e.emoji, e.removed,
        )  # fmt: skip

    def _apply(self, channel_id: int, change: _Change, done: Changed) -> bool:
        """Apply one change to its message if it is stored and the change is news to it;
        True if the message's state moved."""
        row = self._db.execute_sql(
            "SELECT kind, sender, deleted, changed, edited FROM message "
            "WHERE channel = ? AND seq = ?",
            (channel_id, change.target),
        ).fetchone()
        if row is None:
            return False  # stored; applied when its message arrives
        kind, sender, deleted, changed, edited = row
        if kind != "message" or deleted or change.seq <= changed:
            return False
        if change.kind == "edit":
            return change.sender == sender and self._edit(channel_id, change, edited)
        if change.kind == "delete":
            self._delete(channel_id, change.target)
            done.deleted.add(change.target)
            return True
        return self._react(channel_id, change)

    def _edit(self, channel_id: int, change: _Change, edited: int | None) -> bool:
        if edited is not None and change.seq <= edited:
            return False
        self._db.execute_sql(
            "UPDATE message SET text = ?, mentions = ?, mentions_me = ?, edited = ? "
            "WHERE channel = ? AND seq = ?",
            (change.text, change.mentions, change.mentions_me, change.seq, channel_id,
             change.target),
        )  # fmt: skip
        return True

    def _delete(self, channel_id: int, seq: int) -> None:
        db = self._db
        db.execute_sql(
            "UPDATE message SET text = '', mentions = '', mentions_me = 0, deleted = 1 "
            "WHERE channel = ? AND seq = ?",
            (channel_id, seq),
        )
        db.execute_sql(
            "UPDATE message SET text = '', mentions = '', mentions_me = 0 "
            "WHERE channel = ? AND target = ? AND kind = 'edit'",
            (channel_id, seq),
        )
        db.execute_sql("DELETE FROM reaction WHERE channel = ? AND seq = ?", (channel_id, seq))
        db.execute_sql("DELETE FROM attachment WHERE channel = ? AND seq = ?", (channel_id, seq))

    def _react(self, channel_id: int, change: _Change) -> bool:
        stamp = self._db.execute_sql(
            "SELECT stamp FROM reaction WHERE channel = ? AND seq = ? AND user = ? AND emoji = ?",
            (channel_id, change.target, change.sender, change.emoji),
        ).fetchone()
        if stamp is not None and stamp[0] >= change.seq:
            return False
        self._db.execute_sql(
            "INSERT INTO reaction (channel, seq, user, emoji, present, stamp) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, seq, user, emoji) "
            "DO UPDATE SET present = excluded.present, stamp = excluded.stamp",
            (channel_id, change.target, change.sender, change.emoji, not change.removed,
             change.seq),
        )  # fmt: skip
        return True
