"""The data directory's lock: one server at a time, and no restore under a running server.

The lock is an advisory lock on ``server.lock`` in the data directory, held for as long as the
holder runs. The kernel drops it when the process ends however it ends (SIGKILL too), so a
crashed server never leaves a stale lock behind. The file holds the holder's process id, for
the message that tells someone else why they were refused.
"""

import os
import sys
from pathlib import Path

from shared.private import private_dir

LOCK_FILE = "server.lock"

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class DataDirBusy(RuntimeError):
    """Another process holds the data directory's lock."""


class DataDirLock:
    """``acquire()`` or raise ``DataDirBusy``; ``release()`` when done."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _try_lock(fd)
        except OSError:
            os.close(fd)
            raise DataDirBusy(self._busy_message()) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock up; the file stays, as removing it would race with a new holder."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "DataDirLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _busy_message(self) -> str:
        try:
            pid = self.path.read_text(encoding="ascii").strip()
        except OSError:  # Windows keeps a locked file's bytes from other processes
            pid = ""
        holder = f" (process {pid})" if pid.isdigit() else ""
        return f"a Tidings server is running on {self.path.parent}{holder}"
