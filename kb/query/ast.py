"""The query AST: frozen nodes that every backend (whoosh, SQL) compiles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Term:
    """`prefix:text`; prefix '' is a bare word. `phrase` when the text was quoted.

    `exact` (quoted, or written `prefix:=word`) turns English stemming off for the term.
    """

    prefix: str
    text: str
    phrase: bool = False
    position: int = 0
    exact: bool = False


@dataclass(frozen=True)
class DateRange:
    """`d:` / `rt:` as a half-open UTC interval [start, end); either side may be open."""

    prefix: str
    start: datetime | None
    end: datetime | None
    position: int = 0


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | DateRange | And | Or | Not
Leaf = Term | DateRange


@dataclass(frozen=True)
class Query:
    """A parsed query string: the text it came from and its tree."""

    text: str
    root: Node


def iter_leaves(node: Node) -> Iterator[Leaf]:
    """Every Term and DateRange under `node`, left to right."""
    if isinstance(node, (Term, DateRange)):
        yield node
    elif isinstance(node, Not):
        yield from iter_leaves(node.item)
    else:
        for item in node.items:
            yield from iter_leaves(item)


def format_node(node: Node) -> str:
    """A canonical, fully parenthesised rendering (for tests and `--explain`)."""
    if isinstance(node, Term):
        text = f'"{node.text}"' if node.phrase else f"={node.text}" if node.exact else node.text
        return f"{node.prefix}:{text}" if node.prefix else text
    if isinstance(node, DateRange):
        start = node.start.isoformat() if node.start else ""
        end = node.end.isoformat() if node.end else ""
        return f"{node.prefix}:[{start}..{end})"
    if isinstance(node, Not):
        return f"NOT {format_node(node.item)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(format_node(item) for item in node.items) + ")"
