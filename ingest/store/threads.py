"""Threads in and out of the database: the messages' links out, the thread stage's trees in.

Only the threads new messages join are loaded and threaded again (`load_thread_links`: found
through `message_refs` by index, so the stage's cost follows the batch, not the KB).
`save_threads` writes them in one transaction (messages never sit in a half-written thread),
with each member's place in the reply order (`thread_rank`, `thread_depth`) that the
readers show, and forgets the ledger rows of every thread whose membership or shape changed.
A thread that is no longer one hands its facts to the thread that took its messages
(`ingest/store/follow.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from kb.ledger import forget_threads
from kb.models import Message, Thread

from ingest.store.follow import retire_threads
from ingest.store.refs import find_naming
from ingest.thread import ThreadLink, ThreadTree, build_chain


@dataclass(frozen=True)
class Rethreaded:
    threads: int             # in the KB
    changed: frozenset[int]  # thread ids whose membership or shape changed


@dataclass(frozen=True)
class StoredLinks:
    links: tuple[ThreadLink, ...]
    rows: dict[str, Any]  # message-id -> (id, message_id, subject, date, thread_id, parent, rank, depth)
    threads: frozenset[int] = frozenset()  # the stored threads these messages make up (all or part)


LINK_CHUNK = 500   # ids per IN (...) lookup


def load_thread_links(session: Session, also: Iterable[int] = ()) -> StoredLinks:
    """The messages to thread, with their threading headers and where they sit now: those no
    thread holds yet (new, or handed back), and every message of the threads they join, or of
    `also` (threads whose messages' links another stage changed).

    A stored thread is a connected component of the reply graph, ghosts included, so a new
    message joins exactly the threads that hold an id of its chain or its own id, as a message
    or as a ghost (named in a member's chain), and those whose root it is (a thread whose
    messages were all handed back): found by index, whatever the size of the KB. Rows come in
    storage order, the input order threading breaks ties by."""
    conn = session.connection()
    table = Message.__table__
    columns = (table.c.id, table.c.message_id, table.c.in_reply_to, table.c.references, table.c.subject,
               table.c.date, table.c.thread_id, table.c.parent_message_id, table.c.thread_rank, table.c.thread_depth)
    rows = list(conn.execute(select(*columns).where(table.c.thread_id.is_(None))).all())
    ids = sorted({mid for row in rows for mid in (row.message_id, *make_chain(row))})
    threads = set(also)
    for start in range(0, len(ids), LINK_CHUNK):
        chunk = ids[start:start + LINK_CHUNK]
        threads.update(t for t in conn.execute(select(table.c.thread_id).distinct().where(
            table.c.message_id.in_(chunk), table.c.thread_id.isnot(None))).scalars())
        threads.update(find_naming(conn, chunk))
        threads.update(conn.execute(select(Thread.id).where(Thread.root_message_id.in_(chunk))).scalars())
    members = sorted(threads)
    for start in range(0, len(members), LINK_CHUNK):
        rows.extend(conn.execute(select(*columns).where(table.c.thread_id.in_(members[start:start + LINK_CHUNK]))))
    rows.sort(key=lambda r: r.id)
    links = tuple(ThreadLink(r.message_id, r.in_reply_to, tuple(r.references or ()), r.subject, r.date)
                  for r in rows)
    return StoredLinks(links, {r.message_id: r for r in rows}, frozenset(threads))


def make_chain(row: Any) -> list[str]:
    return build_chain(ThreadLink(row.message_id, row.in_reply_to, tuple(row.references or ()), "", None))


def find_depths(tree: ThreadTree) -> dict[str, int]:
    """Each member's depth below its thread's top, counting present messages only: a reply to
    a message kb lacks sits one below the nearest present message above it."""
    members = set(tree.members)
    depths: dict[str, int] = {}
    for message_id in tree.members:  # depth-first: every ancestor comes before its replies
        up = tree.parents.get(message_id)
        while up is not None and up not in members:
            up = tree.parents.get(up)
        depths[message_id] = depths[up] + 1 if up is not None else 0
    return depths


def save_threads(session: Session, stored: StoredLinks, trees: Sequence[ThreadTree]) -> Rethreaded:
    """Write the trees of `stored`'s messages: thread rows, each member's thread, parent and place;
    the stored threads they replace go. Threads they do not touch stay as they are."""
    conn = session.connection()
    by_id = stored.rows
    touched = sorted(stored.threads)
    old = [row for start in range(0, len(touched), LINK_CHUNK) for row in conn.execute(
        select(Thread.root_message_id, Thread.id, Thread.message_count)
        .where(Thread.id.in_(touched[start:start + LINK_CHUNK])))]
    threads = {root: pk for root, pk, _ in old}
    counts = {root: count for root, _, count in old}
    values: dict[str, dict[str, object]] = {}
    for tree in trees:
        members = [by_id[m] for m in tree.members if m in by_id]
        if not members:
            continue
        dates = [m.date for m in members if m.date is not None]
        root = by_id.get(tree.root_id) or members[0]
        values[tree.root_id] = {"subject": root.subject, "message_count": len(members),
                                "first_date": min(dates) if dates else None, "last_date": max(dates) if dates else None}
    new_roots = [root for root in values if root not in threads]
    if new_roots:
        conn.execute(insert(Thread.__table__), [{"root_message_id": root, **values[root]} for root in new_roots])
        threads.update(conn.execute(select(Thread.root_message_id, Thread.id)
                                    .where(Thread.root_message_id.in_(new_roots))).all())
    kept = [{"p_id": threads[root], **row} for root, row in values.items() if root not in new_roots]
    if kept:
        conn.execute(update(Thread.__table__).where(Thread.__table__.c.id == bindparam("p_id")), kept)
    updates = []
    changed = {threads[root] for root, row in values.items() if root in counts and counts[root] != row["message_count"]}
    for tree in trees:
        thread_id = threads.get(tree.root_id)
        depths = find_depths(tree)
        for rank, message_id in enumerate(tree.members):
            member = by_id.get(message_id)
            if member is None or thread_id is None:
                continue
            wanted = (thread_id, tree.parents.get(message_id), rank, depths[message_id])
            if (member.thread_id, member.parent_message_id, member.thread_rank, member.thread_depth) != wanted:
                updates.append({"p_pk": member.id, "thread_id": wanted[0], "parent_message_id": wanted[1],
                                "thread_rank": rank, "thread_depth": wanted[3]})
                changed.update(t for t in (thread_id, member.thread_id) if t is not None)
    if updates:
        table = Message.__table__
        conn.execute(update(table).where(table.c.id == bindparam("p_pk")), updates)
    stale = set(threads.values()) - {threads[root] for root in values}
    home = {m: threads[tree.root_id] for tree in trees if tree.root_id in threads for m in tree.members}
    retire_threads(session, sorted(stale), by_id, home)
    changed = (changed | {threads[root] for root in new_roots}) - stale
    forget_threads(session, changed)
    return Rethreaded(conn.execute(select(func.count()).select_from(Thread.__table__)).scalar_one(),
                      frozenset(changed))
