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

from peewee import Database
from playhouse.db_url import connect

from syncserver.store.models import db_proxy

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


def take_write_lock() -> None:
    """In a transaction: wait for the database's write lock (at most ``LOCK_WAIT_MS``)."""
    db_proxy.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))


def notify(payload: str) -> None:
    """Send ``payload`` to every node listening (in a transaction: when it commits)."""
    db_proxy.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def listening_connection(url: str) -> Database:
    """A connection of its own that listens on ``CHANNEL``, in autocommit mode."""
    db: Database = connect(url)
    db.connect()
    conn = db.connection()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"LISTEN {CHANNEL}")
    return db
