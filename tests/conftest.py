"""Shared fixtures: the ../shared corpus (skip when absent, fail under CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"     # CI runs everything: a missing part fails, never skips


def skip_unless_ci(message: str) -> None:
    """Skip the test for want of `message`'s part, or fail it under CI=true."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_shared(*parts: str) -> Path:
    """Path under ../shared; skips the test when missing, fails it under CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_unless_ci(f"../shared not available: {path}")
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return require_shared("corpus", "seeds")


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return require_shared("gold")


def make_postgres_url() -> str:
    """A fresh database on the test PostgreSQL server; skips (fails under CI) without one."""
    base = os.environ.get("KB_TEST_PG_URL")
    if not base:
        skip_unless_ci("no PostgreSQL server (KB_TEST_PG_URL unset; scripts/run-tests starts one)")
    import uuid

    import psycopg

    name = f"kb_test_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs against SQLite and against a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.sqlite'}"
    return make_postgres_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kb.sqlite'}"


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB built as `make demo` builds it (`kb demo`: the bundled seed pages and scenario library)."""
    from click.testing import CliRunner

    from kb.cli.main import cli, register_commands

    register_commands()
    db = tmp_path_factory.mktemp("demo-kb") / "kb.sqlite"
    result = CliRunner().invoke(cli, ["--db", str(db), "demo", "--no-tui"])
    assert result.exit_code == 0, result.output
    return db
