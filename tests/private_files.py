"""Checking that a directory and everything in it is for its owner only."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def common_umask() -> Iterator[None]:
    """The umask most systems start processes with (022: files readable by everyone), so a
    check of modes cannot pass thanks to a stricter umask of the machine running it."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def readable_by_others(directory: Path) -> list[str]:
    """Everything under ``directory`` (itself included) that is not owner-only: directories
    must be 0700 and files 0600. Each as 'PATH MODE'."""
    found = []
    for path in [directory, *sorted(directory.rglob("*"))]:
        mode = path.stat().st_mode & 0o777
        if mode != (0o700 if path.is_dir() else 0o600):
            found.append(f"{path.relative_to(directory.parent)} {mode:o}")
    return found
