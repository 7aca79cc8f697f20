"""Messages that change (docs/protocol.md): finding a message by its ``seq``, reading its
reactions, and applying reactions, edits and deletions to it in the transaction that
stores the events that make them."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from syncserver.store import events, files
from syncserver.store.models import Event, Reaction
from syncserver.store.store import Store

_PAIRS_CHUNK = 999 // 2  # (channel, seq) pairs a statement


class StoredEvent(NamedTuple):
    """What the checks of a change need of the event it names."""

    pos: int
    seq: int
    kind: str
    sender_id: int
    deleted: bool


def event_at(store: Store, channel_id: int, seq: int) -> StoredEvent | None:
    """The channel's event numbered ``seq``, found by bisecting its positions (events are
    indexed by (channel, pos) only: ``events.first_pos_from_seq``)."""
    pos = events.first_pos_from_seq(store, channel_id, seq)
    if pos is None:
        return None
    p = store.db.param
    row = store.db.execute_sql(
        f'SELECT pos, seq, kind, sender_id, deleted FROM "event" WHERE pos = {p}', [pos]
    ).fetchone()
    if row is None or row[1] != seq:
        return None
    return StoredEvent(row[0], row[1], row[2], row[3], bool(row[4]))


def emoji_on(store: Store, channel_id: int, seq: int) -> set[str]:
    """The distinct emoji on a message now."""
    query = (
        Reaction.select(Reaction.emoji)
        .where((Reaction.channel == channel_id) & (Reaction.seq == seq))
        .distinct()
    )
    return {r.emoji for r in query.bind(store.db)}


# A message's reactions: each emoji, in the order it first came, with who put it there.
Reactions = list[tuple[str, list[int]]]


def reactions_of(
    store: Store, messages: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Reactions]:
    """The reactions of these (channel, seq) messages, in one query per 499 of them; a
    message without any is left out."""
    wanted = list(messages)
    found: dict[tuple[int, int], dict[str, list[int]]] = {}
    for start in range(0, len(wanted), _PAIRS_CHUNK):
        chunk = wanted[start : start + _PAIRS_CHUNK]
        mark = store.db.param
        pairs = ", ".join([f"({mark}, {mark})"] * len(chunk))
        sql = (
            f"WITH wanted(channel_id, seq) AS (VALUES {pairs}) "
            'SELECT r.channel_id, r.seq, r.emoji, r.user_id FROM wanted JOIN "reaction" r '
            "ON r.channel_id = wanted.channel_id AND r.seq = wanted.seq ORDER BY r.pos"
        )
        params = [value for pair in chunk for value in pair]
        for channel_id, seq, emoji, user_id in store.db.execute_sql(sql, params):
            found.setdefault((channel_id, seq), {}).setdefault(emoji, []).append(user_id)
    return {key: list(by_emoji.items()) for key, by_emoji in found.items()}


@dataclass(frozen=True)
class EditApplied:
    """An edit's new text becomes its message's text."""

    target_pos: int
    seq: int
    text: str
    mentions: str | None  # encoded (``store.mentions``)


@dataclass(frozen=True)
class ReactionApplied:
    """A user's emoji put on a message, or taken back."""

    channel_id: int
    target: int
    target_pos: int
    seq: int
    pos: int
    user_id: int
    emoji: str
    removed: bool


@dataclass(frozen=True)
class DeleteApplied:
    """A message deleted: its text, mentions, edits (their text, and its being edited)
    and reactions go."""

    channel_id: int
    target: int
    target_pos: int
    seq: int


Change = EditApplied | ReactionApplied | DeleteApplied


def apply(store: Store, changes: Iterable[Change]) -> list[str]:
    """Apply changes in order (of their seqs); the caller holds the transaction, in which the
    events that make them were inserted first. The files that deleted messages carried and
    nothing refers to any more: their bytes go once the transaction committed."""
    dropped: list[str] = []
    for change in changes:
        if isinstance(change, EditApplied):
            _apply_edit(store, change)
        elif isinstance(change, ReactionApplied):
            _apply_reaction(store, change)
        else:
            dropped += _apply_delete(store, change)
    return dropped


def _apply_edit(store: Store, edit: EditApplied) -> None:
    Event.update(text=edit.text, mentions=edit.mentions, edited=edit.seq, changed=edit.seq).where(
        Event.pos == edit.target_pos
    ).execute(store.db)


def _apply_reaction(store: Store, reaction: ReactionApplied) -> None:
    if reaction.removed:
        Reaction.delete().where(
            (Reaction.channel == reaction.channel_id)
            & (Reaction.seq == reaction.target)
            & (Reaction.user == reaction.user_id)
            & (Reaction.emoji == reaction.emoji)
        ).execute(store.db)
    else:
        Reaction.insert(
            channel=reaction.channel_id,
            seq=reaction.target,
            user=reaction.user_id,
            emoji=reaction.emoji,
            pos=reaction.pos,
        ).on_conflict_ignore().execute(store.db)
    Event.update(changed=reaction.seq).where(Event.pos == reaction.target_pos).execute(store.db)


def _apply_delete(store: Store, delete: DeleteApplied) -> list[str]:
    Event.update(text="", mentions=None).where(
        (Event.channel == delete.channel_id)
        & (Event.target == delete.target)
        & (Event.kind == "edit")
    ).execute(store.db)
    Event.update(
        text="", mentions=None, edited=None, deleted=True, changed=delete.seq, attachments=None
    ).where(Event.pos == delete.target_pos).execute(store.db)
    Reaction.delete().where(
        (Reaction.channel == delete.channel_id) & (Reaction.seq == delete.target)
    ).execute(store.db)
    return files.release_message(store, delete.target_pos)
