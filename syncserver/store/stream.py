"""Each user's stream: the positions that number, for one user, the events they may see.

An event takes the next position of the stream of every member who may see it, in the same
transaction that stores it (``insert``); a change of the user's read position takes one too,
kept on its ``UserRead`` row. Sync pages walk one user's entries in order (``events.stream_after``
joins them to the events), so a position tells a user only about their own chats.

Databases from before these streams (schema 6 and older) numbered everything with the
server-wide position. Their events keep that number in every stream (the upgrade writes
an entry with ``pos = event_pos`` for each), so the cursors devices hold stay valid; each
of their users' streams goes on from the server's position at the upgrade (``Base``), and a
user registered after it starts from 0.
"""

from typing import NamedTuple

from peewee import Database, SqliteDatabase

from syncserver.store.models import Setting, StreamEntry, UserRead
from syncserver.store.store import Store

TABLE = StreamEntry._meta.table_name
BASE_POS = "stream_base"  # Setting: the server-wide position when streams were introduced
BASE_USER = "stream_base_user"  # Setting: the newest user id then


class Base(NamedTuple):
    """Where the streams of users from before the upgrade go on from."""

    pos: int
    last_user: int

    def floor(self, user_id: int) -> int:
        """The position a user's stream stands at with nothing in it since the upgrade."""
        return self.pos if user_id <= self.last_user else 0


def create_table(db: Database) -> None:
    """Make the table, WITHOUT ROWID on SQLite, where its key is then its only b-tree (peewee
    would add the clause on PostgreSQL too, which has no such thing)."""
    rowid = " WITHOUT ROWID" if isinstance(db, SqliteDatabase) else ""
    db.execute_sql(
        f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("user_id" INTEGER NOT NULL, '
        '"pos" BIGINT NOT NULL, "event_pos" BIGINT NOT NULL, '
        'PRIMARY KEY ("user_id", "pos"), '
        f'FOREIGN KEY ("user_id") REFERENCES "user" ("id")){rowid}'
    )


def base(store: Store) -> Base:
    """The stream base recorded at the upgrade; (0, 0) for a database that began with
    streams."""
    pos, last_user = Setting.read(store.db, BASE_POS), Setting.read(store.db, BASE_USER)
    return Base(int(pos or 0), int(last_user or 0))


def record_base(db: Database, pos: int, last_user: int) -> None:
    """Record the stream base (at the upgrade to streams)."""
    put = f'INSERT INTO "setting" ("key", "value") VALUES ({db.param}, {db.param})'
    db.execute_sql(put, (BASE_POS, str(pos)))
    db.execute_sql(put, (BASE_USER, str(last_user)))


def insert(store: Store, rows: list[dict]) -> None:
    """Enter stored events into the streams of their audience: each row's ``stream`` maps a
    user id to the position the event takes in that user's stream. The caller holds the
    transaction."""
    entries = [(user, pos, row["pos"]) for row in rows for user, pos in row["stream"].items()]
    p = store.db.param
    mark = f"({p}, {p}, {p})"
    per_statement = 999 // 3
    for start in range(0, len(entries), per_statement):
        chunk = entries[start : start + per_statement]
        sql = (
            f'INSERT INTO "{TABLE}" ("user_id", "pos", "event_pos") '
            f"VALUES {', '.join([mark] * len(chunk))}"
        )
        store.db.execute_sql(sql, [value for entry in chunk for value in entry])


def head(store: Store, user_id: int, floor: int) -> int:
    """The newest position of the user's stream (of an event or of a read position), or
    ``floor`` if it holds nothing newer."""
    read = UserRead.select(UserRead.pos).where(UserRead.user == user_id)
    newest_read = max((row.pos for row in read.bind(store.db)), default=0)
    return max(floor, _newest_pos(store, user_id), newest_read)


def heads(store: Store, user_ids: list[int], base: Base) -> dict[int, int]:
    """``head`` of each of these users' streams, in one query."""
    if not user_ids:
        return {}
    p, reads = store.db.param, UserRead._meta.table_name
    sql = (
        f"WITH u(id) AS (VALUES {', '.join([f'(CAST({p} AS INTEGER))'] * len(user_ids))}) "
        f'SELECT u.id, (SELECT MAX("pos") FROM "{TABLE}" WHERE "user_id" = u.id), '
        f'(SELECT MAX("pos") FROM "{reads}" WHERE "user_id" = u.id) FROM u'
    )
    return {
        int(user): max(base.floor(int(user)), int(newest or 0), int(read or 0))
        for user, newest, read in store.db.execute_sql(sql, user_ids)
    }


def event_pos_at(store: Store, user_id: int, pos: int) -> int:
    """The server-wide position of the newest event at or before ``pos`` in the user's
    stream; 0 if there is none. A range of a user's stream is the range of server-wide
    positions between these two bounds, as far as the user's events go."""
    p = store.db.param
    row = store.db.execute_sql(
        f'SELECT "event_pos" FROM "{TABLE}" WHERE "user_id" = {p} AND "pos" <= {p} '
        'ORDER BY "pos" DESC LIMIT 1',
        [user_id, pos],
    ).fetchone()
    return int(row[0]) if row else 0


def position_of(store: Store, user_id: int, event_pos: int) -> int | None:
    """The event's position in the user's stream, None if it is not in it. Entries are keyed
    by the user's positions, but both positions grow together, so the user's positions are
    bisected: one seek in the key per probe, about 20 for a million entries."""
    low, high = 1, _newest_pos(store, user_id)  # the answer, if any, is in [low, high]
    while low <= high:
        middle = (low + high) // 2
        probe = _first_from(store, user_id, middle)
        if probe is None or probe[0] > high:
            high = middle - 1
        elif probe[1] == event_pos:
            return probe[0]
        elif probe[1] < event_pos:
            low = probe[0] + 1
        else:
            high = middle - 1
    return None


def _newest_pos(store: Store, user_id: int) -> int:
    p = store.db.param
    row = store.db.execute_sql(
        f'SELECT MAX("pos") FROM "{TABLE}" WHERE "user_id" = {p}', [user_id]
    ).fetchone()
    return int(row[0] or 0)


def _first_from(store: Store, user_id: int, pos: int) -> tuple[int, int] | None:
    """(pos, event_pos) of the user's first entry at or after ``pos``."""
    p = store.db.param
    row = store.db.execute_sql(
        f'SELECT "pos", "event_pos" FROM "{TABLE}" WHERE "user_id" = {p} AND "pos" >= {p} '
        'ORDER BY "pos" LIMIT 1',
        [user_id, pos],
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None
