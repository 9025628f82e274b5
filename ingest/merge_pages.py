"""The merge-pages stage: messages recovered from web pages are merged into the real messages
when those arrive (the store loads and rewrites the rows; this module decides the matches).

A recovered message matches a real one when the author agrees (address, else name), the
dates agree within a day (when both are known) and the recovered text's first words occur in
the real message's own lines (not in its `>` quotes: people quote their own earlier mail).
The recovered row is replaced by an alias, so replies recovered from the page now hang under
the real message and a re-ingest of the page adds nothing. The pages that lost a message this
way are then re-cut against the real bodies (`ingest/store/realign.py`): the messages quoting
it, and those it quotes, get their extent fixed by alignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from ingest.store.merge import MailRow, load_merge_candidates, load_recovered, replace_message
from ingest.store.realign import realign_pages

FIRST_WORDS = 8
DATE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Merged:
    merged: int                     # recovered messages replaced by their real counterpart
    realigned: tuple[str, ...]      # recovered messages whose text or extent alignment changed
    threads: frozenset[int] = frozenset()   # threads of both sides of each merge: to thread again


def merge_recovered(session: Session) -> Merged:
    """Replace recovered messages that have a real counterpart, then re-cut their pages."""
    recovered = load_recovered(session)
    if not recovered:
        return Merged(0, ())
    candidates = load_merge_candidates(session, {m.author_name for m in recovered if m.author_name},
                                       {m.author_email for m in recovered if m.author_email})
    matches = match_recovered(recovered, candidates)
    real_threads = {m.message_id: m.thread_id for m in candidates}
    for message, real_id in matches:
        replace_message(session, message, real_id)
    threads = {t for m, real_id in matches for t in (m.thread_id, real_threads.get(real_id)) if t is not None}
    return Merged(len(matches), tuple(realign_pages(session, {m.source for m, _ in matches})), frozenset(threads))


def match_recovered(recovered: Sequence[MailRow], candidates: Sequence[MailRow]) -> list[tuple[MailRow, str]]:
    """(recovered message, the real message-id it is) for each recovered message with a match."""
    names = {m.author_name.lower() for m in recovered if m.author_name}
    bodies: dict[int, str] = {}
    matches = []
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
            if real.pk not in bodies:
                bodies[real.pk] = normalise_words(find_unquoted_text(real.body))
            if words in bodies[real.pk]:
                matches.append((message, real.message_id))
                break
    return matches


def normalise_words(text: str) -> str:
    return " ".join("".join(c.lower() if c.isalnum() else " " for c in text).split())


def find_unquoted_text(body: str) -> str:
    return "\n".join(line for line in body.split("\n") if not line.lstrip().startswith(">"))

