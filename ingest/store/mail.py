"""Prepared messages (with their anatomy), recovered pages and threads -> rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from kb.models import (
    Identity, MailingList, Message, MessageList, Patch, Person, Quarantine, Segment, SourceCursor, Trailer,
)

from ingest.store.merge import find_aliases
from ingest.store.realign import realign_pages, replace_page_cut
from ingest.store.refs import insert_refs, make_ref_rows
from ingest.store.rows import insert_dict_rows, insert_plain_rows
from ingest.store.reused import rename_reused_ids
from ingest.store.quotes import make_segment_rows
from ingest.prepare import PreparedMessage, RejectedMessage
from ingest.sources.webpage import RecoveredPage


@dataclass(frozen=True)
class Skipped:
    source: str
    position: str
    reason: str


@dataclass
class BatchCounts:
    stored: int = 0
    present: int = 0
    reused: int = 0     # stored under an id derived from a reused Message-ID
    skipped: list[Skipped] = field(default_factory=list)
    realigned: list[str] = field(default_factory=list)  # recovered messages re-cut by alignment


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """Writes batches into one session, caching lists and identities across batches.

    Rows go in through SQLAlchemy Core executemany, the largest tables straight through the
    driver (ingest/store/rows.py): the ORM's per-row work costs more than the database does at
    archive scale.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.load_caches()

    def load_caches(self) -> None:
        """(Re)load the cached lists, identities and people: after a rollback they may name rows
        that were never committed."""
        self.lists: dict[str, int] = dict(self.conn.execute(select(MailingList.name, MailingList.id)).all())
        self.identities: dict[tuple[str, str], int] = {
            (email, name): pk for pk, email, name in self.conn.execute(
                select(Identity.id, Identity.email, Identity.name)).all()}
        # person ids by address ("name:NAME" for people known only by name)
        self.people_by_email: dict[str, int] = {
            email or f"name:{name}": pk for pk, email, name in self.conn.execute(
                select(Person.id, Person.email, Person.name)).all()}

    @property
    def conn(self) -> Connection:
        """The session's connection for the current transaction (a new one after each commit)."""
        return self.session.connection()

    def find_list_id(self, name: str) -> int:
        if name not in self.lists:
            self.lists[name] = self.conn.execute(
                insert(MailingList).values(name=name).returning(MailingList.id)).scalar_one()
        return self.lists[name]

    def find_identity_id(self, name: str, email: str) -> int:
        if (email, name) not in self.identities:
            self.create_identities([(email, name)])
        return self.identities[(email, name)]

    def create_identities(self, keys: Iterable[tuple[str, str]]) -> None:
        """People and identities for unseen (email, name) pairs, in two executemany inserts.

        One person per address; a message with no address is a person of its own name.
        """
        new = [key for key in dict.fromkeys(keys) if key not in self.identities]
        if not new:
            return
        people = {email or f"name:{name}": (name, email) for email, name in new
                  if (email and email not in self.people_by_email) or (not email and f"name:{name}" not in self.people_by_email)}
        if people:
            self.conn.execute(insert(Person.__table__), [{"name": n, "email": e} for n, e in people.values()])
            emails = [e for _, e in people.values() if e]
            self.people_by_email.update(self.conn.execute(
                select(Person.email, Person.id).where(Person.email.in_(emails))).all() if emails else [])
            names = [n for n, e in people.values() if not e]
            if names:
                for pk, pname in self.conn.execute(select(Person.id, Person.name)
                                                   .where(Person.email == "", Person.name.in_(names))):
                    self.people_by_email[f"name:{pname}"] = pk
        self.conn.execute(insert(Identity.__table__), [
            {"person_id": self.people_by_email[email or f"name:{name}"], "name": name, "email": email}
            for email, name in new])
        emails = list({email for email, _ in new})
        for pk, email, name in self.conn.execute(select(Identity.id, Identity.email, Identity.name)
                                                 .where(Identity.email.in_(emails))):
            self.identities[(email, name)] = pk

    def find_message_pks(self, ids: Sequence[str]) -> dict[str, int]:
        if not ids:
            return {}
        return dict(self.conn.execute(select(Message.message_id, Message.id)
                                      .where(Message.message_id.in_(ids))).all())

    def insert_messages(self, rows: list[dict[str, object]], pks: dict[str, int]) -> None:
        if rows:
            insert_dict_rows(self.conn, Message.__table__, rows)
            pks.update(self.find_message_pks([str(row["message_id"]) for row in rows]))
            insert_refs(self.conn, (ref for row in rows for ref in make_ref_rows(
                pks[str(row["message_id"])], str(row["message_id"]), row["in_reply_to"], row["references"])))

    def store_batch(self, items: Sequence[PreparedMessage | RejectedMessage], list_name: str | None) -> BatchCounts:
        counts = BatchCounts()
        prepared, counts.reused = rename_reused_ids(self.conn, [item for item in items
                                                                if isinstance(item, PreparedMessage)])
        self.store_rejected([item for item in items if isinstance(item, RejectedMessage)], counts)
        existing = self.find_message_pks([item.headers.message_id for item in prepared])
        self.create_identities((item.headers.author.email, item.headers.author.name) for item in prepared)
        rows, seen, memberships = [], set(existing), []
        stamp = now_utc()
        for item in prepared:
            msg = item.headers
            names = [list_name] if list_name else [shorten_list_id(list_id) for list_id in msg.list_ids]
            memberships.extend((msg.message_id, name) for name in names)
            if msg.message_id in seen:
                counts.present += 1
                continue
            seen.add(msg.message_id)
            rows.append(make_message_row(item, self.find_identity_id(msg.author.name, msg.author.email), stamp))
        self.insert_messages(rows, existing)
        counts.stored += len(rows)
        stored = {str(row["message_id"]) for row in rows}
        first = {}
        for item in prepared:
            if item.headers.message_id in stored:
                first.setdefault(item.headers.message_id, item)
        self.store_anatomy(list(first.values()), existing)
        self.store_memberships(memberships, existing)
        return counts

    def store_anatomy(self, items: Sequence[PreparedMessage], pks: dict[str, int]) -> None:
        keyed = [(pks[item.headers.message_id], item) for item in items]
        for table, columns, rows in (
                (Segment.__table__, SEGMENT_COLUMNS, make_segment_rows(self.conn, keyed)),
                (Patch.__table__, PATCH_COLUMNS, [(pk,) + p for pk, item in keyed for p in item.anatomy.patches]),
                (Trailer.__table__, TRAILER_COLUMNS, [(pk,) + t for pk, item in keyed for t in item.anatomy.trailers])):
            if rows:
                insert_plain_rows(self.conn, table, columns, rows)

    def store_memberships(self, memberships: Iterable[tuple[str, str]], pks: dict[str, int]) -> None:
        pairs = {(pks[key], self.find_list_id(name)) for key, name in memberships}
        if not pairs:
            return
        have = set(self.conn.execute(
            select(MessageList.message_pk, MessageList.list_id)
            .where(MessageList.message_pk.in_({pk for pk, _ in pairs}))).all())
        new = [{"message_pk": pk, "list_id": lid} for pk, lid in pairs - have]
        if new:
            self.conn.execute(insert(MessageList.__table__), new)

    def store_rejected(self, rejected: Sequence[RejectedMessage], counts: BatchCounts) -> None:
        if not rejected:
            return
        have = set(self.conn.execute(
            select(Quarantine.source, Quarantine.position)
            .where(Quarantine.position.in_([r.position for r in rejected]))).all())
        rows = []
        for item in rejected:
            counts.skipped.append(Skipped(item.source, item.position, item.reason))
            if (item.source, item.position) not in have:
                have.add((item.source, item.position))
                rows.append({"source": item.source, "position": item.position, "reason": item.reason,
                             "raw": item.raw_z, "raw_size": item.raw_size, "created_at": now_utc()})
        if rows:
            self.conn.execute(insert(Quarantine.__table__), rows)


SEGMENT_COLUMNS = ("message_pk", "kind", "start", "end", "depth", "person_name", "person_email",
                   "quoted_message_id", "method")
PATCH_COLUMNS = ("message_pk", "path", "old_path", "status", "functions", "added", "removed", "patch_id")
TRAILER_COLUMNS = ("message_pk", "kind", "name", "email", "value")


def shorten_list_id(list_id: str) -> str:
    """`cgroups.vger.kernel.org` -> `cgroups`, the name lore.kernel.org gives the list."""
    local, _, host = list_id.partition(".")
    return local if "." in host else list_id


def make_message_row(item: PreparedMessage, identity_id: int, stamp: datetime) -> dict[str, object]:
    msg = item.headers
    return {
        "message_id": msg.message_id, "synthetic_id": msg.synthetic_id, "recovered": False,
        "in_reply_to": msg.in_reply_to, "references": list(msg.references), "subject": msg.subject,
        "author_name": msg.author.name, "author_email": msg.author.email, "identity_id": identity_id,
        "to_addrs": [[a.name, a.email] for a in msg.to], "cc_addrs": [[a.name, a.email] for a in msg.cc],
        "date": msg.date, "date_raw": msg.date_raw, "body": item.body_z, "raw": item.raw_z,
        "raw_size": item.raw_size,
        "attachments": [{"name": a.name, "type": a.content_type, "size": a.size} for a in msg.attachments],
        "defects": list(msg.defects), "source": item.source, "position": item.position, "ingested_at": stamp,
    }


def describe_page(page: RecoveredPage) -> str:
    """A subject for a page that has none: the first words of its message (its file name when it has none)."""
    words = page.messages[0].text.split() if page.messages else []
    if not words:
        return Path(page.source).name
    return " ".join(words[:8]).rstrip(",;:") + ("…" if len(words) > 8 else "")


def load_cursor(session: Session, source: str) -> str | None:
    return session.scalar(select(SourceCursor.cursor).where(SourceCursor.source == source))


def store_cursor(session: Session, source: str, kind: str, cursor: str) -> None:
    row = session.scalar(select(SourceCursor).where(SourceCursor.source == source))
    if row is None:
        session.add(SourceCursor(source=source, kind=kind, cursor=cursor, updated_at=now_utc()))
    else:
        row.cursor, row.updated_at = cursor, now_utc()


def store_recovered_page(store: Store, page: RecoveredPage, raw_z: bytes, raw_size: int,
                         list_name: str | None) -> BatchCounts:
    """Messages recovered from a web page, each threaded under the message it answers.

    When some were merged into real messages before (an alias names them), the page is re-cut
    against those real bodies at once; a new quoted message is aligned when `merge_recovered()`
    finds its real counterpart."""
    counts = BatchCounts()
    ids = [m.message_id for m in page.messages]
    existing = store.find_message_pks(ids)
    aliases = find_aliases(store.session, ids)  # merged earlier into the real messages
    real_pks = store.find_message_pks(list(set(aliases.values())))
    existing.update({alias: real_pks[real] for alias, real in aliases.items() if real in real_pks})
    rows = []
    cut: dict[str, dict[str, object]] = {}      # what the page decides of each of its rows
    stamp = now_utc()
    for index, message in enumerate(page.messages):
        parent = page.messages[message.parent_index].message_id if message.parent_index is not None else None
        parent = aliases.get(parent, parent) if parent else None
        cut[message.message_id] = {"body": message.text, "subject": message.subject or page.subject or
                                   describe_page(page), "in_reply_to": parent, "references": [parent] if parent else []}
        if message.message_id in existing:
            counts.present += 1
            continue
        rows.append({
            "message_id": message.message_id, "synthetic_id": True, "recovered": True,
            **cut[message.message_id], "author_name": message.author,
            "author_email": message.email,
            "identity_id": store.find_identity_id(message.author, message.email),
            "to_addrs": [], "cc_addrs": [], "date": message.date, "date_raw": message.date_text,
            "raw": raw_z if index == 0 else b"", "raw_size": raw_size if index == 0 else 0,
            "attachments": [], "defects": [], "source": page.source, "position": f"quote depth {message.quote_depth}",
            "ingested_at": stamp,
            "provenance": {"quote_depth": message.quote_depth, "author_source": message.author_source,
                           "author_rule": message.author_rule, "extent": message.extent,
                           "aligned_with": list(message.aligned_with),
                           "email_hint": message.email_hint, "first_words": message.first_words,
                           "page": page.source, "page_author": page.page_author.name},
        })
    store.insert_messages(rows, existing)
    counts.stored = len(rows)
    if list_name:
        store.store_memberships([(mid, list_name) for mid in ids], existing)
    # rows an older page reader cut: today's cut replaces theirs (a merged page's text is the aligner's)
    counts.realigned = replace_page_cut(store.session, page.source, ids, {} if aliases else cut)
    if aliases:
        counts.realigned += realign_pages(store.session, [page.source])
    return counts
