"""`kb export --format jsonl`: one line per thread in the shape of gold/SCHEMA.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.library import Library, order_thread
from kb.models import MailingList, Message, MessageList, Thread
from kb.render import dump_json, format_iso


def build_thread_line(s: Session, thread: Thread) -> dict[str, Any]:
    rows = list(s.scalars(select(Message).where(Message.thread_id == thread.id)).all())
    ordered = [row for row, _ in order_thread(rows, thread.root_message_id)]
    lists = sorted(set(s.scalars(select(MailingList.name).join(MessageList, MessageList.list_id == MailingList.id)
                                 .where(MessageList.message_pk.in_([r.id for r in rows]))).all()))
    sources = sorted({row.source for row in rows if row.source})
    return {
        "thread_id": thread.root_message_id,
        "list": lists[0] if len(lists) == 1 else ",".join(lists),
        "subject": thread.subject,
        "message_ids": [row.message_id for row in ordered],
        "sources": sources,
        "messages": [{
            "message_id": row.message_id,
            "author": {"name": row.author_name, "email": row.author_email},
            "date": format_iso(row.date),
            "subject": row.subject,
            "in_reply_to": row.in_reply_to,
            "text": find_own_text(row.body),
        } for row in ordered],
    }


def find_own_text(body: str) -> str:
    """The message's own words: lines that are not quoted."""
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">")).strip()


def iter_export_lines(library: Library, keys: tuple[str, ...] = ()) -> Iterator[str]:
    with library.factory() as s:
        if keys:
            ids = [library.find_thread_id(s, key) for key in keys]
            threads = s.scalars(select(Thread).where(Thread.id.in_(ids)).order_by(Thread.id)).all()
        else:
            threads = s.scalars(select(Thread).order_by(Thread.first_date.nulls_last(), Thread.id)).all()
        for thread in threads:
            yield dump_json(build_thread_line(s, thread))
