"""Merging messages recovered from web pages into the real messages when those arrive.

A recovered message matches a real one when the author agrees (address, else name), the
dates agree within a day (when both are known) and the recovered text's first words occur in
the real message's own lines (not in its `>` quotes: people quote their own earlier mail).
The recovered row is replaced by an alias, so replies recovered from the page now hang under
the real message and a re-ingest of the page adds nothing. The pages that lost a message this
way are then re-cut against the real bodies (`realign.py`): the messages quoting it, and
those it quotes, get their extent fixed by alignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kb.models import Message, MessageAlias

from ingest.store.realign import hand_on_page_raw, realign_pages

FIRST_WORDS = 8
DATE_SLACK = timedelta(days=1)


def normalise_words(text: str) -> str:
    return " ".join("".join(c.lower() if c.isalnum() else " " for c in text).split())


def find_unquoted_text(body: str) -> str:
    return "\n".join(line for line in body.split("\n") if not line.lstrip().startswith(">"))


def find_aliases(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(session.execute(select(MessageAlias.alias, MessageAlias.message_id)
                                .where(MessageAlias.alias.in_(ids))).all())


@dataclass(frozen=True)
class Merged:
    merged: int                     # recovered messages replaced by their real counterpart
    realigned: tuple[str, ...]      # recovered messages whose text or extent alignment changed


def merge_recovered(session: Session) -> Merged:
    """Replace recovered messages that have a real counterpart, then re-cut their pages."""
    recovered = list(session.scalars(select(Message).where(Message.recovered)))
    if not recovered:
        return Merged(0, ())
    names = {m.author_name.lower() for m in recovered if m.author_name}
    emails = {m.author_email for m in recovered if m.author_email}
    candidates = list(session.scalars(select(Message).where(
        ~Message.recovered, (Message.author_email.in_(emails)) | (Message.author_name.in_(
            [m.author_name for m in recovered if m.author_name])))))
    if not candidates:
        return Merged(0, ())
    merged = 0
    pages: set[str] = set()
    bodies: dict[int, str] = {}
    for message in recovered:
        words = " ".join(normalise_words(message.body).split()[:FIRST_WORDS])
        if not words:
            continue
        for real in candidates:
            same_author = (message.author_email and message.author_email == real.author_email) or (
                message.author_name and message.author_name.lower() == real.author_name.lower()
                and message.author_name.lower() in names)
            close = message.date is None or real.date is None or abs(message.date - real.date) <= DATE_SLACK
            if not (same_author and close):
                continue
            if real.id not in bodies:
                bodies[real.id] = normalise_words(find_unquoted_text(real.body))
            if words in bodies[real.id]:
                pages.add(message.source)
                replace_message(session, message, real.message_id)
                merged += 1
                break
    return Merged(merged, tuple(realign_pages(session, pages)))


def replace_message(session: Session, recovered: Message, real_id: str) -> None:
    old = recovered.message_id
    session.execute(update(Message).where(Message.in_reply_to == old).values(in_reply_to=real_id))
    for child in session.scalars(select(Message).where(Message.recovered, Message.references.isnot(None))):
        if old in (child.references or []):
            child.references = [real_id if ref == old else ref for ref in child.references]
    session.execute(insert(MessageAlias).values(alias=old, message_id=real_id, method="author+date+text"))
    hand_on_page_raw(session, recovered)
    session.execute(delete(Message).where(Message.id == recovered.id))
    session.flush()
