"""End to end: a seed page and an archive holding the messages it quotes, in either order.

When the real message a page quotes arrives (or was there first), the recovered copy merges
into it and the page's other recovered messages are re-cut against its body: their extent
becomes 'aligned', and the page author's own text loses every word of the quote.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ingest.pipeline import IngestReport, run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Message, MessageAlias, Race, Thread
from tests.conftest import require_shared
from tests.ingest.seed_originals import ORIGINALS, WILLY_0330, WILLY_0330_LATER, write_mbox

SEEDS = sorted(ORIGINALS)

# Recovered messages left on each page (quote depth -> extent) once the archive holds the
# message the page answers (depth 1): every boundary on the page is then fixed by alignment.
ANSWERED = {
    "000_04549a968bee6e93.txt": {0: "aligned", 2: "aligned"},
    "001_e5779e28165e000f.txt": {0: "aligned", 2: "aligned"},
    "002_724bcb3cc4354858.txt": {0: "aligned", 2: "aligned", 3: "aligned", 4: "aligned", 5: "aligned",
                                 6: "aligned"},
    "003_8985432c2770a4f4.txt": {0: "aligned", 2: "aligned", 3: "aligned"},
    "004_e2d0a14b533089af.txt": {0: "aligned", 2: "aligned"},
}
# ... once it holds only an older message: what that one quotes is fixed, the rest is guessed.
DEEPER = {
    "000_04549a968bee6e93.txt": (2, {0: "heuristic", 1: "heuristic"}),
    "001_e5779e28165e000f.txt": (2, {0: "heuristic", 1: "heuristic"}),
    "002_724bcb3cc4354858.txt": (3, {0: "heuristic", 1: "heuristic", 2: "heuristic", 4: "aligned",
                                     5: "aligned", 6: "aligned"}),
    "004_e2d0a14b533089af.txt": (2, {0: "heuristic", 1: "heuristic"}),
}


def ingest(factory, *paths: Path) -> IngestReport:
    return run_ingest(factory, [str(p) for p in paths], workers=0, extract=False)


def recovered(factory) -> dict[int, Message]:
    """The recovered messages left in the KB, by quote depth."""
    with factory() as s:
        rows = list(s.scalars(select(Message).where(Message.recovered)))
        s.expunge_all()
    return {row.provenance["quote_depth"]: row for row in rows}


def snapshot(factory) -> tuple[object, ...]:
    with factory() as s:
        messages = sorted((m.message_id, m.body, sorted(m.provenance.items()), m.raw_size, m.in_reply_to)
                          for m in s.scalars(select(Message)))
        aliases = sorted(s.execute(select(MessageAlias.alias, MessageAlias.message_id)).all())
    return tuple(messages), tuple(aliases)


def message_id_of(mail: str) -> str:
    found = re.search(r"^Message-ID: <([^>]+)>", mail, re.M)
    assert found
    return found.group(1)


def own_word_runs(mail: str, size: int = 6) -> set[tuple[str, ...]]:
    """Every run of `size` words of a mail's own (unquoted) lines, lower-cased."""
    body = mail.split("\n\n", 1)[1]
    words = " ".join(line for line in body.split("\n") if not line.lstrip().startswith(">")).lower().split()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def word_runs(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


@pytest.mark.shared
@pytest.mark.parametrize("name", SEEDS)
def test_page_then_archive_aligns_the_page(name: str, db_url: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(db_url))
    page = require_shared("corpus", "seeds", name)
    answered = ORIGINALS[name][1]
    ingest(factory, page)
    before = recovered(factory)
    assert {d: m.provenance["extent"] for d, m in before.items()} == {d: "heuristic" for d in before}
    ingest(factory, write_mbox(tmp_path / "real.mbox", [answered]))
    after = recovered(factory)
    assert {d: m.provenance["extent"] for d, m in after.items()} == ANSWERED[name]
    top = after[0]
    assert top.provenance["aligned_with"] == [message_id_of(answered)]
    assert top.message_id == before[0].message_id
    assert not word_runs(top.body) & own_word_runs(answered), "the quote's words left the page author's text"
    assert top.body.split()[:4] == before[0].body.split()[:4]
    with factory() as s:
        assert s.scalar(select(func.count(MessageAlias.alias))) == 1
        reply = s.scalar(select(Message).where(Message.message_id == top.message_id))
        assert reply.in_reply_to == message_id_of(answered)

    state = snapshot(factory)
    again = ingest(factory, page, tmp_path / "real.mbox")
    assert again.stored == 0
    assert snapshot(factory) == state


@pytest.mark.shared
@pytest.mark.parametrize("name", SEEDS)
def test_archive_then_page_cuts_the_page_the_same_way(name: str, db_url: str, tmp_path: Path) -> None:
    page = require_shared("corpus", "seeds", name)
    mbox = write_mbox(tmp_path / "real.mbox", [ORIGINALS[name][1]])
    first = open_database(load_settings(f"sqlite:///{tmp_path / 'page-first.sqlite'}"))
    ingest(first, page)
    ingest(first, mbox)
    factory = open_database(load_settings(db_url))
    ingest(factory, mbox)
    ingest(factory, page)
    cut = {d: (m.message_id, m.body, m.provenance) for d, m in recovered(factory).items()}
    assert cut == {d: (m.message_id, m.body, m.provenance) for d, m in recovered(first).items()}
    assert {d: p["extent"] for d, (_, _, p) in cut.items()} == ANSWERED[name]
    state = snapshot(factory)
    assert ingest(factory, page, mbox).stored == 0
    assert snapshot(factory) == state


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(DEEPER))
def test_an_older_original_fixes_only_what_it_quotes(name: str, tmp_path: Path) -> None:
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    depth, extents = DEEPER[name]
    ingest(factory, require_shared("corpus", "seeds", name))
    ingest(factory, write_mbox(tmp_path / "real.mbox", [ORIGINALS[name][depth]]))
    rows = recovered(factory)
    assert {d: m.provenance["extent"] for d, m in rows.items()} == extents
    older = message_id_of(ORIGINALS[name][depth])
    assert all(m.provenance["aligned_with"] == ([older] if d >= depth - 1 else []) for d, m in rows.items())


@pytest.mark.shared
def test_seed_004_page_author_gets_back_the_sentence_the_quote_took(tmp_path: Path) -> None:
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    name = "004_e2d0a14b533089af.txt"
    ingest(factory, require_shared("corpus", "seeds", name))
    assert "Patch #1 contains" in recovered(factory)[1].body        # the heuristic gave it to Jason
    ingest(factory, write_mbox(tmp_path / "real.mbox", [ORIGINALS[name][1]]))
    david = recovered(factory)[0]
    assert david.body.startswith("Hi Jason, thanks or the review! Patch #1 contains some additional information. "
                                 "In general, it's the same issue")
    assert david.provenance["first_words"] == "Hi Jason, thanks or the review! Patch #1"


@pytest.mark.shared
def test_page_bytes_follow_the_recovered_messages_that_stay(db_url: str, tmp_path: Path) -> None:
    """The page author's own mail arrives first (its row held the page), then the one it answers."""
    factory = open_database(load_settings(db_url))
    ingest(factory, require_shared("corpus", "seeds", "000_04549a968bee6e93.txt"))
    ingest(factory, write_mbox(tmp_path / "later.mbox", [WILLY_0330_LATER]))
    rows = recovered(factory)
    assert sorted(rows) == [1, 2] and rows[1].raw_size == 2025 and rows[2].raw_size == 0
    assert {d: m.provenance["extent"] for d, m in rows.items()} == {1: "aligned", 2: "aligned"}
    ingest(factory, write_mbox(tmp_path / "answered.mbox", [WILLY_0330]))
    rows = recovered(factory)
    assert sorted(rows) == [2] and rows[2].raw_size == 2025
    assert rows[2].provenance["extent"] == "aligned"
    assert rows[2].provenance["aligned_with"] == [message_id_of(WILLY_0330_LATER), message_id_of(WILLY_0330)]


@pytest.mark.shared
def test_reingesting_the_page_recuts_rows_stored_before_alignment(tmp_path: Path) -> None:
    """Rows cut by the heuristic alone (say, by an older kb) are re-cut when the page comes again."""
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    name = "004_e2d0a14b533089af.txt"
    page = require_shared("corpus", "seeds", name)
    ingest(factory, page)
    heuristic = recovered(factory)[0]
    ingest(factory, write_mbox(tmp_path / "real.mbox", [ORIGINALS[name][1]]))
    aligned = recovered(factory)[0]
    with factory() as s:
        s.execute(update(Message).where(Message.id == aligned.id).values(
            body=heuristic.body, provenance=heuristic.provenance))
        s.commit()
    again = ingest(factory, page)
    assert again.stored == 0 and again.present == 3
    row = recovered(factory)[0]
    assert (row.body, row.provenance) == (aligned.body, aligned.provenance)


def test_reingesting_a_page_rewrites_rows_an_older_reader_cut(tmp_path: Path) -> None:
    """No real message re-cut the page: a re-ingest writes today's cut (text and subject) over
    rows an older page reader stored, and a second re-ingest writes nothing."""
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    page = tmp_path / "page.txt"
    page.write_text("Re: [PATCH] foo: fix a race\n\nFrom: Bob Builder\nDate: Mon Feb 05 2024 - 10:00:00 EST\n\n\n"
                    "On Sun, Feb 04, 2024 at 09:00:00AM +0100, Alice Example wrote:\n"
                    "> Fix this by taking the lock before the refcount\n> is dropped.\n\n"
                    "I'd rather take a reference.\n", encoding="utf-8")
    ingest(factory, page)
    today = {d: (m.body, m.subject) for d, m in recovered(factory).items()}
    assert today[1] == ("Fix this by taking the lock before the refcount\nis dropped.", "[PATCH] foo: fix a race")
    with factory() as s:    # what an older reader stored: lines joined, the page's subject everywhere
        for row in s.scalars(select(Message).where(Message.recovered)):
            row.body, row.subject = row.body.replace("\n", " "), "Re: [PATCH] foo: fix a race"
        s.commit()
    assert {d: (m.body, m.subject) for d, m in recovered(factory).items()} != today
    again = ingest(factory, page)
    assert (again.stored, again.present) == (0, 2)
    assert {d: (m.body, m.subject) for d, m in recovered(factory).items()} == today
    before = snapshot(factory)
    ingest(factory, page)
    assert snapshot(factory) == before


def test_reingesting_a_page_replaces_the_rows_an_older_reader_cut_otherwise(tmp_path: Path) -> None:
    """An older reader cut the page into other messages (other ids): a re-ingest stores today's
    cut in their place (no duplicate message, thread or race), the page bytes stay on one row,
    and a second re-ingest writes nothing."""
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    page = tmp_path / "page.txt"
    page.write_text("Re: [PATCH] foo: fix a race\n\nFrom: Bob Builder\nDate: Mon Feb 05 2024 - 10:00:00 EST\n\n\n"
                    "On Sun, Feb 04, 2024 at 09:00:00AM +0100, Alice Example wrote:\n"
                    "> foo_put() races with foo_get() on foo->ref, so the object is freed while in use.\n"
                    "> Fix this by taking the lock before the refcount is dropped.\n\n"
                    "I'd rather take a reference.\n", encoding="utf-8")
    def ingest_page() -> IngestReport:     # extraction too: the page's race must not be doubled
        return run_ingest(factory, [str(page)], workers=0)

    ingest_page()
    today = snapshot(factory)

    def count(model) -> int:
        with factory() as s:
            return s.scalar(select(func.count()).select_from(model))

    assert (count(Message), count(Thread), count(Race)) == (2, 1, 1)
    with factory() as s:    # what an older reader stored: the same page cut under other ids
        rows = list(s.scalars(select(Message).where(Message.recovered)))
        for row in rows:
            row.message_id = "old-" + row.message_id
            row.in_reply_to = "old-" + row.in_reply_to if row.in_reply_to else None
            row.references = ["old-" + r for r in row.references or []]
        thread = s.scalars(select(Thread)).one()
        thread.root_message_id = "old-" + thread.root_message_id
        s.commit()
    again = ingest_page()
    assert (again.stored, again.present) == (2, 0)
    assert snapshot(factory) == today
    assert (count(Message), count(Thread), count(Race)) == (2, 1, 1)
    with factory() as s:
        assert sorted(s.scalars(select(Message.raw_size).where(Message.recovered))) == [0, page.stat().st_size]
        assert s.scalar(select(Thread.root_message_id)) == s.scalar(
            select(Message.message_id).where(Message.in_reply_to.is_(None)))
    ingest_page()
    assert snapshot(factory) == today


def test_rows_of_a_replaced_page_cut_leave_the_search_index(tmp_path: Path) -> None:
    """The index held the ids an older reader's cut gave the page's messages: once today's cut
    replaces those rows, the index holds exactly the messages the database holds."""
    from kb.search import list_indexed

    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    index = tmp_path / "kb.index"
    page = tmp_path / "page.txt"
    page.write_text("Re: [PATCH] foo: fix a race\n\nFrom: Bob Builder\nDate: Mon Feb 05 2024 - 10:00:00 EST\n\n\n"
                    "On Sun, Feb 04, 2024 at 09:00:00AM +0100, Alice Example wrote:\n"
                    "> foo_put() races with foo_get() on foo->ref.\n\nI'd rather take a reference.\n",
                    encoding="utf-8")
    run_ingest(factory, [str(page)], workers=0)
    with factory() as s:    # an older reader's cut: the same messages under other ids
        for row in s.scalars(select(Message).where(Message.recovered)):
            row.message_id = "old-" + row.message_id
            row.in_reply_to = "old-" + row.in_reply_to if row.in_reply_to else None
            row.references = ["old-" + r for r in row.references or []]
        s.scalars(select(Thread)).one().root_message_id = "old-x"
        s.commit()
    run_ingest(factory, [], workers=0, index_dir=index)     # the index of that older KB
    assert sorted(list_indexed(index)) == sorted(stored_ids(factory)) and all(
        m.startswith("old-") for m in list_indexed(index))
    run_ingest(factory, [str(page)], workers=0, index_dir=index)
    assert sorted(list_indexed(index)) == sorted(stored_ids(factory))
    assert not any(m.startswith("old-") for m in stored_ids(factory))


def stored_ids(factory) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(Message.message_id)))
