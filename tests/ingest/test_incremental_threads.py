"""The thread stage re-threads only what new mail touches, and ends where threading all of it would."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select, update

from ingest.pipeline import run_ingest
from ingest.store.threads import find_depths
from ingest.thread import ThreadLink, thread_messages
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, Thread


def make_mails(seed: int, count: int) -> list[tuple[str, bytes]]:
    """Messages of a random reply graph: some parents never arrive (ghosts), some mails give only
    In-Reply-To or only References, some name a later message, dates tie."""
    rng = random.Random(seed)
    parents: dict[int, int | None] = {}
    mails = []
    for n in range(count):
        parent = rng.randrange(n) if n and rng.random() < 0.8 else None
        if parent is not None and rng.random() < 0.1:
            parent = min(count - 1, n + rng.randrange(1, 5))     # names a later message
        parents[n] = parent
        chain, up, seen = [], parent, set()
        while up is not None and up not in seen and len(chain) < 8:
            seen.add(up)
            chain.insert(0, f"m{up}@x")
            up = parents.get(up)
        head = f"From: P{n % 7} <p{n % 7}@example.org>\nSubject: s{n}\nMessage-ID: <m{n}@x>\n"
        style = rng.random()
        if chain and style > 0.2:
            head += f"In-Reply-To: <{chain[-1]}>\n"
        if chain and style < 0.8:
            head += "References: " + " ".join(f"<{c}>" for c in chain[rng.randrange(len(chain)):]) + "\n"
        head += f"Date: Mon, 1 Jan 2024 10:{rng.randrange(20):02d}:00 +0000\n\nbody {n}\n"
        mails.append((f"m{n}@x", head.encode()))
    return mails


def write_mbox(path: Path, mails: list[bytes]) -> str:
    path.write_bytes(b"".join(b"From x Mon Jan  1 00:00:00 2024\n" + m.rstrip(b"\n") + b"\n\n" for m in mails))
    return str(path)


def check_threads_as_a_whole(factory) -> None:
    """Stored threads, parents, ranks and depths are those of threading every stored message."""
    with factory() as s:
        rows = s.execute(select(Message.message_id, Message.in_reply_to, Message.references, Message.subject,
                                Message.date, Message.parent_message_id, Message.thread_rank,
                                Message.thread_depth, Thread.root_message_id)
                         .join(Thread, Thread.id == Message.thread_id, isouter=True).order_by(Message.id)).all()
        threads = dict(s.execute(select(Thread.root_message_id, Thread.message_count)).all())
    trees = thread_messages(ThreadLink(r.message_id, r.in_reply_to, tuple(r.references), r.subject, r.date)
                            for r in rows)
    wanted = {}
    for tree in trees:
        depths = find_depths(tree)
        wanted.update((m, (tree.parents.get(m), rank, depths[m], tree.root_id)) for rank, m in enumerate(tree.members))
    assert {r.message_id: (r.parent_message_id, r.thread_rank, r.thread_depth, r.root_message_id)
            for r in rows} == wanted
    assert threads == {tree.root_id: len(tree.members) for tree in trees}


def test_batches_end_where_threading_everything_at_once_does(sqlite_url: str, tmp_path: Path) -> None:
    mails = make_mails(7, 90)
    delivered = [m for m in mails if m[0] not in {"m3@x", "m11@x", "m40@x"}]    # ghosts for good
    random.Random(3).shuffle(delivered)
    factory = open_database(load_settings(sqlite_url))
    for n, start in enumerate(range(0, len(delivered), 15)):
        box = write_mbox(tmp_path / f"b{n}.mbox", [data for _, data in delivered[start:start + 15]])
        run_ingest(factory, [box], "test", workers=0, extract=False)
        check_threads_as_a_whole(factory)


def test_messages_handed_back_are_threaded_again_and_their_empty_thread_goes(db_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(db_url))
    run_ingest(factory, [write_mbox(tmp_path / "a.mbox", [data for _, data in make_mails(11, 40)])], "test",
               workers=0, extract=False)
    with factory() as s:
        biggest = s.scalars(select(Thread.id).order_by(Thread.message_count.desc()).limit(1)).one()
        s.execute(update(Message).where(Message.thread_id == biggest).values(thread_id=None))
        s.commit()
    report = run_ingest(factory, [], workers=0, extract=False)
    check_threads_as_a_whole(factory)
    with factory() as s:
        assert report.threads == len(s.scalars(select(Thread.id)).all())
        assert s.scalars(select(Message.id).where(Message.thread_id.is_(None))).all() == []
