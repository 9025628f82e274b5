"""The SQL-filter hook: the same AST compiled to a WHERE clause and run on SQLite."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, insert, select

from kb.errors import QueryError
from kb.query.parse import parse_query
from kb.query.to_sql import build_column_resolver, compile_sql

META = MetaData()
MESSAGES = Table(
    "messages", META,
    Column("id", Integer, primary_key=True),
    Column("subject", String),
    Column("sender", String),
    Column("date", DateTime),
    Column("flag", String),
)
ROWS = [
    (1, "[PATCH] memcg: fix race", "Johannes Weiner <hannes@cmpxchg.org>", datetime(2022, 3, 1), "fix"),
    (2, "Re: cgroup deadlock", "Tejun Heo <tj@kernel.org>", datetime(2021, 5, 1), "race"),
    (3, "[PATCH] 100% cpu_use", "Waiman Long <longman@redhat.com>", datetime(2022, 12, 31, 23), "fix"),
]


@pytest.fixture(scope="module")
def engine():  # noqa: ANN201
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(MESSAGES), [dict(zip(("id", "subject", "sender", "date", "flag"), r)) for r in ROWS])
    return engine


RESOLVE = build_column_resolver({"s": MESSAGES.c.subject, "f": MESSAGES.c.sender,
                                 "d": MESSAGES.c.date, "has": MESSAGES.c.flag})


@pytest.mark.parametrize(("text", "ids"), [
    ("s:race", [1]),
    ("s:PATCH", [1, 3]),
    ("f:hannes", [1]),
    ("-f:hannes", [2, 3]),
    ("s:race OR s:deadlock", [1, 2]),
    ("d:2022-01-01..2022-12-31", [1, 3]),
    ("d:..2021", [2]),
    ("has:fix s:PATCH", [1, 3]),
    ("s:100%", [3]),
    ("s:cpu_use", [3]),
    ("s:cpu_", [3]),
])
def test_compile_sql(engine, text: str, ids: list[int]) -> None:  # noqa: ANN001
    clause = compile_sql(parse_query(text), RESOLVE)
    with engine.connect() as conn:
        found = [row.id for row in conn.execute(select(MESSAGES.c.id).where(clause).order_by(MESSAGES.c.id))]
    assert found == ids


def test_unsupported_prefix_points_at_it() -> None:
    with pytest.raises(QueryError) as caught:
        compile_sql(parse_query("s:race dfn:mm/memcontrol.c"), RESOLVE)
    assert caught.value.position == 11
    assert "dfn:" in caught.value.reason
