"""Rows inserted straight through the driver are the rows SQLAlchemy's insert() stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, insert, select

from kb.models import Base, Message, MessageRef, Segment
from ingest.store.rows import insert_dict_rows, insert_plain_rows


def make_rows(count: int) -> list[dict[str, object]]:
    """Message rows with every kind of value: JSON lists and dicts, aware and naive dates, None,
    text the column compresses and bytes it keeps, booleans; `provenance` left to its default."""
    east = timezone(timedelta(hours=3))
    return [{
        "message_id": f"<{n}@x>", "synthetic_id": n % 2 == 0, "recovered": False,
        "in_reply_to": None if n % 3 else f"<{n - 1}@x>", "references": [f"<{k}@x>" for k in range(n % 4)],
        "subject": f"s {n} é", "author_name": "A", "author_email": "a@x", "identity_id": None,
        "to_addrs": [["B", "b@x"]] * (n % 2), "cc_addrs": [],
        "date": None if n == 5 else datetime(2024, 1, 1, 12, n % 60, tzinfo=east) if n % 2 else datetime(2024, 1, 2),
        "date_raw": "d", "body": f"body {n}" if n % 2 else b"already packed", "raw": b"\x00raw",
        "raw_size": n, "attachments": [{"name": "f", "type": "text/plain", "size": n}], "defects": [],
        "source": "s", "position": str(n), "ingested_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
    } for n in range(count)]


def read_all(conn: object, table: object) -> list[tuple[object, ...]]:
    return [tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY rowid')]  # type: ignore[attr-defined]


@pytest.mark.parametrize("count", [1, 42, 43, 44, 130])  # around the rows one statement holds
def test_the_driver_path_stores_what_sqlalchemy_stores(count: int) -> None:
    rows = make_rows(count)
    stored = []
    for write in (lambda c, t, r: c.execute(insert(t), r), insert_dict_rows):
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            write(conn, Message.__table__, rows)
            write(conn, MessageRef.__table__, [{"message_pk": 1, "ref": f"<r{n}>"} for n in range(count)])
            stored.append((read_all(conn, Message.__table__), read_all(conn, MessageRef.__table__)))
    assert stored[0] == stored[1]
    assert len(stored[1][0]) == count and stored[1][0][0][4] == "{}"  # provenance's default, as JSON


def test_rows_with_other_keys_are_refused() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as conn, pytest.raises(ValueError):
        insert_dict_rows(conn, MessageRef.__table__, [{"message_pk": 1, "ref": "a"}, {"message_pk": 2}])


def test_plain_rows_of_a_wide_table_stay_under_999_parameters() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    columns = ("message_pk", "kind", "start", "end", "depth", "person_name", "person_email", "quoted_message_id",
               "method")
    rows = [(1, "own", n, n + 1, 0, "", "", None, "") for n in range(250)]
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO messages (id, message_id, synthetic_id, recovered, provenance, \"references\", "
                             "subject, author_name, author_email, to_addrs, cc_addrs, date_raw, body, raw, raw_size, "
                             "attachments, defects, source, position) VALUES (1, '<1@x>', 0, 0, '{}', '[]', '', '', '', "
                             "'[]', '[]', '', x'', x'', 0, '[]', '[]', '', '')")
        insert_plain_rows(conn, Segment.__table__, columns, rows)
        assert conn.scalars(select(Segment.start).order_by(Segment.id)).all() == list(range(250))
