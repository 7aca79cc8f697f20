"""Scratch PostgreSQL databases: each benchmark run on PostgreSQL gets an empty database of its
own, made next to the one the user names (same server, same credentials) and dropped after,
as a run on SQLite gets a new data directory. The named database itself is never written."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from syncserver.store import StorageError
from syncserver.store.database import describe_url
from syncserver.store.nodes import is_shared
from syncserver.store.postgres import run_alone

PREFIX = "tidings_bench_"  # every scratch database's name starts so, should one be left over


class ScratchError(RuntimeError):
    """A scratch database could not be made next to the one named."""


def scheme_of(url: str | None) -> str:
    """What a results file may tell of a database: its kind, never where or whose it is."""
    if url is None:
        return "sqlite"
    return "postgresql" if is_shared(url) else urlsplit(url).scheme


def check_url(url: str) -> None:
    """Raise ``ScratchError`` unless ``url`` names a PostgreSQL database."""
    if not is_shared(url):
        raise ScratchError(
            f"--database-url must be a PostgreSQL URL (postgresql://...), not {describe_url(url)}"
        )


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty database beside the one at ``url``; yields its URL and drops it after."""
    check_url(url)
    name = PREFIX + secrets.token_hex(6)
    _run(url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        # FORCE: a node that did not stop in time must not leave the database behind.
        _run(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(url: str, statement: str) -> None:
    try:
        run_alone(url, statement)
    except StorageError as e:
        raise ScratchError(
            f"cannot make or drop a scratch database next to {describe_url(url)}: {str(e).strip()}"
        ) from e
