"""Index documents depend on what the KB holds, not on where the database keeps its rows: a
PostgreSQL row rewritten (by an UPDATE, or into space a vacuum freed after a killed ingest) moves to
the end of its table, and a query without ORDER BY then returns it last."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

import kb.indexing as indexing
import kb.search.index as index_module
from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.indexing import iter_index_docs, join_addresses, split_body
from kb.models import Patch
from tests.kb.search.test_adapter import dump_postings

FILES = ("mm/a.c", "mm/b.c", "mm/c.c")
HUNK = "--- a/{0}\n+++ b/{0}\n@@ -1,1 +1,1 @@ static void f_{1}(void)\n-old\n+new\n"
MAIL = ("From x Mon Jan  1 00:00:00 2024\nFrom: A <a@x.org>\nSubject: [PATCH] mm: three files\n"
        "Message-ID: <p1@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nChange three files.\n\n"
        "Signed-off-by: A <a@x.org>\n---\n" + "".join(
            f"diff --git a/{name} b/{name}\n" + HUNK.format(name, i) for i, name in enumerate(FILES)) + "\n")


def test_patch_files_keep_the_order_of_the_mail_when_rows_move(db_url: str, tmp_path: Path) -> None:
    box = tmp_path / "p.mbox"
    box.write_text(MAIL)
    factory = open_database(load_settings(db_url))
    run_ingest(factory, [str(box)], "test", workers=0)
    with factory() as s:
        first = s.scalar(select(func.min(Patch.id)))
        for path in ("moved", FILES[0]):   # an indexed column changes: new row versions, new index entries
            s.execute(update(Patch).where(Patch.id == first).values(path=path))
        s.commit()
        docs = list(iter_index_docs(s))
    assert [d.diff_files for d in docs] == [FILES]
    assert [d.diff_hunks for d in docs] == [tuple(f"static void f_{i}(void)" for i in range(len(FILES)))]


def make_thread_mbox(count: int) -> str:
    mails = []
    for i in range(count):
        parent = f"In-Reply-To: <m0@x>\nReferences: <m0@x>\n" if i else ""
        mails.append(f"From x Mon Jan  1 00:00:00 2024\nFrom: P{i % 3} <p{i % 3}@x.org>\nSubject: Re: mm: race {i}\n"
                     f"Message-ID: <m{i}@x>\n{parent}Date: Mon, 1 Jan 2024 00:{i:02d}:00 +0000\n\n"
                     f"word{i} shared text about a race number {i}\n")
    return "\n".join(mails) + "\n"


def test_a_split_index_build_reads_each_half_once_and_equals_one_process(db_url: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    box = tmp_path / "t.mbox"
    box.write_text(make_thread_mbox(12))
    factory = open_database(load_settings(db_url))
    run_ingest(factory, [str(box)], "test", workers=0)
    monkeypatch.setattr(indexing, "SPLIT_MIN", 4)
    monkeypatch.setattr(index_module, "MIN_FAST", 2)
    with factory() as s:
        first, second = indexing.split_index_docs(s, None, processes=2)
        assert second is not None
        halves = [d.message_id for d in first], [d.message_id for d in second()]
        assert len(halves[0]) == 6 and sorted(halves[0] + halves[1]) == sorted(f"m{i}@x" for i in range(12))
        assert indexing.split_index_docs(s, None, processes=1)[1] is None
        assert indexing.index_threads(s, tmp_path / "two", None, processes=2) == 12
        assert indexing.index_threads(s, tmp_path / "one", None, processes=1) == 12
    assert dump_postings(tmp_path / "two") == dump_postings(tmp_path / "one")


def test_reading_documents_keeps_a_small_page_cache_then_gives_back_the_one_it_found(tmp_path: Path) -> None:
    box = tmp_path / "t.mbox"
    box.write_text(make_thread_mbox(3))
    factory = open_database(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(factory, [str(box)], "test", workers=0)
    with factory() as s:
        s.connection().exec_driver_sql("PRAGMA cache_size=-8192")  # an ingest's, not kb's default
        docs = iter_index_docs(s)
        next(docs)
        assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -indexing.READ_CACHE_KIB
        assert len(list(docs)) == 2
        assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -8192


def split_patch_by_lines(text: str) -> tuple[str, list[str], list[str]]:
    """What split_body makes of a patch segment, line by line: (own text, added, removed); a
    kept line has its newline unless it is the segment's last line."""
    own, added, removed = [], [], []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        if line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
        elif line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        else:
            own.append(line if last else line + "\n")
    return "".join(own) + "\n", added, removed


@pytest.mark.parametrize("text", [
    "", "\n", "+a", "-a", "\n-", "a\n+b", "a\n+b\n", "+b\nc", "+++ b/f\n--- a/f\n-x\n+y\n ctx",
    "ctx\n-x\n+y", "ctx\n\n-x", "-x\n-y", "++ a\n-- b\n", " +a\n -b\n+\n-\n", "a\r\n+b\r\nc\r",
    "a\u2028+b\n-c\x85d",
])
def test_a_patch_splits_into_own_added_and_removed_lines(text: str) -> None:
    own, quoted, added, removed = split_body("head\n" + text + "tail", [("patch", 5, 5 + len(text))])
    assert (own, quoted, added, removed) == (*split_patch_by_lines(text)[:1], "", *split_patch_by_lines(text)[1:])


def test_a_to_cc_list_joins_the_same_from_its_json_text_as_from_its_pairs() -> None:
    pairs = [["Ann Dev", "ann@x.org"], ["", "list@x.org"], ["Zoë \"Z\" Ü", "z@x.org"]]
    text = '[["Ann Dev", "ann@x.org"], ["", "list@x.org"], ["Zo\\u00eb \\"Z\\" \u00dc", "z@x.org"]]'
    assert join_addresses(pairs) == ("Ann Dev ann@x.org", " list@x.org", 'Zoë "Z" Ü z@x.org')
    assert join_addresses(text) == join_addresses(pairs)
    assert join_addresses(text) == join_addresses(text) and join_addresses("[]") == ()
