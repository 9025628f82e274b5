"""Extraction's side of the database: thread texts out, findings and histories in.

Findings of a thread are replaced as a whole on re-extraction; human corrections are
user data, kept apart and applied again after every extraction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kb.models import (
    Correction, Evidence, Fix, Identity, MailingList, Message, MessageList, Objection, Patch,
    Race, RaceHistory, Role, Segment, Series, SeriesMessage, Thread,
)

from ingest.extract.histories import EXTRACTOR as IDENTITY_EXTRACTOR
from ingest.extract.histories import link_race_histories
from ingest.extract.types import EvidenceSpan
from ingest.extract.types import MessageText, RaceFinding, ThreadFindings, ThreadText
from ingest.parse.quotes import OWN_KINDS
from ingest.parse.subject import strip_list_tag

def load_thread_texts(session: Session, thread_ids: Sequence[int]) -> dict[int, ThreadText]:
    """Threads as extraction input: messages in reply order, own-text spans, touched files."""
    if not thread_ids:
        return {}
    conn = session.connection()
    threads = {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))}
    messages = session.execute(select(  # only what extraction reads: no raw bytes, no JSON columns
        Message.id, Message.message_id, Message.thread_id, Message.parent_message_id, Message.author_name,
        Message.author_email, Message.date, Message.subject, Message.in_reply_to, Message.body, Message.recovered,
        Message.thread_rank)
        .where(Message.thread_id.in_(thread_ids))).all()
    pks = [m.id for m in messages]
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    files: dict[int, list[str]] = defaultdict(list)
    lists: dict[int, set[str]] = defaultdict(set)
    for chunk in iter_chunks(pks, 5000):
        for pk, start, end in conn.execute(select(Segment.message_pk, Segment.start, Segment.end)
                                           .where(Segment.message_pk.in_(chunk), Segment.kind.in_(OWN_KINDS))
                                           .order_by(Segment.message_pk, Segment.start)):
            spans[pk].append((start, end))
        for pk, path in conn.execute(select(Patch.message_pk, Patch.path).where(Patch.message_pk.in_(chunk))
                                  .order_by(Patch.id)):
            files[pk].append(path)
        for pk, name in conn.execute(select(MessageList.message_pk, MailingList.name)
                                     .join(MailingList, MailingList.id == MessageList.list_id)
                                     .where(MessageList.message_pk.in_(chunk))):
            lists[pk].add(name)
    by_thread: dict[int, list[Any]] = defaultdict(list)
    for message in messages:
        by_thread[message.thread_id].append(message)  # type: ignore[index]
    texts = {}
    for thread_id in thread_ids:
        thread = threads.get(thread_id)
        if thread is None:
            continue
        ordered = sorted(by_thread[thread_id], key=order_key)
        names = sorted({name for m in ordered for name in lists[m.id]})
        texts[thread_id] = ThreadText(thread.root_message_id, ",".join(names), strip_list_tag(thread.subject), tuple(
            MessageText(m.message_id, m.author_name, m.author_email, m.date, strip_list_tag(m.subject),
                        m.in_reply_to, m.body, tuple(spans[m.id]) if not m.recovered else ((0, len(m.body)),),
                        tuple(files[m.id]), bool(m.recovered))
            for m in ordered))
    return texts


def order_key(row: Any) -> tuple[bool, int, int]:
    """A message's place in its thread's reply order, as the thread stage stored it."""
    return row.thread_rank is None, row.thread_rank or 0, row.id


def iter_chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_fact_ids(session: Session, thread_ids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
    """Per thread, (kind, evidence key) -> id of its current facts, so a re-extracted fact keeps
    its id and links to it (`kb link RACE ...`) survive. A fact is keyed by its first evidence."""
    ids: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for model, kind in ((Race, "race"), (Fix, "fix"), (Objection, "objection")):
        rows = session.execute(select(model.thread_id, Evidence.fact_id, Evidence.message_id, Evidence.quote)
                               .join(model, model.id == Evidence.fact_id)
                               .where(Evidence.fact_kind == kind, model.thread_id.in_(thread_ids))
                               .order_by(Evidence.id))
        seen: set[int] = set()
        for thread_id, fact_id, message_id, quote in rows:
            if fact_id not in seen:
                seen.add(fact_id)
                ids[thread_id].setdefault((kind, make_key(message_id, quote)), fact_id)
    return ids


def delete_findings(session: Session, thread_ids: Sequence[int]) -> None:
    for model, kind in ((Race, "race"), (Fix, "fix"), (Objection, "objection")):
        ids = select(model.id).where(model.thread_id.in_(thread_ids))
        session.execute(delete(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id.in_(ids)))
    for model in (Objection, Fix, Race, Role):
        session.execute(delete(model).where(model.thread_id.in_(thread_ids)))


def make_key(message_id: str, quote: str) -> str:
    return f"{message_id}\n{' '.join(quote.split())}"


def load_corrections(session: Session, roots: Sequence[str]) -> dict[str, dict[tuple[str, str], Correction]]:
    out: dict[str, dict[tuple[str, str], Correction]] = defaultdict(dict)
    for row in session.scalars(select(Correction).where(Correction.thread_root.in_(roots)).order_by(Correction.id)):
        out[row.thread_root][(row.fact_kind, row.key)] = row
    return out


def correct(kind: str, key: str, corrections: dict[tuple[str, str], Correction], values: dict) -> dict | None:
    """Apply a person's correction: None when the fact was deleted, else the corrected values."""
    row = corrections.get((kind, key))
    if row is None:
        return values
    if row.action == "delete":
        return None
    allowed = {k: v for k, v in row.changes.items() if k in values}
    return {**values, **allowed}


def find_first_key(evidence: tuple[EvidenceSpan, ...]) -> str:
    return make_key(evidence[0].message_id, evidence[0].quote) if evidence else ""


def add_facts(session: Session, rows: list[Any]) -> None:
    """Insert rows that keep an old id first, so a new id can never take one of theirs."""
    session.add_all([row for row in rows if row is not None and row.id is not None])
    session.flush()
    session.add_all([row for row in rows if row is not None and row.id is None])
    session.flush()


@dataclass
class ThreadRows:
    """One thread's new fact rows, in the order of its findings (None: deleted by a person)."""

    found: ThreadFindings
    races: list[Race | None] = field(default_factory=list)
    fixes: list[Fix | None] = field(default_factory=list)
    objections: list[Objection | None] = field(default_factory=list)


def store_findings(session: Session, found: dict[int, ThreadFindings]) -> None:
    """Replace these threads' findings in a few statements; facts keep their ids and people's
    corrections are applied again."""
    if not found:
        return
    thread_ids = list(found)
    old_ids = load_fact_ids(session, thread_ids)
    corrections = load_corrections(session, [f.thread_id for f in found.values()])
    delete_findings(session, thread_ids)
    threads = {thread_id: ThreadRows(f) for thread_id, f in found.items()}
    for thread_id, rows in threads.items():
        old, fixes_of = old_ids.get(thread_id, {}), corrections.get(rows.found.thread_id, {})
        for ordinal, race in enumerate(rows.found.races):
            key = find_first_key(race.evidence)
            values = correct("race", key, fixes_of, {
                "summary": race.summary, "participants": list(race.participants), "symbols": list(race.symbols),
                "object": race.object, "consequence": race.consequence})
            rows.races.append(None if values is None else Race(
                id=old.pop(("race", key), None), thread_id=thread_id, ordinal=ordinal,
                interleaving=[[step] for step in race.steps], source_kind=race.source, confidence=race.confidence,
                **values))
    add_facts(session, [row for rows in threads.values() for row in rows.races])
    for thread_id, rows in threads.items():
        old, fixes_of = old_ids.get(thread_id, {}), corrections.get(rows.found.thread_id, {})
        for ordinal, fix in enumerate(rows.found.fixes):
            key = find_first_key(fix.evidence)
            values = correct("fix", key, fixes_of, {
                "summary": fix.summary, "kind": fix.kind, "proposed_by": fix.proposed_by, "status": fix.status})
            race_row = rows.races[fix.race] if fix.race is not None and fix.race < len(rows.races) else None
            rows.fixes.append(None if values is None else Fix(
                id=old.pop(("fix", key), None), thread_id=thread_id, race_id=race_row.id if race_row else None,
                ordinal=ordinal, message_id=fix.message_id, **values))
    add_facts(session, [row for rows in threads.values() for row in rows.fixes])
    for thread_id, rows in threads.items():
        old, fixes_of = old_ids.get(thread_id, {}), corrections.get(rows.found.thread_id, {})
        for ordinal, objection in enumerate(rows.found.objections):
            key = find_first_key(objection.evidence)
            values = correct("objection", key, fixes_of, {"by": objection.by, "reason": objection.reason})
            target = objection.against_fix
            fix_row = rows.fixes[target] if target is not None and target < len(rows.fixes) else None
            rows.objections.append(None if values is None else Objection(
                id=old.pop(("objection", key), None), thread_id=thread_id, fix_id=fix_row.id if fix_row else None,
                ordinal=ordinal, message_id=objection.message_id, resolved=objection.addressed, **values))
    add_facts(session, [row for rows in threads.values() for row in rows.objections])
    evidence = []
    for rows in threads.values():
        for kind, facts, findings in (("race", rows.races, rows.found.races), ("fix", rows.fixes, rows.found.fixes),
                                      ("objection", rows.objections, rows.found.objections)):
            evidence.extend(make_evidence_row(kind, row.id, e)
                            for row, finding in zip(facts, findings) if row is not None for e in finding.evidence)
    if evidence:
        session.execute(insert(Evidence), evidence)
    store_roles(session, found)


def make_evidence_row(kind: str, fact_id: int, e: EvidenceSpan) -> dict[str, object]:
    return {"fact_kind": kind, "fact_id": fact_id, "message_id": e.message_id, "start": e.start, "end": e.end,
            "quote": e.quote, "extractor": e.extractor, "version": e.version, "confidence": e.confidence}


def store_roles(session: Session, found: dict[int, ThreadFindings]) -> None:
    emails = list({p.email for f in found.values() for p in f.people if p.email})
    persons: dict[str, int] = {}
    for chunk in iter_chunks(emails, 2000):
        persons.update(session.execute(select(Identity.email, Identity.person_id)
                                       .where(Identity.email.in_(chunk))).all())
    rows = [{"thread_id": thread_id, "person_id": persons.get(p.email), "name": p.name, "email": p.email,
             "role": role, "basis": "extraction"}
            for thread_id, f in found.items() for p in f.people for role in p.roles]
    if rows:
        session.execute(insert(Role), rows)


def relink_histories(session: Session) -> int:
    """Group races across threads that are one bug (ingest.extract.histories)."""
    rows = session.execute(select(Race.id, Race.thread_id, Race.ordinal, Race.summary, Race.participants,
                                  Race.symbols, Race.object, Race.consequence, Thread.last_date)
                           .join(Thread, Thread.id == Race.thread_id).order_by(Race.id)).all()
    identity: dict[int, list[EvidenceSpan]] = defaultdict(list)
    for fact_id, mid, quote in session.execute(select(Evidence.fact_id, Evidence.message_id, Evidence.quote).where(
            Evidence.fact_kind == "race", Evidence.extractor == IDENTITY_EXTRACTOR)):
        identity[fact_id].append(EvidenceSpan(mid, 0, len(quote), quote, IDENTITY_EXTRACTOR, "", 1.0))
    owners = [(r.thread_id, RaceFinding(r.summary, tuple(r.participants), tuple(r.symbols), r.object,
                                        r.consequence, tuple(identity.get(r.id, ())))) for r in rows]
    session.execute(Race.__table__.update().values(history_id=None))
    session.execute(delete(RaceHistory))
    for group in link_stored_histories(session, owners, [r.ordinal for r in rows]):
        members = [rows[i] for i in group]
        dates = [m.last_date for m in members if m.last_date is not None]
        history = RaceHistory(title=members[0].summary[:200], last_activity=max(dates) if dates else None)
        session.add(history)
        session.flush()
        session.execute(Race.__table__.update().where(Race.id.in_([m.id for m in members]))
                        .values(history_id=history.id))
    return session.scalar(select(func.count(RaceHistory.id))) or 0


def link_stored_histories(session: Session, owners: Sequence[tuple[int, RaceFinding]],
                          ordinals: Sequence[int]) -> list[list[int]]:
    """History groups of races given as (thread pk, race) with their ordinal in the thread: the
    first race of a thread also carries its thread's root message id (what a `Closes:` link
    names) and the revision keys of the patch series posted in the thread."""
    thread_ids = sorted({t for t, _ in owners})
    roots: dict[int, str] = {}
    series: dict[int, set[str]] = defaultdict(set)
    for chunk in iter_chunks(thread_ids, 5000):
        roots.update(session.execute(select(Thread.id, Thread.root_message_id).where(Thread.id.in_(chunk))).all())
        for thread_id, key in session.execute(
                select(Message.thread_id, Series.revision_key).distinct()
                .join(SeriesMessage, SeriesMessage.message_pk == Message.id)
                .join(Series, Series.id == SeriesMessage.series_id).where(Message.thread_id.in_(chunk))):
            series[thread_id].add(f"series:{key}")
    extra = [{f"msgid:{(roots.get(t) or '').strip('<>').lower()}", *series[t]} if n == 0 else set()
             for (t, _), n in zip(owners, ordinals)]
    return link_race_histories([r for _, r in owners], extra)


def list_thread_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Thread.id).order_by(Thread.id)))
