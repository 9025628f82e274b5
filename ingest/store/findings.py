"""Extraction's side of the database: thread texts out, findings and histories in.

Findings of a thread are replaced as a whole on re-extraction; human corrections are
user data, kept apart and applied again after every extraction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kb.library import order_thread
from kb.models import (
    Correction, Evidence, Fix, Identity, MailingList, MaintainerSection, Message, MessageList, Objection, Patch,
    Race, RaceHistory, Role, Segment, Thread,
)

from ingest.extract.maintainers import Maintainers, build_index, parse_maintainers
from ingest.extract.thread import link_race_histories
from ingest.extract.types import Evidence as EvidenceFinding
from ingest.extract.types import MessageText, RaceFinding, ThreadFindings, ThreadText

OWN_KINDS = ("text", "trailer")


def load_thread_texts(session: Session, thread_ids: Sequence[int]) -> dict[int, ThreadText]:
    """Threads as extraction input: messages in reply order, own-text spans, touched files."""
    if not thread_ids:
        return {}
    conn = session.connection()
    threads = {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))}
    messages = list(session.scalars(select(Message).where(Message.thread_id.in_(thread_ids))))
    pks = [m.id for m in messages]
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    files: dict[int, list[str]] = defaultdict(list)
    lists: dict[int, set[str]] = defaultdict(set)
    for chunk in iter_chunks(pks, 5000):
        for pk, start, end in conn.execute(select(Segment.message_pk, Segment.start, Segment.end)
                                           .where(Segment.message_pk.in_(chunk), Segment.kind.in_(OWN_KINDS))
                                           .order_by(Segment.message_pk, Segment.start)):
            spans[pk].append((start, end))
        for pk, path in conn.execute(select(Patch.message_pk, Patch.path).where(Patch.message_pk.in_(chunk))):
            files[pk].append(path)
        for pk, name in conn.execute(select(MessageList.message_pk, MailingList.name)
                                     .join(MailingList, MailingList.id == MessageList.list_id)
                                     .where(MessageList.message_pk.in_(chunk))):
            lists[pk].add(name)
    by_thread: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_thread[message.thread_id].append(message)  # type: ignore[index]
    texts = {}
    for thread_id in thread_ids:
        thread = threads.get(thread_id)
        if thread is None:
            continue
        ordered = [m for m, _ in order_thread(by_thread[thread_id], thread.root_message_id)]
        names = sorted({name for m in ordered for name in lists[m.id]})
        texts[thread_id] = ThreadText(thread.root_message_id, ",".join(names), thread.subject, tuple(
            MessageText(m.message_id, m.author_name, m.author_email, m.date, m.subject, m.in_reply_to, m.body,
                        tuple(spans[m.id]) if not m.recovered else ((0, len(m.body)),), tuple(files[m.id]))
            for m in ordered))
    return texts


def iter_chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_fact_ids(session: Session, thread_id: int) -> dict[tuple[str, str], int]:
    """(kind, evidence key) -> id of the thread's current facts, so a re-extracted fact keeps
    its id and links to it (`kb link RACE ...`) survive."""
    ids: dict[tuple[str, str], int] = {}
    for model, kind in ((Race, "race"), (Fix, "fix"), (Objection, "objection")):
        rows = session.execute(select(Evidence.fact_id, Evidence.message_id, Evidence.quote)
                               .where(Evidence.fact_kind == kind,
                                      Evidence.fact_id.in_(select(model.id).where(model.thread_id == thread_id)))
                               .order_by(Evidence.id))
        seen: set[int] = set()
        for fact_id, message_id, quote in rows:  # a fact is keyed by its first evidence only
            if fact_id not in seen:
                seen.add(fact_id)
                ids.setdefault((kind, make_key(message_id, quote)), fact_id)
    return ids


def delete_thread_findings(session: Session, thread_id: int) -> None:
    for model, kind in ((Race, "race"), (Fix, "fix"), (Objection, "objection")):
        ids = select(model.id).where(model.thread_id == thread_id)
        session.execute(delete(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id.in_(ids)))
    for model in (Objection, Fix, Race, Role):
        session.execute(delete(model).where(model.thread_id == thread_id))


def make_key(message_id: str, quote: str) -> str:
    return f"{message_id}\n{' '.join(quote.split())}"


def load_corrections(session: Session, root: str) -> dict[tuple[str, str], Correction]:
    rows = session.scalars(select(Correction).where(Correction.thread_root == root).order_by(Correction.id))
    return {(row.fact_kind, row.key): row for row in rows}


def correct(kind: str, key: str, corrections: dict[tuple[str, str], Correction], values: dict) -> dict | None:
    """Apply a person's correction: None when the fact was deleted, else the corrected values."""
    row = corrections.get((kind, key))
    if row is None:
        return values
    if row.action == "delete":
        return None
    allowed = {k: v for k, v in row.changes.items() if k in values}
    return {**values, **allowed}


def find_first_key(evidence: tuple[EvidenceFinding, ...]) -> str:
    return make_key(evidence[0].message_id, evidence[0].quote) if evidence else ""


def add_facts(session: Session, rows: list[Any]) -> None:
    """Insert rows that keep an old id first, so a new id can never take one of theirs."""
    session.add_all([row for row in rows if row.id is not None])
    session.flush()
    session.add_all([row for row in rows if row.id is None])
    session.flush()


def store_thread_findings(session: Session, thread_id: int, found: ThreadFindings) -> None:
    """Replace a thread's findings; facts keep their ids, corrections are applied again."""
    old_ids = load_fact_ids(session, thread_id)
    delete_thread_findings(session, thread_id)
    corrections = load_corrections(session, found.thread_id)
    races: list[Race | None] = []
    for ordinal, race in enumerate(found.races):
        key = find_first_key(race.evidence)
        values = correct("race", key, corrections, {
            "summary": race.summary, "participants": list(race.participants), "symbols": list(race.symbols),
            "object": race.object, "consequence": race.consequence})
        races.append(None if values is None else Race(
            id=old_ids.pop(("race", key), None), thread_id=thread_id, ordinal=ordinal,
            interleaving=[[step] for step in race.steps], source_kind=race.source, confidence=race.confidence,
            **values))
    add_facts(session, [row for row in races if row is not None])
    fixes: list[Fix | None] = []
    for ordinal, fix in enumerate(found.fixes):
        key = find_first_key(fix.evidence)
        values = correct("fix", key, corrections, {
            "summary": fix.summary, "kind": fix.kind, "proposed_by": fix.proposed_by, "status": fix.status})
        race_row = races[fix.race] if fix.race is not None and fix.race < len(races) else None
        fixes.append(None if values is None else Fix(
            id=old_ids.pop(("fix", key), None), thread_id=thread_id, race_id=race_row.id if race_row else None,
            ordinal=ordinal, message_id=fix.message_id, **values))
    add_facts(session, [row for row in fixes if row is not None])
    objections: list[Objection | None] = []
    for ordinal, objection in enumerate(found.objections):
        key = find_first_key(objection.evidence)
        values = correct("objection", key, corrections, {"by": objection.by, "reason": objection.reason})
        target = objection.against_fix
        fix_row = fixes[target] if target is not None and target < len(fixes) else None
        objections.append(None if values is None else Objection(
            id=old_ids.pop(("objection", key), None), thread_id=thread_id, fix_id=fix_row.id if fix_row else None,
            ordinal=ordinal, message_id=objection.message_id, **values))
    add_facts(session, [row for row in objections if row is not None])
    for kind, rows, facts in (("race", races, found.races), ("fix", fixes, found.fixes),
                              ("objection", objections, found.objections)):
        for row, fact in zip(rows, facts):
            if row is not None:
                store_evidence(session, kind, row.id, fact.evidence)
    store_roles(session, thread_id, found)


def store_evidence(session: Session, kind: str, fact_id: int, evidence: Iterable[EvidenceFinding]) -> None:
    rows = [{"fact_kind": kind, "fact_id": fact_id, "message_id": e.message_id, "start": e.start, "end": e.end,
             "quote": e.quote, "extractor": e.extractor, "version": e.version, "confidence": e.confidence}
            for e in evidence]
    if rows:
        session.execute(insert(Evidence), rows)


def store_roles(session: Session, thread_id: int, found: ThreadFindings) -> None:
    emails = [p.email for p in found.people if p.email]
    persons = dict(session.execute(select(Identity.email, Identity.person_id)
                                   .where(Identity.email.in_(emails))).all()) if emails else {}
    rows = [{"thread_id": thread_id, "person_id": persons.get(p.email), "name": p.name, "email": p.email,
             "role": role, "basis": "extraction"} for p in found.people for role in p.roles]
    if rows:
        session.execute(insert(Role), rows)


def relink_histories(session: Session) -> int:
    """Group races across threads that share participants, symbols or object."""
    rows = session.execute(select(Race.id, Race.summary, Race.participants, Race.symbols, Race.object,
                                  Race.consequence, Thread.last_date)
                           .join(Thread, Thread.id == Race.thread_id).order_by(Race.id)).all()
    findings = [RaceFinding(r.summary, tuple(r.participants), tuple(r.symbols), r.object, r.consequence, ())
                for r in rows]
    session.execute(Race.__table__.update().values(history_id=None))
    session.execute(delete(RaceHistory))
    for group in link_race_histories(findings):
        members = [rows[i] for i in group]
        dates = [m.last_date for m in members if m.last_date is not None]
        history = RaceHistory(title=members[0].summary[:200], last_activity=max(dates) if dates else None)
        session.add(history)
        session.flush()
        session.execute(Race.__table__.update().where(Race.id.in_([m.id for m in members]))
                        .values(history_id=history.id))
    return session.scalar(select(func.count(RaceHistory.id))) or 0


def store_maintainers(session: Session, text: str) -> int:
    """Replace the loaded MAINTAINERS sections with those of `text`."""
    sections = parse_maintainers(text)
    session.execute(delete(MaintainerSection))
    session.execute(insert(MaintainerSection), [{"name": s.name, "data": {
        "M": list(s.maintainers), "R": list(s.reviewers), "L": list(s.lists), "S": [s.status],
        "F": [p.raw for p in s.files], "X": [p.raw for p in s.excludes],
        "N": [r.pattern for r in s.regexes], "K": [r.pattern for r in s.keywords]}} for s in sections])
    return len(sections)


def load_stored_maintainers(session: Session) -> Maintainers | None:
    rows = session.execute(select(MaintainerSection.name, MaintainerSection.data)
                           .order_by(MaintainerSection.id)).all()
    if not rows:
        return None
    text = "\n\n".join(name + "\n" + "\n".join(f"{key}:\t{value}" for key, values in data.items()
                                                for value in values if value) for name, data in rows)
    return build_index(parse_maintainers(text))



def list_thread_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Thread.id).order_by(Thread.id)))
