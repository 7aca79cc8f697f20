"""Emptying a cache for the user's "Clear cache", keeping what only this device has.

Kept: the outbox (messages and changes not sent yet, or refused), the chats' rows (with
what the user chose on this device: muted chats, read positions not told to the server
yet), and the settings the server sent (its features and epoch, the account's settings).
Gone: every stored event and reaction, the files messages carry (and, apart, the files
held here but those waiting to be uploaded), receipts, presence, the search index, and the
sync cursor, so the engine starts again from a snapshot as a new device does and fetches what
it needs.
"""

import contextlib
import logging
from pathlib import Path

from peewee import Database, OperationalError

log = logging.getLogger(__name__)

# Rows the server sends again; the outbox and the channel rows are not among them.
REFETCHED_TABLES = ("reaction", "receipt", "presence", "attachment")
FORGOTTEN_SETTINGS = ("sync_cursor", "purge")


def clear_all_but_outbox(db: Database) -> None:
    """Empty the cache as the module says, in one transaction, then give the freed space
    back to the file system (where no other connection holds the file open in a
    transaction; else that waits for the next clear)."""
    with db.atomic():
        # The index first, and marked empty: deleting the messages then fires none of the
        # index's triggers (one per row, which would take long on a big cache).
        db.execute_sql("INSERT INTO message_fts (message_fts) VALUES ('delete-all')")
        db.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('indexed_up_to', '0')")
        db.execute_sql("DELETE FROM message")
        for table in REFETCHED_TABLES:
            db.execute_sql(f"DELETE FROM {table}")
        marks = ", ".join("?" for _ in FORGOTTEN_SETTINGS)
        db.execute_sql(f"DELETE FROM setting WHERE key IN ({marks})", FORGOTTEN_SETTINGS)
        db.execute_sql("UPDATE channel SET unread = 0")  # counted again as messages come
    try:
        db.execute_sql("VACUUM")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as e:  # another connection is in a transaction: space kept
        log.info("the cleared cache was not compacted: %s", e)


def files_size(path: Path) -> int:
    """Bytes the cache takes on disk: its database and write-ahead log files."""
    total = 0
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        with contextlib.suppress(FileNotFoundError):  # no log or index file just now
            total += (path.parent / name).stat().st_size
    return total
