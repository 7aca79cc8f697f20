"""The files a device holds, without a server: taking the user's files in (a copy, so the
original may move), the space they may take (least recently used first, never a file still
to be uploaded), names every system can store, what a crash leaves, and the upgrade that
brings the tables."""

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from desktop.cache.local_files import ORPHAN_AGE, local_name
from desktop.cache.store import Cache
from desktop.core.file_intake import sendable_name, take_in
from shared.files import check_file_name
from shared.protocol import Attachment


@pytest.fixture
def cache(tmp_path: Path):
    cache = Cache.open(tmp_path / "alice.sqlite3", "alice")
    yield cache
    cache.close()


def _held(cache: Cache, tmp_path: Path, content: bytes, name: str = "f.bin") -> Attachment:
    """A file put in the cache's files as a download would be; what a message says of it."""
    source = tmp_path / f"download-{hashlib.sha256(content).hexdigest()}"
    source.write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()
    cache.files.place(sha256, len(content), source, name)
    return Attachment(sha256=sha256, size=len(content), name=name)


def test_a_file_is_taken_in_as_a_copy_so_the_original_may_move(cache: Cache, tmp_path: Path):
    original = tmp_path / "report.pdf"
    original.write_bytes(b"%PDF" + bytes(300_000))
    taken = take_in(original, cache.files.incoming(), max_bytes=None)
    original.rename(tmp_path / "moved.pdf")
    (tmp_path / "moved.pdf").write_bytes(b"changed afterwards")

    a = taken.attachment
    assert (a.name, a.size, a.mime) == ("report.pdf", 300_004, "application/pdf")
    assert a.sha256 == hashlib.sha256(b"%PDF" + bytes(300_000)).hexdigest()
    held = cache.files.place(a.sha256, a.size, taken.copy, a.name)
    assert held.read_bytes() == b"%PDF" + bytes(300_000)
    assert held.parent.parent == cache.files.folder and held.name == "report.pdf"
    assert not taken.copy.exists()
    assert oct(held.stat().st_mode & 0o777) == oct(0o600)  # the user's files, the user's only


def test_what_cannot_be_attached_is_refused_saying_why(cache: Cache, tmp_path: Path):
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(2000))
    with pytest.raises(ValueError, match=r"2,000 bytes, and the server takes files of up to 1,000"):
        take_in(big, cache.files.incoming(), max_bytes=1000)
    with pytest.raises(ValueError, match="not a file"):
        take_in(tmp_path, cache.files.incoming(), max_bytes=None)
    with pytest.raises(ValueError, match="No such file"):
        take_in(tmp_path / "missing.txt", cache.files.incoming(), max_bytes=None)
    assert list(cache.files.incoming().iterdir()) == []  # no copy left behind


def test_files_over_their_space_go_least_recently_used_first_never_one_to_upload(
    cache: Cache, tmp_path: Path
):
    old, middle, new = (_held(cache, tmp_path, bytes([n]) * 1000) for n in (1, 2, 3))
    waiting = _held(cache, tmp_path, bytes([4]) * 1000, "mine.bin")
    cache.queue(7, "", files=[waiting])  # a message of the user's that has not gone up yet
    cache._m.db.execute_sql("UPDATE local_file SET used = 1 WHERE sha256 = ?", (waiting.sha256,))
    assert cache.files.held(old.sha256) is not None  # opened again: used most recently

    cache.files.set_budget(2500)
    gone = cache.files.evict()
    assert gone == {middle.sha256, new.sha256}
    assert cache.files.usage().used == 2000 and cache.files.usage().pinned == 1000
    assert not (cache.files.folder / middle.sha256).exists()

    cache.files.set_budget(0)
    assert cache.files.evict(keep=[old.sha256]) == set()  # just asked for: kept over the budget
    assert cache.files.evict() == {old.sha256}
    assert cache.files.held(waiting.sha256) is not None
    with pytest.raises(ValueError, match="0 or more"):
        cache.files.set_budget(-1)


def test_files_no_message_carries_go_and_a_crash_leaves_nothing_for_long(
    cache: Cache, tmp_path: Path
):
    unwanted = _held(cache, tmp_path, b"nobody carries this")
    assert cache.files.drop_unreferenced() == {unwanted.sha256}
    assert not (cache.files.folder / unwanted.sha256).exists()

    stale = cache.files.folder / ("0" * 64)  # placed, and the app died before its message
    stale.mkdir()
    (stale / "x.bin").write_bytes(b"x")
    fresh = cache.files.folder / ("1" * 64)  # another process is queueing it right now
    fresh.mkdir()
    part = cache.files.incoming() / "abc.part"
    part.write_bytes(b"half a copy")
    long_ago = time.time() - ORPHAN_AGE - 60
    for path in (stale, part):
        os.utime(path, (long_ago, long_ago))
    kept = _held(cache, tmp_path, b"a file with its row")
    os.utime(cache.files.folder / kept.sha256, (long_ago, long_ago))
    abandoned = _held(cache, tmp_path, b"placed for a message a crash kept from the outbox")
    cache._m.db.execute_sql("UPDATE local_file SET used = 1 WHERE sha256 = ?", (abandoned.sha256,))

    cache.files.sweep()
    assert not stale.exists() and not part.exists()
    assert cache.files.held(abandoned.sha256) is None
    assert not (cache.files.folder / abandoned.sha256).exists()
    assert fresh.exists() and cache.files.held(kept.sha256) is not None


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("photo.jpg", "photo.jpg"),
        ('what?<x>:"y"|z*.txt', "what__x___y__z_.txt"),
        ("CON", "_CON"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("trailing. ", "trailing"),
        ("...", "file"),
        pytest.param("한" * 200 + ".hwp", "한" * 65 + ".hwp", id="long-korean"),
    ],
)
def test_a_file_is_held_under_a_name_every_system_can_store(name: str, stored: str):
    assert local_name(name) == stored
    assert len(local_name(name).encode()) <= 200


@pytest.mark.parametrize(
    ("name", "sent"),
    [
        ("notes.txt", "notes.txt"),
        ("a\\b.txt", "a_b.txt"),  # a Linux name a Windows peer would read as a path
        ("tab\there\n.txt", "tab_here_.txt"),
        pytest.param("👩\u200d💻.png", "👩\u200d💻.png", id="emoji-sequence"),
        ("x" * 300 + ".jpeg", "x" * 250 + ".jpeg"),
    ],
)
def test_a_local_name_is_sent_as_the_protocol_allows(name: str, sent: str):
    assert sendable_name(name) == sent
    check_file_name(sendable_name(name))


def test_cache_5_3_is_upgraded_to_hold_files_keeping_its_outbox(tmp_path: Path):
    path = tmp_path / "alice.sqlite3"
    cache = Cache.open(path, "alice")
    cache.queue(3, "queued by 5.3")
    cache.close()
    with sqlite3.connect(path) as db:  # what version 5.3 left
        for table in ("attachment", "outbox_attachment", "local_file"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version = 5003")
    cache = Cache.open(path, "alice")
    [old] = cache.outbox()
    assert (old.text, old.attachments) == ("queued by 5.3", ())
    file = _held(cache, tmp_path, b"after the upgrade")
    queued = cache.queue(3, "with a file", files=[file])
    assert [a.sha256 for a in queued.attachments] == [file.sha256]
    cache.close()
