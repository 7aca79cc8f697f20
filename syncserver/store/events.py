"""Queries on channel timelines and read cursors."""

from typing import NamedTuple

from peewee import Field, fn

from shared.protocol import EventKind
from syncserver.store import files, stream
from syncserver.store.models import DeviceRead, Event, UserRead
from syncserver.store.store import Store

# Sends are the hot path: building their SQL through the query builder cost more than
# SQLite's work, so these two statements are written out here. Both keep under SQLite's old
# limit of 999 parameters a statement.
_EVENT_COLUMNS: tuple[str, ...] = ("pos", "channel", "seq", "kind", "sender", "device")
_EVENT_COLUMNS += ("client_id", "text", "subject", "name", "ts", "written")
# What a reply, a mention or a change adds; a plain message leaves them to the database's
# defaults, so its insert stays as short as before them.
CHANGE_COLUMNS: tuple[str, ...] = ("reply_to", "target", "emoji", "removed", "mentions")
CHANGE_COLUMNS += ("attachments",)
_ALL_COLUMNS = _EVENT_COLUMNS + CHANGE_COLUMNS
_DEFAULTS = {"text": "", "removed": False}
_LOOKUP_CHUNK = 999 // 2  # (sender, client id) pairs


def append(store: Store, rows: list[dict]) -> None:
    """Store new events (dicts keyed by field name, made by ``Context.new_event``): their
    rows, the files they carry, and their places in the streams of their audience. The
    only way events are written; the caller holds the transaction."""
    _insert_events(store, rows)
    files.insert_event_files(store, rows)
    stream.insert(store, rows)


def _insert_events(store: Store, rows: list[dict]) -> None:
    plain = [row for row in rows if not CHANGE_COLUMNS & row.keys()]
    _insert(store, plain, _EVENT_COLUMNS)
    if len(plain) < len(rows):
        _insert(store, [row for row in rows if CHANGE_COLUMNS & row.keys()], _ALL_COLUMNS)


def _insert(store: Store, rows: list[dict], names: tuple[str, ...]) -> None:
    fields = Event._meta.fields
    columns = ", ".join(fields[name].column_name for name in names)
    row_marks = "(" + ", ".join([store.db.param] * len(names)) + ")"
    per_statement = 999 // len(names)  # rows
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = (
            f"INSERT INTO {Event._meta.table_name} ({columns}) "
            f"VALUES {', '.join([row_marks] * len(chunk))}"
        )
        params = [row.get(c, _DEFAULTS.get(c)) for row in chunk for c in names]
        store.db.execute_sql(sql, params)


def sent_by_client_ids(store: Store, keys: set[tuple[int, str]]) -> dict[tuple[int, str], dict]:
    """Stored messages and changes for (sender, client id) pairs, each as a dict of
    ``_SENT_COLUMNS``."""
    found: dict[tuple[int, str], dict] = {}
    ordered = list(keys)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        found.update(_sent_by_client_ids(store, ordered[start : start + _LOOKUP_CHUNK]))
    return found


def _sent_by_client_ids(store: Store, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict]:
    mark = store.db.param
    pairs = ", ".join([f"({mark}, {mark})"] * len(keys))
    columns = ", ".join(f"e.{c}" for c in _SENT_COLUMNS)
    sql = (
        f"WITH wanted(sender, client_id) AS (VALUES {pairs}) "
        f"SELECT e.sender_id, {columns} FROM wanted JOIN {Event._meta.table_name} e "
        "ON e.sender_id = wanted.sender AND e.client_id = wanted.client_id"
    )
    params = [value for key in keys for value in key]
    found = {}
    for sender, *values in store.db.execute_sql(sql, params):
        row = dict(zip(("channel", *_SENT_COLUMNS[1:]), values, strict=True))
        found[(sender, row["client_id"])] = row
    return found


# What a repeated request is compared with, and answered from.
_SENT_COLUMNS: tuple[str, ...] = (
    "channel_id",
    "seq",
    "pos",
    "ts",
    "client_id",
    "text",
    "written",
    "kind",
)
_SENT_COLUMNS += ("reply_to", "target", "emoji", "removed", "edited", "deleted")


def max_pos(store: Store) -> int:
    """The newest server-wide position of an event (or, in a database from before streams,
    of anything: ``stream.Base``)."""
    return max(newest_event_pos(store), stream.base(store).pos)


def newest_event_pos(store: Store) -> int:
    """The newest position any event holds (0 with none)."""
    return int(Event.select(fn.MAX(Event.pos)).scalar(store.db) or 0)


def max_seq(store: Store, channel_id: int) -> int:
    """The channel's newest sequence number: that of its newest event (see ``models.Event``)."""
    newest = _newest(store, channel_id)
    return newest[1] if newest is not None else 0


class EventRow(NamedTuple):
    """A stored event as read for a reply: the columns under the model's attribute names.
    ``pos`` is the server-wide position, except in rows of a user's stream
    (``stream_after``), where it is the event's position in that stream."""

    pos: int
    channel_id: int
    seq: int
    kind: EventKind  # as the server wrote it
    sender_id: int
    client_id: str | None
    text: str
    subject_id: int | None
    name: str | None
    ts: int
    written: int | None
    reply_to: int | None
    target: int | None
    emoji: str | None
    removed: bool
    mentions: str | None  # encoded (``store.mentions``)
    edited: int | None
    deleted: bool
    changed: int | None
    attachments: bytes | None  # encoded (``store.files``)


# A sync page of 1,000 events spent most of its time making model instances; these reads
# build the SQL with the query builder and take the rows as plain tuples.
_ROW_FIELDS: tuple[Field, ...] = (Event.pos, Event.channel, Event.seq, Event.kind, Event.sender)
_ROW_FIELDS += (Event.client_id, Event.text, Event.subject, Event.name, Event.ts, Event.written)
_ROW_FIELDS += (Event.reply_to, Event.target, Event.emoji, Event.removed, Event.mentions)
_ROW_FIELDS += (Event.edited, Event.deleted, Event.changed, Event.attachments)


def _event_rows(store: Store, query) -> list[EventRow]:
    sql, params = query.bind(store.db).sql()
    return list(map(EventRow._make, store.db.execute_sql(sql, params)))


def history(store: Store, channel_id: int, before: int | None, limit: int) -> list[EventRow]:
    """Up to ``limit`` events with a sequence number below ``before``, newest first."""
    query = Event.select(*_ROW_FIELDS).where(Event.channel == channel_id)
    if before is not None:
        boundary = first_pos_from_seq(store, channel_id, before)
        if boundary is not None:
            query = query.where(Event.pos < boundary)
    return _event_rows(store, query.order_by(Event.pos.desc()).limit(limit))


def history_below(store: Store, channel_id: int, pos: int, limit: int) -> list[EventRow]:
    """Up to ``limit`` events before stream position ``pos``, newest first: where a page
    read in chunks goes on below its last row."""
    query = Event.select(*_ROW_FIELDS).where((Event.channel == channel_id) & (Event.pos < pos))
    return _event_rows(store, query.order_by(Event.pos.desc()).limit(limit))


def first_pos_from_seq(store: Store, channel_id: int, seq: int) -> int | None:
    """The stream position of the channel's first event numbered ``seq`` or higher; None if
    there is none.

    Events are indexed by (channel, pos) only, but within a channel ``seq`` grows with ``pos``
    (``models.Event``), so positions can be bisected: every probe is one seek in that index,
    about 20 of them for a million events."""
    newest = _newest(store, channel_id)
    if newest is None or newest[1] < seq:
        return None
    found, low, high = newest[0], 1, newest[0]  # the answer is ``found`` or in [low, high)
    while low < high:
        middle = (low + high) // 2
        probe = _first_from(store, channel_id, middle)
        if probe is None or probe[0] >= high:  # none of the channel's events in [middle, high)
            high = middle
        elif probe[1] >= seq:  # a match; any earlier one lies below middle
            found, high = probe[0], middle
        else:  # every event up to this one is numbered below seq
            low = probe[0] + 1
    return found


def max_seqs(store: Store, channel_ids: list[int]) -> dict[int, int]:
    """``max_seq`` of each of these channels, in one query."""
    if not channel_ids:
        return {}
    p, table = store.db.param, Event._meta.table_name
    sql = (
        f"WITH c(id) AS (VALUES {', '.join([f'(CAST({p} AS INTEGER))'] * len(channel_ids))}) "
        f"SELECT c.id, (SELECT seq FROM {table} WHERE channel_id = c.id "
        "ORDER BY pos DESC LIMIT 1) FROM c"
    )
    return {int(c): int(seq or 0) for c, seq in store.db.execute_sql(sql, channel_ids)}


def _newest(store: Store, channel_id: int) -> tuple[int, int] | None:
    """(pos, seq) of the channel's newest event."""
    return _position_row(store, "ORDER BY pos DESC LIMIT 1", [channel_id])


def _first_from(store: Store, channel_id: int, pos: int) -> tuple[int, int] | None:
    """(pos, seq) of the channel's first event at or after ``pos``."""
    rest = f"AND pos >= {store.db.param} ORDER BY pos LIMIT 1"
    return _position_row(store, rest, [channel_id, pos])


def _position_row(store: Store, rest: str, params: list[int]) -> tuple[int, int] | None:
    # Plain SQL: building each probe with the query builder cost four times SQLite's seek.
    table, p = Event._meta.table_name, store.db.param
    sql = f"SELECT pos, seq FROM {table} WHERE channel_id = {p} {rest}"
    row = store.db.execute_sql(sql, params).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def stream_after(store: Store, user_id: int, after: int, limit: int) -> list[EventRow]:
    """Up to ``limit`` events of the user's stream past position ``after``, oldest first;
    each row's ``pos`` is the event's position in that stream."""
    # Plain SQL: every sync page asks this, often for a few events, and building it with
    # peewee cost more than reading them.
    p = store.db.param
    columns = ", ".join(f"e.{field.column_name}" for field in _ROW_FIELDS[1:])
    sql = (
        f'SELECT s.pos, {columns} FROM "{stream.TABLE}" s '
        f"JOIN {Event._meta.table_name} e ON e.pos = s.event_pos "
        f"WHERE s.user_id = {p} AND s.pos > {p} ORDER BY s.pos LIMIT {p}"
    )
    rows = store.db.execute_sql(sql, [user_id, after, limit])
    return list(map(EventRow._make, rows))


class ReadRow(NamedTuple):
    """A change of the user's read position in a channel, at ``pos`` in their stream."""

    pos: int
    channel_id: int
    seq: int


def user_reads_after(store: Store, user_id: int, after: int, limit: int) -> list[ReadRow]:
    query = (
        UserRead.select(UserRead.pos, UserRead.channel, UserRead.seq)
        .where((UserRead.user == user_id) & (UserRead.pos > after))
        .order_by(UserRead.pos)
        .limit(limit)
        .tuples()
    )
    return list(map(ReadRow._make, query.execute(store.db)))


def user_read_seq(store: Store, user_id: int, channel_id: int) -> int:
    query = UserRead.select().where((UserRead.user == user_id) & (UserRead.channel == channel_id))
    row = query.get_or_none(store.db)
    return row.seq if row else 0


def set_device_read(store: Store, device_id: int, channel_id: int, seq: int) -> None:
    """Move the device's read cursor forward to ``seq``; never back."""
    moved = (
        DeviceRead.update(seq=seq)
        .where(
            (DeviceRead.device == device_id)
            & (DeviceRead.channel == channel_id)
            & (DeviceRead.seq < seq)
        )
        .execute(store.db)
    )
    if not moved:
        DeviceRead.insert(
            device=device_id, channel=channel_id, seq=seq
        ).on_conflict_ignore().execute(store.db)


def set_user_read(store: Store, user_id: int, channel_id: int, seq: int, pos: int) -> None:
    UserRead.insert(user=user_id, channel=channel_id, seq=seq, pos=pos).on_conflict(
        conflict_target=[UserRead.user, UserRead.channel],
        update={UserRead.seq: seq, UserRead.pos: pos},
    ).execute(store.db)


def group_name_at(store: Store, channel_id: int, pos: int) -> str | None:
    """The group's name as of stream position ``pos``."""
    named = (
        Event.select(Event.name)
        .where(
            (Event.channel == channel_id)
            & Event.kind.in_(("created", "renamed"))
            & (Event.pos <= pos)
        )
        .order_by(Event.pos.desc())
        .first(store.db)
    )
    return named.name if named is not None else None
