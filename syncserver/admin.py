"""Admin commands of ``tidings-server``: accounts, devices, the server key, backup and restore,
and the move from SQLite to PostgreSQL.

They work on the same configuration (data directory, database) as the server, and are safe
to run while it runs, except ``restore``, ``new-epoch`` and ``migrate-to``, which refuse then.
Passwords come from standard input or a terminal prompt, never from the command line, where
other users could see them.
"""

import getpass
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from shared.keys import fingerprint as key_fingerprint
from shared.names import check_password, new_user_name, normalize_user_name
from shared.private import private_dir
from syncserver import passwords, server_keys
from syncserver.config import ServerConfig
from syncserver.lock import DataDirBusy, DataDirLock
from syncserver.names import why_taken
from syncserver.store import SCHEMA_VERSION, Store, accounts
from syncserver.store.accounts import UserRow
from syncserver.store.backup import (
    DatabaseSummary,
    NotADatabase,
    backup_sqlite,
    check_database,
    restore_sqlite,
)
from syncserver.store.backup_files import backup_files, files_of, restore_files
from syncserver.store.database import database_url_of, describe_url, open_database, sqlite_path
from syncserver.store.epoch import renew_epoch
from syncserver.store.owner import DatabaseBusy, DatabaseOwner
from syncserver.store.postgres_target import (
    NotPostgres,
    TargetUnreachable,
    check_url,
    connected,
    tables_with_rows,
)
from syncserver.store.transfer import TableCopy, TransferFailed, copy_tables


class AdminError(Exception):
    """An admin command refused; the message says what was wrong."""


@contextmanager
def database(config: ServerConfig, create: bool = False) -> Iterator[Store]:
    """The server's database, open for the length of the block. Unless ``create``, a SQLite
    database must exist already: a mistyped data directory should not get a new one."""
    url = database_url_of(config)
    path = sqlite_path(url)
    if path is not None and not path.exists() and not create:
        raise AdminError(
            f"there is no Tidings database in {path.parent}; check the data directory "
            "(--data-dir, TIDINGS_DATA_DIR or data_dir in the config file)"
        )
    check_owner(config.data_dir)
    if path is not None:
        private_dir(path.parent)
    store = open_database(url, upgrade=False)
    try:
        yield store
    finally:
        store.close()


def check_owner(data_dir: Path) -> None:
    """Refuse to run as root on a data directory that belongs to another user: files root
    creates there (the database's log, backups) would be unreadable to the server."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not data_dir.exists():
        return
    owner = data_dir.stat().st_uid
    if owner != 0:
        import pwd  # Unix only, like geteuid above

        name = pwd.getpwuid(owner).pw_name
        raise AdminError(
            f"{data_dir} belongs to {name}; run this command as that user "
            f"(sudo -u {name} tidings-server ...) so the server can still read what it writes"
        )


def read_password(stdin: TextIO = sys.stdin) -> str:
    """A new password from a terminal prompt (asked twice), or the first line of standard
    input when that is not a terminal; checked against the password rules."""
    if stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != password:
            raise AdminError("the two passwords differ; nothing was changed")
    else:
        password = stdin.readline().rstrip("\r\n")
    try:
        check_password(password)
    except ValueError as e:
        raise AdminError(str(e)) from None
    return password


def _user_name(name: str) -> str:
    try:
        return normalize_user_name(name)
    except ValueError as e:
        raise AdminError(str(e)) from None


def _existing_user(store: Store, name: str) -> UserRow:
    user = accounts.find_user(store, _user_name(name))
    if user is None:
        raise AdminError(f"there is no user named {name!r}")
    return user


def _now_ms() -> int:
    return int(time.time() * 1000)


def create_user(config: ServerConfig, name: str) -> str:
    """Create an account (also on a server closed to registration); returns a report."""
    try:
        handle = new_user_name(name)
    except ValueError as e:
        raise AdminError(str(e)) from None
    password_hash = passwords.hash_password(read_password())
    with database(config, create=True) as store, store.transaction():
        existing = accounts.name_in_the_way(store, handle)
        if (
            existing is not None
            or accounts.create_user(store, handle, password_hash, _now_ms()) is None
        ):
            raise AdminError(why_taken(handle, existing or handle))
    return f"created user {handle}; they log in with tidings-cli login or the app"


def reset_password(config: ServerConfig, name: str) -> str:
    """Give an account a new password; its devices stay signed in."""
    password_hash = passwords.hash_password(read_password())
    with database(config) as store, store.transaction():
        user = _existing_user(store, name)
        accounts.set_password(store, user.id, password_hash)
    return f"set a new password for {user.name}; revoke-device signs out devices you distrust"


def list_devices(config: ServerConfig, name: str) -> str:
    """The account's active devices, one line each."""
    with database(config) as store:
        user = _existing_user(store, name)
        devices = accounts.active_devices(store, user.id)
    if not devices:
        return f"{user.name} has no active devices"
    lines = [f"{'ID':>6}  {'CREATED':16}  {'LAST SEEN':16}  NAME"]
    for d in devices:
        lines.append(f"{d.id:>6}  {_when(d.created_at):16}  {_when(d.last_seen):16}  {d.name}")
    return "\n".join(lines)


def _when(ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000)) if ms else "never"


def revoke_device(config: ServerConfig, name: str, device_id: int) -> str:
    """Revoke one of the account's devices; a running server signs it out within a second."""
    with database(config) as store, store.transaction():
        user = _existing_user(store, name)
        if not accounts.revoke_device(store, device_id, user.id, _now_ms()):
            raise AdminError(f"{user.name} has no active device {device_id}; see: devices")
        accounts.mark_revocation(store)
    return f"revoked device {device_id} of {user.name}; it must log in again"


def fingerprint(config: ServerConfig) -> str:
    """The server key's fingerprint, as clients show it when they first connect."""
    keys = server_keys.load(config.data_dir)
    if keys is None:
        raise AdminError(
            f"there is no server key in {config.data_dir}; the server creates it at first start"
        )
    return key_fingerprint(keys.public)


def _sqlite_only(config: ServerConfig, what: str) -> Path:
    url = database_url_of(config)
    path = sqlite_path(url)
    if path is None:
        raise AdminError(
            f"{what} works on SQLite databases only; this server uses {describe_url(url)}: "
            "use pg_dump and pg_restore (see docs/self-hosting.md)"
        )
    return path


def backup(config: ServerConfig, target: Path) -> str:
    """Copy the database to ``target`` (a new file), safely while the server runs."""
    path = _sqlite_only(config, "backup")
    if not path.exists():
        raise AdminError(f"there is no Tidings database at {path}; check the data directory")
    for taken in (target, files_of(target)):
        if taken.exists():
            raise AdminError(f"{taken} exists; choose a new file name")
    if not target.parent.is_dir():
        raise AdminError(f"{target.parent} is not a directory")
    check_owner(config.data_dir)
    summary = backup_sqlite(path, target)
    copied = backup_files(target, config.files_path, files_of(target))
    return (
        f"backed up to {target}: {_describe(summary)}; its attached files to "
        f"{files_of(target)}: {copied.describe()}"
    )


def restore(config: ServerConfig, source: Path) -> str:
    """Put a backup in place of the database; refused while a server runs on it."""
    path = _sqlite_only(config, "restore")
    if not source.is_file():
        raise AdminError(f"{source} does not exist or is not a file")
    check_owner(config.data_dir)
    try:
        with DataDirLock(config.data_dir):
            summary, saved = restore_sqlite(source, path)
            files, saved_files = restore_files(path, files_of(source), config.files_path)
    except DataDirBusy as e:
        raise AdminError(f"{e}; stop it before restoring") from None
    except NotADatabase as e:
        raise AdminError(f"not restoring: {e}") from None
    kept = f"; the database it replaced is saved as {saved}" if saved else ""
    if saved_files is not None:
        kept += f", its files directory as {saved_files}"
    return (
        f"restored {source} into {path}: {_describe(summary)}; attached files: "
        f"{files.describe()}{kept}"
    )


def new_epoch(config: ServerConfig) -> str:
    """Give the database a new identity after it was restored other than by ``restore``
    (``pg_restore``); refused while a server runs on it, which would go on telling the
    old one."""
    check_owner(config.data_dir)
    try:
        with DataDirLock(config.data_dir), database(config) as store, store.transaction():
            epoch = renew_epoch(store)
    except DataDirBusy as e:
        raise AdminError(f"{e}; stop it first") from None
    return f"the database's epoch is now {epoch}; devices reconcile their caches when they connect"


def migrate_to(config: ServerConfig, url: str) -> str:
    """Copy the SQLite database into the empty PostgreSQL database at ``url``, upgrading it
    first if its schema is older; refused while a server runs on the data directory."""
    shown = describe_url(url)
    try:
        check_url(url)
    except NotPostgres as e:
        raise AdminError(str(e)) from None
    path = sqlite_path(database_url_of(config))
    if path is None:
        raise AdminError(
            f"this server already uses {describe_url(database_url_of(config))}; migrate-to "
            "moves a SQLite database: leave database_url unset until it has run"
        )
    if not path.exists():
        raise AdminError(
            f"there is no Tidings database at {path}; check the data directory "
            "(--data-dir, TIDINGS_DATA_DIR or data_dir in the config file)"
        )
    check_owner(config.data_dir)
    try:
        with DataDirLock(config.data_dir):
            source = check_database(path)
            copied = _copy_into(path, url, shown)
    except (DataDirBusy, DatabaseBusy) as e:
        raise AdminError(f"{e}; stop it before migrating") from None
    except NotADatabase as e:
        raise AdminError(f"not migrating: {e}") from None
    except (TargetUnreachable, TransferFailed) as e:
        raise AdminError(f"not migrated: {e}") from None
    return _migrated(config, source, shown, copied)


def _copy_into(path: Path, url: str, shown: str) -> list[TableCopy]:
    with connected(url) as probe, _owning(url):
        taken = tables_with_rows(probe)
        if taken:
            raise AdminError(
                f"{shown} already holds Tidings data (in {', '.join(taken)}); migrate-to "
                "fills an empty database only: create a new one, or drop these tables"
            )
        source = open_database(f"sqlite:///{path}")  # upgrades an older schema, after a backup
        try:
            target = open_database(url)
            try:
                return copy_tables(source, target, _progress)
            finally:
                target.close()
        finally:
            source.close()


@contextmanager
def _owning(url: str) -> Iterator[None]:
    """The PostgreSQL database to itself, for the block: a server running on it would number
    new rows over the copied ones, and one starting meanwhile must wait for the copy."""
    owner = DatabaseOwner(url, exclusive=True)
    owner.acquire()
    try:
        yield
    finally:
        owner.release()


def _progress(table: str, rows: int) -> None:
    print(f"copying {table}: {rows:,} rows", file=sys.stderr, flush=True)


def _migrated(
    config: ServerConfig, source: DatabaseSummary, shown: str, copied: list[TableCopy]
) -> str:
    upgraded = ""
    if source.schema_version < SCHEMA_VERSION:
        upgraded = (
            f" (first upgraded from schema version {source.schema_version}; the database "
            "as it was is saved beside it)"
        )
    width = max(len(c.table) for c in copied)
    lines = [f"copied {source.path}{upgraded} into {shown}; rows per table, counts checked:"]
    lines += [f"  {c.table:<{width}}  {c.rows:>12,}" for c in copied]
    lines += [
        f"Attached files stay in {config.files_path}, the server key in {config.data_dir}.",
        f'Next: set database_url = "{shown}" (with its password, if it has one) in the '
        "config file, or --database-url, then start the server. Keep "
        f"{source.path.name} as the copy of before; a server started without database_url "
        "would use it and miss everything since.",
    ]
    return "\n".join(lines)


def _describe(summary: DatabaseSummary) -> str:
    return (
        f"schema version {summary.schema_version}, {summary.users} users, "
        f"{summary.events} events, {summary.size:,} bytes"
    )
