"""Read model of one thread's findings: its races, fixes and objections, each with its id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Fix, Objection, Race


@dataclass(frozen=True)
class RaceLine:
    id: int
    summary: str
    consequence: str


@dataclass(frozen=True)
class FixLine:
    id: int
    race_id: int | None
    kind: str
    status: str
    proposed_by: str
    summary: str


@dataclass(frozen=True)
class ObjectionLine:
    id: int
    fix_id: int | None
    by: str
    reason: str
    resolved: bool


@dataclass(frozen=True)
class ThreadFindings:
    races: tuple[RaceLine, ...]
    fixes: tuple[FixLine, ...]
    objections: tuple[ObjectionLine, ...]


def list_thread_findings(s: Session, thread_id: int) -> ThreadFindings:
    """What extraction found in the thread, in the order it was found."""
    races = s.scalars(select(Race).where(Race.thread_id == thread_id).order_by(Race.ordinal, Race.id))
    fixes = s.scalars(select(Fix).where(Fix.thread_id == thread_id).order_by(Fix.ordinal, Fix.id))
    objections = s.scalars(select(Objection).where(Objection.thread_id == thread_id)
                           .order_by(Objection.ordinal, Objection.id))
    return ThreadFindings(tuple(RaceLine(r.id, r.summary, r.consequence) for r in races),
                          tuple(FixLine(f.id, f.race_id, f.kind, f.status, f.proposed_by, f.summary) for f in fixes),
                          tuple(ObjectionLine(o.id, o.fix_id, o.by, o.reason, o.resolved) for o in objections))
