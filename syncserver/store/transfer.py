"""Copying every table of a SQLite server database into a PostgreSQL one of the same schema
(``tidings-server migrate-to``).

Each table is read in primary-key order and written a chunk of rows at a time, so memory
stays bounded however large the database. Everything happens in one PostgreSQL transaction:
before it commits, each table's row count (and highest integer key) is compared with the
source's, and any difference, like any error, rolls the whole copy back. Ids are copied as
they are; the sequences that hand out new ones then go on after the highest copied.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import Database

from syncserver.store import StorageError, stream
from syncserver.store.models import ALL_MODELS, Setting
from syncserver.store.store import Store

CHUNK_ROWS = 1000  # rows read and written at a time
Row = tuple[Any, ...]
Convert = Callable[[Any], Any]
Progress = Callable[[str, int], None]  # a table about to be copied, and its row count


class TransferFailed(RuntimeError):
    """The copy was rolled back; the message names the table and what went wrong."""


@dataclass(frozen=True)
class TableCopy:
    """One table copied: how many rows."""

    table: str
    rows: int


@dataclass(frozen=True)
class _Columns:
    names: list[str]
    key: list[str]  # the primary key's columns, in key order
    integer_key: bool  # the key is one integer column

    def quoted(self, names: Sequence[str] | None = None) -> str:
        return ", ".join(f'"{name}"' for name in (self.names if names is None else names))


def tables() -> list[str]:
    """The server's tables, each after the tables its foreign keys refer to (PostgreSQL checks
    them row by row): ``ALL_MODELS`` lists them so, and the stream refers to users only."""
    return [m._meta.table_name for m in ALL_MODELS] + [stream.TABLE]


def copy_tables(
    source_store: Store, target_store: Store, progress: Progress, chunk_rows: int = CHUNK_ROWS
) -> list[TableCopy]:
    """Copy every table of ``source_store`` (SQLite) into ``target_store`` (PostgreSQL, the
    same schema, no rows but its settings, which the source's replace), in one transaction
    of each: the source read as of one moment, the target written all or nothing."""
    source, target = source_store.db, target_store.db
    copied = []
    with source.atomic(), target.atomic():
        target.execute_sql(f'DELETE FROM "{Setting._meta.table_name}"')
        for table in tables():
            columns = _source_columns(source, table)
            rows = _count(source, table)
            progress(table, rows)
            _copy_table(source, target, table, columns, chunk_rows)
            _check(source, target, table, columns)
            copied.append(TableCopy(table, rows))
        for table in tables():
            _reset_sequences(target, table)
    return copied


def _source_columns(source: Database, table: str) -> _Columns:
    info = source.execute_sql(f'PRAGMA table_info("{table}")').fetchall()
    names = [row[1] for row in info]
    keyed = sorted((row for row in info if row[5] > 0), key=lambda row: row[5])
    integer_key = len(keyed) == 1 and "INT" in str(keyed[0][2]).upper()
    return _Columns(names, [row[1] for row in keyed], integer_key)


def _count(db: Database, table: str) -> int:
    return int(db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def _copy_table(
    source: Database, target: Database, table: str, columns: _Columns, chunk_rows: int
) -> None:
    convert = _converters(target, table, columns.names)
    select = f'SELECT {columns.quoted()} FROM "{table}" ORDER BY {columns.quoted(columns.key)}'
    marks = f"({', '.join([target.param] * len(columns.names))})"
    try:
        for chunk in _chunks(source.execute_sql(select), chunk_rows):
            values = [value for row in chunk for value in _converted(row, convert)]
            target.execute_sql(
                f'INSERT INTO "{table}" ({columns.quoted()}) VALUES '
                f"{', '.join([marks] * len(chunk))}",
                values,
            )
    except (StorageError, ValueError) as e:  # the driver refuses some values itself (NUL)
        raise TransferFailed(f"copying table {table} failed: {str(e).strip()}") from None


def _chunks(cursor: Any, size: int) -> Iterator[list[Row]]:
    while rows := cursor.fetchmany(size):
        yield rows


def _converters(target: Database, table: str, names: list[str]) -> dict[int, Convert]:
    """How to turn SQLite's values into what PostgreSQL's column types take, by column
    index: SQLite keeps booleans as 0 and 1, which a PostgreSQL boolean refuses. Refuses
    columns that do not match, which only a database not made by Tidings would have."""
    types = dict(
        target.execute_sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = current_schema() AND table_name = {target.param}",
            [table],
        ).fetchall()
    )
    if set(types) != set(names):
        raise TransferFailed(
            f"table {table} has columns {sorted(names)} in SQLite but {sorted(types)} in "
            "PostgreSQL; is the SQLite database one a Tidings server made?"
        )
    return {i: _as_bool for i, name in enumerate(names) if types[name] == "boolean"}


def _as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _converted(row: Row, convert: dict[int, Convert]) -> Row:
    if not convert:
        return row
    return tuple(convert[i](v) if i in convert else v for i, v in enumerate(row))


def _check(source: Database, target: Database, table: str, columns: _Columns) -> None:
    """Compare the copy with its source: row counts, and the highest key of a table keyed
    by one integer."""
    facts = {"rows": "COUNT(*)"}
    if columns.integer_key:
        facts[f"highest {columns.key[0]}"] = f'MAX("{columns.key[0]}")'
    for what, sql in facts.items():
        query = f'SELECT {sql} FROM "{table}"'
        there, here = (db.execute_sql(query).fetchone()[0] for db in (source, target))
        if there != here:
            raise TransferFailed(
                f"table {table}: {what} {here} in PostgreSQL after the copy, {there} in SQLite; "
                "nothing was copied"
            )


def _reset_sequences(target: Database, table: str) -> None:
    """Set each sequence that numbers the table's rows to go on after the highest copied id;
    otherwise the next new row would take id 1 again."""
    serial = target.execute_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        f"current_schema() AND table_name = {target.param} AND column_default LIKE 'nextval(%%'",
        [table],
    ).fetchall()
    for (column,) in serial:
        target.execute_sql(
            f"SELECT setval(pg_get_serial_sequence({target.param}, {target.param}), "
            f'COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"',
            [f'"{table}"', column],
        )
