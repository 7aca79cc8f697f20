"""Opening the server database: SQLite in the data directory by default, or any peewee URL."""

import logging
from pathlib import Path

from peewee import Database, SqliteDatabase
from playhouse.db_url import connect

from syncserver.store.models import ALL_MODELS, SCHEMA_VERSION, Setting, db_proxy

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
}


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Tidings server."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def database_url_for(data_dir: Path) -> str:
    """The default database location inside a data directory."""
    return f"sqlite:///{data_dir / 'tidings.db'}"


def open_database(url: str) -> Database:
    """Connect, bind the models, create missing tables and check the schema version."""
    path = sqlite_path(url)
    if path is not None:
        db: Database = SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url)
    db_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    with db.atomic():
        db.create_tables(ALL_MODELS, safe=True)
        row = Setting.get_or_none(Setting.key == "schema_version")
        if row is None:
            Setting.create(key="schema_version", value=str(SCHEMA_VERSION))
        elif int(row.value) > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"database schema version {row.value} is newer than this server "
                f"understands ({SCHEMA_VERSION}); upgrade Tidings or restore a backup"
            )
    log.info("database ready (%s)", type(db).__name__)
    return db


def describe_url(url: str) -> str:
    """The URL without any password, fit for logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
