"""`kb export --format jsonl`: one line per thread in the schema of gold/SCHEMA.md.

Each line has the thread (`thread_id` = root message-id, `list`, `subject`, `message_ids`),
where its messages came from (`sources`), the messages in thread order with their own text,
and the findings: `is_race_discussion`, `races`, `fixes`, `objections`, `people`. Threads
recovered from a web page also carry `page_author` and per-message `quote_depth`,
`first_words`, `author_source`, `extent` (what fixed where the message's text begins and ends:
'aligned' against the real messages in `aligned_with`, or the page 'heuristic') and
`aligned_with`: keys gold/SCHEMA.md does not have, which `kb eval` ignores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.findings import find_fix_verdicts
from kb.library import Library, list_thread_messages
from kb.models import Evidence, Fix, MailingList, Message, MessageList, Objection, Race, Role, Segment, Thread
from kb.render import dump_json, format_iso
from kb.views import OWN_SEGMENT_KINDS

def find_own_text(s: Session, row: Message) -> str:
    """The message's own words: its text segments (for recovered messages, the whole body)."""
    if row.recovered:
        return row.body
    spans = s.execute(select(Segment.start, Segment.end).where(Segment.message_pk == row.id,
                                                               Segment.kind.in_(OWN_SEGMENT_KINDS))
                      .order_by(Segment.start)).all()
    return "".join(row.body[a:b] for a, b in spans).strip() if spans else row.body


def load_quotes(s: Session, kind: str, ids: list[int]) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = defaultdict(list)
    if ids:
        for fact_id, message_id, quote in s.execute(select(Evidence.fact_id, Evidence.message_id, Evidence.quote)
                                                    .where(Evidence.fact_kind == kind, Evidence.fact_id.in_(ids))
                                                    .order_by(Evidence.id)):
            out[fact_id].append({"message_id": message_id, "quote": quote})
    return out


def build_findings(s: Session, thread: Thread) -> dict[str, Any]:
    races = list(s.scalars(select(Race).where(Race.thread_id == thread.id).order_by(Race.ordinal, Race.id)))
    fixes = list(s.scalars(select(Fix).where(Fix.thread_id == thread.id).order_by(Fix.ordinal, Fix.id)))
    objections = list(s.scalars(select(Objection).where(Objection.thread_id == thread.id)
                                .order_by(Objection.ordinal, Objection.id)))
    race_index = {r.id: i for i, r in enumerate(races)}
    fix_index = {f.id: i for i, f in enumerate(fixes)}
    race_ev = load_quotes(s, "race", [r.id for r in races])
    fix_ev = load_quotes(s, "fix", [f.id for f in fixes])
    objection_ev = load_quotes(s, "objection", [o.id for o in objections])
    fix_verdicts = {r.id: find_fix_verdicts(s, r.id) for r in races}
    people: dict[tuple[str, str], list[str]] = {}
    for role in s.scalars(select(Role).where(Role.thread_id == thread.id).order_by(Role.id)):
        people.setdefault((role.name, role.email), []).append(role.role)
    return {
        "is_race_discussion": bool(races),
        "races": [{"summary": r.summary, "participants": r.participants, "symbols": r.symbols, "object": r.object,
                   "consequence": r.consequence, "source": r.source_kind, "evidence": race_ev.get(r.id, [])}
                  for r in races],
        "fixes": [{"summary": f.summary, "race": race_index.get(f.race_id) if f.race_id else None,
                   "proposed_by": f.proposed_by, "message_id": f.message_id,
                   "quote": (fix_ev.get(f.id) or [{"quote": ""}])[0]["quote"], "kind": f.kind, "status": f.status,
                   "scenario": fix_verdicts.get(f.race_id, {}).get(f.ordinal, "")}
                  for f in fixes],
        "objections": [{"by": o.by, "against_fix": fix_index.get(o.fix_id) if o.fix_id else None,
                        "message_id": o.message_id, "quote": (objection_ev.get(o.id) or [{"quote": ""}])[0]["quote"],
                        "reason": o.reason} for o in objections],
        "people": [{"name": n, "email": e, "roles": list(dict.fromkeys(r))} for (n, e), r in people.items()],
    }


def build_thread_line(s: Session, thread: Thread) -> dict[str, Any]:
    rows = ordered = list_thread_messages(s, thread.id)
    lists = sorted(set(s.scalars(select(MailingList.name).join(MessageList, MessageList.list_id == MailingList.id)
                                 .where(MessageList.message_pk.in_([r.id for r in rows]))).all()))
    line: dict[str, Any] = {
        "thread_id": thread.root_message_id,
        "list": ",".join(lists),
        "subject": thread.subject,
        "message_ids": [row.message_id for row in ordered],
        "sources": sorted({row.source for row in rows if row.source}),
        "messages": [],
    }
    for row in ordered:
        message: dict[str, Any] = {
            "message_id": row.message_id, "author": {"name": row.author_name, "email": row.author_email},
            "date": format_iso(row.date) or (row.date_raw or None), "subject": row.subject,
            "in_reply_to": row.in_reply_to, "text": find_own_text(s, row)}
        if row.recovered:
            provenance = row.provenance or {}
            message.update({"quote_depth": provenance.get("quote_depth"), "date_text": row.date_raw,
                            "first_words": provenance.get("first_words", ""),
                            "author_source": provenance.get("author_source", ""),
                            "extent": provenance.get("extent", "heuristic"),
                            "aligned_with": list(provenance.get("aligned_with") or [])})
            if provenance.get("quote_depth") == 0:
                line["page_author"] = {"name": row.author_name, "email": row.author_email}
        line["messages"].append(message)
    line.update(build_findings(s, thread))
    return line


def convert_page_line(line: dict[str, Any]) -> dict[str, Any]:
    """The gold convention for web pages: every message-id is the page's file name."""
    pages = [Path(src).name for src in line["sources"]]
    if len(pages) != 1 or not line.get("page_author"):
        return line
    page = pages[0]
    ids = set(line["message_ids"])

    def rename(value: str) -> str:
        return page if value in ids else value

    out = dict(line, thread_id=page, message_ids=[page], page_author=line["page_author"]["name"])
    out["messages"] = [dict(m, author=m["author"]["name"], date=m.get("date_text", ""), message_id=page)
                       for m in line["messages"]]
    for key in ("fixes", "objections"):
        out[key] = [dict(item, message_id=rename(item["message_id"])) for item in line[key]]
    out["races"] = [dict(r, evidence=[dict(e, message_id=rename(e["message_id"])) for e in r["evidence"]])
                    for r in line["races"]]
    return out


def iter_export_records(library: Library, keys: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    with library.factory() as s:
        if keys:
            ids = [library.find_thread_id(s, key) for key in keys]
            threads = s.scalars(select(Thread).where(Thread.id.in_(ids)).order_by(Thread.id)).all()
        else:
            threads = s.scalars(select(Thread).order_by(Thread.first_date.nulls_last(), Thread.id)).all()
        for thread in threads:
            yield build_thread_line(s, thread)


def iter_export_lines(library: Library, keys: tuple[str, ...] = ()) -> Iterator[str]:
    for record in iter_export_records(library, keys):
        yield dump_json(record)
