"""Attached files on disk: stored files under their SHA-256, and uploads on their way.

Under the files directory, a stored file lives at ``ab/abcd…`` (its SHA-256 in hexadecimal,
the first two digits naming a directory, so that none holds more than a 256th of them), and
an unfinished upload at ``partial/USER-SHA256``: its length is how much of it is stored. A
partial file becomes a stored file by a rename, only after its bytes were checked against
the hash and written to the disk (fsync), so a stored file's name never holds half a file,
whenever the server is killed. Everything here is the owner's alone (mode 0600 and 0700).

The database says which stored files exist (``store.files``); this module only moves bytes.
Checking a finished upload reads the whole file, so ``finish`` is meant for a worker thread.
"""

import hashlib
import os
from pathlib import Path

from shared.private import FILE_MODE, private_dir

HASH_BLOCK = 1 << 20  # bytes read at a time when checking a finished upload
PARTIAL = "partial"


class BlobStore:
    """The files directory of one server."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._partial = root / PARTIAL

    def open(self) -> None:
        """Create the directories if they are missing (each for the owner alone)."""
        private_dir(self.root)
        private_dir(self._partial)

    def path(self, sha256: str) -> Path:
        """Where the stored file with this hash lives (whether or not it does)."""
        return self.root / sha256[:2] / sha256

    def partial(self, user_id: int, sha256: str) -> Path:
        return self._partial / f"{user_id}-{sha256}"

    def stored_bytes(self, user_id: int, sha256: str) -> int | None:
        """How many bytes of the user's upload are on disk; None if it has no partial file."""
        try:
            return self.partial(user_id, sha256).stat().st_size
        except FileNotFoundError:
            return None

    def idle_since(self, user_id: int, sha256: str) -> float | None:
        """When bytes last came for the user's upload (seconds since the epoch); None if
        it has no partial file."""
        try:
            return self.partial(user_id, sha256).stat().st_mtime
        except FileNotFoundError:
            return None

    def start(self, user_id: int, sha256: str) -> None:
        """An empty partial file for a new upload, replacing any left of an earlier one."""
        fd = os.open(
            self.partial(user_id, sha256), os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE
        )
        os.close(fd)

    def append(self, user_id: int, sha256: str, data: bytes) -> int:
        """Add ``data`` at the end of the user's partial file; its new length. Raises
        ``FileNotFoundError`` if the upload has none (it was removed)."""
        fd = os.open(self.partial(user_id, sha256), os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def finish(self, user_id: int, sha256: str) -> bool:
        """Put a complete partial file in place as the stored file, if its bytes have the
        hash; False (and the partial file removed) if they do not. Blocks on the disk: run
        it on a worker thread."""
        partial = self.partial(user_id, sha256)
        fd = os.open(partial, os.O_RDONLY)
        try:
            if _sha256_of(fd) != sha256:
                partial.unlink(missing_ok=True)
                return False
            os.fsync(fd)
        finally:
            os.close(fd)
        target = self.path(sha256)
        private_dir(target.parent)
        os.replace(partial, target)
        _fsync_dir(target.parent)
        return True

    def discard(self, user_id: int, sha256: str) -> None:
        """Remove the user's partial file, if any."""
        self.partial(user_id, sha256).unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of a stored file from ``offset``; ``FileNotFoundError`` if
        it is not (or no longer) there."""
        fd = os.open(self.path(sha256), os.O_RDONLY)
        try:
            return os.pread(fd, length, offset)
        finally:
            os.close(fd)

    def remove(self, sha256: str) -> None:
        """Remove a stored file, if it is there."""
        self.path(sha256).unlink(missing_ok=True)

    def free_bytes(self) -> int:
        """Bytes free on the disk that holds the files, for this process's user."""
        disk = os.statvfs(self.root)
        return disk.f_bavail * disk.f_frsize

    def partials(self) -> list[tuple[int, str]]:
        """(user id, hash) of every partial file."""
        found = []
        for entry in os.scandir(self._partial):
            user, _, sha256 = entry.name.partition("-")
            if user.isdigit() and len(sha256) == 64:
                found.append((int(user), sha256))
        return found


def _sha256_of(fd: int) -> str:
    digest = hashlib.sha256()
    while block := os.read(fd, HASH_BLOCK):
        digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the system allows opening a directory)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is atomic
    finally:
        os.close(fd)
