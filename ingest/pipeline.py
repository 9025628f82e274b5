"""The visible list of ingest stages, run in order and timed (wall and CPU, workers included;
the main process's peak memory as each ends):

    read -> parse -> store       streaming: sources -> jobs -> prepared messages (workers) -> rows
    merge pages                  recovered page messages -> their real counterparts; pages re-cut
    thread                       the threads new messages join (found by index): each member's
                                 thread, parent and place in the reply order
    series                       patch series and revisions of the threads that changed
    extract                      findings of the threads the ledger says wait for extraction
    link histories               races grouped across threads
    index                        search documents of the threads the ledger says wait for the index

Each store batch is committed on its own, so an interrupted ingest keeps what it stored and a
re-run finds those messages present. Merge, thread and series share one transaction, so no
message ever sits in a half-written thread. The per-thread stages (extract, index) take their
work from the ledger (kb/ledger.py), not from what this run changed: whatever stopped an
earlier run, the next `kb ingest` or `kb refresh` completes what is missing or stale.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from multiprocessing.pool import Pool
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from kb.ledger import (
    EXTRACT, INDEX, Pending, count_pending, count_threads, find_index_version, forget_index_removals, forget_stage,
    list_index_removals, list_pending, record_done,
)

from ingest.bulk_gc import bulk_gc
from ingest.children import guard_children
from ingest.extract_stage import (
    ExtractReport, find_extract_version, link_histories, run_extraction, start_extract_pool,
)
from ingest.intake import BATCH, Prepared, Tally, flush, ingest_page, iter_jobs, prepare_stream, save_cursor
from ingest.sources.detect import SourceSpec, find_sources
from ingest.store import Skipped, Store
from ingest.memory import release_memory, small_page_caches
from ingest.merge_pages import merge_recovered
from ingest.series import rebuild_series
from ingest.store.threads import load_thread_links, save_threads
from ingest.thread import thread_messages

INDEX_THREADS = 5000   # threads per index commit (and per ledger commit)
EARLY_POOL_STORED = 200   # messages stored by a run whose extract workers fork before the thread stage


class Progress(Protocol):
    """Where stages report how far they are (the CLI draws it; None: nobody watches)."""

    def start(self, stage: str) -> None: ...
    def advance(self, stage: str, done: int, total: int | None = None) -> None: ...
    def finish(self, stage: str) -> None: ...


@dataclass(frozen=True)
class StageTime:
    stage: str
    wall_s: float
    cpu_s: float   # this process and the workers it waited for
    max_rss_mb: float = 0.0   # this process's peak resident memory so far, when the stage ended


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
    stages: tuple[StageTime, ...] = ()
    histories: int = 0
    indexed: int = 0
    reused: int = 0     # stored under ids derived from reused Message-IDs
    unread: tuple[str, ...] = ()    # files of a given directory that are no mail archive

    def to_json(self) -> dict[str, object]:
        return {
            "read": self.read, "stored": self.stored, "present": self.present,
            "skipped": [{"source": s.source, "position": s.position, "reason": s.reason} for s in self.skipped],
            "threads": self.threads, "extracted": asdict(self.extracted) if self.extracted else None,
            "histories": self.histories, "indexed": self.indexed,
            "seconds": round(self.seconds, 3), "sources": list(self.sources), "reused_ids": self.reused,
            "unread": list(self.unread),
            "stages": [{"stage": s.stage, "wall_s": round(s.wall_s, 3), "cpu_s": round(s.cpu_s, 3),
                        "max_rss_mb": round(s.max_rss_mb)} for s in self.stages],
        }


def measure_cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Meter:
    """Wall and CPU seconds spent in one stage, over any number of spans."""

    wall: float = 0.0
    cpu: float = 0.0
    max_rss_mb: float = 0.0

    def add(self, wall: float, cpu: float) -> None:
        self.wall += wall
        self.cpu += cpu


@dataclass
class Run:
    """What the stages share: inputs, the open transaction of merge/thread/series, results."""

    factory: sessionmaker[Session]
    specs: list[SourceSpec | None]
    list_name: str | None
    workers: int
    progress: Progress | None
    index_dir: Path | None
    extract: bool
    meters: dict[str, Meter] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)
    session: Session | None = None
    threads: int = 0
    changed: frozenset[int] = frozenset()
    merged_threads: frozenset[int] = frozenset()   # the merge-pages stage's, for the thread stage
    extracted: ExtractReport | None = None
    extract_pool: Pool | None = None   # forked after the streaming stages, closed after extraction
    histories: int = 0
    indexed: int = 0

    def meter(self, stage: str) -> Meter:
        return self.meters.setdefault(stage, Meter())

    def tell(self, stage: str, done: int, total: int | None = None) -> None:
        if self.progress:
            self.progress.advance(stage, done, total)

    def open_session(self) -> Session:
        if self.session is None:
            self.session = self.factory()
        return self.session

    def close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def close_extract_pool(self) -> None:
        if self.extract_pool is not None:
            self.extract_pool.terminate()
            self.extract_pool.join()
            self.extract_pool = None


def timed_reads(jobs: Iterator, meter: Meter) -> Iterator:
    """The read stage's own time: spent producing each job (in whichever thread pulls it)."""
    while True:
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        try:
            job = next(jobs)
        except StopIteration:
            meter.add(time.perf_counter() - wall0, time.thread_time() - cpu0)
            return
        meter.add(time.perf_counter() - wall0, time.thread_time() - cpu0)
        yield job


def stream_sources(run: Run) -> None:
    """read -> parse -> store, streaming; the time each takes is split out of the whole."""
    read, store = run.meter("read"), run.meter("store")
    wall0, cpu0 = time.perf_counter(), measure_cpu()
    with run.factory() as session:
        writer = Store(session)
        for spec in run.specs:
            if spec is not None and spec.kind == "page":
                ingest_page(run.factory, spec.path, run.list_name, run.tally)
                continue
            pending: Prepared = []
            jobs = timed_reads(iter_jobs(run.factory, spec), read)
            workers = 0 if spec is None else run.workers
            for prepared in prepare_stream(jobs, workers):
                pending.extend(prepared)
                run.tally.read += len(prepared)
                for stage in ("read", "parse"):
                    run.tell(stage, run.tally.read)
                if len(pending) >= BATCH:
                    store_batch(run, writer, pending, store)
                    pending = []
            store_batch(run, writer, pending, store)
            save_cursor(run.factory, spec)
    if run.extract and run.workers > 0 and run.tally.stored >= EARLY_POOL_STORED:
        # the extract stage's workers fork now: merge/thread/series leave the main process larger
        run.extract_pool = start_extract_pool(run.factory, run.workers)
    wall, cpu = time.perf_counter() - wall0 - store.wall, measure_cpu() - cpu0 - store.cpu
    # reading runs in this thread, between handing out parse jobs and storing (intake.prepare_stream)
    run.meter("parse").add(wall - read.wall, cpu - read.cpu)


def store_batch(run: Run, writer: Store, pending: Prepared, meter: Meter) -> None:
    wall0, cpu0 = time.perf_counter(), measure_cpu()
    flush(writer, pending, run.list_name, run.tally)
    meter.add(time.perf_counter() - wall0, measure_cpu() - cpu0)
    run.tell("store", run.tally.stored + run.tally.present)


def merge_pages(run: Run) -> None:
    run.merged_threads = merge_recovered(run.open_session()).threads


def thread_all(run: Run) -> None:
    session = run.open_session()
    stored = load_thread_links(session, run.merged_threads)
    rethreaded = save_threads(session, stored, thread_messages(stored.links))
    run.threads, run.changed = rethreaded.threads, rethreaded.changed


def rebuild_changed_series(run: Run) -> None:
    session = run.open_session()
    rebuild_series(session, run.changed)
    session.commit()
    run.close_session()


def extract_pending(run: Run) -> None:
    if run.extract:
        run.extracted = run_extraction(run.factory, None, run.workers,
                                       lambda done, total: run.tell("extract", done, total), run.extract_pool)
    run.close_extract_pool()


def link_all_histories(run: Run) -> None:
    if run.extract:
        run.histories = link_histories(run.factory)


def index_pending(run: Run) -> None:
    """Delete the entries of messages that left the database, then index the threads that wait
    for it, a commit (index, then ledger) per INDEX_THREADS."""
    from kb.indexing import index_threads
    from kb.search import delete_documents, drop_outdated_index

    if run.index_dir is None:
        return
    version = find_index_version()
    drop_outdated_index(run.index_dir)  # written by another kb: all of it is due again
    with run.factory() as session:
        fresh = not has_index(run.index_dir)
        if fresh:  # no index (yet, or removed): all of it is due
            forget_stage(session, INDEX)
        removed, held_again = list_index_removals(session)
        if removed and not fresh:
            delete_documents(run.index_dir, removed)
        forget_index_removals(session, removed + held_again)
        session.commit()
        pending = list_pending(session, INDEX, version)
        run.tell("index", 0, len(pending))
        release_memory()  # the index's second process starts beside this one
        for start in range(0, len(pending), INDEX_THREADS):
            batch = pending[start:start + INDEX_THREADS]
            run.indexed += index_threads(session, run.index_dir, batch, processes=run.workers)
            record_done(session, INDEX, version, {t: "" for t in batch})
            session.commit()
            run.tell("index", start + len(batch), len(pending))


def has_index(index_dir: Path) -> bool:
    return any(Path(index_dir).glob("*.toc"))


def find_pending(factory: sessionmaker[Session], index_dir: Path | None) -> Pending:
    """The ledger's view: threads that wait for extraction, and for the index at `index_dir`."""
    with factory() as session:
        threads = count_threads(session)
        extract = count_pending(session, EXTRACT, find_extract_version(session))
        index = 0
        if index_dir is not None:
            index = count_pending(session, INDEX, find_index_version()) if has_index(index_dir) else threads
    return Pending(extract, index, threads)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Run], None]
    streaming: bool = False   # timed inside stream_sources, with its neighbours


STAGES: tuple[Stage, ...] = (
    Stage("read", stream_sources, streaming=True),
    Stage("parse", stream_sources, streaming=True),
    Stage("store", stream_sources, streaming=True),
    Stage("merge pages", merge_pages),
    Stage("thread", thread_all),
    Stage("series", rebuild_changed_series),
    Stage("extract", extract_pending),
    Stage("link histories", link_all_histories),
    Stage("index", index_pending),
)


def run_stages(run: Run, stages: Sequence[Stage]) -> None:
    """Run each stage once (the streaming ones together), timing it and showing its progress."""
    done: set[Callable[[Run], None]] = set()
    for stage in stages:
        if stage.run in done:
            continue
        done.add(stage.run)
        names = [s.name for s in stages if s.run is stage.run]
        for name in names:
            if run.progress:
                run.progress.start(name)
        wall0, cpu0 = time.perf_counter(), measure_cpu()
        stage.run(run)
        if not stage.streaming:
            run.meter(stage.name).add(time.perf_counter() - wall0, measure_cpu() - cpu0)
        for name in names:
            run.meter(name).max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if run.progress:
                run.progress.finish(name)


@bulk_gc()
def run_ingest(factory: sessionmaker[Session], paths: Iterable[str], list_name: str | None = None,
               workers: int = 2, progress: Progress | None = None, extract: bool = True,
               index_dir: Path | None = None) -> IngestReport:
    """Ingest every source under `paths` ("-" is stdin; none: only complete what is missing or
    stale) through STAGES; SourceError when a source cannot be read."""
    started = time.monotonic()
    specs: list[SourceSpec | None] = []
    unread: list[Path] = []
    for path in paths:
        specs.extend([None] if path == "-" else find_sources(Path(path), unread))
    run = Run(factory, specs, list_name, workers, progress, index_dir, extract)
    guard_children()
    try:
        with small_page_caches(factory):
            run_stages(run, STAGES)
    finally:
        run.close_extract_pool()
        run.close_session()
    tally = run.tally
    return IngestReport(
        tally.read, tally.stored, tally.present, tuple(tally.skipped), run.threads, run.extracted,
        time.monotonic() - started, tuple("<stdin>" if s is None else str(s.path) for s in specs),
        tuple(StageTime(s.name, run.meter(s.name).wall, run.meter(s.name).cpu, run.meter(s.name).max_rss_mb)
              for s in STAGES),
        run.histories, run.indexed, tally.reused, tuple(str(p) for p in unread))
