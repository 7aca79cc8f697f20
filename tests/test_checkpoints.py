"""The server's checkpoint thread (real SQLite files, a real thread). That it rewinds the log
under a steady stream of sends shows only under a load like the benchmark's (a passive
checkpoint alone keeps up with a single test writer): docs/performance.md has the figures."""

import sqlite3
from pathlib import Path

from syncserver.store.checkpoints import Checkpointer
from syncserver.store.database import SQLITE_PRAGMAS

ROW = b"x" * 4000  # about one page of log per commit


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for name in ("journal_mode", "synchronous", "wal_autocheckpoint"):
        db.execute(f"PRAGMA {name} = {SQLITE_PRAGMAS[name]}")
    return db


def test_stop_leaves_an_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "tidings.db"
    db = _open(path)
    db.execute("CREATE TABLE event (pos INTEGER PRIMARY KEY, body BLOB)")
    for _ in range(20):
        db.execute("INSERT INTO event (body) VALUES (?)", (ROW,))
    checkpointer = Checkpointer(path, interval=60)
    checkpointer.start()
    checkpointer.stop()
    assert (tmp_path / "tidings.db-wal").stat().st_size == 0
    assert db.execute("SELECT count(*) FROM event").fetchone()[0] == 20
    db.close()
