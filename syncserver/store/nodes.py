"""Several servers (nodes) on one PostgreSQL database.

Writes that hand out numbers (positions, sequence numbers, stream positions) take the
database's write lock first, a transaction-level advisory lock that PostgreSQL releases at
commit or rollback: so no node takes a number while another node's numbered transaction is
still open, and numbers become visible in the order they were taken. The classic hazard of
shared counters (41 and 42 taken, 42 committed first, a device syncing past 42, then 41
appearing behind its cursor) cannot happen.

Nodes tell each other what they push to their devices through PostgreSQL's LISTEN/NOTIFY
(``syncserver.relay``). Those are hints: a device's cursor recovers anything one misses.
"""

import secrets
from typing import NamedTuple

from peewee import Database, OperationalError
from playhouse.db_url import connect

from syncserver.store.store import Store

WRITE_LOCK_KEY = 0x7469_646E_6777  # "tidngw" in ASCII: every node takes the same lock
# A node stopped while it holds the lock (SIGSTOP, a hung machine) would hold everyone's
# writes: PostgreSQL ends such a transaction after this long, and a write waits no longer.
# Set for every connection of a server when it connects (``store.postgres``).
IDLE_IN_WRITE_MS = 5_000
LOCK_WAIT_MS = 5_000
SESSION_TIMEOUTS = (
    f"-c lock_timeout={LOCK_WAIT_MS} -c idle_in_transaction_session_timeout={IDLE_IN_WRITE_MS}"
)
CHANNEL = "tidings_push"  # the LISTEN/NOTIFY channel nodes relay pushes on
MAX_NOTIFY_BYTES = 7_900  # PostgreSQL refuses a payload of 8,000 bytes or more


def is_shared(url: str) -> bool:
    """Whether a database at ``url`` may be shared by several nodes (PostgreSQL)."""
    return url.startswith(("postgres://", "postgresql://"))


NUMBERED_BY = "numbered_by"  # Setting: which node numbered something last, and its count


class Taken(NamedTuple):
    """What a node learns as it takes the write lock."""

    moved: bool  # another node numbered something since this one last did
    newest_pos: int  # the newest event's server-wide position


class WriteLock:
    """The database's write lock, and whether other nodes numbered anything since this one
    last did: when none did, what this node keeps of the counters is still true, and a
    server alone on the database reads them only once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._node = secrets.token_hex(8)
        self._count = 0
        self._sealed: str | None = None  # the mark this transaction wrote
        self._last: str | None = None  # the mark of this node's last committed numbers

    def take(self) -> Taken:
        """In a transaction: wait for the lock (at most ``LOCK_WAIT_MS``); whether another
        node numbered anything since this one last did, and the newest event's position."""
        self._store.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        # A statement of its own: one snapshot taken before the lock was held could miss
        # what the last holder committed meanwhile.
        mark, newest = self._store.db.execute_sql(
            'SELECT (SELECT "value" FROM "setting" WHERE "key" = %s), '
            '(SELECT MAX("pos") FROM "event")',
            (NUMBERED_BY,),
        ).fetchone()
        return Taken(self._last is None or mark != self._last, int(newest or 0))

    def seal(self) -> None:
        """Before the transaction that holds the lock commits: mark its numbers as this
        node's."""
        self._count += 1
        self._sealed = f"{self._node}:{self._count}"
        self._store.db.execute_sql(
            'INSERT INTO "setting" ("key", "value") VALUES (%s, %s) '
            'ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value"',
            (NUMBERED_BY, self._sealed),
        )

    def settled(self, committed: bool) -> None:
        """The transaction ended: its mark is this node's last only if it committed."""
        self._last = self._sealed if committed else None
        self._sealed = None


def notify(store: Store, payload: str) -> None:
    """Send ``payload`` to every node listening (in a transaction: when it commits)."""
    store.db.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


class Listener:
    """A connection of its own, in autocommit mode, that listens on ``CHANNEL``."""

    def __init__(self, url: str) -> None:
        """Connect and listen; raises ``StorageError`` when PostgreSQL cannot be reached."""
        self._db: Database = connect(url)
        self._db.connect()
        conn = self._db.connection()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")

    def fileno(self) -> int:
        """The socket to watch for notifications."""
        return int(self._db.connection().fileno())

    def received(self) -> list[str]:
        """The payloads of the notifications that arrived; ``StorageError`` once the
        connection broke."""
        conn = self._db.connection()
        try:
            conn.poll()
        except Exception as e:  # psycopg2's own errors, whatever broke the connection
            raise OperationalError(f"the connection to PostgreSQL broke: {e}") from e
        payloads = [n.payload for n in conn.notifies]
        conn.notifies.clear()
        return payloads

    def close(self) -> None:
        self._db.close()
