"""Server storage: peewee models and the queries the handlers use. Only this package
imports peewee."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from peewee import DatabaseError as StorageError

from syncserver.store.models import db_proxy

__all__ = ["StorageError", "keep_sql_out_of_logs", "transaction"]


def keep_sql_out_of_logs() -> None:
    """Even verbose, no SQL in the log: peewee's debug lines carry each query's values,
    message text and password hashes among them."""
    logging.getLogger("peewee").setLevel(logging.INFO)


@contextmanager
def transaction() -> Iterator[None]:
    """One atomic write; rolled back if the block raises."""
    try:
        with db_proxy.atomic():
            yield
    except StorageError as e:
        # SQLite rolls back by itself on some errors (disk full); the rollback that follows
        # then fails and would hide the error that matters, further down the chain.
        cause: BaseException | None = e
        while cause is not None and "no transaction is active" in str(cause):
            cause = cause.__context__
        if isinstance(cause, StorageError) and cause is not e:
            raise cause from None
        raise
