"""The attached files that go with a SQLite backup: ``backup FILE`` writes the database to
FILE and the files it refers to into the directory ``FILE.files`` beside it, laid out as in
the files directory; ``restore FILE`` brings them back.

Stored files never change once in place (a new file is a new name), so a copy is a hard
link where the backup lies on the same file system, and a byte copy elsewhere. The files
copied are those the backup's database records, read from the copy itself, so database and
files agree; one deleted in the moment between the copy of the database and its own copy is
missing from the backup, and named in the report.
"""

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.private import FILE_MODE, private_dir

SUFFIX = ".files"


@dataclass
class FilesSummary:
    """What a backup or restore of files did."""

    count: int = 0
    size: int = 0  # bytes
    missing: list[str] = field(default_factory=list)  # hashes not found anywhere

    def describe(self) -> str:
        text = f"{self.count} files, {self.size:,} bytes"
        if self.missing:
            text += f"; {len(self.missing)} missing: {', '.join(self.missing[:5])}"
        return text


def files_of(backup: Path) -> Path:
    """The directory of files that goes with the backup database ``backup``."""
    return backup.with_name(backup.name + SUFFIX)


def backup_files(database: Path, files_dir: Path, target: Path) -> FilesSummary:
    """Copy into ``target`` (new) every file the database copy ``database`` records, from
    the server's ``files_dir``."""
    private_dir(target)
    summary = FilesSummary()
    for sha256, size in recorded_files(database):
        if _copy_in(files_dir, target, sha256):
            summary.count += 1
            summary.size += size
        else:
            summary.missing.append(sha256)
    return summary


def restore_files(
    database: Path, backup_dir: Path, files_dir: Path
) -> tuple[FilesSummary, Path | None]:
    """Give the restored ``database`` the files it records, from the backup's directory or,
    failing that, from the files directory it replaces, which is kept beside it as it was
    (returned; None if there was none)."""
    saved = None
    if files_dir.exists():
        saved = files_dir.with_name(
            f"{files_dir.name}-before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
        )
        os.replace(files_dir, saved)
    private_dir(files_dir)
    summary = FilesSummary()
    for sha256, size in recorded_files(database):
        if _copy_in(backup_dir, files_dir, sha256) or (
            saved is not None and _copy_in(saved, files_dir, sha256)
        ):
            summary.count += 1
            summary.size += size
        else:
            summary.missing.append(sha256)
    return summary, saved


def recorded_files(database: Path) -> list[tuple[str, int]]:
    """(hash, size) of every file a SQLite database records; none for a database from
    before attachments."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if "stored_file" not in tables:
            return []
        return [
            (str(sha), int(size))
            for sha, size in db.execute("SELECT sha256, size FROM stored_file")
        ]
    finally:
        db.close()


def _copy_in(source_dir: Path, target_dir: Path, sha256: str) -> bool:
    """Link (or copy) one stored file from one files directory to another; False if the
    source has no such file."""
    source = source_dir / sha256[:2] / sha256
    if not source.is_file():
        return False
    target = target_dir / sha256[:2] / sha256
    private_dir(target.parent)
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:  # another file system, or one without hard links
        partial = target.with_name(target.name + ".partial")
        os.close(os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE))
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    return True
