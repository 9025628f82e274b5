"""Each message's reference chain as rows (`message_refs`): which messages name an id.

Written with the message, and rewritten where the merge-pages stage changes a message's
In-Reply-To or References; the thread stage reads it to find, by index, the threads that a
new message joins (ingest/store/threads.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from kb.models import Message, MessageRef

from ingest.store.rows import insert_dict_rows
from ingest.thread import ThreadLink, build_chain


def make_ref_rows(pk: int, message_id: str, in_reply_to: str | None,
                  references: Iterable[str] | None) -> list[dict[str, object]]:
    """The rows of one message: the ids of its chain, as the thread stage builds it."""
    chain = build_chain(ThreadLink(message_id, in_reply_to, tuple(references or ()), "", None))
    return [{"message_pk": pk, "ref": ref} for ref in chain]


def insert_refs(conn: Connection, rows: Iterable[dict[str, object]]) -> None:
    values = list(rows)
    if values:
        insert_dict_rows(conn, MessageRef.__table__, values)


def refresh_refs(conn: Connection, pks: Sequence[int]) -> None:
    """Rewrite the rows of these messages from their stored In-Reply-To and References."""
    if not pks:
        return
    conn.execute(delete(MessageRef.__table__).where(MessageRef.__table__.c.message_pk.in_(pks)))
    table = Message.__table__
    insert_refs(conn, (row for pk, mid, irt, refs in conn.execute(
        select(table.c.id, table.c.message_id, table.c.in_reply_to, table.c.references).where(table.c.id.in_(pks)))
        for row in make_ref_rows(pk, mid, irt, refs)))


def find_naming(conn: Connection, ids: Sequence[str]) -> set[int]:
    """Threads holding a message whose chain names one of these ids."""
    refs, table = MessageRef.__table__, Message.__table__
    return set(conn.execute(select(table.c.thread_id).distinct()
                            .join(refs, refs.c.message_pk == table.c.id)
                            .where(refs.c.ref.in_(ids), table.c.thread_id.isnot(None))).scalars())
