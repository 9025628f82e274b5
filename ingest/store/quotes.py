"""Where a reply's depth-1 quotes came from, when the message they quote is in the KB.

An attribution line names a person; the parent (In-Reply-To) is the message the quote most
likely comes from. The link is kept when the two agree. A quote with no attribution is
aligned against the parent's body, ignoring whitespace and '>' markers (rewrapped and
re-quoted text still matches); when its words are found there, the quote gets the parent's
author and message, method "aligned". Only those few unattributed quotes pay for it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from kb.models import Message

from ingest.prepare import PreparedMessage

# (message_pk, kind, start, end, depth, person_name, person_email, quoted_message_id, method)
SegmentInsert = tuple[int, str, int, int, int, str, str, str | None, str]


def same_person(name: str, email: str, parent_name: str, parent_email: str) -> bool:
    if email and parent_email:
        return email.lower() == parent_email.lower()
    return bool(name) and name.lower() in parent_name.lower()


_NOISE = re.compile(r"[\s>]+")
MIN_ALIGNED_CHARS = 12


def strip_noise(text: str) -> str:
    return _NOISE.sub("", text)


def is_quoted_from(quote: str, stripped_original: str) -> bool:
    """Are the quote's words (its first 80 letters, when it was trimmed later) in the original?"""
    needle = strip_noise(quote)
    if len(needle) < MIN_ALIGNED_CHARS:
        return False
    return needle in stripped_original or needle[:80] in stripped_original


def needs_alignment(item: PreparedMessage) -> bool:
    return any(kind == "quote" and depth == 1 and not (name or email)
               for kind, _, _, depth, name, email in item.anatomy.segments)


def make_segment_rows(conn: Connection, items: Sequence[tuple[int, PreparedMessage]]) -> list[SegmentInsert]:
    parent_ids = list({item.parsed.in_reply_to for _, item in items if item.parsed.in_reply_to})
    parents = {row.message_id: row for row in conn.execute(
        select(Message.message_id, Message.author_name, Message.author_email)
        .where(Message.message_id.in_(parent_ids)))} if parent_ids else {}
    wanted = list({item.parsed.in_reply_to for _, item in items
                   if item.parsed.in_reply_to in parents and needs_alignment(item)})
    bodies = {message_id: strip_noise(body) for message_id, body in conn.execute(
        select(Message.message_id, Message.body).where(Message.message_id.in_(wanted)))} if wanted else {}
    rows: list[SegmentInsert] = []
    for pk, item in items:
        parent = parents.get(item.parsed.in_reply_to or "")
        reply_body: str | None = None
        for kind, start, end, depth, name, email in item.anatomy.segments:
            source, method = None, ""
            if kind == "quote" and (name or email):
                method = "attribution"
                if depth == 1 and parent is not None and same_person(name, email, parent.author_name,
                                                                       parent.author_email):
                    source = parent.message_id
            elif kind == "quote" and depth == 1 and parent is not None:
                if reply_body is None:
                    reply_body = zlib.decompress(item.body_z).decode("utf-8", "surrogatepass")
                if is_quoted_from(reply_body[start:end], bodies[parent.message_id]):
                    name, email, source, method = parent.author_name, parent.author_email, parent.message_id, "aligned"
            rows.append((pk, kind, start, end, depth, name, email, source, method))
    return rows
