"""Moving SQLite's write-ahead log into the database file on a thread of its own.

With ``synchronous=NORMAL`` a commit only appends to the log; the fsyncs happen when the log
is copied back into the database (a checkpoint). SQLite's automatic checkpoint runs inside
whichever commit crosses its threshold, so every few hundred commits one send waited tens of
milliseconds for the disk. Here connections do not checkpoint by themselves; this thread
runs a passive checkpoint, which never blocks readers or the writer, once a second.

A passive checkpoint never rewinds the log, though: under a steady stream of sends there is
always a newer frame than the one it copied, and the log grew by a gigabyte in half a minute.
So once the log passes ``RESTART_FRAMES`` the passive pass is followed by a restarting one.
That one takes the write lock, but only to copy the frames written since the passive pass,
and then the next commit writes the log from its start again.

Every commit rewrites each page it touched into the log, and at 15,000 sends a second that
was about 35,000 pages (140 MB) a second. With a pass a second, each restart copied the
thousands of pages written during the passive pass before it while holding the write lock,
and the writer waited 4-18 ms for it (and longer still, as SQLite's busy handler sleeps in
growing steps): the slowest 1 % of sends took 40-75 ms. Passes ten times a second keep
each one, and each restart, a tenth as long.
"""

import logging
import sqlite3
import threading
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from syncserver.store.store import Store

log = logging.getLogger(__name__)

INTERVAL = 0.1  # secs between checkpoints (see above)
RESTART_FRAMES = 4096  # pages in the log (16 MiB) beyond which it is rewound

# How often erasing tries again when a reader still holds an older snapshot of the log.
ERASE_ATTEMPTS = 3

THREAD_NAME = "tidings-checkpoint"


class Checkpointer:
    """``start()`` the thread; ``stop()`` ends it with a last, complete checkpoint."""

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, check_same_thread=False)
        try:
            while not self._stopping.wait(self._interval):
                if self._checkpoint(db, "PASSIVE") > RESTART_FRAMES:
                    self._checkpoint(db, "RESTART")
            self._checkpoint(db, "TRUNCATE")
        finally:
            db.close()

    @staticmethod
    def _checkpoint(db: sqlite3.Connection, mode: str) -> int:
        """Run one checkpoint; the number of pages in the log, or 0 if it failed."""
        try:
            _, log_pages, _ = db.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as e:  # the log keeps everything; the next attempt catches up
            log.warning("checkpoint failed: %s", e)
            return 0
        return int(log_pages)


def erase_log(store: Store) -> bool:
    """After deleted text was overwritten in the database (``secure_delete``), copy the log
    into the database and empty its file, so that no older page holding the text is left
    in either file. Runs on the caller's connection (the writer's, between batches, so it
    waits for no writer); a no-op on other databases. False if a reader kept it from
    finishing (the text then leaves the log when it is next rewound)."""
    db = store.db
    if not isinstance(db, SqliteDatabase):
        return True
    for _ in range(ERASE_ATTEMPTS):
        try:
            busy, _, _ = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except DatabaseError as e:
            log.warning("erasing the log failed: %s", e)
            continue
        if not busy:
            return True
    log.warning("erasing the log: a reader kept an older snapshot; it is emptied later")
    return False
