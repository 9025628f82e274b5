"""A batch the database rejects is stored again message by message: each message it still
rejects is quarantined with one line naming the message, the column when the database says
which, and the database's first line of complaint (never the SQL or its parameters)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from ingest.prepare import PreparedMessage, RejectedMessage
from ingest.store.mail import BatchCounts, Store


def describe_db_error(exc: DBAPIError, message_id: str | None = None) -> str:
    """'database rejected MSGID: value too long for type character varying(255) (column name)'."""
    orig = exc.orig if exc.orig is not None else exc
    lines = str(orig).strip().splitlines()
    reason = lines[0] if lines else type(orig).__name__
    diag = getattr(orig, "diag", None)
    column = getattr(diag, "column_name", None) if diag is not None else None
    table = getattr(diag, "table_name", None) if diag is not None else None
    where = f" (column {table + '.' if table else ''}{column})" if column else ""
    who = f" {message_id}" if message_id else ""
    return f"database rejected{who}: {reason}{where}"


def store_isolated(store: Store, items: Sequence[PreparedMessage | RejectedMessage],
                   list_name: str | None) -> BatchCounts:
    """Store each item in its own transaction; what the database rejects is quarantined."""
    total = BatchCounts()
    for item in items:
        try:
            counts = store.store_batch([item], list_name)
            store.session.commit()
        except DBAPIError as exc:
            store.session.rollback()
            store.load_caches()
            message_id = item.parsed.message_id if isinstance(item, PreparedMessage) else None
            rejected = RejectedMessage(item.source, item.position, describe_db_error(exc, message_id),
                                       item.raw_z, item.raw_size)
            counts = store.store_batch([rejected], list_name)
            store.session.commit()
        total.stored += counts.stored
        total.present += counts.present
        total.reused += counts.reused
        total.skipped.extend(counts.skipped)
    return total
