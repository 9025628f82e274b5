"""The series stage: patch series and their revisions, from the subjects of the messages of
changed threads (the store loads the messages and saves the series; this module decides).

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
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from ingest.parse.change_id import find_change_id
from ingest.parse.subject import parse_subject
from ingest.store.series import (
    SeriesDraft, SeriesMember, SeriesMessageRow, SeriesRevision, delete_series_of, iter_bodies, load_revisions,
    load_series_messages, save_revision_keys, save_series,
)

KEY_LENGTH = 255    # the key columns' size


def rebuild_series(session: Session, thread_ids: Iterable[int]) -> int:
    """Replace the series of these threads and re-key the revisions they touch; the number of
    series written."""
    ids = list(thread_ids)
    if not ids:
        return 0
    conn = session.connection()
    groups = group_series_messages(load_series_messages(conn, ids))
    old = delete_series_of(conn, [m.message_pk for members in groups.values() for m in members])
    firsts = [m.message_pk for members in groups.values() for m in members if m.part == members[0].part]
    change_ids = find_change_ids(iter_bodies(conn, firsts))
    drafts = make_series_drafts(groups, change_ids)
    save_series(conn, drafts)
    pairs = {(d.title, d.author_email) for d in drafts} | old
    save_revision_keys(conn, choose_revision_keys(load_revisions(conn, pairs)))
    return len(drafts)


GroupKey = tuple[int, str, int]   # thread id, author, version


def group_series_messages(rows: Iterable[SeriesMessageRow]) -> dict[GroupKey, list[SeriesMember]]:
    """Non-reply patch messages grouped by thread, author and version, each group in part order
    (a part sent twice: the one stored first leads, whatever order the database returns rows in:
    the series' title and change-id are its first member's)."""
    groups: dict[GroupKey, list[SeriesMember]] = defaultdict(list)
    for row in rows:
        info = parse_subject(row.subject)
        if not info.is_patch or info.is_reply or info.is_forward:
            continue
        groups[(row.thread_id, row.author_email, info.version)].append(
            SeriesMember(info.part or 0, info.total or 1, row.date, row.pk, info.normalised))
    for members in groups.values():
        members.sort(key=lambda m: (m.part, m.message_pk))
    return groups


def find_change_ids(bodies: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Message pk -> b4 change-id, for the bodies that give one."""
    found: dict[int, str] = {}
    for pk, body in bodies:
        change_id = find_change_id(body)
        if change_id is not None:
            found[pk] = change_id
    return found


def make_series_drafts(groups: dict[GroupKey, list[SeriesMember]], change_ids: dict[int, str]) -> list[SeriesDraft]:
    drafts = []
    for (thread_id, email, version), members in groups.items():
        first = members[0]
        title = first.title
        dates = [m.date for m in members if m.date is not None]
        change_id = next((change_ids[m.message_pk] for m in members
                          if m.part == first.part and m.message_pk in change_ids), None)
        drafts.append(SeriesDraft(bound_key(f"{thread_id}|{email}|v{version}"), title, email, version,
                                  max(m.total for m in members), change_id,
                                  make_revision_key(title, email, change_id),
                                  min(dates) if dates else None, tuple(members)))
    return drafts


def choose_revision_keys(revisions: Sequence[SeriesRevision]) -> dict[int, str]:
    """Series id -> its new revision key, for the series whose key the rule above changes."""
    by_pair: dict[tuple[str, str], list[SeriesRevision]] = defaultdict(list)
    for revision in revisions:
        by_pair[(revision.title, revision.author_email)].append(revision)
    changes: dict[int, str] = {}
    for (title, email), members in by_pair.items():
        known = {r.change_id for r in members if r.change_id}
        adopted = next(iter(known)) if len(known) == 1 else None
        for r in members:
            wanted = make_revision_key(title, email, r.change_id or adopted)
            if wanted != r.revision_key:
                changes[r.series_id] = wanted
    return changes


def make_revision_key(title: str, email: str, change_id: str | None) -> str:
    return bound_key(f"change-id:{change_id}" if change_id else f"{title}|{email}")


def bound_key(key: str) -> str:
    """A key that fits its column: a long one (a very long title or address) keeps its first
    characters and ends in a digest of the whole."""
    if len(key) <= KEY_LENGTH:
        return key
    return f"{key[:KEY_LENGTH - 41]}#{hashlib.sha1(key.encode('utf-8', 'surrogatepass')).hexdigest()}"
