"""The handle on one server's database that every store function takes first.

Models are bound to no database (``models.BaseModel``): each query is bound to the store it
was given, so two servers in one process, on two databases, never read each other's rows.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import Database
from peewee import DatabaseError as StorageError


class Store:
    """One open database (``open_database`` makes it). Peewee keeps a connection per thread
    inside ``db``: the writer thread's queries use a connection of their own."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write; rolled back if the block raises."""
        try:
            with self.db.atomic():
                yield
        except StorageError as e:
            # SQLite rolls back by itself on some errors (disk full); the rollback that
            # follows then fails and would hide the error that matters, further down the
            # chain.
            cause: BaseException | None = e
            while cause is not None and "no transaction is active" in str(cause):
                cause = cause.__context__
            if isinstance(cause, StorageError) and cause is not e:
                raise cause from None
            raise

    def close(self) -> None:
        """Close the calling thread's connection."""
        self.db.close()
