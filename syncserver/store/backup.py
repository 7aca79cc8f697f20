"""Copies of the SQLite database: online backups, checks that a file is a Tidings database,
and restoring one in place of the current database.

Backups use SQLite's online backup API in one step, which reads the database inside a single
read transaction: the copy is the database as of one commit, every transaction acknowledged
before it started included, and in WAL mode the server keeps writing meanwhile.
"""

import dataclasses
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from syncserver.store.epoch import EPOCH_KEY, new_epoch_id
from syncserver.store.models import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000  # the server's writer holds its lock only for a commit
PRIVATE_MODE = 0o600  # backups hold every message and password hash


class NotADatabase(ValueError):
    """A file offered as a Tidings database is not one, or not one this server can use."""


@dataclass(frozen=True)
class DatabaseSummary:
    """What a check found in a Tidings database."""

    path: Path
    schema_version: int
    users: int
    events: int
    size: int  # bytes


class BackupFailed(RuntimeError):
    """A database could not be copied; the message names the file and SQLite's reason."""

    def __init__(self, source: Path, reason: str) -> None:
        super().__init__(f"could not copy {source}: {reason}")
        self.reason = reason


def backup_sqlite(source: Path, target: Path) -> DatabaseSummary:
    """Copy the database at ``source`` (in use or not) to ``target``, a new file that needs no
    write-ahead log beside it and only its owner may read (it holds every message and
    password hash), then check the copy."""
    partial = target.with_name(target.name + ".partial")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    try:
        _copy(source, partial)
        _fsync(partial)
        os.replace(partial, target)
    except sqlite3.Error as e:
        raise BackupFailed(source, str(e)) from None
    finally:
        partial.unlink(missing_ok=True)
    return check_database(target)


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: all in one step, so one consistent snapshot
            # The copy inherits WAL mode; one self-contained file is what a backup should be.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_database(path: Path, label: Path | None = None) -> DatabaseSummary:
    """Summarise the Tidings database at ``path``, or raise ``NotADatabase`` saying why it
    is not one this server can use; messages name ``label`` (a copy's original) if given."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise NotADatabase(f"{label or path} cannot be opened: {e}") from None
    try:
        return _summarise(db, path, label or path)
    except sqlite3.DatabaseError as e:
        raise NotADatabase(f"{label or path} is not a readable SQLite database: {e}") from None
    finally:
        db.close()


def _summarise(db: sqlite3.Connection, path: Path, label: Path) -> DatabaseSummary:
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise NotADatabase(f"{label} is damaged: {'; '.join(problems[:3])}")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"setting", "user", "event"} <= tables:
        raise NotADatabase(f"{label} is a SQLite database but not a Tidings server database")
    row = db.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise NotADatabase(f"{label} has no schema version; it is not a Tidings server database")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise NotADatabase(
            f"{label} has schema version {version}, newer than this server understands "
            f"({SCHEMA_VERSION}); use a newer Tidings server for it"
        )
    return DatabaseSummary(
        path=path,
        schema_version=version,
        users=db.execute("SELECT count(*) FROM user").fetchone()[0],
        events=db.execute("SELECT count(*) FROM event").fetchone()[0],
        size=path.stat().st_size,
    )


def restore_sqlite(backup: Path, database: Path) -> tuple[DatabaseSummary, Path | None]:
    """Put a copy of ``backup`` in place of ``database``, which no server may be using. The
    database it replaces is first saved beside it (as it is, if it is too damaged to copy
    through SQLite); returns the restored database's summary and where the old one went
    (None if there was none)."""
    incoming = database.with_name(database.name + ".restoring")
    try:
        # Through SQLite, so that a write-ahead log beside the backup is included.
        summary = backup_sqlite(backup, incoming)
    except BackupFailed as e:
        raise NotADatabase(f"{backup} is not a SQLite database: {e.reason}") from None
    except NotADatabase as e:
        incoming.unlink(missing_ok=True)
        raise NotADatabase(str(e).replace(str(incoming), str(backup))) from None
    try:
        _renew_epoch(incoming)
        saved = _keep_replaced(database)
        for leftover in (_sidecar(database, "-wal"), _sidecar(database, "-shm")):
            leftover.unlink(missing_ok=True)  # they belong to the replaced database
        os.replace(incoming, database)
    finally:
        incoming.unlink(missing_ok=True)
    return dataclasses.replace(summary, path=database), saved


def _renew_epoch(database: Path) -> None:
    """A restored database goes back in time: it gets a new epoch, so that devices which saw
    later events reconcile their caches (``syncserver.store.epoch``)."""
    db = sqlite3.connect(database)
    try:
        with db:
            db.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (EPOCH_KEY, new_epoch_id()),
            )
    finally:
        db.close()


def _keep_replaced(database: Path) -> Path | None:
    """Save the database a restore replaces beside it; None if there is none."""
    if not database.exists():
        return None
    saved = database.with_name(f"{database.stem}-before-restore-{_stamp()}.db")
    try:
        backup_sqlite(database, saved)
    except (BackupFailed, NotADatabase):
        # Restoring is what a damaged database calls for: keep its bytes as they are.
        saved.unlink(missing_ok=True)
        os.close(os.open(saved, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
        shutil.copyfile(database, saved)
    return saved


def pre_migration_backup(database: Path, old: int, new: int) -> DatabaseSummary:
    """Save the database beside itself before migrating it from schema ``old`` to ``new``."""
    target = database.with_name(f"{database.stem}-schema{old}-before-{new}-{_stamp()}.db")
    return backup_sqlite(database, target)


def _sidecar(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")
