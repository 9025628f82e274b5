"""The search index as derived data: open, add/update, delete, rebuild, list what is in it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path

from whoosh import index as windex
from whoosh.index import Index

from kb.errors import ConfigError
from kb.search.analysis import SCHEMA_VERSION, build_schema
from kb.search.adapter import is_fast_path_usable
from kb.search.builder import SegmentBuilder
from kb.search.docs import IndexDoc, convert_doc
from kb.search.split import PartProcess

VERSION_FILE = "kb-schema-version"
MIN_FAST = 500  # below this many docs whoosh's own writer (and segment merging) is used


def read_schema_version(path: Path) -> str:
    """The schema version an index was written for ("?" when unmarked)."""
    marker = path / VERSION_FILE
    return marker.read_text().strip() if marker.exists() else "?"


def _check_version(path: Path) -> None:
    found = read_schema_version(path)
    if found != str(SCHEMA_VERSION):
        raise ConfigError(f"search index schema {found}, this kb needs {SCHEMA_VERSION}: run `kb reindex`",
                          place=str(path))


def drop_outdated_index(path: str | os.PathLike[str]) -> bool:
    """Remove an index written for another schema version (derived data: rebuilt from the DB)."""
    path = Path(path)
    if not windex.exists_in(str(path)) or read_schema_version(path) == str(SCHEMA_VERSION):
        return False
    shutil.rmtree(path)
    return True


def open_index(path: str | os.PathLike[str], *, create: bool = True) -> Index:
    """Open the index at `path`, creating an empty one when missing (unless create=False)."""
    path = Path(path)
    if windex.exists_in(str(path)):
        _check_version(path)
        return windex.open_dir(str(path))
    if not create:
        raise ConfigError("no search index here: run `kb reindex`", place=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
        ix = windex.create_in(str(path), build_schema())
        (path / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
    except OSError as exc:
        raise ConfigError(f"cannot create search index: {exc.strerror}", place=str(path)) from exc
    return ix


def _dedupe_last(docs: list[IndexDoc]) -> list[IndexDoc]:
    """The last version of each message wins."""
    return list({doc.message_id: doc for doc in docs}.values())


def index_documents(path: str | os.PathLike[str], docs: Iterable[IndexDoc],
                    second: Callable[[], Iterable[IndexDoc]] | None = None) -> int:
    """Add or replace (by message_id) `docs`, then the documents `second()` gives (when given).
    Returns the count.

    From MIN_FAST documents on, postings are pooled in memory by kb (adapter's fast path),
    spilled to runs when the pool is full and merged into one segment; fewer documents, or a
    whoosh the fast path was not written for, go through whoosh's own writer. Messages already in the
    index are deleted first; on a fresh index nothing is looked up.

    `second` is called in a second process (a fresh interpreter) that tokenises its documents
    while this one does `docs` (kb.search.split); the two streams must not share a message id.
    Without the fast path it is read here, after `docs`.
    """
    ix = open_index(path)
    try:
        update = ix.doc_count_all() > 0
        if second is not None and is_fast_path_usable():
            return _write_split(ix, docs, second, update=update)
        stream = chain(docs, second()) if second is not None else iter(docs)
        head = list(islice(stream, MIN_FAST))
        fast = len(head) >= MIN_FAST
        if not fast:
            stream, head = iter(_dedupe_last(head)), []
        return _write_stream(ix, chain(head, stream), fast=fast, update=update)
    finally:
        ix.close()


def _write_stream(ix: Index, docs: Iterator[IndexDoc], *, fast: bool, update: bool) -> int:
    total = 0
    seen: set[str] = set()
    builder = SegmentBuilder(ix, fast=fast)
    try:
        for doc in docs:
            if doc.message_id in seen:  # a second version in this segment: close it first
                builder.commit()
                builder = SegmentBuilder(ix, fast=fast)
                seen.clear()
                update = True
            seen.add(doc.message_id)
            if update:
                builder.delete(doc.message_id)
            builder.add(convert_doc(doc))
            total += 1
    except BaseException:
        builder.cancel()
        raise
    builder.commit()
    return total


def _write_split(ix: Index, docs: Iterable[IndexDoc], second: Callable[[], Iterable[IndexDoc]], *,
                 update: bool) -> int:
    builder = SegmentBuilder(ix, fast=True)  # holds the write lock; stale runs are gone
    part: PartProcess | None = None
    total = 0
    try:
        part = PartProcess(Path(ix.storage.folder), ix.schema, second)
        for doc in docs:
            if update:
                builder.delete(doc.message_id)
            builder.add(convert_doc(doc))
            total += 1
        total += builder.adopt(part.join(), update=update)
    except BaseException:
        if part is not None:
            part.stop()
            shutil.rmtree(part.directory, ignore_errors=True)
        builder.cancel()
        raise
    builder.commit()
    return total


def delete_documents(path: str | os.PathLike[str], message_ids: Iterable[str]) -> int:
    """Remove messages by id; returns how many index entries were deleted."""
    ix = open_index(path)
    try:
        writer = ix.writer(compound=False)  # see kb.search.builder.SegmentBuilder
        deleted = 0
        for message_id in message_ids:
            deleted += writer.delete_by_term("message_id", message_id)
        writer.commit()
        return deleted
    finally:
        ix.close()


def rebuild_index(path: str | os.PathLike[str], docs: Iterable[IndexDoc],
                  second: Callable[[], Iterable[IndexDoc]] | None = None) -> int:
    """Build a fresh index beside `path` (as `index_documents`), then swap it in (readers of the
    old one go on)."""
    path = Path(path)
    fresh = path.with_name(path.name + ".new")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    count = index_documents(fresh, docs, second)
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return count


def list_indexed(path: str | os.PathLike[str]) -> dict[str, str]:
    """message_id -> digest of every live entry (for `kb check`: missing / stale)."""
    ix = open_index(path, create=False)
    try:
        with ix.reader() as reader:
            if reader.doc_count_all() == 0:
                return {}
            ids = reader.column_reader("message_id")
            digests = reader.column_reader("digest")
            return {ids[n]: digests[n].decode() for n in reader.all_doc_ids()}
    finally:
        ix.close()
