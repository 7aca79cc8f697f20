"""The engine's thread and the GUI's thread each have their own connection to the cache."""

import threading
from pathlib import Path

from desktop.cache.schema import open_cache_db


def test_a_transaction_that_reads_before_writing_waits_for_the_other_writer(tmp_path: Path):
    path = tmp_path / "alice.sqlite3"
    ours, theirs = open_cache_db(path, "alice"), open_cache_db(path, "alice")
    Setting = ours.Setting

    def their_write() -> None:  # on its own thread, so on a connection of its own
        theirs.Setting.replace(key="theirs", value="1").execute()

    with ours.db.atomic():
        Setting.get_or_none(Setting.key == "ours")  # reads first, as indexing does
        writer = threading.Thread(target=their_write)
        writer.start()
        # Give the other write its chance to commit in between: a transaction that took
        # only a read lock could then no longer write ("database is locked", no waiting).
        writer.join(timeout=0.5)
        Setting.replace(key="ours", value="1").execute()
    writer.join()

    assert {s.key: s.value for s in Setting.select()}.items() >= {
        "ours": "1",
        "theirs": "1",
    }.items()
