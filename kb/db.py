"""Engine and sessions: SQLite (WAL, foreign keys) or PostgreSQL; migrations on open."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kb.config import Settings
from kb.errors import ConfigError, describe_exception

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def set_sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def find_sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL; None for other databases and for :memory:."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = find_sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise ConfigError(f"cannot create {path}: {path.parent} is not a directory", place="--db") from None
            except OSError as exc:
                raise ConfigError(f"cannot create {path}: {exc.strerror}", place="--db") from None
        engine = create_engine(url)
        event.listen(engine, "connect", set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def find_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def find_head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def migrate_database(engine: Engine) -> None:
    """Apply Alembic migrations up to head (a no-op when current). Two processes opening a
    fresh KB at once take turns (a lock file / advisory lock); the second finds it current."""
    from alembic import command

    from kb.writer_lock import MIGRATE_KEY, advisory_lock, find_sqlite_path, lock_file

    if find_revision(engine) == find_head_revision():
        return
    url = engine.url.render_as_string(hide_password=False)
    path = find_sqlite_path(url)
    if url.startswith("sqlite"):
        guard = lock_file(path.with_name(path.name + ".migrate.lock"), "migration", True, lambda _: None) \
            if path else nullcontext()
    else:
        guard = advisory_lock(engine, MIGRATE_KEY, "migration", True, lambda _: None)
    with guard:
        if find_revision(engine) != find_head_revision():
            command.upgrade(make_alembic_config(engine), "head")  # type: ignore[arg-type]


def describe_missing_kb(settings: Settings) -> str:
    return f"no KB at {find_sqlite_path(settings.db_url) or settings.db_url}; run kb ingest first"


def open_database(settings: Settings, create: bool = True) -> sessionmaker[Session]:
    """A session factory on a migrated database; one-line ConfigError when unreachable.

    With `create` False a database kb never made is an error, and nothing is created."""
    path = find_sqlite_path(settings.db_url)
    if not create and path is not None and not path.is_file():
        raise ConfigError(describe_missing_kb(settings))
    try:
        engine = create_db_engine(settings.db_url)
        if not create and path is None and find_revision(engine) is None:
            raise ConfigError(describe_missing_kb(settings))
        migrate_database(engine)
    except OperationalError as exc:
        raise ConfigError(f"cannot open database: {describe_exception(exc)}", place=settings.db_url) from exc
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot open database: {describe_exception(exc)}", place=settings.db_url) from exc
    return sessionmaker(engine, expire_on_commit=False)

