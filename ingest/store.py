"""The only ingest module that touches kb.models: prepared messages and threads -> rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from kb.models import (
    Identity, MailingList, Message, MessageList, Person, Quarantine, SourceCursor, Thread,
)

from ingest.prepare import PreparedMessage, RejectedMessage
from ingest.thread import ThreadLink, thread_messages


@dataclass(frozen=True)
class Skipped:
    source: str
    position: str
    reason: str


@dataclass
class BatchCounts:
    stored: int = 0
    present: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """Writes batches into one session, caching lists and identities across batches."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.lists: dict[str, int] = {}
        self.identities: dict[tuple[str, str], int] = {}
        self.people_by_email: dict[str, int] = {}

    def find_list_id(self, name: str) -> int:
        if name not in self.lists:
            found = self.session.scalar(select(MailingList.id).where(MailingList.name == name))
            if found is None:
                found = self.session.scalar(insert(MailingList).values(name=name).returning(MailingList.id))
            self.lists[name] = found
        return self.lists[name]

    def find_identity_id(self, name: str, email: str) -> int:
        key = (email, name)
        if key in self.identities:
            return self.identities[key]
        found = self.session.scalar(select(Identity.id).where(Identity.email == email, Identity.name == name))
        if found is None:
            person = self.people_by_email.get(email) if email else None
            if person is None and email:
                person = self.session.scalar(select(Person.id).where(Person.email == email))
            if person is None:
                person = self.session.scalar(insert(Person).values(name=name, email=email).returning(Person.id))
            if email:
                self.people_by_email[email] = person
            found = self.session.scalar(
                insert(Identity).values(person_id=person, name=name, email=email).returning(Identity.id))
        self.identities[key] = found
        return found

    def store_batch(self, items: Sequence[PreparedMessage | RejectedMessage], list_name: str | None) -> BatchCounts:
        counts = BatchCounts()
        prepared = [item for item in items if isinstance(item, PreparedMessage)]
        self.store_rejected([item for item in items if isinstance(item, RejectedMessage)], counts)
        ids = [item.parsed.message_id for item in prepared]
        existing = dict(self.session.execute(
            select(Message.message_id, Message.id).where(Message.message_id.in_(ids))).all()) if ids else {}
        rows, seen, memberships = [], set(existing), []
        stamp = now_utc()
        for item in prepared:
            msg = item.parsed
            names = [list_name] if list_name else list(msg.list_ids)
            if msg.message_id in seen:
                counts.present += 1
                if msg.message_id in existing:
                    memberships.extend((existing[msg.message_id], name) for name in names)
                continue
            seen.add(msg.message_id)
            rows.append(make_message_row(item, self.find_identity_id(msg.author.name, msg.author.email), stamp))
            memberships.extend((msg.message_id, name) for name in names)
        if rows:
            returned = self.session.execute(insert(Message).returning(Message.message_id, Message.id), rows).all()
            existing.update(dict(returned))
            counts.stored += len(rows)
        self.store_memberships(memberships, existing)
        return counts

    def store_memberships(self, memberships: Iterable[tuple[int | str, str]], pks: dict[str, int]) -> None:
        pairs = {(pks[key] if isinstance(key, str) else key, self.find_list_id(name)) for key, name in memberships}
        if not pairs:
            return
        have = set(self.session.execute(
            select(MessageList.message_pk, MessageList.list_id)
            .where(MessageList.message_pk.in_({pk for pk, _ in pairs}))).all())
        new = [{"message_pk": pk, "list_id": lid} for pk, lid in pairs - have]
        if new:
            self.session.execute(insert(MessageList), new)

    def store_rejected(self, rejected: Sequence[RejectedMessage], counts: BatchCounts) -> None:
        if not rejected:
            return
        have = set(self.session.execute(
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
            self.session.execute(insert(Quarantine), rows)


def make_message_row(item: PreparedMessage, identity_id: int, stamp: datetime) -> dict[str, object]:
    msg = item.parsed
    return {
        "message_id": msg.message_id, "synthetic_id": msg.synthetic_id, "recovered": False,
        "in_reply_to": msg.in_reply_to, "references": list(msg.references), "subject": msg.subject,
        "author_name": msg.author.name, "author_email": msg.author.email, "identity_id": identity_id,
        "to_addrs": [[a.name, a.email] for a in msg.to], "cc_addrs": [[a.name, a.email] for a in msg.cc],
        "date": msg.date, "date_raw": msg.date_raw, "body": msg.body, "raw": item.raw_z,
        "raw_size": item.raw_size,
        "attachments": [{"name": a.name, "type": a.content_type, "size": a.size} for a in msg.attachments],
        "defects": list(msg.defects), "source": item.source, "position": item.position, "ingested_at": stamp,
    }


def load_cursor(session: Session, source: str) -> str | None:
    return session.scalar(select(SourceCursor.cursor).where(SourceCursor.source == source))


def store_cursor(session: Session, source: str, kind: str, cursor: str) -> None:
    row = session.scalar(select(SourceCursor).where(SourceCursor.source == source))
    if row is None:
        session.add(SourceCursor(source=source, kind=kind, cursor=cursor, updated_at=now_utc()))
    else:
        row.cursor, row.updated_at = cursor, now_utc()


def rethread_all(session: Session) -> int:
    """Recompute every thread in one transaction: messages never sit in a half-written thread."""
    rows = session.execute(select(Message.id, Message.message_id, Message.in_reply_to, Message.references,
                                  Message.subject, Message.date, Message.thread_id,
                                  Message.parent_message_id)).all()
    links = [ThreadLink(r.message_id, r.in_reply_to, tuple(r.references or ()), r.subject, r.date) for r in rows]
    by_id = {r.message_id: r for r in rows}
    trees = thread_messages(links)
    threads = dict(session.execute(select(Thread.root_message_id, Thread.id)).all())
    keep: set[int] = set()
    updates = []
    for tree in trees:
        members = [by_id[m] for m in tree.members if m in by_id]
        if not members:
            continue
        dates = [m.date for m in members if m.date is not None]
        root = by_id.get(tree.root_id) or members[0]
        values = {"subject": root.subject, "message_count": len(members),
                  "first_date": min(dates) if dates else None, "last_date": max(dates) if dates else None}
        thread_id = threads.get(tree.root_id)
        if thread_id is None:
            thread_id = session.scalar(
                insert(Thread).values(root_message_id=tree.root_id, **values).returning(Thread.id))
        else:
            session.execute(update(Thread).where(Thread.id == thread_id).values(**values))
        keep.add(thread_id)
        for member in members:
            parent = tree.parents.get(member.message_id)
            if member.thread_id != thread_id or member.parent_message_id != parent:
                updates.append({"pk": member.id, "thread_id": thread_id, "parent_message_id": parent})
    if updates:
        session.connection().execute(
            update(Message.__table__).where(Message.__table__.c.id == bindparam("p_pk")),
            [{"p_pk": u["pk"], "thread_id": u["thread_id"], "parent_message_id": u["parent_message_id"]}
             for u in updates])
    stale = set(threads.values()) - keep
    if stale:
        session.execute(Thread.__table__.delete().where(Thread.__table__.c.id.in_(stale)))
    return len(keep)

