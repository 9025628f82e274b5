"""The streaming stages: read (sources -> jobs), parse (jobs -> prepared messages, in workers)
and store (prepared messages -> rows, one commit per batch)."""

from __future__ import annotations

import io
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.pool import AsyncResult
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kb.blobs import pack_blob
from kb.errors import SourceError

from ingest.children import start_pool
from ingest.prepare import PreparedMessage, RejectedMessage, prepare_batch
from ingest.sources import maildir, mbox, public_inbox
from ingest.sources.base import RawMail
from ingest.sources.detect import SourceSpec
from ingest.sources.webpage import parse_page
from ingest.store import Skipped, Store, load_cursor, store_cursor, store_recovered_page
from ingest.store.isolate import store_isolated

BATCH = 1000
CHUNK = 100
AHEAD = 2 * BATCH // CHUNK  # parse jobs out at a time: two store batches ahead of the store stage
Job = list[RawMail] | public_inbox.EpochChunk
Prepared = list[PreparedMessage | RejectedMessage]


@dataclass
class Tally:
    read: int = 0
    stored: int = 0
    present: int = 0
    reused: int = 0     # stored under ids derived from reused Message-IDs
    skipped: list[Skipped] = field(default_factory=list)


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


def iter_jobs(factory: sessionmaker[Session], spec: SourceSpec | None) -> Iterator[Job]:
    """The read stage of one source: chunks of messages, or of epoch commits the parse workers
    read themselves (so the archive's bytes never pass through the storing process)."""
    if spec is None:
        yield from iter_batches(iter_stdin(), CHUNK)
    elif spec.kind != "public-inbox":
        yield from iter_batches(iter_source(spec), CHUNK)
    else:
        head = public_inbox.find_head(spec.path)
        if head is None:
            return
        with factory() as session:
            cursor = load_cursor(session, str(spec.path.resolve()))
        if cursor != head:
            yield from public_inbox.iter_epoch_chunks(spec.path, cursor, head, CHUNK)


def save_cursor(factory: sessionmaker[Session], spec: SourceSpec | None) -> None:
    """After a public-inbox epoch is stored: remember its head, so the next run reads only what is new."""
    if spec is None or spec.kind != "public-inbox":
        return
    head = public_inbox.find_head(spec.path)
    if head is None:
        return
    with factory() as session:
        store_cursor(session, str(spec.path.resolve()), spec.kind, head)
        session.commit()


def prepare_job(job: Job) -> Prepared:
    raws = public_inbox.read_chunk(job) if isinstance(job, public_inbox.EpochChunk) else job
    return prepare_batch(raws)


def prepare_stream(jobs: Iterable[Job], workers: int) -> Iterator[Prepared]:
    """The parse stage: prepared batches in source order, in `workers` processes (0: in this one)."""
    if workers <= 0:
        try:
            yield from map(prepare_job, jobs)
        finally:
            public_inbox.close_readers()
        return
    # not pool.imap: its feeder hands out every job at once, so results the store stage has
    # not taken yet pile up in this process; here at most AHEAD jobs are out at a time
    with start_pool(workers) as pool:
        out: deque[AsyncResult] = deque()
        for job in jobs:
            out.append(pool.apply_async(prepare_job, (job,)))
            if len(out) >= AHEAD:
                yield out.popleft().get()
        while out:
            yield out.popleft().get()


def flush(store: Store, items: Prepared, list_name: str | None, tally: Tally) -> None:
    """The store stage of one batch: rows written and committed."""
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


def ingest_page(factory: sessionmaker[Session], path: Path, list_name: str | None, tally: Tally) -> None:
    """A web-archive page: its own message and every message quoted on it, read, parsed and
    stored at once (its re-cut messages forget their threads' ledger rows in the same commit)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", place=str(path)) from exc
    try:
        page = parse_page(data.decode("utf-8", errors="replace"), str(path))
    except Exception as exc:  # noqa: BLE001 - a bad page is recorded, never fatal
        with factory() as session:
            rejected = RejectedMessage(str(path), "file", f"unreadable page: {type(exc).__name__}: {exc}",
                                       pack_blob(data), len(data))
            tally.read += 1
            flush(Store(session), [rejected], list_name, tally)
        return
    tally.read += len(page.messages)
    with factory() as session:
        counts = store_recovered_page(Store(session), page, pack_blob(data), len(data), list_name)
        session.commit()
    tally.stored += counts.stored
    tally.present += counts.present
