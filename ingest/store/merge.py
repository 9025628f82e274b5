"""Loading and rewriting rows for the merge-pages stage (ingest.merge_pages decides the matches)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kb.ledger import record_index_removals
from kb.models import Message, MessageAlias, MessageRef

from ingest.store.realign import hand_on_page_raw
from ingest.store.refs import refresh_refs


@dataclass(frozen=True)
class MailRow:
    """What merging reads of a stored message."""
    pk: int
    message_id: str
    author_name: str
    author_email: str
    date: datetime | None
    body: str
    source: str
    thread_id: int | None = None


MAIL_COLUMNS = (Message.id, Message.message_id, Message.author_name, Message.author_email, Message.date,
                Message.body, Message.source, Message.thread_id)


def make_rows(rows: Iterable) -> list[MailRow]:
    return [MailRow(pk, mid, name or "", email or "", date, body or "", source or "", thread_id)
            for pk, mid, name, email, date, body, source, thread_id in rows]


def load_recovered(session: Session) -> list[MailRow]:
    return make_rows(session.execute(select(*MAIL_COLUMNS).where(Message.recovered).order_by(Message.id)))


def load_merge_candidates(session: Session, names: set[str], emails: set[str]) -> list[MailRow]:
    """Real messages by one of these authors (address, or name as written)."""
    return make_rows(session.execute(select(*MAIL_COLUMNS).where(
        ~Message.recovered, Message.author_email.in_(emails) | Message.author_name.in_(names))
        .order_by(Message.id)))


def find_aliases(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(session.execute(select(MessageAlias.alias, MessageAlias.message_id)
                                .where(MessageAlias.alias.in_(ids))).all())


def replace_message(session: Session, recovered: MailRow, real_id: str) -> None:
    """The recovered row becomes an alias of the real message; its replies hang under the real one."""
    old = recovered.message_id
    naming = list(session.scalars(select(MessageRef.message_pk).where(MessageRef.ref == old)))
    session.execute(update(Message).where(Message.in_reply_to == old).values(in_reply_to=real_id))
    for child in session.scalars(select(Message).where(Message.recovered, Message.references.isnot(None))):
        if old in (child.references or []):
            child.references = [real_id if ref == old else ref for ref in child.references]
    session.execute(insert(MessageAlias).values(alias=old, message_id=real_id, method="author+date+text"))
    hand_on_page_raw(session, recovered.pk, recovered.message_id, recovered.source)
    session.execute(delete(Message).where(Message.id == recovered.pk))
    record_index_removals(session, [old])
    session.flush()
    refresh_refs(session.connection(), [pk for pk in naming if pk != recovered.pk])
