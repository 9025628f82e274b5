"""AST -> SQLAlchemy WHERE clause, through a caller-supplied resolver per leaf.

The query language knows nothing of tables: the caller (kb.library) maps each leaf to a
boolean column expression, e.g. `has:fix` -> `Message.fixes.any()`, `d:` -> a date range on
`Message.date`. A leaf it cannot express in SQL is a QueryError at that leaf's column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import and_, false, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from kb.errors import QueryError
from kb.query.ast import And, DateRange, Leaf, Node, Not, Query, Term

Resolver = Callable[[Leaf], "ColumnElement[bool] | None"]


def compile_sql(query: Query, resolve: Resolver) -> ColumnElement[bool]:
    """One WHERE clause for the whole query."""
    return _compile(query.root, resolve, query.text)


def _compile(node: Node, resolve: Resolver, text: str) -> ColumnElement[bool]:
    if isinstance(node, (Term, DateRange)):
        clause = resolve(node)
        if clause is None:
            prefix = f"{node.prefix}:" if node.prefix else "a bare word"
            raise QueryError(f"{prefix} cannot be used in this filter", query=text, position=node.position)
        return clause
    if isinstance(node, Not):
        return not_(_compile(node.item, resolve, text))
    parts = [_compile(item, resolve, text) for item in node.items]
    return and_(*parts) if isinstance(node, And) else or_(*parts)


def build_column_resolver(columns: Mapping[str, Any]) -> Resolver:
    """A simple resolver: prefix -> column. Dates become ranges, `has:`/keyword-like
    prefixes equality, everything else a case-insensitive substring (`ILIKE %text%`)."""

    def resolve(leaf: Leaf) -> ColumnElement[bool] | None:
        column = columns.get(leaf.prefix)
        if column is None:
            return None
        if isinstance(leaf, DateRange):
            parts = []
            if leaf.start is not None:
                parts.append(column >= leaf.start)
            if leaf.end is not None:
                parts.append(column < leaf.end)
            return and_(*parts)
        if leaf.prefix in ("has", "verdict", "m", "patchid", "sym"):
            return column == leaf.text
        if not leaf.text.strip():
            return false()
        escaped = leaf.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.ilike(f"%{escaped}%", escape="\\")

    return resolve
