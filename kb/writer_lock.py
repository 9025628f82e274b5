"""One writer at a time per KB: `kb ingest`, `maintainers load`, `reindex` and `check --repair`.

SQLite: an exclusive flock on `<db>.lock`, which names its holder (command, pid, start time).
The kernel drops a flock when its holder dies, so a dead holder never blocks anyone; a holder
whose pid is gone while the lock is still held left helper processes behind, and is named so.
PostgreSQL: a session advisory lock; the holder's description travels as the connection's
application_name, where the waiting process reads it from pg_stat_activity.

Readers take no lock (SQLite WAL and PostgreSQL MVCC): they never block and never see half a batch.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import KbError

WRITER_KEY = 0x6B62_7772   # "kbwr": the advisory lock of writers
MIGRATE_KEY = 0x6B62_6D67  # "kbmg": the advisory lock of migrations
Notify = Callable[[str], None]


class WriterBusyError(KbError):
    """Another writer holds the KB and the caller chose not to wait."""


def describe_holder(what: str) -> str:
    return f"the {what} started at {time.strftime('%H:%M')} (pid {os.getpid()})"


def find_sqlite_path(db_url: str) -> Path | None:
    path = db_url.split(":///", 1)[-1] if db_url.startswith("sqlite") else ""
    return Path(path) if path and path != ":memory:" else None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_holder(path: Path) -> str:
    """The holder's description from the lock file, with a note when its pid is gone."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "another writer"
    holder = text or "another writer"
    pid = text.rsplit("(pid ", 1)[-1].rstrip(")") if "(pid " in text else ""
    if pid.isdigit() and not is_alive(int(pid)):
        holder += " - that process is gone but its helper processes still hold the lock"
    return holder


@contextmanager
def lock_file(path: Path, what: str, wait: bool, notify: Notify) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(path)
            if not wait:
                raise WriterBusyError(f"{holder} is writing to this KB (--no-wait given)", place=str(path)) from None
            notify(f"waiting for {holder}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, describe_holder(what).encode(), 0)
        yield
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


@contextmanager
def advisory_lock(engine: object, key: int, what: str, wait: bool, notify: Notify) -> Iterator[None]:
    from sqlalchemy import text

    with engine.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text("SELECT set_config('application_name', :name, false)"),
                     {"name": f"kb: {describe_holder(what)}"[:63]})
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            holder = conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted LIMIT 1"), {"k": key}).scalar()
            holder = (holder or "").removeprefix("kb: ") or "another writer"
            if not wait:
                conn.rollback()
                raise WriterBusyError(f"{holder} is writing to this KB (--no-wait given)", place="database")
            notify(f"waiting for {holder}")
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


@contextmanager
def hold_writer_lock(db_url: str, engine: object, what: str, wait: bool = True,
                     notify: Notify = lambda _line: None) -> Iterator[None]:
    """Be the only writer of this KB for the block; wait (saying for whom) or refuse."""
    path = find_sqlite_path(db_url)
    if db_url.startswith("sqlite"):
        if path is None:
            yield
            return
        with lock_file(path.with_name(path.name + ".lock"), what, wait, notify):
            yield
        return
    with advisory_lock(engine, WRITER_KEY, what, wait, notify):
        yield
