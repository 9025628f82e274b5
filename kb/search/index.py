"""The search index as derived data: open, add/update, delete, rebuild, list what is in it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from whoosh import index as windex
from whoosh.index import Index

from kb.errors import ConfigError
from kb.search.analysis import SCHEMA_VERSION, build_schema
from kb.search.docs import IndexDoc, convert_doc

VERSION_FILE = "kb-schema-version"
DEFAULT_BATCH = 20_000
MIN_PARALLEL = 2_000  # below this many docs a batch is indexed in-process
WRITER_MB = 256


def _check_version(path: Path) -> None:
    marker = path / VERSION_FILE
    found = marker.read_text().strip() if marker.exists() else "?"
    if found != str(SCHEMA_VERSION):
        raise ConfigError(f"search index schema {found}, this kb needs {SCHEMA_VERSION}: run `kb reindex`",
                          place=str(path))


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


def _iter_batches(docs: Iterable[IndexDoc], size: int) -> Iterator[list[IndexDoc]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        # the last version of a message in a batch wins
        yield list({doc.message_id: doc for doc in batch}.values())


def _write_batch(ix: Index, batch: list[IndexDoc], *, procs: int, update: bool) -> None:
    parallel = procs > 1 and len(batch) >= MIN_PARALLEL
    if parallel:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=WRITER_MB, batchsize=256)
    else:
        writer = ix.writer(limitmb=WRITER_MB)
    try:
        add = writer.update_document if update else writer.add_document
        for doc in batch:
            add(**convert_doc(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def index_documents(path: str | os.PathLike[str], docs: Iterable[IndexDoc], *, procs: int = 2,
                    batch: int = DEFAULT_BATCH,
                    on_batch: Callable[[int], None] | None = None) -> int:
    """Add or replace (by message_id) `docs`; one commit per `batch`. Returns the count.

    Batches of at least MIN_PARALLEL docs use whoosh's multi-process writer with `procs`
    workers, each writing its own segment (`multisegment`, no serial merge at commit).
    """
    ix = open_index(path)
    total = 0
    try:
        for chunk in _iter_batches(docs, max(1, batch)):
            _write_batch(ix, chunk, procs=procs, update=ix.doc_count_all() > 0)
            total += len(chunk)
            if on_batch is not None:
                on_batch(total)
    finally:
        ix.close()
    return total


def delete_documents(path: str | os.PathLike[str], message_ids: Iterable[str]) -> int:
    """Remove messages by id; returns how many index entries were deleted."""
    ix = open_index(path)
    try:
        writer = ix.writer()
        deleted = 0
        for message_id in message_ids:
            deleted += writer.delete_by_term("message_id", message_id)
        writer.commit()
        return deleted
    finally:
        ix.close()


def rebuild_index(path: str | os.PathLike[str], docs: Iterable[IndexDoc], *, procs: int = 2,
                  batch: int = DEFAULT_BATCH,
                  on_batch: Callable[[int], None] | None = None) -> int:
    """Build a fresh index beside `path`, then swap it in (readers of the old one go on)."""
    path = Path(path)
    fresh = path.with_name(path.name + ".new")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    count = index_documents(fresh, docs, procs=procs, batch=batch, on_batch=on_batch)
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
