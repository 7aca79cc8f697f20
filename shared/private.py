"""Directories and files only their owner may read, whatever the process's umask: the server's
data directory and the desktop's profile hold messages, password hashes and keys.

On Windows the modes mean little (a user's profile directory is private already) and the
calls below do no harm.
"""

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (with any missing parents) for its owner only, or narrow an existing
    one that others could read; returns ``path``."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _narrow(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty for its owner only, or narrow an existing one that others could
    read; returns ``path``. A SQLite database made this way gives its ``-wal``, ``-shm`` and
    journal files the same mode (SQLite copies the database file's)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    _narrow(path, FILE_MODE)
    return path


def narrow_if_present(path: Path) -> None:
    """Narrow an existing file to its owner (one an older version made readable to others);
    nothing if there is none."""
    if path.exists():
        _narrow(path, FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    # Only the owner may change the mode, and only bits beyond ``mode`` need to go: a path
    # that is private already is left alone (it may be another user's, read by root).
    st = path.stat()
    if st.st_mode & 0o777 & ~mode and st.st_uid == _euid():
        os.chmod(path, st.st_mode & 0o777 & mode)


def _euid() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None
