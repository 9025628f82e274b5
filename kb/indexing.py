"""Database rows -> IndexDocs: what the search index holds is derived from the database only."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, partial
from pathlib import Path

from sqlalchemy import Engine, Text, select, type_coerce
from sqlalchemy.orm import Session

from kb.db import create_db_engine
from kb.models import (
    Evidence, Fix, MailingList, Message, MessageList, Objection, Patch, Race, Role, ScenarioLink, ScenarioRun, Segment,
    Series, SeriesMessage, Thread,
)
from kb.search import IndexDoc

CHUNK = 2000
READ_CACHE_KIB = 4096
SPLIT_MIN = 4000  # from this many messages on, a second process tokenises half of them (kb.search.split)
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
# a patch's added and removed lines (not its +++/--- file lines), each without its sign, found
# from the newline before them in "\n" + text: a literal first character lets the regex engine
# jump from line to line instead of trying `^` at every character
_ADDED = re.compile(r"\n\+(?!\+\+)(.*)")
_REMOVED = re.compile(r"\n-(?!--)(.*)")
_CHANGED = re.compile(r"\n(?:\+(?!\+\+)|-(?!--)).*")
_CHANGED_START = re.compile(r"\+(?!\+\+)|-(?!--)")
EXTRACTION_VERSION = "1"


def split_body(body: str, segments: Sequence[tuple[str, int, int]]) -> tuple[str, str, list[str], list[str]]:
    """(own text, quoted text without markers, added lines, removed lines) from the segments.

    Together they hold every word of the body, as lore's b: expects: a patch's headers and
    context lines, signatures and list footers count as the author's own text.
    """
    own, quoted, added, removed = [], [], [], []
    for kind, start, end in segments:
        text = body[start:end]
        if kind == "quote":
            quoted.append(_QUOTE_MARKS.sub("", text))
        elif kind == "patch":
            lined = "\n" + text
            added += _ADDED.findall(lined)
            removed += _REMOVED.findall(lined)
            own.append(drop_changed_lines(lined, text) + "\n")
        else:
            own.append(text)
    if not segments:
        own.append(body)
    return "".join(own), "".join(quoted), added, removed


def drop_changed_lines(lined: str, text: str) -> str:
    """`text` (`lined`: "\n" + text) without its added and removed lines, each with its line
    end; the last line kept has its newline only when a line follows it in `text`."""
    kept = _CHANGED.sub("", lined)  # each kept line after a newline
    if kept and not text.endswith("\n") and _CHANGED_START.match(text, text.rfind("\n") + 1):
        return kept[1:] + "\n"  # the text's last line goes, the last line kept keeps its newline
    return kept[1:]


def load_findings_by_message(s: Session, thread_ids: Sequence[int]) -> dict[str, dict[str, set[str]]]:
    """kb's own fields per message: race/fix/objection texts, symbols, people, flags, verdicts."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    races = {r.id: r for r in s.scalars(select(Race).where(Race.thread_id.in_(thread_ids)))}
    fixes = {f.id: f for f in s.scalars(select(Fix).where(Fix.thread_id.in_(thread_ids)))}
    objections = {o.id: o for o in s.scalars(select(Objection).where(Objection.thread_id.in_(thread_ids)))}
    facts = {"race": races, "fix": fixes, "objection": objections}
    for kind, table in facts.items():
        if not table:
            continue
        for fact_id, message_id, quote in s.execute(select(Evidence.fact_id, Evidence.message_id, Evidence.quote)
                                                    .where(Evidence.fact_kind == kind,
                                                           Evidence.fact_id.in_(list(table)))):
            fact = table[fact_id]
            fields = out[message_id]
            fields["has"].add(kind)
            if kind == "race":
                fields["races"].add(" ".join([fact.summary, fact.object, fact.consequence, *fact.participants, quote]))
                fields["symbols"].update(fact.symbols)
            elif kind == "fix":
                fields["fixes"].add(" ".join([fact.summary, fact.kind, fact.status, quote]))
            else:
                fields["objections"].add(" ".join([fact.reason, fact.by, quote]))
    return out


def iter_index_docs(s: Session, message_pks: Sequence[int] | None = None) -> Iterator[IndexDoc]:
    """IndexDocs for the given messages (all when None), in chunks to bound memory. Each row is
    read once, so SQLite's page cache is kept small meanwhile (READ_CACHE_KIB)."""
    with small_page_cache(s):
        pks = list(message_pks) if message_pks is not None else list_message_pks(s)
        for start in range(0, len(pks), CHUNK):
            yield from build_chunk(s, pks[start:start + CHUNK])


def list_message_pks(s: Session) -> list[int]:
    """Every message's pk, ascending (sorted here: SQLite then scans a covering index, not the
    table of bodies)."""
    return sorted(s.scalars(select(Message.id)))


@contextmanager
def small_page_cache(s: Session) -> Iterator[None]:
    """SQLite's page cache of this session's connection at READ_CACHE_KIB within the block (a
    larger one only grows this process), then back at what it was (an ingest's is smaller than
    kb's default)."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
    try:
        yield
    finally:
        if not conn.closed:  # a generator left unfinished ends when its session is gone
            conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


# what a document needs of a message row (not the raw bytes, nor JSON it does not show)
_DOC_COLUMNS = (Message.id, Message.message_id, Message.thread_id, Message.subject, Message.author_name,
                Message.author_email, Message.date, Message.to_addrs, Message.cc_addrs, Message.body)
# on SQLite the To/Cc lists come as their JSON text, decoded once per distinct list (join_addresses)
_SQLITE_DOC_COLUMNS = tuple(type_coerce(c, Text).label(c.key) if c.key in ("to_addrs", "cc_addrs") else c
                            for c in _DOC_COLUMNS)


def join_addresses(value: str | list[list[str]]) -> tuple[str, ...]:
    """A To/Cc list ([name, email] pairs, or their JSON text) as "name email" strings."""
    if isinstance(value, str):
        return _join_addresses_json(value)
    return tuple(" ".join(a) for a in value)


@lru_cache(maxsize=4096)  # Cc lists repeat through a thread
def _join_addresses_json(text: str) -> tuple[str, ...]:
    return tuple(" ".join(a) for a in json.loads(text))


def build_chunk(s: Session, pks: Sequence[int]) -> Iterable[IndexDoc]:
    conn = s.connection()
    columns = _SQLITE_DOC_COLUMNS if conn.dialect.name == "sqlite" else _DOC_COLUMNS
    rows = conn.execute(select(*columns).where(Message.id.in_(pks))).all()
    segments: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for pk, kind, start, end in conn.execute(select(Segment.message_pk, Segment.kind, Segment.start, Segment.end)
                                             .where(Segment.message_pk.in_(pks)).order_by(Segment.start)):
        segments[pk].append((kind, start, end))
    patches: dict[int, list[tuple[str, list[str], str | None]]] = defaultdict(list)
    for pk, path, functions, patch_id in conn.execute(select(Patch.message_pk, Patch.path, Patch.functions,
                                                             Patch.patch_id).where(Patch.message_pk.in_(pks))
                                                      .order_by(Patch.id)):
        patches[pk].append((path, functions, patch_id))
    series = dict(((pk, (key, version)) for pk, key, version in conn.execute(
        select(SeriesMessage.message_pk, Series.revision_key, Series.version)
        .join(Series, Series.id == SeriesMessage.series_id).where(SeriesMessage.message_pk.in_(pks)))))
    lists: dict[int, list[str]] = defaultdict(list)
    for pk, name in conn.execute(select(MessageList.message_pk, MailingList.name)
                                 .join(MailingList, MailingList.id == MessageList.list_id)
                                 .where(MessageList.message_pk.in_(pks)).order_by(MailingList.name)):
        lists[pk].append(name)
    thread_ids = list({r.thread_id for r in rows if r.thread_id is not None})
    roots = dict(conn.execute(select(Thread.id, Thread.root_message_id).where(Thread.id.in_(thread_ids))).all())
    findings = load_findings_by_message(s, thread_ids) if thread_ids else {}
    persons: dict[int, set[str]] = defaultdict(set)
    maintainers: dict[int, set[str]] = defaultdict(set)
    for thread_id, name, email, role in conn.execute(select(Role.thread_id, Role.name, Role.email, Role.role)
                                                     .where(Role.thread_id.in_(thread_ids))):
        persons[thread_id].add(f"{name} <{email}>")
        if role == "maintainer":
            maintainers[thread_id].add(f"{name} <{email}>")
    verdicts = load_verdicts(s, roots)
    for row in rows:
        own, quoted, added, removed = split_body(row.body, segments[row.id])
        found = findings.get(row.message_id, {})
        root = roots.get(row.thread_id, row.message_id)
        yield IndexDoc(
            message_id=row.message_id, thread_id=root, subject=row.subject, author_name=row.author_name,
            author_email=row.author_email, date=row.date, list_ids=tuple(lists[row.id]),
            to_addrs=join_addresses(row.to_addrs), cc_addrs=join_addresses(row.cc_addrs),
            body_new=own, body_quoted=quoted, diff_files=tuple(p for p, _, _ in patches[row.id]),
            diff_hunks=tuple(f for _, fs, _ in patches[row.id] for f in fs), diff_added="\n".join(added),
            diff_removed="\n".join(removed),
            patch_id=next((pid for _, _, pid in patches[row.id] if pid), "") or "",
            races=tuple(sorted(found.get("races", ()))), fixes=tuple(sorted(found.get("fixes", ()))),
            objections=tuple(sorted(found.get("objections", ()))), symbols=tuple(sorted(found.get("symbols", ()))),
            persons=tuple(sorted(persons[row.thread_id])), maintainers=tuple(sorted(maintainers[row.thread_id])),
            has=tuple(sorted(found.get("has", set()) | ({"scenario"} if root in verdicts else set()))),
            verdicts=tuple(verdicts.get(root, ())), series=series.get(row.id, ("", 0))[0],
            revision=series.get(row.id, ("", 0))[1], version=EXTRACTION_VERSION)


def load_verdicts(s: Session, roots: dict[int, str]) -> dict[str, tuple[str, ...]]:
    """Verdict words of the last runs of scenarios linked to these threads (or their races)."""
    if not roots:
        return {}
    race_roots = dict(s.execute(select(Race.id, Thread.root_message_id).join(Thread, Thread.id == Race.thread_id)
                                .where(Race.thread_id.in_(list(roots)))).all())
    targets = {root: root for root in roots.values()} | {str(rid): root for rid, root in race_roots.items()}
    out: dict[str, set[str]] = defaultdict(set)
    for target, summary in s.execute(select(ScenarioLink.target, ScenarioRun.summary)
                                     .join(ScenarioRun, ScenarioRun.scenario_id == ScenarioLink.scenario_id)
                                     .where(ScenarioLink.target.in_(list(targets)))):
        out[targets[target]].update(w.lower() for w in re.findall(r"Never|Sometimes|Always|inconclusive", summary))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def list_thread_message_pks(s: Session, thread_ids: Iterable[int]) -> list[int]:
    ids = list(thread_ids)
    pks: list[int] = []
    for start in range(0, len(ids), CHUNK):
        pks.extend(s.scalars(select(Message.id).where(Message.thread_id.in_(ids[start:start + CHUNK]))))
    return pks


def index_threads(s: Session, index_dir: Path, thread_ids: Iterable[int] | None, *,
                  processes: int | None = None) -> int:
    """Write the messages of these threads (all when None) to the search index at index_dir."""
    from kb.search import index_documents

    pks = list_thread_message_pks(s, thread_ids) if thread_ids is not None else None
    if pks == []:
        return 0
    return index_documents(index_dir, *split_index_docs(s, pks, processes))


def split_index_docs(s: Session, pks: Sequence[int] | None,
                     processes: int | None = None) -> tuple[Iterable[IndexDoc], Callable[[], Iterator[IndexDoc]] | None]:
    """The IndexDocs of these messages (all when None) for kb.search's `index_documents`: one
    stream, or from SPLIT_MIN messages on and with 2 or more `processes` (the machine's CPUs when
    None) its two halves, the second read by the process that tokenises it (`read_index_docs`)."""
    if processes is None:
        processes = os.cpu_count() or 1
    if pks is None:
        with small_page_cache(s):
            pks = list_message_pks(s)
    bind = s.get_bind()
    if processes < 2 or len(pks) < SPLIT_MIN or not _can_reconnect(bind):
        return iter_index_docs(s, pks), None
    half = len(pks) // 2
    return iter_index_docs(s, pks[:half]), partial(read_index_docs, bind.url.render_as_string(hide_password=False),
                                                   pks[half:])


def read_index_docs(url: str, pks: Sequence[int]) -> Iterator[IndexDoc]:
    """IndexDocs of these messages, read through a connection of its own to the database at `url`
    (in the index's second process: kb.search.split)."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as s:
            yield from iter_index_docs(s, pks)
    finally:
        engine.dispose()


def _can_reconnect(bind: object) -> bool:
    """A new connection of `bind` sees what this session sees (not an in-memory SQLite, nor a
    session bound to one connection)."""
    return isinstance(bind, Engine) and bind.url.database not in (None, "", ":memory:")
