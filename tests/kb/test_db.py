"""The database opens, migrates itself and holds the linked schema on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from kb.config import load_settings
from kb.db import find_head_revision, find_revision, open_database
from kb.errors import ConfigError


def test_open_migrates_to_head(db_url: str) -> None:
    factory = open_database(load_settings(db_url))
    engine = factory.kw["bind"]
    assert find_revision(engine) == find_head_revision()
    tables = set(inspect(engine).get_table_names())
    for name in ("lists", "people", "identities", "threads", "messages", "patches", "trailers", "races",
                 "fixes", "objections", "evidence", "roles", "scenarios", "scenario_links", "scenario_runs",
                 "quarantine", "corrections"):
        assert name in tables
    open_database(load_settings(db_url))  # a second open is a no-op


def test_sqlite_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    factory = open_database(load_settings(sqlite_url))
    with factory() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_bad_urls_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unsupported database URL"):
        load_settings("mysql://x")
    with pytest.raises(ConfigError) as info:
        open_database(load_settings("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert "\n" not in str(info.value)


def test_default_database_follows_xdg(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("KB_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.db_url == f"sqlite:///{tmp_path / 'kb' / 'kb.sqlite'}"
    monkeypatch.setenv("KB_DB", str(tmp_path / "other.sqlite"))
    assert load_settings().db_url.endswith("other.sqlite")


def test_migrations_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from kb.models import Base

    engine = open_database(load_settings(db_url)).kw["bind"]
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrade_to_0002_fills_series_change_ids(db_url: str) -> None:
    """A KB made at 0001 gets its series' change-ids from the stored cover letters, revisions re-keyed."""
    import zlib

    from alembic import command
    from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String, Text, column, create_engine, insert, table

    from kb.db import make_alembic_config, migrate_database

    engine = create_engine(db_url)
    command.upgrade(make_alembic_config(engine), "0001")  # type: ignore[arg-type]
    messages = table("messages", *(column(n, t) for n, t in (
        ("id", Integer), ("message_id", String), ("synthetic_id", Boolean), ("recovered", Boolean),
        ("provenance", JSON), ("references", JSON), ("subject", Text), ("author_name", String),
        ("author_email", String), ("to_addrs", JSON), ("cc_addrs", JSON), ("date_raw", Text), ("body", LargeBinary),
        ("raw", LargeBinary), ("raw_size", Integer), ("attachments", JSON), ("defects", JSON), ("source", Text),
        ("position", Text))))
    series = table("series", *(column(n, t) for n, t in (
        ("id", Integer), ("key", String), ("title", Text), ("author_email", String), ("version", Integer),
        ("total", Integer), ("revision_key", String))))
    links = table("series_messages", column("series_id", Integer), column("message_pk", Integer),
                  column("part", Integer))
    bodies = {1: "v1 cover\n", 2: "v2 cover\n---\nchange-id: 20240229-slab-memcg-ae6b3789c924\n", 3: "part\n"}
    with engine.begin() as conn:
        conn.execute(insert(messages), [
            {"id": pk, "message_id": f"m{pk}@x", "synthetic_id": False, "recovered": False, "provenance": {},
             "references": [], "subject": "", "author_name": "", "author_email": "a@x", "to_addrs": [], "cc_addrs": [],
             "date_raw": "", "body": zlib.compress(body.encode()), "raw": b"", "raw_size": 0, "attachments": [],
             "defects": [], "source": "", "position": ""} for pk, body in bodies.items()])
        conn.execute(insert(series), [
            {"id": 1, "key": "1|a@x|v1", "title": "t", "author_email": "a@x", "version": 1, "total": 1,
             "revision_key": "t|a@x"},
            {"id": 2, "key": "2|a@x|v2", "title": "t", "author_email": "a@x", "version": 2, "total": 1,
             "revision_key": "t|a@x"}])
        conn.execute(insert(links), [{"series_id": 1, "message_pk": 1, "part": 0},
                                     {"series_id": 2, "message_pk": 3, "part": 1},
                                     {"series_id": 2, "message_pk": 2, "part": 0}])
    migrate_database(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, change_id, revision_key FROM series ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, None, "change-id:20240229-slab-memcg-ae6b3789c924"),
                                        (2, "20240229-slab-memcg-ae6b3789c924",
                                         "change-id:20240229-slab-memcg-ae6b3789c924")]
    engine.dispose()


def test_upgrade_to_0004_fills_message_refs_and_hands_unranked_messages_back(db_url: str) -> None:
    """A KB made at 0003 gets each message's chain (References, then In-Reply-To, own id left out)
    in message_refs; messages the thread stage never ranked lose their thread, to be threaded again."""
    from alembic import command
    from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String, Text, column, create_engine, insert, table

    from kb.db import make_alembic_config, migrate_database

    engine = create_engine(db_url)
    command.upgrade(make_alembic_config(engine), "0003_wt13_ledger")  # type: ignore[arg-type]
    messages = table("messages", *(column(n, t) for n, t in (
        ("id", Integer), ("message_id", String), ("synthetic_id", Boolean), ("recovered", Boolean),
        ("provenance", JSON), ("in_reply_to", String), ("references", JSON), ("subject", Text),
        ("author_name", String), ("author_email", String), ("to_addrs", JSON), ("cc_addrs", JSON),
        ("date_raw", Text), ("body", LargeBinary), ("raw", LargeBinary), ("raw_size", Integer),
        ("attachments", JSON), ("defects", JSON), ("source", Text), ("position", Text), ("thread_id", Integer),
        ("thread_rank", Integer))))
    threads = table("threads", column("id", Integer), column("root_message_id", String), column("subject", Text),
                    column("message_count", Integer))
    chains = {1: (None, [], 0), 2: ("a@x", ["a@x", "b@x", "m2@x"], 1), 3: ("m2@x", ["a@x", "m2@x"], None)}
    with engine.begin() as conn:
        conn.execute(insert(threads), [{"id": 1, "root_message_id": "m1@x", "subject": "", "message_count": 1},
                                       {"id": 2, "root_message_id": "m2@x", "subject": "", "message_count": 2}])
        conn.execute(insert(messages), [
            {"id": pk, "message_id": f"m{pk}@x", "synthetic_id": False, "recovered": False, "provenance": {},
             "in_reply_to": irt, "references": refs, "subject": "", "author_name": "", "author_email": "a@x",
             "to_addrs": [], "cc_addrs": [], "date_raw": "", "body": b"", "raw": b"", "raw_size": 0,
             "attachments": [], "defects": [], "source": "", "position": "", "thread_id": 1 if pk == 1 else 2,
             "thread_rank": rank} for pk, (irt, refs, rank) in chains.items()])
    migrate_database(engine)
    with engine.connect() as conn:
        refs = conn.execute(text("SELECT message_pk, ref FROM message_refs ORDER BY message_pk, ref")).all()
        homes = conn.execute(text("SELECT id, thread_id FROM messages ORDER BY id")).all()
    assert [tuple(r) for r in refs] == [(2, "a@x"), (2, "b@x"), (3, "a@x"), (3, "m2@x")]
    assert [tuple(r) for r in homes] == [(1, 1), (2, 2), (3, None)]
    engine.dispose()


def test_datetimes_read_back_in_timezone_utc(db_url: str) -> None:
    """One tzinfo on every backend (PostgreSQL's driver gives ZoneInfo('Etc/UTC')): values that
    feed digests, such as the search index's, must not differ by backend."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select

    from kb.models import Thread

    factory = open_database(load_settings(db_url))
    with factory() as s:
        s.add(Thread(root_message_id="r@x", first_date=datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))))
        s.commit()
    with factory() as s:
        got = s.scalar(select(Thread.first_date))
    assert got == datetime(2024, 1, 1, 8, tzinfo=timezone.utc) and got.tzinfo is timezone.utc
