"""The facade the CLI and TUI use: one public method, one transaction; returns read models."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, load_only, sessionmaker

from kb.blobs import unpack_blob
from kb.config import Settings, load_settings
from kb.db import open_database
from kb import scenario_store
from kb.errors import NotFoundError
from kb.ledger import clear_index_removals
from kb.findings import ScenarioLinkView
from kb.series import find_revisions, list_revisions
from kb.views import (
    RevisionView, IndexCheck, ThreadSummary, MessageSummary, ThreadView, SegmentView, PatchView, TrailerView, MarkView,
    MessageView, RecoveryView,
)
from kb.findings import PersonView, show_person
from kb.findings import HistoryView, RaceSummary, RaceView, list_histories, list_race_summaries, show_race
from kb.scenario_store import ScenarioInfo, ScenarioRunView
from kb.thread_findings import ThreadFindings, list_thread_findings

if TYPE_CHECKING:
    from kb.search import SearchResult
from kb.models import (
    REUSED_ID, Correction, Evidence, Fix, ScenarioLink, Identity, MailingList, Message, MessageAlias, MessageList,
    Objection, Patch, Person, Quarantine, Race, Segment, Thread, Trailer,
)


def summarise_thread(row: Thread) -> ThreadSummary:
    return ThreadSummary(row.id, row.root_message_id, row.subject, row.message_count, row.first_date, row.last_date)


SUMMARY_COLUMNS = (Message.message_id, Message.author_name, Message.author_email, Message.date, Message.subject,
                   Message.parent_message_id, Message.thread_depth, Message.recovered, Message.provenance)


def list_thread_messages(s: Session, thread_id: int, *only: Any) -> list[Message]:
    """A thread's messages in the reply order the thread stage stored (`thread_rank`); messages
    not yet placed (a KB not refreshed since it gained the column) follow, by id. `only`: the
    columns to load (bodies and raw bytes are large; a tree needs none of them)."""
    query = select(Message).where(Message.thread_id == thread_id)
    if only:
        query = query.options(load_only(*only))
    return list(s.scalars(query.order_by(Message.thread_rank.is_(None), Message.thread_rank, Message.id)))


class Library:
    """kb's public Python API over one database."""

    def __init__(self, settings: Settings | None = None, create: bool = True) -> None:
        """`create` False: a KB that does not exist yet is a ConfigError, and nothing is created."""
        self.settings = settings or load_settings()
        self.factory: sessionmaker[Session] = open_database(self.settings, create)
        self.searcher: Any = None  # a long-lived kb.search.IndexSearcher, opened on first search
        self.searcher_lock = threading.Lock()

    def session(self) -> Session:
        return self.factory()

    def list_threads(self, limit: int = 50, offset: int = 0) -> tuple[int, list[ThreadSummary]]:
        with self.factory() as s:
            total = s.scalar(select(func.count(Thread.id))) or 0
            rows = s.scalars(select(Thread).order_by(Thread.last_date.desc().nulls_last(), Thread.id)
                             .limit(limit).offset(offset)).all()
            return total, [summarise_thread(r) for r in rows]

    def find_thread_id(self, s: Session, key: str) -> int:
        """A thread by its id, its root message-id, or any member's message-id."""
        key = key.strip().strip("<>")
        if key.isdigit():
            found = s.scalar(select(Thread.id).where(Thread.id == int(key)))
            if found is not None:
                return found
        found = s.scalar(select(Thread.id).where(Thread.root_message_id == key))
        if found is None:
            found = s.scalar(select(Message.thread_id).where(Message.message_id == key))
        if found is None:
            raise NotFoundError("no such thread or message", place=key)
        return found

    def show_thread(self, key: str) -> ThreadView:
        with self.factory() as s:
            thread = s.get(Thread, self.find_thread_id(s, key))
            assert thread is not None
            rows = list_thread_messages(s, thread.id, *SUMMARY_COLUMNS)
            lists = s.scalars(select(MailingList.name).join(MessageList, MessageList.list_id == MailingList.id)
                              .where(MessageList.message_pk.in_([r.id for r in rows])).distinct()).all()
            messages = tuple(summarise_message(r, r.thread_depth or 0) for r in rows)
            return ThreadView(summarise_thread(thread), messages, tuple(sorted(lists)))

    def list_thread_findings(self, key: str) -> ThreadFindings:
        """The races, fixes and objections extracted from a thread (by id or any member's message-id)."""
        with self.factory() as s:
            return list_thread_findings(s, self.find_thread_id(s, key))

    def show_message(self, message_id: str) -> MessageView:
        with self.factory() as s:
            row = s.scalar(select(Message).where(Message.message_id == message_id.strip().strip("<>")))
            if row is None:
                raise NotFoundError("no such message", place=message_id)
            root = s.scalar(select(Thread.root_message_id).where(Thread.id == row.thread_id))
            segments = tuple(SegmentView(g.kind, g.start, g.end, g.depth, g.person_name, g.person_email)
                             for g in s.scalars(select(Segment).where(Segment.message_pk == row.id)
                                                .order_by(Segment.start)))
            patches = tuple(PatchView(p.path, p.status, tuple(p.functions), p.added, p.removed)
                            for p in s.scalars(select(Patch).where(Patch.message_pk == row.id).order_by(Patch.id)))
            trailers = tuple(TrailerView(t.kind, t.name, t.email, t.value)
                             for t in s.scalars(select(Trailer).where(Trailer.message_pk == row.id).order_by(Trailer.id)))
            marks = tuple(MarkView(e.fact_kind, e.fact_id, e.start, e.end, e.quote)
                          for e in s.scalars(select(Evidence).where(Evidence.message_id == row.message_id)
                                             .order_by(Evidence.start)))
            return MessageView(summarise_message(row, 0), root, row.body,
                               tuple(tuple(a) for a in row.to_addrs), tuple(tuple(a) for a in row.cc_addrs),
                               tuple(row.attachments), row.source, row.position, segments, patches, trailers, marks,
                               summarise_recovery(row), tuple(s.scalars(select(MessageAlias.alias).where(
                                   MessageAlias.message_id == row.message_id, MessageAlias.method == REUSED_ID)
                                   .order_by(MessageAlias.alias))))

    def show_raw(self, message_id: str) -> bytes:
        """A message's original bytes, as read from its source."""
        with self.factory() as s:
            raw = s.scalar(select(Message.raw).where(Message.message_id == message_id.strip().strip("<>")))
            if raw is None:
                raise NotFoundError("no such message", place=message_id)
            return unpack_blob(raw) if raw else b""

    def count_stats(self) -> dict[str, int]:
        with self.factory() as s:
            def count(column: object) -> int:
                return s.scalar(select(func.count(column))) or 0  # type: ignore[arg-type]
            return {
                "messages": count(Message.id), "threads": count(Thread.id), "lists": count(MailingList.id),
                "people": count(Person.id), "identities": count(Identity.id),
                "quarantined": count(Quarantine.id), "races": count(Race.id), "fixes": count(Fix.id),
                "objections": count(Objection.id),
                "recovered_messages": s.scalar(select(func.count(Message.id)).where(Message.recovered)) or 0,
            }

    def list_quarantine(self, limit: int = 100) -> list[tuple[str, str, str]]:
        with self.factory() as s:
            return [tuple(r) for r in s.execute(  # type: ignore[misc]
                select(Quarantine.source, Quarantine.position, Quarantine.reason).limit(limit)).all()]

    def list_histories(self, limit: int = 500) -> list[HistoryView]:
        with self.factory() as s:
            return list_histories(s, limit)

    def list_races(self, limit: int = 500) -> list[RaceSummary]:
        with self.factory() as s:
            return list_race_summaries(s, limit=limit)

    def show_race(self, race_id: int) -> RaceView:
        with self.factory() as s:
            return show_race(s, race_id)

    def show_person(self, key: str) -> PersonView:
        """A person (address or name): their roles over time, races, fixes and objections."""
        with self.factory() as s:
            return show_person(s, key)


    def link_scenario(self, target: str, scenario: str, allow_draft: bool = False) -> ScenarioLinkView:
        with self.factory() as s:
            view = scenario_store.link_scenario(s, target, scenario, allow_draft)
            thread_id = scenario_store.find_target_thread(s, view.target_kind, view.target)
            s.commit()
        self.refresh_index([thread_id])
        return view

    def run_scenario(self, key: str, variant: str | None = None, max_states: int = 2_000_000,
                     timeout: float = 30.0) -> list[ScenarioRunView]:
        """Run a stored scenario (`scenario:ID` or its name), or every scenario linked to a race
        (`ID`, `race:ID`), thread or message; each run is recorded."""
        with self.factory() as s:
            if key.startswith("scenario:"):
                scenarios = [scenario_store.find_scenario(s, key.split(":", 1)[1])]
            else:
                try:
                    scenarios = scenario_store.find_linked_scenarios(s, key)
                except NotFoundError:
                    if key.isdigit():
                        raise
                    scenarios = [scenario_store.find_scenario(s, key)]
            runs = [scenario_store.run_stored_scenario(s, sc, variant, max_states, timeout) for sc in scenarios]
            threads = [scenario_store.find_target_thread(s, link.target_kind, link.target)
                       for sc in scenarios for link in s.scalars(select(ScenarioLink)
                                                                 .where(ScenarioLink.scenario_id == sc.id))]
            s.commit()
        self.refresh_index(threads)
        return runs

    def list_scenarios(self) -> list[ScenarioInfo]:
        with self.factory() as s:
            return scenario_store.list_scenarios(s)


    def draft_scenario(self, race_id: int) -> Any:
        """A runnable draft (kb.scenarios.drafts.Draft) from the race's report, diagram and fixes."""
        from kb.scenario_drafts import draft_one

        with self.factory() as s:
            return draft_one(s, race_id)

    def draft_all_scenarios(self) -> Any:
        """Draft every race without a scenario, link and run the complete drafts; coverage by source."""
        from kb.scenario_drafts import draft_all_races

        with self.factory() as s:
            coverage = draft_all_races(s)
            s.commit()
        self.refresh_index(coverage.threads)
        return coverage

    def refresh_index(self, thread_ids: Iterable[int | None]) -> int:
        """Rewrite these threads' index entries (has:scenario, verdict: change with links and runs)."""
        ids = [t for t in thread_ids if t is not None]
        if not ids or not Path(self.settings.index_dir).exists():
            return 0
        return self.update_index(ids)

    def update_index(self, thread_ids: Iterable[int] | None = None) -> int:
        """Write the messages of these threads (all when None) to the search index."""
        from kb.indexing import index_threads

        with self.factory() as s:
            count = index_threads(s, self.settings.index_dir, thread_ids)
        self.drop_searcher()
        return count

    def reindex(self) -> int:
        """Rebuild the search index from the database."""
        from kb.indexing import split_index_docs
        from kb.search import rebuild_index

        self.drop_searcher()
        try:
            with self.factory() as s:
                return rebuild_index(self.settings.index_dir, *split_index_docs(s, None))
        except BaseException:  # a full disk must not stay full of a half-built copy
            fresh = Path(self.settings.index_dir)
            shutil.rmtree(fresh.with_name(fresh.name + ".new"), ignore_errors=True)
            raise

    def check_index(self, repair: bool = False) -> IndexCheck:
        """Messages missing from, stale in, or unknown to the index; optionally repaired."""
        from kb.indexing import iter_index_docs
        from kb.search import delete_documents, index_documents, list_indexed, open_index

        open_index(self.settings.index_dir)
        indexed = list_indexed(self.settings.index_dir)
        missing, stale = [], []
        with self.factory() as s:
            docs = {}
            for doc in iter_index_docs(s):
                if doc.message_id not in indexed:
                    missing.append(doc.message_id)
                    docs[doc.message_id] = doc
                elif indexed[doc.message_id] != doc.digest:
                    stale.append(doc.message_id)
                    docs[doc.message_id] = doc
            known = set(s.scalars(select(Message.message_id)))
        extra = sorted(set(indexed) - known)
        if repair:
            if docs:
                index_documents(self.settings.index_dir, docs.values())
            if extra:
                delete_documents(self.settings.index_dir, extra)
            with self.factory() as s:
                clear_index_removals(s)
                s.commit()
            self.drop_searcher()
        return IndexCheck(tuple(missing), tuple(stale), tuple(extra), repair)

    def search(self, query: str, limit: int = 20, sort: str = "relevance", threads: bool = False) -> SearchResult:
        """Run a lore-style query; QueryError (one line, with its column) on a bad one."""
        from kb.search import IndexSearcher

        with self.searcher_lock:
            if self.searcher is None:
                self.searcher = IndexSearcher(self.settings.index_dir)
            else:
                self.searcher.refresh()
            return self.searcher.search(query, limit=limit, sort=sort, threads=threads)

    def drop_searcher(self) -> None:
        with self.searcher_lock:
            if self.searcher is not None:
                self.searcher.close()
                self.searcher = None


    def list_series(self, limit: int = 100) -> list[RevisionView]:
        """Patch series grouped into revisions (v1..vN), most recent first."""
        with self.factory() as s:
            return list_revisions(s, limit)

    def find_revisions(self, message_id: str) -> RevisionView | None:
        """The revisions (v1..vN) of the series a cover letter or patch belongs to; None for other mail."""
        with self.factory() as s:
            return find_revisions(s, message_id)

    def correct_fact(self, kind: str, fact_id: int, action: str, changes: dict[str, object], note: str = "") -> None:
        """Record a person's correction (delete, or set fields) of a race, fix or objection.

        Stored apart from the findings, keyed by the fact's evidence, so it survives re-extraction;
        the thread's index entries are rewritten (`kb check` stays clean).
        """
        from kb.corrections import validate_changes

        models = {"race": Race, "fix": Fix, "objection": Objection}
        if kind not in models or action not in ("delete", "set"):
            raise NotFoundError("kind is race|fix|objection and action delete|set", place=f"{kind} {action}")
        values = validate_changes(kind, fact_id, changes) if action == "set" else {}
        with self.factory() as s:
            fact = s.get(models[kind], fact_id)
            if fact is None:
                raise NotFoundError(f"no such {kind}", place=f"{kind} {fact_id}")
            evidence = s.scalar(select(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id == fact_id)
                                .order_by(Evidence.id).limit(1))
            root = s.scalar(select(Thread.root_message_id).where(Thread.id == fact.thread_id)) or ""
            key = f"{evidence.message_id}\n{' '.join(evidence.quote.split())}" if evidence else ""
            s.add(Correction(fact_kind=kind, thread_root=root, key=key, action=action, changes=values, note=note,
                             created_at=datetime.now(timezone.utc)))
            thread_id = fact.thread_id
            if action == "delete":
                s.execute(delete(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id == fact_id))
                s.delete(fact)
            else:
                for name, value in values.items():
                    setattr(fact, name, value)
            s.commit()
        self.refresh_index([thread_id])   # its messages' race:/fix: terms changed with it


    def link_library_scenarios(self, run: bool = True) -> list[ScenarioLinkView]:
        """Link the bundled scenarios to the threads their `Source:` names, and run them once."""
        with self.factory() as s:
            views = scenario_store.link_library_scenarios(s)
            s.commit()
        if run:
            for view in views:
                self.run_scenario(f"scenario:{view.scenario_id}")
        return views


def summarise_message(row: Message, depth: int) -> MessageSummary:
    extent = str((row.provenance or {}).get("extent", "heuristic")) if row.recovered else ""
    return MessageSummary(row.message_id, row.author_name, row.author_email, row.date, row.subject,
                          row.parent_message_id, depth, row.recovered, extent)


def summarise_recovery(row: Message) -> RecoveryView | None:
    if not row.recovered:
        return None
    p = row.provenance or {}
    depth = p.get("quote_depth")
    return RecoveryView(str(p.get("page", row.source)), depth if isinstance(depth, int) else None,
                        str(p.get("author_source", "")), str(p.get("extent", "heuristic")),
                        tuple(str(i) for i in p.get("aligned_with") or ()))






