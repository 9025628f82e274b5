"""Patch series and their revisions, from the subjects of the messages in changed threads.

A series is one author's non-reply `[PATCH vN m/n]` messages of one thread at one version
(the cover letter and its parts). Its change-id is the b4 `change-id:` line of its first
message (the cover letter, or the single patch / first part; see ingest.parse.change_id).

Revisions (v1..vN of one series) share a `revision_key`:
- a series with a change-id is keyed by it (`change-id:<id>`), so revisions group even when
  the title or the author's address changed between versions;
- a series without one joins the change-id of the series with the same normalised title and
  author when exactly one change-id is known among them (a v1 sent before the author used b4,
  or whose cover letter lost its footer, groups with its b4-sent v2..vN);
- otherwise (no change-id, or several for that title + author, e.g. a reused "fix typo"
  title) it is keyed by normalised title + author (`<title>|<email>`), as before change-ids.
The rule depends only on the stored series, never on ingest order: every rebuild re-keys all
series that share a title + author with a series it wrote or removed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kb.models import Message, Series, SeriesMessage

from ingest.parse.change_id import find_change_id
from ingest.parse.subject import parse_subject
from ingest.store.findings import iter_chunks

CHUNK = 2000
Member = tuple[int, int, object, int, str]   # part, total, date, message pk, normalised title


def rebuild_series(session: Session, thread_ids: Iterable[int]) -> int:
    ids = list(thread_ids)
    if not ids:
        return 0
    conn = session.connection()
    groups: dict[tuple[int, str, int], list[Member]] = defaultdict(list)
    for chunk in iter_chunks(ids, CHUNK):
        rows = conn.execute(select(Message.id, Message.thread_id, Message.subject, Message.author_email,
                                   Message.date).where(Message.thread_id.in_(chunk))).all()
        for pk, thread_id, subject, email, date in rows:
            info = parse_subject(subject)
            if not info.is_patch or info.is_reply or info.is_forward:
                continue
            groups[(thread_id, email, info.version)].append((info.part or 0, info.total or 1, date, pk,
                                                             info.normalised))
    pks = [pk for members in groups.values() for *_, pk, _ in members]
    old: dict[int, tuple[str, str]] = {}
    for chunk in iter_chunks(pks, CHUNK):
        old.update((sid, (title, email)) for sid, title, email in conn.execute(
            select(Series.id, Series.title, Series.author_email)
            .join(SeriesMessage, SeriesMessage.series_id == Series.id)
            .where(SeriesMessage.message_pk.in_(chunk))).all())
    if old:
        conn.execute(delete(SeriesMessage).where(SeriesMessage.series_id.in_(old)))
        conn.execute(delete(Series).where(Series.id.in_(old)))
    for members in groups.values():
        members.sort(key=lambda m: m[0])
    change_ids = read_change_ids(conn, [m[3] for members in groups.values() for m in members
                                        if m[0] == members[0][0]])
    rows = []
    keys = {group: bound_key("{}|{}|v{}".format(*group)) for group in groups}   # thread id | author | vN
    for group, members in groups.items():
        _thread_id, email, version = group
        title = members[0][4]
        dates = [m[2] for m in members if m[2] is not None]
        change_id = next((change_ids[m[3]] for m in members if m[0] == members[0][0] and m[3] in change_ids), None)
        rows.append({"key": keys[group], "title": title, "author_email": email,
                     "version": version, "total": max(m[1] for m in members), "change_id": change_id,
                     "revision_key": make_revision_key(title, email, change_id),
                     "first_date": min(dates) if dates else None})
    if rows:
        conn.execute(insert(Series.__table__), rows)
        series_ids: dict[str, int] = {}
        for chunk in iter_chunks(list(keys.values()), CHUNK):
            series_ids.update(conn.execute(select(Series.key, Series.id).where(Series.key.in_(chunk))).all())
        conn.execute(insert(SeriesMessage.__table__), [
            {"series_id": series_ids[keys[group]], "message_pk": m[3], "part": m[0]}
            for group, members in groups.items() for m in members])
    rekey_revisions(conn, {(row["title"], row["author_email"]) for row in rows} | set(old.values()))
    return len(rows)


def read_change_ids(conn: Connection, pks: list[int]) -> dict[int, str]:
    """Message pk -> b4 change-id, for those of these messages whose body gives one."""
    found: dict[int, str] = {}
    for chunk in iter_chunks(pks, CHUNK):
        for pk, body in conn.execute(select(Message.id, Message.body).where(Message.id.in_(chunk))):
            change_id = find_change_id(body or "")
            if change_id is not None:
                found[pk] = change_id
    return found


def make_revision_key(title: str, email: str, change_id: str | None) -> str:
    return bound_key(f"change-id:{change_id}" if change_id else f"{title}|{email}")


KEY_LENGTH = 255    # the key columns' size


def bound_key(key: str) -> str:
    """A key that fits its column: a long one (a very long title or address) keeps its first
    characters and ends in a digest of the whole."""
    if len(key) <= KEY_LENGTH:
        return key
    return f"{key[:KEY_LENGTH - 41]}#{hashlib.sha1(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def rekey_revisions(conn: Connection, pairs: set[tuple[str, str]]) -> int:
    """Re-key every series of these (title, author) pairs by the rule above; the number changed."""
    titles = sorted({title for title, _ in pairs})
    found: dict[tuple[str, str], list[tuple[int, str | None, str]]] = defaultdict(list)
    for chunk in iter_chunks(titles, CHUNK):
        for pk, title, email, change_id, key in conn.execute(
                select(Series.id, Series.title, Series.author_email, Series.change_id, Series.revision_key)
                .where(Series.title.in_(chunk))):
            if (title, email) in pairs:
                found[(title, email)].append((pk, change_id, key))
    changes = []
    for (title, email), members in found.items():
        known = {change_id for _, change_id, _ in members if change_id}
        adopted = next(iter(known)) if len(known) == 1 else None
        for pk, change_id, key in members:
            wanted = make_revision_key(title, email, change_id or adopted)
            if wanted != key:
                changes.append({"p_id": pk, "p_key": wanted})
    if changes:
        table = Series.__table__
        conn.execute(update(table).where(table.c.id == bindparam("p_id")).values(revision_key=bindparam("p_key")),
                     changes)
    return len(changes)
