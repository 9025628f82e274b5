"""Where a reply's depth-1 quotes came from, when the message they quote is in the KB.

An attribution line names a person; the parent (In-Reply-To) is the message the quote most
likely comes from. The link is kept when the two agree. A quote with no attribution is
aligned against the parent's body, ignoring whitespace and '>' markers (rewrapped and
re-quoted text still matches); when its words are found there, the quote gets the parent's
author and message, method "aligned". Only those few unattributed quotes pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from kb.blobs import unpack_blob
from kb.models import Message

from ingest.prepare import PreparedMessage

# (message_pk, kind, start, end, depth, person_name, person_email, quoted_message_id, method)
SegmentInsert = tuple[int, str, int, int, int, str, str, str | None, str]


def same_person(name: str, email: str, parent_name: str, parent_email: str) -> bool:
    if email and parent_email:
        return email.lower() == parent_email.lower()
    return bool(name) and name.lower() in parent_name.lower()


MIN_ALIGNED_CHARS = 12


def strip_noise(text: str) -> str:
    """The text without whitespace or '>' markers (str.split: 3x faster than a regex)."""
    return "".join(text.replace(">", " ").split())


def is_quoted_from(quote: str, stripped_original: str) -> bool:
    """Are the quote's words (its first 80 letters, when it was trimmed later) in the original?"""
    needle = strip_noise(quote)
    if len(needle) < MIN_ALIGNED_CHARS:
        return False
    return needle in stripped_original or needle[:80] in stripped_original


def find_first_quotes(item: PreparedMessage) -> list[int]:
    """Indices of the message's depth-1 quote segments: the ones its parent may have written."""
    return [k for k, segment in enumerate(item.anatomy.segments) if segment[3] == 1 and segment[0] == "quote"]


def needs_alignment(item: PreparedMessage, first_quotes: list[int]) -> bool:
    """Has the message a depth-1 quote no attribution line names?"""
    segments = item.anatomy.segments
    return any(not (segments[k][4] or segments[k][5]) for k in first_quotes)


def make_segment_rows(conn: Connection, items: Sequence[tuple[int, PreparedMessage]]) -> list[SegmentInsert]:
    """The segment rows of stored messages: as the worker made them, depth-1 quotes tied to
    the parent message when it is in the KB."""
    replies = [(pk, item, find_first_quotes(item)) for pk, item in items if item.headers.in_reply_to]
    parent_ids = list({item.headers.in_reply_to for _, item, first in replies if first})
    parents = {row.message_id: row for row in conn.execute(
        select(Message.message_id, Message.author_name, Message.author_email)
        .where(Message.message_id.in_(parent_ids)))} if parent_ids else {}
    wanted = list({item.headers.in_reply_to for _, item, first in replies
                   if item.headers.in_reply_to in parents and needs_alignment(item, first)})
    bodies = {message_id: strip_noise(body) for message_id, body in conn.execute(
        select(Message.message_id, Message.body).where(Message.message_id.in_(wanted)))} if wanted else {}
    ties = {pk: (first, parent) for pk, item, first in replies
            if first and (parent := parents.get(item.headers.in_reply_to or "")) is not None}
    rows: list[SegmentInsert] = []
    for pk, item in items:
        key = (pk,)
        own = [key + segment for segment in item.anatomy.segments]
        if pk in ties:
            first, parent = ties[pk]
            tie_first_quotes(own, first, item.body_z, parent, bodies)
        rows.extend(own)
    return rows


def tie_first_quotes(rows: list[SegmentInsert], first_quotes: list[int], body_z: bytes, parent: Row[Any],
                     bodies: dict[str, str]) -> None:
    """Depth-1 quotes from the parent: confirmed by their attribution's person, or, with no
    attribution, aligned against the parent's body."""
    reply_body: str | None = None
    for k in first_quotes:
        pk, kind, start, end, depth, name, email, _source, method = rows[k]
        if name or email:
            if same_person(name, email, parent.author_name, parent.author_email):
                rows[k] = (pk, kind, start, end, depth, name, email, parent.message_id, method)
            continue
        if reply_body is None:
            reply_body = unpack_blob(body_z).decode("utf-8", "surrogatepass")
        if is_quoted_from(reply_body[start:end], bodies[parent.message_id]):
            rows[k] = (pk, kind, start, end, depth, parent.author_name, parent.author_email,
                       parent.message_id, "aligned")
