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
