"""Patch series and their revisions, from the subjects of the messages in changed threads.

A series is one author's non-reply `[PATCH vN m/n]` messages of one thread at one version
(the cover letter and its parts); its revisions v1..vN share the normalised title of the
cover letter (or of the single patch / first part) and the author.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kb.models import Message, Series, SeriesMessage

from ingest.parse.subject import parse_subject


def rebuild_series(session: Session, thread_ids: Iterable[int]) -> int:
    ids = list(thread_ids)
    if not ids:
        return 0
    conn = session.connection()
    groups: dict[tuple[int, str, int], list[tuple[int, int, object, int, str]]] = defaultdict(list)
    for start in range(0, len(ids), 2000):
        rows = conn.execute(select(Message.id, Message.thread_id, Message.subject, Message.author_email,
                                   Message.date).where(Message.thread_id.in_(ids[start:start + 2000]))).all()
        for pk, thread_id, subject, email, date in rows:
            info = parse_subject(subject)
            if not info.is_patch or info.is_reply or info.is_forward:
                continue
            groups[(thread_id, email, info.version)].append((info.part or 0, info.total or 1, date, pk,
                                                             info.normalised))
    pks = [pk for members in groups.values() for *_, pk, _ in members]
    old = set(conn.execute(select(SeriesMessage.series_id).where(SeriesMessage.message_pk.in_(pks))).scalars())
    if old:
        conn.execute(delete(SeriesMessage).where(SeriesMessage.series_id.in_(old)))
        conn.execute(delete(Series).where(Series.id.in_(old)))
    rows = []
    for (thread_id, email, version), members in groups.items():
        members.sort(key=lambda m: m[0])
        title = members[0][4]
        dates = [m[2] for m in members if m[2] is not None]
        rows.append({"key": f"{thread_id}|{email}|v{version}", "title": title, "author_email": email,
                     "version": version, "total": max(m[1] for m in members), "revision_key": f"{title}|{email}",
                     "first_date": min(dates) if dates else None})
    if not rows:
        return 0
    conn.execute(insert(Series.__table__), rows)
    keys = [row["key"] for row in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(keys), 2000):
        ids.update(conn.execute(select(Series.key, Series.id).where(Series.key.in_(keys[start:start + 2000]))).all())
    conn.execute(insert(SeriesMessage.__table__), [
        {"series_id": ids[f"{thread_id}|{email}|v{version}"], "message_pk": m[3], "part": m[0]}
        for (thread_id, email, version), members in groups.items() for m in members])
    return len(rows)
