"""Facts follow their mail when threading re-roots or merges a thread.

A thread row whose root is no longer a root goes, but its races, fixes, objections and roles
move to the thread that now holds its messages, before the row is deleted: re-extraction there
finds them by their first evidence and they keep their ids (so `kb link`s to them hold). People's
corrections and scenario links keyed by the old root follow it to the new root. Whatever cannot
follow (a thread none of whose messages is left) goes with its evidence: none is orphaned.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kb.models import Correction, Evidence, Fix, Objection, Race, Role, ScenarioLink, Thread


def find_new_homes(stale: Sequence[int], members: Mapping[str, Any], home: Mapping[str, int]) -> dict[int, int]:
    """Stale thread id -> the thread that holds most of its messages now."""
    votes: dict[int, Counter[int]] = defaultdict(Counter)
    wanted = set(stale)
    for message_id, row in members.items():
        if row.thread_id in wanted and message_id in home:
            votes[row.thread_id][home[message_id]] += 1
    return {old: counts.most_common(1)[0][0] for old, counts in votes.items()}


def move_facts(session: Session, moves: Mapping[int, int], roots: Mapping[int, str]) -> None:
    """Facts of thread `old` go to `moves[old]`; corrections and thread links follow the root.
    `roots` gives the root message id of every thread involved, old and new."""
    for old, new in moves.items():
        for model in (Race, Fix, Objection, Role):
            session.execute(update(model).where(model.thread_id == old).values(thread_id=new))
        old_root, new_root = roots[old], roots[new]
        if old_root != new_root:
            session.execute(update(Correction).where(Correction.thread_root == old_root)
                            .values(thread_root=new_root))
            session.execute(update(ScenarioLink).where(ScenarioLink.target_kind == "thread",
                                                       ScenarioLink.target == old_root).values(target=new_root))


def drop_evidence(session: Session, thread_ids: Sequence[int]) -> None:
    """The evidence of these threads' facts (which their deletion cascades away)."""
    for model, kind in ((Race, "race"), (Fix, "fix"), (Objection, "objection")):
        ids = select(model.id).where(model.thread_id.in_(thread_ids))
        session.execute(delete(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id.in_(ids)))


def retire_threads(session: Session, stale: Sequence[int], members: Mapping[str, Any],
                   home: Mapping[str, int]) -> None:
    """Delete the stale thread rows; their facts follow their messages first."""
    if not stale:
        return
    moves = find_new_homes(stale, members, home)
    involved = set(moves) | set(moves.values())
    roots = dict(session.execute(select(Thread.id, Thread.root_message_id).where(Thread.id.in_(involved))).all())
    move_facts(session, moves, roots)
    drop_evidence(session, stale)
    session.connection().execute(Thread.__table__.delete().where(Thread.__table__.c.id.in_(stale)))
