"""Read models of patch series: revisions (v1..vN) grouped by their stored revision key."""

from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import Message, Series, SeriesMessage
from kb.views import RevisionView, SeriesView

CHUNK = 2000
# "Re: [PATCH v2 1/3] " and "[RFC][PATCH] ": reply markers and bracketed tags before the title
_TAGS = re.compile(r"^(?:\s*(?:re|fwd?|aw)\s*:)*\s*(?:\[[^\]]*\]\s*)+", re.I)


def list_revisions(s: Session, limit: int = 100) -> list[RevisionView]:
    """The `limit` revisions with the most recent series, each with all its versions."""
    latest = func.max(Series.first_date)
    keys = list(s.scalars(select(Series.revision_key).group_by(Series.revision_key)
                          .order_by(latest.desc().nulls_last(), Series.revision_key).limit(limit)))
    return load_revisions(s, keys)


def find_revisions(s: Session, message_id: str) -> RevisionView | None:
    """The revisions of the series this message (cover letter or part) belongs to, if any."""
    key = s.scalar(select(Series.revision_key).join(SeriesMessage, SeriesMessage.series_id == Series.id)
                   .join(Message, Message.id == SeriesMessage.message_pk)
                   .where(Message.message_id == message_id.strip().strip("<>")).limit(1))
    if key is None:
        return None
    found = load_revisions(s, [key])
    return found[0] if found else None


def load_revisions(s: Session, keys: list[str]) -> list[RevisionView]:
    """Revisions in the order of `keys`; versions oldest first, the title of the latest."""
    rows: list[Series] = []
    for start in range(0, len(keys), CHUNK):
        rows.extend(s.scalars(select(Series).where(Series.revision_key.in_(keys[start:start + CHUNK]))))
    first: dict[int, tuple[int, str, str]] = {}
    parts: dict[int, int] = defaultdict(int)
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        for series_id, part, message_id, subject in s.execute(
                select(SeriesMessage.series_id, SeriesMessage.part, Message.message_id, Message.subject)
                .join(Message, Message.id == SeriesMessage.message_pk)
                .where(SeriesMessage.series_id.in_(ids[start:start + CHUNK]))):
            parts[series_id] += part > 0
            if series_id not in first or (part, message_id) < first[series_id][:2]:
                first[series_id] = (part, message_id, subject)
    grouped: dict[str, list[Series]] = defaultdict(list)
    for row in rows:
        grouped[row.revision_key].append(row)
    revisions = []
    for key in keys:
        members = sorted(grouped.get(key, []), key=lambda r: (r.version, r.first_date is None, r.first_date, r.id))
        if not members:
            continue
        views = tuple(view_series(r, parts[r.id], *first.get(r.id, (0, "", r.title))) for r in members)
        latest = max(views, key=lambda v: (v.first_date is not None, v.first_date, v.version))
        change_id = next((r.change_id for r in members if r.change_id), None)
        revisions.append(RevisionView(latest.title, latest.author_email, change_id, views))
    return revisions


def view_series(row: Series, parts: int, first_part: int, first_message_id: str, subject: str) -> SeriesView:
    if first_part == 0 and parts == 0 and row.total <= 1:
        parts, first_part = 1, 1     # a single unnumbered [PATCH] is stored as part 0: it is the patch
    tags = _TAGS.match(subject)
    title = subject[tags.end():].strip() if tags else subject.strip()
    tag = " ".join(re.findall(r"\[([^\]]*)\]", tags.group(0))) if tags else ""
    return SeriesView(row.id, title or row.title, row.author_email, row.version, row.total, parts, row.first_date,
                      first_message_id, row.change_id, tag, first_part)
