"""The bytes of attached files this device holds: a folder beside the cache file
(``USER.files``) and the ``local_file`` table that says what is in it.

Each file held is ``SHA256/NAME`` in the folder: named by its content, so a file attached to
several messages is held once, in a folder of its own so that it keeps a name (and with it
a type) the system can open. A row is written only once its file is complete, checked
against its hash and in place, so a row always has its file; a file without a row (a crash
between the two) is swept away later. The user's own files waiting to go up (an outbox
message carries them) are never evicted; the others (downloads, and files sent from here)
are kept within a size budget, the least recently used going first.
"""

import contextlib
import logging
import os
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from shared.private import private_dir

log = logging.getLogger(__name__)

# The table, made with the cache and by the upgrade to schema 5.4 (desktop/cache/schema.py).
# ``path`` is relative to the folder; ``used`` is when the file was last stored or opened (ms).
LOCAL_FILE_TABLE = (
    "CREATE TABLE IF NOT EXISTS local_file (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, "
    "size INTEGER NOT NULL, used INTEGER NOT NULL)"
)
BUDGET_SETTING = "files_budget"
DEFAULT_BUDGET = 1_000_000_000  # bytes of files kept on this device unless the user says
PARTIAL = "partial"  # downloads under way, by SHA-256: resumed from their length
INCOMING = "incoming"  # copies of the user's files being taken in, before they have a name
# What the folder holds without a row only for a moment (a copy between its placing and the
# commit of its message); older, it was left by a crash.
ORPHAN_AGE = 3600.0  # secs
# Characters some system refuses in a file name (Windows), and names it keeps for devices.
_REFUSED = frozenset('<>:"/\\|?*')
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)]
)
MAX_NAME_BYTES = 200  # UTF-8 bytes of a name on disk: file systems allow 255


@dataclass(frozen=True)
class FilesUsage:
    """How much the files held here take (``used`` bytes) of the ``budget``; ``pinned``
    of them wait to be uploaded and are kept whatever the budget."""

    used: int
    budget: int
    pinned: int


def files_folder(cache_path: Path) -> Path:
    """Where the files of the cache at ``cache_path`` are held: ``USER.files`` beside
    ``USER.sqlite3``."""
    return cache_path.with_name(cache_path.stem + ".files")


def local_name(name: str) -> str:
    """A file name as every system can store it: characters some refuse become ``_``, a
    name kept for a device (``CON``, ``NUL.txt``) gets a ``_`` in front, and a name too
    long for a file system is shortened, keeping its extension."""
    cleaned = "".join(
        "_" if ch in _REFUSED or unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in name
    ).rstrip(" .")
    if cleaned.split(".")[0].upper() in _DEVICES:
        cleaned = "_" + cleaned
    stem, dot, ext = cleaned.rpartition(".")
    if not dot or len(ext.encode()) > MAX_NAME_BYTES // 2:
        stem, ext = cleaned, ""
    suffix = f".{ext}" if ext else ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:room].decode(errors="ignore").rstrip(" .")
    return (stem + suffix) if stem else "file" + suffix


class LocalFiles:
    """The files one cache's device holds. Each method is a statement or two, and file
    operations that take no longer than a rename (copying and hashing happen elsewhere,
    off the engine's loop)."""

    def __init__(self, db: Database, folder: Path) -> None:
        self._db = db
        self.folder = folder
        self._last_use = 0  # the newest ``used`` this object wrote

    def _use_now(self) -> int:
        """When a file is used, in ms, later than any use noted before: two uses within one
        millisecond must still keep their order, or the budget could evict the later."""
        self._last_use = max(_now(), self._last_use + 1)
        return self._last_use

    # --- where things go ------------------------------------------------------------------

    def incoming(self) -> Path:
        """The folder for copies of the user's files being taken in (made if need be)."""
        return private_dir(self.folder / INCOMING)

    def partial(self, sha256: str) -> Path:
        """Where the download of this file collects its bytes (its folder made if need be)."""
        return private_dir(self.folder / PARTIAL) / sha256

    # --- what is held ---------------------------------------------------------------------

    def held(self, sha256: str) -> Path | None:
        """The file's bytes on this device, its use now noted; None if not held (a file
        that went from the folder behind the cache's back is forgotten)."""
        row = self._db.execute_sql(
            "SELECT path FROM local_file WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            return None
        path: Path = self.folder / row[0]
        if not path.is_file():
            self._db.execute_sql("DELETE FROM local_file WHERE sha256 = ?", (sha256,))
            return None
        self._db.execute_sql(
            "UPDATE local_file SET used = ? WHERE sha256 = ?", (self._use_now(), sha256)
        )
        return path

    def place(self, sha256: str, size: int, source: Path, name: str) -> Path:
        """Put a complete file, checked against ``sha256``, in place under ``name`` (taking
        ``source``, on the same file system, away), and note it. A file held already stays
        as it is, and ``source`` goes."""
        existing = self.held(sha256)
        if existing is not None:
            source.unlink(missing_ok=True)
            return existing
        home = private_dir(self.folder / sha256)
        for stale in home.iterdir():  # a copy a crash left without a row
            _remove(stale)
        target = home / local_name(name)
        os.replace(source, target)
        _sync_dir(home)
        self.note(sha256, size, target)
        return target

    def note(self, sha256: str, size: int, path: Path) -> None:
        """Note a file in place (one statement, so it can join the caller's transaction)."""
        self._db.execute_sql(
            "INSERT OR REPLACE INTO local_file (sha256, path, size, used) VALUES (?, ?, ?, ?)",
            (sha256, path.relative_to(self.folder).as_posix(), size, self._use_now()),
        )

    # --- the budget -----------------------------------------------------------------------

    def budget(self) -> int:
        """Bytes of files this device keeps (the user's setting, 1 GB unless changed)."""
        row = self._db.execute_sql(
            "SELECT value FROM setting WHERE key = ?", (BUDGET_SETTING,)
        ).fetchone()
        return int(row[0]) if row else DEFAULT_BUDGET

    def set_budget(self, budget: int) -> None:
        if budget < 0:
            raise ValueError("the space for files is a number of bytes, 0 or more")
        self._db.execute_sql(
            "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
            (BUDGET_SETTING, str(budget)),
        )

    def usage(self) -> FilesUsage:
        used, pinned = self._db.execute_sql(
            f"SELECT COALESCE(SUM(size), 0), COALESCE(SUM(CASE WHEN {_PINNED} THEN size END), 0) "
            "FROM local_file"
        ).fetchone()
        return FilesUsage(used, self.budget(), pinned)

    def evict(self, keep: Iterable[str] = ()) -> set[str]:
        """Remove the least recently used files until what is held fits the budget; files
        waiting to go up and those in ``keep`` (just asked for) stay, even over it. Returns
        the SHA-256 of those removed."""
        budget, used = self.budget(), self.usage().used
        if used <= budget:
            return set()
        kept = list(keep)
        marks = ", ".join("?" * len(kept))
        rows = self._db.execute_sql(
            f"SELECT sha256, size FROM local_file WHERE NOT {_PINNED} "
            f"AND sha256 NOT IN ({marks}) ORDER BY used, sha256",
            kept,
        )
        doomed = []
        for sha256, size in rows.fetchall():
            if used <= budget:
                break
            doomed.append(sha256)
            used -= size
        return self._remove(doomed)

    def clear(self) -> set[str]:
        """Remove every file held but those waiting to go up; returns their SHA-256."""
        rows = self._db.execute_sql(f"SELECT sha256 FROM local_file WHERE NOT {_PINNED}")
        return self._remove([sha256 for (sha256,) in rows.fetchall()])

    def drop_unreferenced(self, used_before: int | None = None) -> set[str]:
        """Remove the files no message or outbox entry here carries any more (their
        messages were deleted, or the cache cleared; ``used_before``: only those not used
        since, in ms); returns their SHA-256."""
        rows = self._db.execute_sql(
            "SELECT sha256 FROM local_file l WHERE used < ? AND NOT EXISTS (SELECT 1 FROM "
            "attachment a WHERE a.sha256 = l.sha256) AND NOT EXISTS (SELECT 1 FROM "
            "outbox_attachment o WHERE o.sha256 = l.sha256)",
            (_now() + 1 if used_before is None else used_before,),
        )
        return self._remove([sha256 for (sha256,) in rows.fetchall()])

    def _remove(self, doomed: list[str]) -> set[str]:
        """Forget the files first, then remove them: a crash between leaves orphans for
        ``sweep``, never a row without its file."""
        if not doomed:
            return set()
        marks = ", ".join("?" * len(doomed))
        self._db.execute_sql(f"DELETE FROM local_file WHERE sha256 IN ({marks})", doomed)
        for sha256 in doomed:
            _remove(self.folder / sha256)
        return set(doomed)

    def sweep(self) -> None:
        """Remove what a crash left in the folder: files without a row, or that no message
        carries (placed for one a crash kept from the outbox), copies and downloads given
        up long ago."""
        if not self.folder.is_dir():
            return
        self.drop_unreferenced(used_before=_now() - int(ORPHAN_AGE * 1000))
        known = {sha for (sha,) in self._db.execute_sql("SELECT sha256 FROM local_file")}
        cutoff = time.time() - ORPHAN_AGE
        for entry in self.folder.iterdir():
            if entry.name in (PARTIAL, INCOMING):
                stale = [p for p in entry.iterdir() if _mtime(p) < cutoff]
            else:
                stale = [entry] if entry.name not in known and _mtime(entry) < cutoff else []
            for path in stale:
                log.info("removing %s, left in the files folder by an interrupted transfer", path)
                _remove(path)


# A file an outbox entry carries: it is waiting to go up.
_PINNED = "EXISTS (SELECT 1 FROM outbox_attachment o WHERE o.sha256 = local_file.sha256)"


def _now() -> int:
    return int(time.time() * 1000)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _sync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the system can open a folder for it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
