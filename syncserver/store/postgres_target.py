"""The PostgreSQL database a SQLite deployment moves to (``tidings-server migrate-to``): its
URL names PostgreSQL, the server answers, and it holds no Tidings data yet."""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from peewee import Database, ImproperlyConfigured
from playhouse.db_url import connect

from syncserver.store import StorageError, stream
from syncserver.store.database import describe_url
from syncserver.store.models import ALL_MODELS, Setting

POSTGRES_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT = 10  # secs: a host that drops packets should not leave the admin waiting
# Tables an older schema had: a database holding them is a Tidings database too.
OLD_TABLES = ("membershipperiod",)


class NotPostgres(ValueError):
    """The URL does not name a PostgreSQL database."""


class TargetUnreachable(RuntimeError):
    """PostgreSQL could not be reached or would not let us in; the message says why."""


def check_url(url: str) -> None:
    """Refuse a URL that does not name a PostgreSQL database."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES or not parts.path.strip("/"):
        raise NotPostgres(
            f"{describe_url(url)} is not a PostgreSQL database URL; give one such as "
            "postgresql://tidings@localhost/tidings"
        )


@contextmanager
def connected(url: str) -> Iterator[Database]:
    """A connection to the PostgreSQL database at ``url`` for the block, or
    ``TargetUnreachable`` saying why there is none (the URL's password left out)."""
    options = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT}
    try:
        db = connect(url, **options)
        db.connect()
    except ImproperlyConfigured:
        raise TargetUnreachable(
            "PostgreSQL support is not installed: pip install 'tidings[postgresql]'"
        ) from None
    except StorageError as e:
        reason = _without_password(str(e).strip(), url)
        raise TargetUnreachable(f"cannot connect to {describe_url(url)}: {reason}") from None
    try:
        yield db
    finally:
        db.close()


def tables_with_rows(db: Database) -> list[str]:
    """The Tidings tables in ``db`` that hold rows. The settings table is left out: a
    database a Tidings server created and nothing used holds only its schema version and
    identity there, which a copy replaces."""
    ours = {m._meta.table_name for m in ALL_MODELS} | {stream.TABLE, *OLD_TABLES}
    ours.discard(Setting._meta.table_name)
    present = db.execute_sql(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() ORDER BY table_name"
    ).fetchall()
    return [
        name
        for (name,) in present
        if name in ours and db.execute_sql(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
    ]


def _without_password(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text
