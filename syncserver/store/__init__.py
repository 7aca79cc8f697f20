"""Server storage: peewee models and the queries the handlers use. Only this package
imports peewee, and its queries hand out plain rows (named tuples), never model instances.

Every query function takes the server's ``Store`` (its open database, made by
``database.open_database``) as its first argument: no database is global, so servers in one
process may each use their own."""

import logging

from peewee import DatabaseError as StorageError

from syncserver.store.models import SCHEMA_VERSION
from syncserver.store.store import Store

__all__ = ["SCHEMA_VERSION", "StorageError", "Store", "keep_sql_out_of_logs"]


def keep_sql_out_of_logs() -> None:
    """Even verbose, no SQL in the log: peewee's debug lines carry each query's values,
    message text and password hashes among them."""
    logging.getLogger("peewee").setLevel(logging.INFO)
