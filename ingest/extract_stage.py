"""The extraction stage: threads the ledger says wait for extraction -> findings -> rows.

Threads are loaded in the main process, extracted in worker processes (spaCy loads once
per worker), and their findings replace the old ones in one transaction per batch, with the
ledger rows that say so. A thread whose findings changed waits for the index again.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from multiprocessing.pool import Pool
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kb.ledger import EXTRACT, INDEX, forget_threads, list_pending, load_digests, record_done

from ingest.children import start_pool
from ingest.extract import fixes as fix_rules, learned, nlp, objections as objection_rules, races as race_rules
from ingest.extract.maintainers import Maintainers
from ingest.extract.thread import extract_thread
from ingest.extract.types import ThreadFindings, ThreadText
from ingest.memory import release_connections
from ingest.store.findings import iter_chunks, load_thread_texts, relink_histories, store_findings
from ingest.store.maintainers import load_maintainers_digest, load_stored_maintainers

THREADS_PER_BATCH = 50
_maintainers: Maintainers | None = None  # set before the worker pool forks


@dataclass(frozen=True)
class ExtractReport:
    threads: int
    races: int
    fixes: int
    objections: int


def extract_one(thread: ThreadText) -> ThreadFindings:
    """One thread's findings; a thread that breaks an extractor gets none, with the reason in
    its notes, and never stops the rest of the batch."""
    try:
        return extract_thread(thread, _maintainers)
    except Exception as exc:  # noqa: BLE001 - untrusted text must not stop an ingest
        return ThreadFindings(thread.thread_id, thread.list, thread.subject,
                              tuple(m.message_id for m in thread.messages), False,
                              notes=f"extraction failed: {type(exc).__name__}: {exc}")


def find_extract_version(session: Session) -> str:
    """The extractors' versions, a digest of their code, cue lists and model, and the loaded
    MAINTAINERS data: when any changes, every thread waits for extraction again (an upgraded kb
    never leaves findings of an older extractor behind, whether or not someone bumped VERSION)."""
    return (f"races {race_rules.VERSION}, fixes {fix_rules.VERSION}, objections {objection_rules.VERSION}, "
            f"nlp {nlp.VERSION}, code {digest_extractor()}, maintainers {load_maintainers_digest(session)}")


@functools.cache
def digest_extractor() -> str:
    """sha1 (12 hex) over the extractor's sources and the data it reads (cues, entity patterns,
    the textcat model, the learned fix and objection models), in path order."""
    package = Path(race_rules.__file__).parent
    files = sorted(package.glob("*.py")) + sorted(p for p in nlp.DATA_DIR.glob("patterns/*") if p.is_file())
    files += sorted(p for p in nlp.MODEL_DIR.rglob("*") if p.is_file()) + learned.list_model_files()
    digest = hashlib.sha1()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def digest_findings(found: ThreadFindings) -> str:
    return hashlib.sha1(repr(found).encode()).hexdigest()


def start_extract_pool(factory: sessionmaker[Session], workers: int) -> Pool:
    """Extraction workers forked now (the MAINTAINERS data loaded first), for `run_extraction`: the
    ingest forks them while its main process is small, before the thread stage grows it, since a
    forked worker keeps its parent's pages resident."""
    global _maintainers
    with factory() as session:
        _maintainers = load_stored_maintainers(session)
    release_connections(factory)  # their page caches would be resident in every worker
    return start_pool(workers)


def run_extraction(factory: sessionmaker[Session], thread_ids: Iterable[int] | None = None, workers: int = 2,
                   progress: Callable[[int, int], None] | None = None, pool: Pool | None = None) -> ExtractReport:
    """Extract the threads that wait for it (or exactly `thread_ids`); progress(done, total). In
    `pool` (from start_extract_pool, left open) when given, else in `workers` processes of its own."""
    global _maintainers
    with factory() as session:
        if pool is None:  # start_extract_pool loaded them before its workers forked
            _maintainers = load_stored_maintainers(session)
        version = find_extract_version(session)
        ids = sorted(thread_ids) if thread_ids is not None else list_pending(session, EXTRACT, version)
    counts: Counter[str] = Counter()
    parallel = pool is None and workers > 0 and len(ids) >= 20
    if parallel:  # the connections' page caches would be resident in every worker
        release_connections(factory)
    # one pool for the whole run: each worker loads spaCy once, not once per batch
    with start_pool(workers) if parallel else nullcontext(pool) as pool:
        waiting: tuple[int, dict[str, int], Iterator[ThreadFindings]] | None = None
        for batch in iter_chunks(ids, THREADS_PER_BATCH):
            with factory() as session:
                texts = load_thread_texts(session, batch)
            by_root = {text.thread_id: thread_id for thread_id, text in texts.items()}
            results = pool.imap(extract_one, texts.values(), chunksize=8) if pool else map(extract_one, texts.values())
            if waiting is not None:  # the workers go on with this batch while the last one is stored
                _save_batch(factory, version, *waiting, counts, progress, len(ids))
            waiting = (len(batch), by_root, results)
        if waiting is not None:
            _save_batch(factory, version, *waiting, counts, progress, len(ids))
    return ExtractReport(len(ids), counts["races"], counts["fixes"], counts["objections"])


def _save_batch(factory: sessionmaker[Session], version: str, size: int, by_root: dict[str, int],
                results: Iterator[ThreadFindings], counts: Counter[str], progress: Callable[[int, int], None] | None,
                total: int) -> None:
    """Store a batch's findings as its results come in; the ledger records them (a thread whose
    findings changed waits for the index again)."""
    with factory() as session:
        found = {by_root[f.thread_id]: f for f in results}
        store_findings(session, found)
        before = load_digests(session, EXTRACT, list(found))
        digests = {thread_id: digest_findings(f) for thread_id, f in found.items()}
        record_done(session, EXTRACT, version, digests)
        forget_threads(session, [t for t, d in digests.items() if before.get(t) != d], (INDEX,))
        session.commit()
    for kind in ("races", "fixes", "objections"):
        counts[kind] += sum(len(getattr(f, kind)) for f in found.values())
    counts["done"] += size
    if progress:
        progress(counts["done"], total)


def link_histories(factory: sessionmaker[Session]) -> int:
    """Group races across threads into histories (all of them: cheap, and never half done)."""
    with factory() as session:
        histories = relink_histories(session)
        session.commit()
    return histories
