"""Schema upgrades, one function per step: ``MIGRATIONS[n]`` turns schema n into n + 1.

``database.migrate`` runs each step in a transaction of its own, after a backup of a SQLite
database. Steps are written in SQL that SQLite and PostgreSQL both accept.
"""

from collections.abc import Callable

from peewee import Database, SqliteDatabase

from syncserver.skeletons import skeleton
from syncserver.store import stream

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


def user_name_skeletons(db: Database) -> None:
    """2 -> 3: users get the TR39 skeleton of their name, under a unique index, so no new name
    can look like a registered one. Of look-alikes registered before, the oldest holds the
    skeleton; the others keep their names and a null skeleton, which blocks nothing."""
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "skeleton" VARCHAR(255)')
    held: set[str] = set()
    update = f'UPDATE "user" SET "skeleton" = {db.param} WHERE "id" = {db.param}'
    users = db.execute_sql('SELECT "id", "name" FROM "user" ORDER BY "id"').fetchall()
    for user_id, name in users:
        key = skeleton(name)
        if key not in held:
            held.add(key)
            db.execute_sql(update, (key, user_id))
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "user_skeleton" ON "user" ("skeleton")')


def times_of_writing(db: Database) -> None:
    """3 -> 4: events keep the time their writer says a message was written (``written``);
    messages stored before have none, and are shown at the time the server stored them."""
    db.execute_sql('ALTER TABLE "event" ADD COLUMN "written" BIGINT')


def messages_that_change(db: Database) -> None:
    """4 -> 5: messages that change (docs/protocol.md). Events get the columns of replies,
    reactions, edits, deletions and mentions, left at their defaults by plain messages; a
    partial index finds a message's edits. Reactions get a table of their own."""
    for column, kind in (
        ("reply_to", "BIGINT"),
        ("target", "BIGINT"),
        ("emoji", "VARCHAR(255)"),
        ("removed", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ("mentions", "TEXT"),
        ("edited", "BIGINT"),
        ("deleted", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ("changed", "BIGINT"),
    ):
        db.execute_sql(f'ALTER TABLE "event" ADD COLUMN "{column}" {kind}')
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "event_channel_id_target" ON "event" ("channel_id", "target") '
        'WHERE ("target" IS NOT NULL)'
    )
    # The reaction table is new: open_database creates it with the other tables.


def receipts_and_account_settings(db: Database) -> None:
    """5 -> 6: each member's delivered position per channel (``receipt``) and the accounts'
    settings (``account_settings``; no row means every default). Members start delivered
    up to the newest event of the channel their furthest device confirmed storing."""
    db.execute_sql(
        'CREATE TABLE IF NOT EXISTS "receipt" ("channel_id" INTEGER NOT NULL, '
        '"user_id" INTEGER NOT NULL, "delivered" BIGINT NOT NULL, '
        'PRIMARY KEY ("channel_id", "user_id"), '
        'FOREIGN KEY ("channel_id") REFERENCES "channel" ("id"), '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id"))'
    )
    db.execute_sql(
        'CREATE TABLE IF NOT EXISTS "account_settings" ("user_id" INTEGER NOT NULL PRIMARY KEY, '
        '"read_receipts" BOOLEAN NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id"))'
    )
    newest_stored = (
        'SELECT e."seq" FROM "event" e WHERE e."channel_id" = m."channel_id" '
        'AND e."pos" >= m."joined_pos" AND e."pos" <= ('
        'SELECT MAX(d."sync_cursor") FROM "device" d WHERE d."user_id" = m."user_id") '
        'ORDER BY e."pos" DESC LIMIT 1'
    )
    db.execute_sql(
        'INSERT INTO "receipt" ("channel_id", "user_id", "delivered") '
        'SELECT "channel_id", "user_id", "seq" FROM ('
        f'SELECT m."channel_id", m."user_id", ({newest_stored}) AS "seq" '
        'FROM "membership" m WHERE m."left_pos" IS NULL) AS known WHERE "seq" IS NOT NULL'
    )


def streams_of_their_own(db: Database) -> None:
    """6 -> 7: every user gets a stream of their own (``store.stream``), so that positions
    count only what the user sees. Each event enters the stream of everyone who may see it
    under its server-wide position, so cursors devices hold keep their meaning; streams go
    on from the server's position now. The stretches of membership, which sync pages used to
    walk, are in the streams now, and go."""
    stream.create_table(db)
    # A database from before the stretches were kept has only the latest, in "membership".
    stretches = (
        'SELECT "channel_id", "user_id", "joined_pos", "left_pos" FROM "membershipperiod" '
        'UNION SELECT "channel_id", "user_id", "joined_pos", "left_pos" FROM "membership"'
    )
    # WHERE TRUE: SQLite would otherwise read ON CONFLICT as part of the join.
    db.execute_sql(
        f'INSERT INTO "{stream.TABLE}" ("user_id", "pos", "event_pos") '
        f'SELECT p."user_id", e."pos", e."pos" FROM ({stretches}) AS p '
        'JOIN "event" e ON e."channel_id" = p."channel_id" AND e."pos" >= p."joined_pos" '
        'AND (p."left_pos" IS NULL OR e."pos" <= p."left_pos") '
        "WHERE TRUE ON CONFLICT DO NOTHING"
    )
    newest = 'SELECT MAX("pos") AS "pos" FROM "event" UNION ALL SELECT MAX("pos") FROM "userread"'
    pos = db.execute_sql(f'SELECT MAX("pos") FROM ({newest}) AS newest').fetchone()[0]
    last_user = db.execute_sql('SELECT MAX("id") FROM "user"').fetchone()[0]
    stream.record_base(db, int(pos or 0), int(last_user or 0))
    db.execute_sql('DROP TABLE "membershipperiod"')


def do_not_disturb_and_mutes(db: Database) -> None:
    """7 -> 8: do not disturb and muted chats, kept for all of a user's devices. Accounts
    get a time until which notifications wait (0: off) and whether a mention notifies in a
    muted chat (yes); memberships get the time until which the chat is muted (0: not)."""
    for table, column, kind in (
        ("account_settings", "dnd_until", "BIGINT NOT NULL DEFAULT 0"),
        ("account_settings", "mentions_when_muted", "BOOLEAN NOT NULL DEFAULT TRUE"),
        ("membership", "muted_until", "BIGINT NOT NULL DEFAULT 0"),
    ):
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind}')


def display_names(db: Database) -> None:
    """8 -> 9: users may set a display name, shown to those who share a chat with them;
    none (null) until they do."""
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "display_name" VARCHAR(255)')


def quiet_hours(db: Database) -> None:
    """9 -> 10: a weekly do-not-disturb schedule in the account's settings, off, from 22:00
    to 07:00 every day until the user sets it."""
    for column, kind in (
        ("quiet_on", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ("quiet_start", "INTEGER NOT NULL DEFAULT 1320"),
        ("quiet_end", "INTEGER NOT NULL DEFAULT 420"),
        ("quiet_days", "INTEGER NOT NULL DEFAULT 127"),
    ):
        db.execute_sql(f'ALTER TABLE "account_settings" ADD COLUMN "{column}" {kind}')


def attachments(db: Database) -> None:
    """10 -> 11: files attached to messages. Events get the attachments a message carries
    (null for none); the tables of stored files, uploads and the files each message
    carries are new, and open_database creates them with the other tables."""
    kind = "BLOB" if isinstance(db, SqliteDatabase) else "BYTEA"
    db.execute_sql(f'ALTER TABLE "event" ADD COLUMN "attachments" {kind}')


MIGRATIONS: dict[int, Migration] = {
    1: fewer_event_index_pages,
    2: user_name_skeletons,
    3: times_of_writing,
    4: messages_that_change,
    5: receipts_and_account_settings,
    6: streams_of_their_own,
    7: do_not_disturb_and_mutes,
    8: display_names,
    9: quiet_hours,
    10: attachments,
}
