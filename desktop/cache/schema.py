"""Opening a cache file: pragmas, schema creation and upgrades.

The schema version lives in ``PRAGMA user_version`` as major * 1000 + minor. A minor bump only
adds things older code can ignore; a major bump changes what exists. A cache written by a
newer major version is refused, never rewritten.
"""

from collections.abc import Callable
from pathlib import Path

from peewee import SqliteDatabase

from desktop.cache.attachments import ATTACHMENT_TABLES
from desktop.cache.drafts import DRAFT_TABLE
from desktop.cache.local_files import LOCAL_FILE_TABLE
from desktop.cache.models import BoundModels, bind_models
from desktop.cache.people import PERSON_TABLE
from desktop.cache.receipts import RECEIPT_TABLE
from shared.private import narrow_if_present, private_dir, private_file
from shared.protocol import UNTIL_TURNED_OFF

SCHEMA_MAJOR = 5
SCHEMA_MINOR = 4

PRAGMAS = {
    "journal_mode": "wal",
    # A deleted message's text must leave the file: freed space is overwritten with zeros.
    "secure_delete": 1,
    "synchronous": "normal",  # committed data survives an app crash; fsync costs too much
    "foreign_keys": 1,
    "cache_size": -16_000,
    "busy_timeout": 5000,
}

# An external-content full-text index over message text, filled by the cache itself
# (``Cache.index_pending``) in big batches, apart from storing: the messages with ids up to
# the ``indexed_up_to`` setting are indexed, later ones not yet. Triggers keep the indexed
# ones in step when a message changes or goes. (A trigger per inserted row was ten times
# slower than the insert: FTS5 writes out its pending index at every statement it runs in.)
# Only rows of kind 'message' are indexed: an edit's text is its message's once applied.
INDEXED = "(SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'indexed_up_to')"
_FTS_TABLE = (
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "text, content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
_FTS_TRIGGERS = [
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message "
    f"WHEN old.id <= {INDEXED} AND old.kind = 'message' BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text ON message "
    f"WHEN old.id <= {INDEXED} AND old.kind = 'message' BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
]
_FTS = [_FTS_TABLE, *_FTS_TRIGGERS]
# Change events by the message they change; messages that mention the user, to count those
# not read yet. Both are few among the rows, so partial indexes keep them small.
_INDEXES = [
    "CREATE INDEX IF NOT EXISTS message_target ON message (channel, target) "
    "WHERE target IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS message_mentions_me ON message (channel, seq) "
    "WHERE mentions_me = 1",
]
# Tables kept with plain SQL, apart from the models.
_PLAIN_TABLES = [RECEIPT_TABLE, DRAFT_TABLE, PERSON_TABLE, *ATTACHMENT_TABLES, LOCAL_FILE_TABLE]


UNREAD_COUNT = (
    "SELECT COUNT(*) FROM message WHERE message.channel = channel.id "
    "AND message.seq > channel.read_seq AND message.kind = 'message' AND message.sender != ? "
    "AND NOT message.deleted"
)


def _stored_unread_and_batch_indexing(db: SqliteDatabase, me: str) -> None:
    """2.0: unread counts kept in the channel row, and new messages indexed by the cache."""
    db.execute_sql("DROP TRIGGER IF EXISTS message_fts_insert")
    db.execute_sql("ALTER TABLE channel ADD COLUMN unread INTEGER NOT NULL DEFAULT 0")
    db.execute_sql(f"UPDATE channel SET unread = ({UNREAD_COUNT})", (me,))


def _indexing_apart_from_storing(db: SqliteDatabase, me: str) -> None:
    """3.0: messages are indexed apart from storing them, up to ``indexed_up_to``. Older
    versions index as they store and would index the same message twice, hence a major
    version. Everything stored so far is indexed."""
    db.execute_sql("DROP TRIGGER IF EXISTS message_fts_delete")
    db.execute_sql("DROP TRIGGER IF EXISTS message_fts_update")
    db.execute_sql(
        "INSERT OR REPLACE INTO setting (key, value) "
        "SELECT 'indexed_up_to', COALESCE(MAX(id), 0) FROM message"
    )
    for statement in _FTS_TRIGGERS:
        db.execute_sql(statement)


def _outbox_for_new_chats_and_writing_times(db: SqliteDatabase, me: str) -> None:
    """4.0: a message to someone without a direct chat yet waits in the outbox with channel
    0 and ``to_user``, which older versions would send to channel 0, hence a major version;
    stored messages keep the local time they were written here."""
    _add_column(db, "outbox", "to_user VARCHAR(255)")
    _add_column(db, "message", "written INTEGER")


def _messages_that_change(db: SqliteDatabase, me: str) -> None:
    """5.0: replies, reactions, edits, deletions and mentions. Change events are stored as
    rows that older versions would show as entries of their own, hence a major version.
    Change rows stored by 4.0, which did not read their target, go: holes now, filled from
    the server with their targets. Only messages stay in the search index."""
    for column in (
        "reply_to INTEGER",
        "mentions TEXT DEFAULT ''",
        "mentions_me INTEGER NOT NULL DEFAULT 0",
        "target INTEGER",
        "emoji VARCHAR(255)",
        "removed INTEGER NOT NULL DEFAULT 0",
        "edited INTEGER",
        "deleted INTEGER NOT NULL DEFAULT 0",
        "changed INTEGER NOT NULL DEFAULT 0",
    ):
        _add_column(db, "message", column)
    for column in (
        "kind VARCHAR(255) NOT NULL DEFAULT 'message'",
        "reply_to INTEGER",
        "target INTEGER",
        "emoji VARCHAR(255)",
        "removed INTEGER NOT NULL DEFAULT 0",
    ):
        _add_column(db, "outbox", column)
    bind_models(db).Reaction.create_table(safe=True)
    for trigger in ("message_fts_delete", "message_fts_update"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute_sql(
        "DELETE FROM message WHERE kind IN ('reaction', 'edit', 'delete') AND target IS NULL"
    )
    db.execute_sql("INSERT INTO message_fts (message_fts) VALUES ('delete-all')")
    db.execute_sql(
        f"INSERT INTO message_fts (rowid, text) SELECT id, text FROM message "
        f"WHERE kind = 'message' AND id <= {INDEXED}"
    )
    for statement in [*_FTS_TRIGGERS, *_INDEXES]:
        db.execute_sql(statement)


def _receipts(db: SqliteDatabase, me: str) -> None:
    """4.1: the other members' receipts per chat (older versions ignore the table)."""
    db.execute_sql(RECEIPT_TABLE)


def _muted_until(db: SqliteDatabase, me: str) -> None:
    """5.1: a chat is muted until a time (older versions read ``muted``, kept in step).
    A chat muted before stays muted until it is unmuted."""
    _add_column(db, "channel", "muted_until INTEGER NOT NULL DEFAULT 0")
    db.execute_sql("UPDATE channel SET muted_until = ? WHERE muted", (UNTIL_TURNED_OFF,))


def _drafts(db: SqliteDatabase, me: str) -> None:
    """5.2: a draft per chat (older versions ignore the table)."""
    db.execute_sql(DRAFT_TABLE)


def _people(db: SqliteDatabase, me: str) -> None:
    """5.3: people's display names (older versions ignore the table). They come with the
    chats the next time the server lists them."""
    db.execute_sql(PERSON_TABLE)


def _attachments(db: SqliteDatabase, me: str) -> None:
    """5.4: files attached to messages, and the ones this device holds (older versions
    ignore the tables; a message with files queued here would go without them from one)."""
    for statement in [*ATTACHMENT_TABLES, LOCAL_FILE_TABLE]:
        db.execute_sql(statement)


def _add_column(db: SqliteDatabase, table: str, column: str) -> None:
    """Add a column unless the table has it (a cache made by this version and marked older,
    as tests of earlier upgrades do)."""
    name = column.split()[0]
    if name not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column}")


# One function per schema version after the first, keyed by the version it upgrades to; each
# gets the database and the user whose cache it is.
UPGRADES: dict[tuple[int, int], Callable[[SqliteDatabase, str], None]] = {
    (2, 0): _stored_unread_and_batch_indexing,
    (3, 0): _indexing_apart_from_storing,
    (4, 0): _outbox_for_new_chats_and_writing_times,
    (5, 0): _messages_that_change,
    (4, 1): _receipts,
    (5, 1): _muted_until,
    (5, 2): _drafts,
    (5, 3): _people,
    (5, 4): _attachments,
}


class CacheTooNew(RuntimeError):
    """The cache was written by a newer Tidings."""


def open_cache_db(path: Path, me: str) -> BoundModels:
    """Open (creating or upgrading) ``me``'s cache at ``path``."""
    # Owner-only: the cache holds the user's messages (SQLite gives its -wal and -shm files
    # the database file's mode).
    private_file(private_dir(path.parent) / path.name)
    for sidecar in ("-wal", "-shm"):
        narrow_if_present(path.with_name(path.name + sidecar))
    # A transaction takes the write lock when it begins: one that read first and then wrote
    # would fail at once (SQLITE_BUSY, no wait) whenever another connection committed in
    # between, and the engine's thread and the GUI's each have a connection.
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, lock_type="IMMEDIATE")
    db.connect()
    models = bind_models(db)
    version = db.execute_sql("PRAGMA user_version").fetchone()[0]
    major, minor = divmod(version, 1000)
    if major > SCHEMA_MAJOR:
        db.close()
        raise CacheTooNew(
            f"the cache {path} was written by a newer Tidings (schema {major}.{minor}; this "
            f"version knows {SCHEMA_MAJOR}.{SCHEMA_MINOR}); update Tidings to open it"
        )
    if version == 0:
        with db.atomic():
            db.create_tables(models.all)
            for statement in [*_FTS, *_INDEXES, *_PLAIN_TABLES]:
                db.execute_sql(statement)
            db.execute_sql("INSERT INTO setting (key, value) VALUES ('indexed_up_to', 0)")
            _set_version(db)
    elif (major, minor) < (SCHEMA_MAJOR, SCHEMA_MINOR):
        with db.atomic():
            for step in sorted(UPGRADES):
                if step > (major, minor):
                    UPGRADES[step](db, me)
            _set_version(db)
    return models


def _set_version(db: SqliteDatabase) -> None:
    db.execute_sql(f"PRAGMA user_version = {SCHEMA_MAJOR * 1000 + SCHEMA_MINOR}")
