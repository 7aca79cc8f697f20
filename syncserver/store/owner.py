"""One server per PostgreSQL database.

A server numbers what it stores from counters it keeps in memory (``syncserver.sequencer``),
so two servers writing to one database would hand out the same positions and sequence
numbers. On SQLite the data directory's lock keeps a second server out (``syncserver.lock``);
a PostgreSQL database can be reached from anywhere, so a server also holds a PostgreSQL
advisory lock for as long as it runs, on a connection of its own. PostgreSQL drops the lock
when that connection ends, so a server that crashed or was killed leaves none behind.
"""

from peewee import Database
from playhouse.db_url import connect

from syncserver.store.database import describe_url

# The advisory lock's key, the same for every Tidings server ("tidngs" in ASCII). PostgreSQL
# scopes advisory locks to one database, so servers on different databases never meet.
LOCK_KEY = 0x7469_646E_6773
_HIGH, _LOW = LOCK_KEY >> 32, LOCK_KEY & 0xFFFF_FFFF  # how pg_locks shows a bigint key


class DatabaseBusy(RuntimeError):
    """Another Tidings server holds the database."""


class DatabaseOwner:
    """``acquire()`` (a no-op for SQLite) or raise ``DatabaseBusy``; ``release()`` when done."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._db: Database | None = None

    def acquire(self) -> None:
        """Take the database's lock without waiting."""
        if not self.url.startswith(("postgres://", "postgresql://")):
            return
        db = connect(self.url)
        db.connect()
        got = db.execute_sql("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
        if not got:
            holder = _holder(db)
            db.close()
            raise DatabaseBusy(
                f"another Tidings server is using the database {describe_url(self.url)}"
                f"{holder}; this version runs one server per database"
            )
        self._db = db

    def release(self) -> None:
        """Give the lock up (closing its connection does)."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _holder(db: Database) -> str:
    """Who holds the lock, as far as this connection may see, for the refusal."""
    row = db.execute_sql(
        "SELECT a.client_addr, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (_HIGH, _LOW),
    ).fetchone()
    if row is None:
        return ""
    address, pid = row
    where = f"a connection from {address}" if address else "a local connection"
    return f" ({where}, PostgreSQL process {pid})"
