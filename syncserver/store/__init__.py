"""Server storage: peewee models and the queries the handlers use. Only this package
imports peewee."""

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import DatabaseError as StorageError

from syncserver.store.models import db_proxy

__all__ = ["StorageError", "transaction"]


@contextmanager
def transaction() -> Iterator[None]:
    """One atomic write; rolled back if the block raises."""
    with db_proxy.atomic():
        yield
