"""Schema upgrades, one function per step: ``MIGRATIONS[n]`` turns schema n into n + 1.

``database.migrate`` runs each step in a transaction of its own, after a backup of a SQLite
database. Steps are written in SQL that SQLite and PostgreSQL both accept.
"""

from collections.abc import Callable

from peewee import Database

Migration = Callable[[Database], None]


def fewer_event_index_pages(db: Database) -> None:
    """1 -> 2: events lose their (channel, seq) index, which (channel, pos) stands in for, and
    the unique index of message ids is keyed (client id, sender), not (sender, client id):
    client ids begin with the time (``shared.ids``), so new entries from every sender land
    together at its end. A group commit writes fewer index pages (docs/performance.md)."""
    db.execute_sql('DROP INDEX IF EXISTS "event_channel_id_seq"')
    db.execute_sql('DROP INDEX IF EXISTS "event_sender_id_client_id"')
    db.execute_sql(
        'CREATE UNIQUE INDEX IF NOT EXISTS "event_client_id_sender_id" '
        'ON "event" ("client_id", "sender_id")'
    )


MIGRATIONS: dict[int, Migration] = {1: fewer_event_index_pages}
