"""A PostgreSQL connection that outlives PostgreSQL restarts.

When PostgreSQL restarts, or ends a session, the connection it held breaks for good: peewee
keeps handing out the broken one, every query fails with an error that is not a database
error, and a server answered "internal server error" until it was restarted itself. Here a
broken connection is reported as a database error (so requests are answered "unavailable"
and nothing is acknowledged), and the next query outside a transaction takes a new one, so
the server recovers by itself once PostgreSQL is back.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from peewee import InterfaceError, OperationalError, PostgresqlDatabase
from playhouse.db_url import connect

from syncserver.store import nodes


class ReconnectingPostgres(PostgresqlDatabase):
    """``PostgresqlDatabase`` that replaces a broken connection (see the module's doc)."""

    def cursor(self, named_cursor: Any = None) -> Any:
        broken = not self.is_closed() and self.connection().closed
        if broken and not self.in_transaction():
            self.close()  # forget it; the base class connects again
        return super().cursor(named_cursor)

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        with _broken_is_unavailable():
            return super().execute_sql(sql, params)

    def commit(self) -> Any:
        with _broken_is_unavailable():
            return super().commit()

    def rollback(self) -> Any:
        with _broken_is_unavailable():
            return super().rollback()


@contextmanager
def _broken_is_unavailable() -> Iterator[None]:
    try:
        yield
    except InterfaceError as e:
        raise OperationalError(f"the connection to PostgreSQL broke: {e}") from e


def reconnecting(db: PostgresqlDatabase) -> ReconnectingPostgres:
    """The same database, through a connection that outlives restarts, and whose waits are
    bounded (``nodes.SESSION_TIMEOUTS``)."""
    params = dict(db.connect_params)
    params["options"] = " ".join(filter(None, [params.get("options"), nodes.SESSION_TIMEOUTS]))
    return ReconnectingPostgres(db.database, **params)


def run_alone(url: str, statement: str) -> None:
    """``statement`` on a connection of its own to ``url``, outside any transaction (as
    CREATE and DROP DATABASE must be); raises ``StorageError``."""
    db: PostgresqlDatabase = connect(url)
    try:
        db.connect()
        db.connection().autocommit = True
        db.execute_sql(statement)
    finally:
        db.close()
