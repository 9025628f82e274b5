"""Recovered page messages re-cut by the real messages they quote, once kb holds those.

Whichever arrives first, the page or the archive, `merge_recovered()` ends up replacing a
recovered message by its real counterpart and leaving a MessageAlias. The page's other
recovered messages are then re-cut here: the page is parsed again from its stored bytes (the
`raw` of one of its recovered rows), every page message that has an alias gets the real
body as its original, and `webpage_align.align_page()` decides each remaining message's text
and extent. Only rows whose text or provenance changed are written, so a second run (or a
re-ingest of the page) changes nothing; their threads forget their ledger rows in the same
transaction, so extraction and the index see the new text.

The page bytes live on one recovered row of the page (its top message when stored); when
that row is merged away, `hand_on_page_raw()` moves them to a recovered row that stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kb.blobs import BlobError, unpack_blob
from kb.ledger import forget_threads, record_index_removals
from kb.models import Message, MessageAlias

from ingest.sources.webpage import RecoveredPage, parse_page
from ingest.sources.webpage_align import Original, align_page
from ingest.store.follow import retire_threads
from ingest.store.series import delete_series_of

MAX_PAGE_BYTES = 16 * 1024 * 1024   # stored page bytes inflated for realignment, at most
PAGE_COLUMNS = ("body", "subject", "in_reply_to", "references")   # what a page's cut decides of a row


def realign_pages(session: Session, sources: Iterable[str]) -> list[str]:
    """Re-cut the recovered messages of the pages stored from `sources`; the message-ids changed."""
    sources = sorted(set(sources))
    if not sources:
        return []
    holders = session.execute(select(Message.source, Message.raw).where(
        Message.recovered, Message.source.in_(sources), Message.raw_size > 0)).all()
    changed: list[str] = []
    for source, raw in holders:
        loaded = load_page(raw, source)
        if loaded is not None:
            changed.extend(realign_page(session, *loaded))
    forget_threads(session, find_thread_ids(session, changed))  # their findings and index entries are stale
    return changed


def load_page(raw: bytes | None, source: str) -> tuple[RecoveredPage, str] | None:
    """The page parsed again from its stored bytes, as the ingest parsed it; None if unreadable."""
    try:
        data = unpack_blob(raw or b"", MAX_PAGE_BYTES)
    except BlobError:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        return parse_page(text, source), text
    except Exception:  # noqa: BLE001 - a page that no longer parses keeps its stored cut
        return None


def realign_page(session: Session, page: RecoveredPage, text: str) -> list[str]:
    """Align one page against the real messages its merged messages became; write what changed."""
    ids = [m.message_id for m in page.messages]
    aliases = dict(session.execute(select(MessageAlias.alias, MessageAlias.message_id)
                                   .where(MessageAlias.alias.in_(ids))).all())
    if not aliases:
        return []
    bodies = dict(session.execute(select(Message.message_id, Message.body).where(
        Message.message_id.in_(set(aliases.values())), ~Message.recovered)).all())
    originals = {index: Original(aliases[mid], bodies[aliases[mid]]) for index, mid in enumerate(ids)
                 if mid in aliases and aliases[mid] in bodies}
    if not originals:
        return []
    try:
        fixed = align_page(page, text, originals)
    except Exception:  # noqa: BLE001 - untrusted page text: a page alignment fails on keeps its cut
        return []
    rows = session.execute(select(Message.id, Message.message_id, Message.body, Message.provenance).where(
        Message.recovered, Message.message_id.in_(ids))).all()
    by_id = {m.message_id: m for m in fixed.messages}
    changed = []
    for pk, message_id, body, provenance in rows:
        message = by_id[message_id]
        wanted = dict(provenance or {}, extent=message.extent, aligned_with=list(message.aligned_with),
                      first_words=message.first_words)
        if body == message.text and wanted == provenance:
            continue
        session.execute(update(Message).where(Message.id == pk).values(body=message.text, provenance=wanted))
        changed.append(message_id)
    return changed


def replace_page_cut(session: Session, source: str, cut: Sequence[str],
                     wanted: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Make the rows stored from page `source` today's cut (`cut`: its message ids, top first),
    where an older page reader cut it otherwise: rows today's cut lacks go (the page bytes they
    hold pass to the topmost row that stays), and kept rows get today's `wanted` columns (body, subject,
    in_reply_to, references) where they differ. When a row goes or a parent changes, the page's
    threads go too and its messages are threaded anew (extraction and the index follow). Returns
    the message ids rewritten."""
    rows = session.execute(select(Message.id, Message.message_id, Message.thread_id, Message.raw_size, *(
        getattr(Message, column) for column in PAGE_COLUMNS)).where(Message.recovered, Message.source == source)).all()
    keep = set(cut)
    gone = [row for row in rows if row.message_id not in keep]
    changed, moved = [], False
    for row in rows:
        want = wanted.get(row.message_id)
        if want is None or all(getattr(row, column) == want[column] for column in PAGE_COLUMNS):
            continue
        session.execute(update(Message).where(Message.id == row.id).values(**want))
        changed.append(row.message_id)
        moved |= (row.in_reply_to, row.references) != (want["in_reply_to"], want["references"])
    if gone or moved:
        delete_series_of(session.connection(), [row.id for row in rows])    # keyed by the threads that go
        threads = sorted({row.thread_id for row in rows if row.thread_id is not None})
        session.execute(update(Message).where(Message.thread_id.in_(threads)).values(
            thread_id=None, parent_message_id=None, thread_rank=None, thread_depth=None))
        retire_threads(session, threads, {}, {})
    holder = next((row for row in gone if row.raw_size), None)
    kept = sorted((row for row in rows if row.message_id in keep), key=lambda row: cut.index(row.message_id))
    if holder is not None and kept and not any(row.raw_size for row in kept):
        session.execute(update(Message).where(Message.id == kept[0].id).values(
            raw=select(Message.raw).where(Message.id == holder.id).scalar_subquery(), raw_size=holder.raw_size))
    if gone:
        session.execute(delete(Message).where(Message.id.in_([row.id for row in gone])))
        record_index_removals(session, [row.message_id for row in gone])
    forget_threads(session, find_thread_ids(session, changed))
    return changed


def hand_on_page_raw(session: Session, pk: int, message_id: str, source: str) -> None:
    """Before row `pk` is merged away: give the page bytes it holds to a recovered row that stays."""
    raw = session.scalar(select(Message.raw).where(Message.id == pk, Message.raw_size > 0))
    loaded = load_page(raw, source) if raw else None
    if loaded is None:
        return
    ids = [m.message_id for m in loaded[0].messages if m.message_id != message_id]
    heir = session.scalar(select(Message.id).where(Message.recovered, Message.message_id.in_(ids))
                          .order_by(Message.id).limit(1))
    if heir is not None:
        size = session.scalar(select(Message.raw_size).where(Message.id == pk))
        session.execute(update(Message).where(Message.id == heir).values(raw=raw, raw_size=size))


def find_thread_ids(session: Session, message_ids: Iterable[str]) -> frozenset[int]:
    ids = list(set(message_ids))
    if not ids:
        return frozenset()
    return frozenset(t for t in session.scalars(select(Message.thread_id).where(Message.message_id.in_(ids)))
                     if t is not None)
