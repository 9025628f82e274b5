"""Read models of patch series: revisions (v1..vN) grouped by their stored revision key."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import Message, Series, SeriesMessage
from kb.views import RevisionView, SeriesView

CHUNK = 2000


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
    first: dict[int, tuple[int, str]] = {}
    parts: dict[int, int] = defaultdict(int)
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        for series_id, part, message_id in s.execute(
                select(SeriesMessage.series_id, SeriesMessage.part, Message.message_id)
                .join(Message, Message.id == SeriesMessage.message_pk)
                .where(SeriesMessage.series_id.in_(ids[start:start + CHUNK]))):
            parts[series_id] += 1
            if series_id not in first or (part, message_id) < first[series_id]:
                first[series_id] = (part, message_id)
    grouped: dict[str, list[Series]] = defaultdict(list)
    for row in rows:
        grouped[row.revision_key].append(row)
    revisions = []
    for key in keys:
        members = sorted(grouped.get(key, []), key=lambda r: (r.version, r.first_date is None, r.first_date, r.id))
        if not members:
            continue
        latest = max(members, key=lambda r: (r.first_date is not None, r.first_date, r.version))
        views = tuple(SeriesView(r.id, r.title, r.author_email, r.version, r.total, parts[r.id], r.first_date,
                                 first.get(r.id, (0, ""))[1], r.change_id) for r in members)
        change_id = next((r.change_id for r in members if r.change_id), None)
        revisions.append(RevisionView(latest.title, latest.author_email, change_id, views))
    return revisions
