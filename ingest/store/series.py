"""Loading and saving patch series: what the series stage (ingest.series) reads and decides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from kb.models import Message, Series, SeriesMessage

from ingest.store.findings import iter_chunks

CHUNK = 2000


@dataclass(frozen=True)
class SeriesMessageRow:
    """What the series stage reads of a stored message."""
    pk: int
    thread_id: int
    subject: str | None
    author_email: str
    date: datetime | None


@dataclass(frozen=True)
class SeriesMember:
    """One message of a series: its part, the series' total, date, pk and normalised title."""
    part: int
    total: int
    date: datetime | None
    message_pk: int
    title: str


@dataclass(frozen=True)
class SeriesDraft:
    """One series to save: its key, title, author, version, parts and revision key."""
    key: str
    title: str
    author_email: str
    version: int
    total: int
    change_id: str | None
    revision_key: str
    first_date: datetime | None
    members: tuple[SeriesMember, ...]


@dataclass(frozen=True)
class SeriesRevision:
    """A stored series as the revision rule sees it."""
    series_id: int
    title: str
    author_email: str
    change_id: str | None
    revision_key: str


def load_series_messages(conn: Connection, thread_ids: Sequence[int]) -> Iterator[SeriesMessageRow]:
    for chunk in iter_chunks(list(thread_ids), CHUNK):
        for pk, thread_id, subject, email, date in conn.execute(
                select(Message.id, Message.thread_id, Message.subject, Message.author_email, Message.date)
                .where(Message.thread_id.in_(chunk))):
            yield SeriesMessageRow(pk, thread_id, subject, email, date)


def delete_series_of(conn: Connection, message_pks: Sequence[int]) -> set[tuple[str, str]]:
    """Delete the series these messages belong to; their (title, author) pairs."""
    old: dict[int, tuple[str, str]] = {}
    for chunk in iter_chunks(list(message_pks), CHUNK):
        old.update((sid, (title, email)) for sid, title, email in conn.execute(
            select(Series.id, Series.title, Series.author_email)
            .join(SeriesMessage, SeriesMessage.series_id == Series.id)
            .where(SeriesMessage.message_pk.in_(chunk))).all())
    if old:
        conn.execute(delete(SeriesMessage).where(SeriesMessage.series_id.in_(old)))
        conn.execute(delete(Series).where(Series.id.in_(old)))
    return set(old.values())


def iter_bodies(conn: Connection, pks: Sequence[int]) -> Iterator[tuple[int, str]]:
    for chunk in iter_chunks(list(pks), CHUNK):
        for pk, body in conn.execute(select(Message.id, Message.body).where(Message.id.in_(chunk))):
            yield pk, body or ""


def save_series(conn: Connection, drafts: Sequence[SeriesDraft]) -> None:
    if not drafts:
        return
    conn.execute(insert(Series.__table__), [
        {"key": d.key, "title": d.title, "author_email": d.author_email, "version": d.version, "total": d.total,
         "change_id": d.change_id, "revision_key": d.revision_key, "first_date": d.first_date} for d in drafts])
    series_ids: dict[str, int] = {}
    for chunk in iter_chunks([d.key for d in drafts], CHUNK):
        series_ids.update(conn.execute(select(Series.key, Series.id).where(Series.key.in_(chunk))).all())
    conn.execute(insert(SeriesMessage.__table__), [
        {"series_id": series_ids[d.key], "message_pk": m.message_pk, "part": m.part}
        for d in drafts for m in d.members])


def load_revisions(conn: Connection, pairs: Iterable[tuple[str, str]]) -> list[SeriesRevision]:
    """Every stored series of these (title, author) pairs."""
    wanted = set(pairs)
    found: list[SeriesRevision] = []
    for chunk in iter_chunks(sorted({title for title, _ in wanted}), CHUNK):
        for row in conn.execute(select(Series.id, Series.title, Series.author_email, Series.change_id,
                                       Series.revision_key).where(Series.title.in_(chunk))):
            if (row.title, row.author_email) in wanted:
                found.append(SeriesRevision(*row))
    return found


def save_revision_keys(conn: Connection, keys: dict[int, str]) -> None:
    if keys:
        table = Series.__table__
        conn.execute(update(table).where(table.c.id == bindparam("p_id")).values(revision_key=bindparam("p_key")),
                     [{"p_id": pk, "p_key": key} for pk, key in keys.items()])
