"""Schema upgrades, one function per step: ``MIGRATIONS[n]`` turns schema n into n + 1.

``database.migrate`` runs each step in a transaction of its own, after a backup of a SQLite
database. Steps are written in SQL that SQLite and PostgreSQL both accept.
"""

from collections.abc import Callable

from peewee import Database

Migration = Callable[[Database], None]


def message_ids_index_by_id_first(db: Database) -> None:
    """1 -> 2: the unique index of message ids is keyed (client id, sender), not (sender,
    client id). Client ids begin with the time (``shared.ids``), so new entries from every
    sender now land together at the end of the index (docs/performance.md)."""
    db.execute_sql('DROP INDEX IF EXISTS "event_sender_id_client_id"')
    db.execute_sql(
        'CREATE UNIQUE INDEX IF NOT EXISTS "event_client_id_sender_id" '
        'ON "event" ("client_id", "sender_id")'
    )


MIGRATIONS: dict[int, Migration] = {1: message_ids_index_by_id_first}
