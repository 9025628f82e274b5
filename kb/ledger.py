"""The ledger of done work: per thread, which version of each per-thread stage ran; and the
message ids whose search-index entries are still to delete.

A stage is pending on a thread that has no ledger row for it at the current version. Rows are
written in the same transaction as the work they record (extraction), or after it (the index,
whose writes are idempotent), and deleted in the same transaction as any change to the
thread's messages (threading, re-alignment), so whatever stops a run, the ledger never claims
work that is not in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kb.models import IndexRemoval, Message, StageLedger, Thread

EXTRACT = "extract"
INDEX = "index"
CHUNK = 500


@dataclass(frozen=True)
class Pending:
    """Threads that wait for a stage, and how many threads the KB holds."""

    extract: int
    index: int
    threads: int


def find_index_version() -> str:
    """The index's version: its schema and the version of the documents kb derives from rows."""
    from kb.indexing import EXTRACTION_VERSION
    from kb.search.analysis import SCHEMA_VERSION

    return f"schema {SCHEMA_VERSION}, docs {EXTRACTION_VERSION}"


def list_pending(session: Session, stage: str, version: str) -> list[int]:
    """Thread ids with no ledger row for `stage` at `version`, in id order."""
    done = select(StageLedger.thread_id).where(StageLedger.stage == stage, StageLedger.version == version)
    return list(session.scalars(select(Thread.id).where(Thread.id.not_in(done)).order_by(Thread.id)))


def count_pending(session: Session, stage: str, version: str) -> int:
    done = select(StageLedger.thread_id).where(StageLedger.stage == stage, StageLedger.version == version)
    return session.scalar(select(func.count(Thread.id)).where(Thread.id.not_in(done))) or 0


def count_threads(session: Session) -> int:
    return session.scalar(select(func.count(Thread.id))) or 0


def load_digests(session: Session, stage: str, thread_ids: Sequence[int]) -> dict[int, str]:
    """The digests the stage recorded for these threads (any version)."""
    out: dict[int, str] = {}
    for start in range(0, len(thread_ids), CHUNK):
        out.update(session.execute(select(StageLedger.thread_id, StageLedger.digest).where(
            StageLedger.stage == stage, StageLedger.thread_id.in_(thread_ids[start:start + CHUNK]))).all())
    return out


def record_done(session: Session, stage: str, version: str, digests: dict[int, str]) -> None:
    """`stage` at `version` ran on these threads (thread id -> digest of what it produced)."""
    ids = sorted(digests)
    forget_threads(session, ids, (stage,))
    if ids:
        session.execute(insert(StageLedger), [
            {"thread_id": t, "stage": stage, "version": version, "digest": digests[t]} for t in ids])


def forget_threads(session: Session, thread_ids: Iterable[int], stages: Sequence[str] = (EXTRACT, INDEX)) -> None:
    """These threads changed: their stages must run again."""
    ids = sorted(set(thread_ids))
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(StageLedger).where(StageLedger.stage.in_(stages),
                                                  StageLedger.thread_id.in_(ids[start:start + CHUNK])))


def forget_stage(session: Session, stage: str) -> None:
    """Every thread waits for `stage` again (e.g. the index was removed)."""
    session.execute(delete(StageLedger).where(StageLedger.stage == stage))


def record_index_removals(session: Session, message_ids: Iterable[str]) -> None:
    """These messages left the database: the index stage deletes their entries. Called in the
    transaction that deletes them, so no run can lose the removal."""
    ids = sorted(set(message_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        session.execute(delete(IndexRemoval).where(IndexRemoval.message_id.in_(chunk)))
        session.execute(insert(IndexRemoval), [{"message_id": m} for m in chunk])


def list_index_removals(session: Session) -> tuple[list[str], list[str]]:
    """(ids to delete from the index, ids held again by a message: its entry stays, and the
    index stage rewrites it with its thread) of the recorded removals."""
    held = select(Message.message_id).where(Message.message_id == IndexRemoval.message_id).exists()
    rows = session.execute(select(IndexRemoval.message_id, held).order_by(IndexRemoval.message_id)).all()
    return [m for m, again in rows if not again], [m for m, again in rows if again]


def forget_index_removals(session: Session, message_ids: Sequence[str]) -> None:
    """The index no longer holds these messages."""
    for start in range(0, len(message_ids), CHUNK):
        session.execute(delete(IndexRemoval).where(IndexRemoval.message_id.in_(message_ids[start:start + CHUNK])))


def clear_index_removals(session: Session) -> None:
    """No removal waits: the index was just made to hold exactly the database (kb check --repair)."""
    session.execute(delete(IndexRemoval))
