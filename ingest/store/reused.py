"""Reused Message-IDs: a second message with an id already taken and different content is kept
under a derived id, as public-inbox does, instead of being dropped as "present".

Content is the same when author address, Date and Subject agree (the same mail read from two
lists differs only in list headers). The derived id is `reused-SHA.ORIGINAL` (SHA: 12 hex digits
of that content), so a re-run derives the same id and finds the message present; a
MessageAlias row (method "reused-id") records the original, by which it is found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ingest.parse.bounds import MAX_ID_BYTES, cut_utf8
from ingest.parse.message import ParsedMessage
from ingest.prepare import PreparedMessage
from kb.models import REUSED_ID, Message, MessageAlias

Content = tuple[str, datetime | None, str]


def find_content(msg: ParsedMessage) -> Content:
    return msg.author.email, msg.date, msg.subject


def derive_reused_id(msg: ParsedMessage) -> str:
    digest = hashlib.sha1("\0".join((msg.author.email, msg.date_raw, msg.subject)).encode()).hexdigest()[:12]
    return cut_utf8(f"reused-{digest}.{msg.message_id}", MAX_ID_BYTES)


def rename_reused_ids(conn: Connection, prepared: Sequence[PreparedMessage]) -> tuple[list[PreparedMessage], int]:
    """The batch with reused ids replaced by derived ones, their aliases recorded; how many are new."""
    ids = list({item.parsed.message_id for item in prepared if not item.parsed.synthetic_id})
    known: dict[str, Content] = {}
    for start in range(0, len(ids), 500):
        known.update((mid, (email, date, subject)) for mid, email, date, subject in conn.execute(
            select(Message.message_id, Message.author_email, Message.date, Message.subject)
            .where(Message.message_id.in_(ids[start:start + 500]), ~Message.recovered)))
    out: list[PreparedMessage] = []
    aliases: dict[str, str] = {}
    for item in prepared:
        msg = item.parsed
        content = find_content(msg)
        first = known.setdefault(msg.message_id, content)
        if msg.synthetic_id or first == content:
            out.append(item)
            continue
        derived = derive_reused_id(msg)
        aliases[derived] = msg.message_id
        out.append(replace(item, parsed=replace(msg, message_id=derived, defects=(*msg.defects, "id:reused"))))
    if aliases:
        have = set(conn.execute(select(MessageAlias.alias).where(MessageAlias.alias.in_(list(aliases)))).scalars())
        new = [{"alias": a, "message_id": m, "method": REUSED_ID} for a, m in aliases.items() if a not in have]
        if new:
            conn.execute(insert(MessageAlias.__table__), new)
        return out, len(new)
    return out, 0

