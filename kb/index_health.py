"""The search index's health: every segment readable, damage reported as one line.

whoosh keeps no checksums of its own; a segment is sound when its table of contents opens and
every stored document, column value and term can be read back (zlib and struct verify the
compressed and packed bytes on the way). Any command that meets a damaged index says so and
names `kb reindex`; a full disk or a read-only file names the path.
"""

from __future__ import annotations

import errno
import os
import pickle
import struct
import zlib
from pathlib import Path
from types import TracebackType

from kb.errors import KbError

DAMAGE = (EOFError, zlib.error, struct.error, pickle.UnpicklingError, OSError, ValueError, KeyError, IndexError)
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})
DATABASE_DISK_ERRORS = ("database or disk is full", "disk i/o error")   # SQLite: ENOSPC, EFBIG
DISK_SQLSTATE = "53"   # PostgreSQL: insufficient resources (disk full, out of memory)
WHOOSH_DIR = f"{os.sep}whoosh{os.sep}"


class IndexDamagedError(KbError):
    """The search index cannot be read; `kb reindex` rebuilds it from the database."""


def passes_through_whoosh(tb: TracebackType | None) -> bool:
    while tb is not None:
        if WHOOSH_DIR in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def describe_failure(exc: BaseException, database: str = "database") -> str | None:
    """One line for a full disk, a read-only file or a damaged index; None for anything else.
    `database` names the KB's database for a disk that filled under it."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        return f"{exc.filename or 'disk'}: {exc.strerror or reason}"
    driver = getattr(exc, "orig", None)   # what the database driver said, under SQLAlchemy's wrapper
    if driver is not None and (any(words in str(driver).lower() for words in DATABASE_DISK_ERRORS)
                               or str(getattr(driver, "sqlstate", "") or "").startswith(DISK_SQLSTATE)):
        said = str(driver).strip().splitlines()[0] if str(driver).strip() else type(driver).__name__
        return f"{database}: {said}: no room to write; what was committed is kept, re-run to continue"
    if isinstance(exc, DAMAGE) and passes_through_whoosh(exc.__traceback__):
        return f"search index damaged: run kb reindex ({type(exc).__name__}: {reason})"
    return None


def verify_index(path: str | os.PathLike[str]) -> list[str]:
    """Problems found reading every segment back in full ([] when sound or absent)."""
    from whoosh import index as whoosh_index

    if not Path(path).exists() or not whoosh_index.exists_in(str(path)):
        return []
    problems: list[str] = []
    try:
        ix = whoosh_index.open_dir(str(path))
    except DAMAGE as exc:
        return [f"table of contents: {type(exc).__name__}: {exc}"]
    try:
        for segment in ix._segments():  # noqa: SLF001 - whoosh has no public per-segment API
            problem = verify_segment(ix, segment)
            if problem:
                problems.append(f"segment {segment.segment_id()}: {problem}")
    finally:
        ix.close()
    return problems


def verify_segment(ix: object, segment: object) -> str | None:
    from whoosh.reading import SegmentReader

    try:
        reader = SegmentReader(ix.storage, ix.schema, segment)  # type: ignore[attr-defined]
        try:
            for _ in reader.all_stored_fields():
                pass
            for name in reader.schema.names():
                if reader.has_column(name):
                    column = reader.column_reader(name, translate=False)  # raw: an absent date is no damage
                    for n in range(reader.doc_count_all()):
                        column[n]
            for fieldname, text in reader.all_terms():
                for _ in reader.postings(fieldname, text).all_ids():
                    pass
        finally:
            reader.close()
    except Exception as exc:  # noqa: BLE001 - whatever fails reading a segment back is damage (TermNotFound, ...)
        return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return None


def require_sound_index(path: str | os.PathLike[str]) -> None:
    problems = verify_index(path)
    if problems:
        raise IndexDamagedError(f"search index damaged: run kb reindex ({problems[0]})", place=str(path))
