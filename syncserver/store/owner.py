"""Who may use a PostgreSQL database: any number of servers together, or one command that
needs it to itself (``migrate-to``, which fills an empty database), never both.

Servers on one database run side by side as nodes (``syncserver.store.nodes``), each holding
a shared advisory lock on a connection of its own for as long as it runs; a command that must
have the database alone takes the same lock exclusively, and so waits for no server and lets
none start meanwhile. PostgreSQL drops a lock when its connection ends, so a server that
crashed or was killed leaves none behind; and a server whose connection PostgreSQL ended
(a restart) takes its lock again as soon as it can (``keep``). (SQLite is one file in one
data directory, which its own lock guards: ``syncserver.lock``.)
"""

import contextlib
import logging

from peewee import Database, DatabaseError, InterfaceError
from playhouse.db_url import connect

from syncserver.store.database import describe_url
from syncserver.store.nodes import is_shared

# The advisory lock's key, the same for every Tidings process ("tidngs" in ASCII). PostgreSQL
# scopes advisory locks to one database, so processes on different databases never meet.
LOCK_KEY = 0x7469_646E_6773
_HIGH, _LOW = LOCK_KEY >> 32, LOCK_KEY & 0xFFFF_FFFF  # how pg_locks shows a bigint key

log = logging.getLogger(__name__)


class DatabaseBusy(RuntimeError):
    """The database is held the other way: by servers, or by a command alone."""


class DatabaseOwner:
    """``acquire()`` (a no-op for SQLite) or raise ``DatabaseBusy``; ``release()`` when done.
    A server holds the database shared; a command that needs it alone, ``exclusive``."""

    def __init__(self, url: str, exclusive: bool = False) -> None:
        self.url = url
        self.exclusive = exclusive
        self._db: Database | None = None
        self._released = False

    def acquire(self) -> None:
        """Take the database's lock without waiting."""
        if not is_shared(self.url):
            return
        db: Database = connect(self.url)
        db.connect()
        take = "pg_try_advisory_lock" if self.exclusive else "pg_try_advisory_lock_shared"
        got = db.execute_sql(f"SELECT {take}(%s)", (LOCK_KEY,)).fetchone()[0]
        if not got:
            holder = _holder(db)
            db.close()
            raise DatabaseBusy(self._refusal(holder))
        self._db = db

    def keep(self) -> None:
        """While holding the lock: check that its connection still stands, and if PostgreSQL
        ended it (and so dropped the lock), take the lock again. Raises ``StorageError``
        while PostgreSQL cannot be reached, ``DatabaseBusy`` if a command took it meanwhile;
        the caller tries again later."""
        if not is_shared(self.url) or self._released:
            return
        if self._db is not None:
            try:
                self._db.execute_sql("SELECT 1")
                return
            except (DatabaseError, InterfaceError) as e:
                log.warning("the connection holding the database's lock broke (%s)", e)
                with contextlib.suppress(Exception):  # it is gone either way
                    self._db.close()
                self._db = None
        self.acquire()
        log.info("holding the database's lock again")

    def release(self) -> None:
        """Give the lock up (closing its connection does)."""
        self._released = True
        if self._db is not None:
            self._db.close()
            self._db = None

    def _refusal(self, holder: str) -> str:
        shown = describe_url(self.url)
        if self.exclusive:
            return f"another Tidings server is using the database {shown}{holder}"
        return (
            f"a Tidings command that needs the database {shown} to itself (migrate-to) is "
            f"using it{holder}; start the server once it is done"
        )


def _holder(db: Database) -> str:
    """One holder of the lock, as far as this connection may see, for the refusal."""
    row = db.execute_sql(
        "SELECT a.client_addr, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "LIMIT 1",
        (_HIGH, _LOW),
    ).fetchone()
    if row is None:
        return ""
    address, pid = row
    where = f"a connection from {address}" if address else "a local connection"
    return f" ({where}, PostgreSQL process {pid})"
