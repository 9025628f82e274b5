"""The visible list of ingest stages:

    source -> prepare (parse + anatomy, in workers) -> store -> merge recovered page messages
    (and re-cut their pages by alignment) -> thread -> series -> extract (changed threads)
    -> index (changed threads)

Each batch is committed on its own, so an interrupted ingest keeps what it stored and a
re-run finds those messages present. Threads are recomputed in one transaction at the end,
so no message ever sits in a half-written thread.
"""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kb.errors import SourceError
from kb.indexing import index_threads

from ingest.bulk_gc import bulk_gc
from ingest.extract_stage import ExtractReport, run_extraction
from ingest.prepare import PreparedMessage, RejectedMessage, compress_raw, prepare_batch
from ingest.sources import maildir, mbox, public_inbox
from ingest.sources.base import RawMail
from ingest.sources.detect import SourceSpec, find_sources
from ingest.sources.webpage import parse_page
from ingest.store import Skipped, Store, load_cursor, rethread_all, store_cursor, store_recovered_page
from ingest.store.isolate import store_isolated
from ingest.store.merge import merge_recovered
from ingest.store.realign import find_thread_ids
from ingest.store.series import rebuild_series

BATCH = 1000
CHUNK = 100
Progress = Callable[[str, int], None]  # (source, messages read so far in it)


@dataclass(frozen=True)
class IngestReport:
    read: int
    stored: int
    present: int
    skipped: tuple[Skipped, ...]
    threads: int
    extracted: ExtractReport | None
    seconds: float
    sources: tuple[str, ...]
    reused: int = 0     # stored under ids derived from reused Message-IDs

    def to_json(self) -> dict[str, object]:
        return {
            "read": self.read, "stored": self.stored, "present": self.present,
            "skipped": [{"source": s.source, "position": s.position, "reason": s.reason} for s in self.skipped],
            "threads": self.threads, "extracted": asdict(self.extracted) if self.extracted else None,
            "seconds": round(self.seconds, 3), "sources": list(self.sources), "reused_ids": self.reused,
        }


@dataclass
class Tally:
    read: int = 0
    stored: int = 0
    present: int = 0
    reused: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    realigned: list[str] = field(default_factory=list)


def iter_source(spec: SourceSpec) -> Iterator[RawMail]:
    if spec.kind == "mbox":
        return mbox.iter_mbox(spec.path)
    if spec.kind == "maildir":
        return maildir.iter_maildir(spec.path)
    if spec.kind == "eml":
        return maildir.iter_eml(spec.path)
    raise ValueError(f"no reader for {spec.kind}")


def iter_stdin() -> Iterator[RawMail]:
    data = sys.stdin.buffer.read()
    if mbox.is_mbox(data[:4096]):
        yield from mbox.iter_mbox_stream(io.BytesIO(data), "<stdin>")
    else:
        yield RawMail(data=data, source="<stdin>", position="file")


def iter_batches(raws: Iterable[RawMail], size: int) -> Iterator[list[RawMail]]:
    it = iter(raws)
    while batch := list(islice(it, size)):
        yield batch


Job = list[RawMail] | public_inbox.EpochChunk


def prepare_job(job: Job) -> list[PreparedMessage | RejectedMessage]:
    """One chunk of messages: given as bytes, or as epoch commits the worker reads itself
    (so the archive's bytes never pass through the storing process)."""
    raws = public_inbox.read_chunk(job) if isinstance(job, public_inbox.EpochChunk) else job
    return prepare_batch(raws)


def prepare_stream(jobs: Iterable[Job], workers: int) -> Iterator[list[PreparedMessage | RejectedMessage]]:
    """Prepared batches in source order, parsed in `workers` processes (0: in this one)."""
    if workers <= 0:
        try:
            yield from map(prepare_job, jobs)
        finally:
            public_inbox.close_readers()
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(prepare_job, jobs)


def ingest_stream(factory: sessionmaker[Session], jobs: Iterable[Job], list_name: str | None,
                  tally: Tally, workers: int, progress: Progress | None, label: str) -> None:
    pending: list[PreparedMessage | RejectedMessage] = []
    with factory() as session:
        store = Store(session)
        for prepared in prepare_stream(jobs, workers):
            pending.extend(prepared)
            tally.read += len(prepared)
            if len(pending) >= BATCH:
                flush(store, pending, list_name, tally)
                pending = []
            if progress:
                progress(label, tally.read)
        flush(store, pending, list_name, tally)


def flush(store: Store, items: list[PreparedMessage | RejectedMessage], list_name: str | None, tally: Tally) -> None:
    if not items:
        return
    try:
        counts = store.store_batch(items, list_name)
        store.session.commit()
    except DBAPIError:  # one message the database rejects costs that message, not the batch
        store.session.rollback()
        store.load_caches()
        counts = store_isolated(store, items, list_name)
    tally.stored += counts.stored
    tally.present += counts.present
    tally.reused += counts.reused
    tally.skipped.extend(counts.skipped)


@bulk_gc()
def run_ingest(factory: sessionmaker[Session], paths: Iterable[str], list_name: str | None = None,
               workers: int = 2, progress: Progress | None = None, extract: bool = True,
               index_dir: Path | None = None) -> IngestReport:
    """Ingest every source under `paths` ("-" is stdin); SourceError when one cannot be read.

    Stages: read, prepare (parse + anatomy, in `workers` processes), store, merge recovered
    page messages (re-cutting their pages by alignment), thread, series, extract (changed
    threads), index (when `index_dir`).
    """
    started = time.monotonic()
    tally = Tally()
    names: list[str] = []
    specs: list[SourceSpec | None] = []
    for path in paths:
        specs.extend([None] if path == "-" else find_sources(Path(path)))
    for spec in specs:
        if spec is None:
            names.append("<stdin>")
            ingest_stream(factory, iter_batches(iter_stdin(), CHUNK), list_name, tally, 0, progress, "<stdin>")
            continue
        names.append(str(spec.path))
        ingest_spec(factory, spec, list_name, tally, workers, progress)
    with factory() as session:
        merged = merge_recovered(session)
        rethreaded = rethread_all(session)
        changed = rethreaded.changed | find_thread_ids(session, [*tally.realigned, *merged.realigned])
        rebuild_series(session, changed)
        session.commit()
    extracted = run_extraction(factory, changed, workers) if extract else None
    if index_dir is not None:
        if progress:
            progress("indexing", tally.read)
        with factory() as session:
            index_threads(session, index_dir, changed)
    return IngestReport(tally.read, tally.stored, tally.present, tuple(tally.skipped), rethreaded.threads,
                        extracted, time.monotonic() - started, tuple(names), tally.reused)


def ingest_page(factory: sessionmaker[Session], path: Path, list_name: str | None, tally: Tally) -> None:
    """A web-archive page: its own message and every message quoted on it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", place=str(path)) from exc
    try:
        page = parse_page(data.decode("utf-8", errors="replace"), str(path))
    except Exception as exc:  # noqa: BLE001 - a bad page is recorded, never fatal
        with factory() as session:
            store = Store(session)
            rejected = RejectedMessage(str(path), "file", f"unreadable page: {type(exc).__name__}: {exc}",
                                       compress_raw(data), len(data))
            tally.read += 1
            flush(store, [rejected], list_name, tally)
        return
    tally.read += len(page.messages)
    with factory() as session:
        counts = store_recovered_page(Store(session), page, compress_raw(data), len(data), list_name)
        session.commit()
    tally.stored += counts.stored
    tally.present += counts.present
    tally.realigned.extend(counts.realigned)


def ingest_spec(factory: sessionmaker[Session], spec: SourceSpec, list_name: str | None, tally: Tally,
                workers: int, progress: Progress | None) -> None:
    key = str(spec.path.resolve())
    if spec.kind == "page":
        ingest_page(factory, spec.path, list_name, tally)
        return
    if spec.kind != "public-inbox":
        ingest_stream(factory, iter_batches(iter_source(spec), CHUNK), list_name, tally, workers, progress,
                      str(spec.path))
        return
    head = public_inbox.find_head(spec.path)
    if head is None:
        return
    with factory() as session:
        cursor = load_cursor(session, key)
    if cursor == head:
        return
    chunks = public_inbox.iter_epoch_chunks(spec.path, cursor, head, CHUNK)
    ingest_stream(factory, chunks, list_name, tally, workers, progress, str(spec.path))
    with factory() as session:
        store_cursor(session, key, spec.kind, head)
        session.commit()
