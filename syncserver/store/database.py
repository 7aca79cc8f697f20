"""Opening the server database: SQLite in the data directory by default, or any peewee URL."""

import logging
from pathlib import Path

from peewee import Database, PostgresqlDatabase, SchemaManager, SqliteDatabase
from playhouse.db_url import connect

from shared.private import narrow_if_present, private_file
from syncserver.config import ServerConfig
from syncserver.store import stream
from syncserver.store.backup import pre_migration_backup
from syncserver.store.migrations import MIGRATIONS, Migration
from syncserver.store.models import ALL_MODELS, SCHEMA_VERSION, Setting
from syncserver.store.postgres import reconnecting
from syncserver.store.store import Store

log = logging.getLogger(__name__)

# WAL with synchronous=NORMAL keeps every committed transaction across a process crash (not
# across a power cut) at a fraction of the cost of FULL; busy_timeout covers admin tools.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -32_000,
    "wal_autocheckpoint": 0,  # checkpoints run on their own thread (checkpoints.py)
    "journal_size_limit": 64 * 2**20,  # bytes of log kept on disk once it is rewound
    # Deleted text is overwritten with zeros, not left in free space (docs/protocol.md,
    # "Messages that change"); sends only insert, so they do not pay for it.
    "secure_delete": 1,
}


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Tidings server."""


class SchemaTooOld(RuntimeError):
    """The database is older than any schema this server can upgrade from, or older than
    this version and opened by something that does not upgrade it (an admin command)."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def database_url_for(data_dir: Path) -> str:
    """The default database location inside a data directory."""
    return f"sqlite:///{data_dir / 'tidings.db'}"


def database_url_of(config: ServerConfig) -> str:
    """The database a server with these settings uses: its URL, or SQLite in its data
    directory."""
    return config.database_url or database_url_for(config.data_dir)


def open_database(url: str, upgrade: bool = True) -> Store:
    """Connect, create or (if ``upgrade``) upgrade the schema and check its version; the
    store of the database, for the caller to close."""
    path = sqlite_path(url)
    if path is not None:
        # Owner-only before SQLite opens it: its log and shared-memory files take its mode.
        private_file(path)
        for sidecar in ("-wal", "-shm"):
            narrow_if_present(path.with_name(path.name + sidecar))
        db: Database = SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url)
        if isinstance(db, PostgresqlDatabase):
            db = reconnecting(db)
    db.connect(reuse_if_open=True)
    stored = stored_version(db)
    if stored is not None and stored > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"database schema version {stored} is newer than this server "
            f"understands ({SCHEMA_VERSION}); upgrade Tidings or restore a backup"
        )
    if stored is not None and stored < SCHEMA_VERSION:
        if not upgrade:
            db.close()
            # A server of the old version may still be running on it: only a starting server,
            # which holds the data directory's lock, upgrades.
            raise SchemaTooOld(
                f"database schema version {stored} is older than this version of Tidings "
                f"understands ({SCHEMA_VERSION}); start the server once to upgrade it "
                "(it backs the database up first)"
            )
        migrate(db, path, stored, SCHEMA_VERSION, MIGRATIONS)
    with db.atomic():
        for model in ALL_MODELS:  # each after the tables its foreign keys refer to
            SchemaManager(model, db).create_all(safe=True)
        stream.create_table(db)
        if stored is None:
            Setting.put(db, "schema_version", str(SCHEMA_VERSION))
    log.info("database ready (%s)", type(db).__name__)
    return Store(db)


def stored_version(db: Database) -> int | None:
    """The schema version the database records; None for a new, empty database."""
    if not db.table_exists(Setting._meta.table_name):
        return None
    value = Setting.read(db, "schema_version")
    return int(value) if value is not None else None


def migrate(
    db: Database, path: Path | None, old: int, new: int, migrations: dict[int, Migration]
) -> None:
    """Upgrade the schema from version ``old`` to ``new``, one transaction per step. A SQLite
    database (``path``) is first backed up beside itself; PostgreSQL is the admin's to dump."""
    missing = [v for v in range(old, new) if v not in migrations]
    if missing:
        raise SchemaTooOld(
            f"database schema version {old} cannot be upgraded to {new} by this server; "
            "upgrade through an earlier Tidings release first"
        )
    if path is not None:
        saved = pre_migration_backup(path, old, new)
        log.info("schema %d -> %d: database backed up to %s first", old, new, saved.path)
    for version in range(old, new):
        with db.atomic():
            migrations[version](db)
            Setting.put(db, "schema_version", str(version + 1))
        log.info("database schema upgraded to version %d", version + 1)


def describe_url(url: str) -> str:
    """The URL without any password, fit for logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
