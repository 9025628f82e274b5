"""Many rows into one table straight through the driver (the store's hot inserts).

SQLAlchemy's executemany processes each row's parameters generically (per row, per key:
compiled-parameter lookup, default handling, the type's bind processor); at archive scale
that costs more than the database's own work. Here the bind processors are taken once per
column and applied in one pass, and rows go in as multi-row VALUES, so that what the
database receives is what SQLAlchemy's `insert(table)` would have sent, value for value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

ROWS_PER_INSERT = 100     # rows per multi-row VALUES, fewer for wide tables:
MAX_PARAMETERS = 999      # under the parameter limit of old SQLite builds


def insert_plain_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[object, ...]]) -> None:
    """Insert straight through the driver, up to ROWS_PER_INSERT rows per statement, values
    as the driver takes them (plain ints, strings, bytes; JSON columns given as JSON text).

    At a quarter of a million segment rows per archive, SQLAlchemy's per-row parameter
    processing costs more than the insert itself, and one statement per row a third more than
    multi-row VALUES.
    """
    per_insert = max(1, min(ROWS_PER_INSERT, MAX_PARAMETERS // len(columns)))
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    preparer = conn.dialect.identifier_preparer
    head = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "
            f"VALUES ")
    one = f"({', '.join([marker] * len(columns))})"
    full = len(rows) - len(rows) % per_insert
    if full:
        conn.exec_driver_sql(head + ", ".join([one] * per_insert),
                             [tuple(chain.from_iterable(rows[k:k + per_insert])) for k in range(0, full, per_insert)])
    if full < len(rows):
        conn.exec_driver_sql(head + one, rows[full:])


def insert_dict_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """What `conn.execute(insert(table), rows)` inserts (every row with the first row's keys):
    those columns through their types' bind processors, and the other columns that have a
    Python-side default with it; the rest are left to the database."""
    if not rows:
        return
    keys = list(rows[0])
    defaults = [column for column in table.columns
                if column.key not in keys and column.default is not None and not column.primary_key]
    for column in defaults:
        if not (column.default.is_scalar or column.default.is_callable):  # a sequence, a SQL expression
            raise ValueError(f"{table.name}.{column.key}: only scalar or callable defaults are filled in")
    dialect = conn.dialect
    names = keys + [column.key for column in defaults]
    processors: list[Callable[[Any], Any] | None] = [
        table.columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    if any(len(row) != len(keys) for row in rows):
        raise ValueError(f"the rows of {table.name} differ in their keys")
    columns = [[row[key] for row in rows] for key in keys]
    columns += [[make_default(column) for _ in rows] for column in defaults]
    processed = [values if process is None else list(map(process, values))
                 for values, process in zip(columns, processors)]
    insert_plain_rows(conn, table, [table.columns[name].name for name in names], list(zip(*processed)))


def make_default(column: Any) -> Any:
    """A column's Python-side default value for one row."""
    default = column.default
    return default.arg(None) if default.is_callable else default.arg
