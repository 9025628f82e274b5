"""What the ingest keeps resident, and what it hands back before its workers fork.

The bar is the resident memory of the whole process tree. A forked worker starts resident with
every page its parent has, so whatever the parent holds when it forks (free heap not yet returned,
SQLite's page caches) counts once more per worker.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

# SQLite's page cache per connection during an ingest (kb's default: 64 MiB). The indexes the
# store writes (message ids, references, segments) of a whole epoch fit; a larger cache cost 50 MB
# of resident memory and saved no CPU (cgroups epoch, store stage).
INGEST_CACHE_KIB = 8192


def release_memory() -> None:
    """Hand back to the system what this process has freed: cycles collected, the C heap's free
    pages returned (glibc's malloc_trim; elsewhere they stay)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


def release_connections(factory: sessionmaker[Session]) -> None:
    """Close the pooled connections (and so their page caches) of a database file or server. An
    in-memory SQLite database lives only in its connection and keeps it."""
    engine: Engine = factory.kw["bind"]
    if engine.url.database not in (None, "", ":memory:"):
        engine.dispose()


@contextmanager
def small_page_caches(factory: sessionmaker[Session]) -> Iterator[None]:
    """Within the block, SQLite connections open with a page cache of INGEST_CACHE_KIB (the
    pooled ones, opened with kb's default, are closed on the way in and out)."""
    engine: Engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        yield
        return

    def shrink_cache(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"PRAGMA cache_size=-{INGEST_CACHE_KIB}")
        cursor.close()

    event.listen(engine, "connect", shrink_cache)
    release_connections(factory)
    try:
        yield
    finally:
        event.remove(engine, "connect", shrink_cache)
        release_connections(factory)
