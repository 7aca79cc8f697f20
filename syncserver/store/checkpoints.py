"""Moving SQLite's write-ahead log into the database file on a thread of its own.

With ``synchronous=NORMAL`` a commit only appends to the log; the fsyncs happen when the log
is copied back into the database (a checkpoint). SQLite's automatic checkpoint runs inside
whichever commit crosses its threshold, so every few hundred commits one send waited tens of
milliseconds for the disk. Here connections do not checkpoint by themselves; this thread
runs a passive checkpoint, which never blocks readers or the writer, once a second.
"""

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 1.0  # secs between checkpoints


class Checkpointer:
    """``start()`` the thread; ``stop()`` ends it with a last, complete checkpoint."""

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tidings-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, check_same_thread=False)
        try:
            while not self._stopping.wait(self._interval):
                self._checkpoint(db, "PASSIVE")
            self._checkpoint(db, "TRUNCATE")
        finally:
            db.close()

    @staticmethod
    def _checkpoint(db: sqlite3.Connection, mode: str) -> None:
        try:
            db.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except sqlite3.Error as e:  # the log keeps everything; the next attempt catches up
            log.warning("checkpoint failed: %s", e)
