"""Series (cover letter + parts) and revisions (v1..vN) from real-shaped subjects and b4 change-ids."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.library import Library
from kb.views import RevisionView
from tests.conftest import require_shared


def mail(msgid: str, subject: str, parent: str | None, day: int, body: str = "body\n",
         author: str = "Ann <ann@example.org>") -> str:
    reply = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n" if parent else ""
    return (f"From x Mon Jan  1 00:00:00 2024\nFrom: {author}\nSubject: {subject}\n"
            f"Message-ID: <{msgid}>\n{reply}Date: Mon, {day} Jan 2024 10:00:00 +0000\n\n{body}\n")


def footer(change_id: str) -> str:
    return f"Cover letter.\n\n---\nbase-commit: 1b929c02afd37871d5afb9d498426f83432e71c2\nchange-id: {change_id}\n"


def ingest(library: Library, path: Path, *mails: str) -> None:
    path.write_text("".join(mails))
    run_ingest(library.factory, [str(path)], workers=0, extract=False)


def by_first_message(library: Library) -> dict[str, RevisionView]:
    return {s.first_message_id: r for r in library.list_series() for s in r.series}


def test_series_and_revisions(tmp_path: Path) -> None:
    box = tmp_path / "s.mbox"
    box.write_text("".join([
        mail("v1-0@x", "[PATCH 0/2] mm, swap: fix races", None, 1),
        mail("v1-1@x", "[PATCH 1/2] mm, swap: take the lock", "v1-0@x", 1),
        mail("v1-2@x", "[PATCH 2/2] mm, swap: recheck the entry", "v1-0@x", 1),
        mail("v1-r@x", "Re: [PATCH 1/2] mm, swap: take the lock", "v1-1@x", 2),
        mail("v2-0@x", "[PATCH v2 0/2] mm, swap: fix races", None, 5),
        mail("v2-1@x", "[PATCH v2 1/2] mm, swap: take the lock", "v2-0@x", 5),
        mail("v2-2@x", "[PATCH v2 2/2] mm, swap: recheck the entry", "v2-0@x", 5),
        mail("one@x", "[RFC PATCH] cgroup: something else", None, 6),
    ]))
    library = Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(library.factory, [str(box)], workers=0)
    revisions = {r.title: r for r in library.list_series()}
    fix = revisions["mm, swap: fix races"]
    assert [(s.version, s.parts, s.total, s.first_message_id) for s in fix.series] == [
        (1, 2, 2, "v1-0@x"), (2, 2, 2, "v2-0@x")]   # two patches each; the cover letter is not one
    assert fix.change_id is None
    assert [s.version for s in revisions["cgroup: something else"].series] == [1]


def test_change_id_groups_revisions_across_titles_and_addresses(db_url: str, tmp_path: Path) -> None:
    cid = "20240229-slab-memcg-ae6b3789c924"
    library = Library(load_settings(db_url))
    ingest(library, tmp_path / "s.mbox",
           mail("a1-0@x", "[PATCH RFC 0/2] memcg_kmem hooks refactoring and kmem_cache_charge()", None, 1,
                footer(cid), "Vlastimil Babka <vbabka@suse.cz>"),
           mail("a1-1@x", "[PATCH RFC 1/2] mm, slab: move hooks", "a1-0@x", 1, "patch\n",
                "Vlastimil Babka <vbabka@suse.cz>"),
           mail("a2-0@x", "[PATCH v2 0/2] memcg_kmem hooks refactoring", None, 8, footer(cid),
                "Vlastimil Babka <vbabka@kernel.org>"),
           mail("a3-0@x", "[PATCH v3 0/2] memcg_kmem hooks refactoring", None, 9,
                "Quoting v2:\n> change-id: 20200101-not-this-000000000000\n", "Vlastimil Babka <vbabka@kernel.org>"),
           mail("b1@x", "[PATCH] mm: unrelated", None, 3, "change-id: 20240101-other-111111111111\n"),
           mail("re@x", "Re: [PATCH v2 0/2] memcg_kmem hooks refactoring", "a2-0@x", 9, footer("20990101-reply-0")))
    found = by_first_message(library)
    slab = found["a1-0@x"]
    assert slab.change_id == cid and slab.title == "memcg_kmem hooks refactoring"
    assert [(s.version, s.first_message_id, s.change_id) for s in slab.series] == [
        (1, "a1-0@x", cid), (2, "a2-0@x", cid), (3, "a3-0@x", None)]   # v3: same title + author, joins
    assert found["b1@x"].change_id == "20240101-other-111111111111" and len(found["b1@x"].series) == 1
    assert library.find_revisions("<a1-1@x>") == slab and library.find_revisions("re@x") is None


def test_revision_keys_do_not_depend_on_ingest_order(db_url: str, tmp_path: Path) -> None:
    """A v1 without change-id joins the change-id of its v2 whichever is stored first."""
    cid = "20241128-list_lru_memcg_docs-d736e1d81a7f"
    v1 = mail("l1@x", "[PATCH] list_lru: expand docs", None, 1)
    v2 = mail("l2@x", "[PATCH v2] list_lru: expand docs", None, 2, footer(cid))
    for name, first, second in (("a", v1, v2), ("b", v2, v1)):
        library = Library(load_settings(db_url if name == "a" else f"sqlite:///{tmp_path / 'b.sqlite'}"))
        ingest(library, tmp_path / f"{name}1.mbox", first)
        ingest(library, tmp_path / f"{name}2.mbox", second)
        revisions = library.list_series()
        assert [(r.change_id, [s.version for s in r.series]) for r in revisions] == [(cid, [1, 2])], name


def test_overlong_titles_and_addresses_still_make_series(db_url: str, tmp_path: Path) -> None:
    """Keys longer than their 255-character columns end in a digest instead of failing the ingest."""
    library = Library(load_settings(db_url))
    author = f"Ann <{'a' * 240}@example.org>"
    title = "mm: " + "very long title " * 30
    ingest(library, tmp_path / "s.mbox", mail("t1@x", f"[PATCH] {title}", None, 1, author=author),
           mail("t2@x", f"[PATCH v2] {title}", None, 2, author=author),
           mail("t3@x", f"[PATCH v2] {title}x", None, 2, author=author))
    found = by_first_message(library)
    assert [s.version for s in found["t1@x"].series] == [1, 2]
    assert [s.version for s in found["t3@x"].series] == [2]


def test_two_change_ids_for_one_title_keep_the_title_rule(db_url: str, tmp_path: Path) -> None:
    library = Library(load_settings(db_url))
    ingest(library, tmp_path / "s.mbox",
           mail("t1@x", "[PATCH] cgroup: fix typo", None, 1, footer("20240101-typo-aaaaaaaaaaaa")),
           mail("t2@x", "[PATCH] cgroup: fix typo", None, 5, footer("20240201-typo-bbbbbbbbbbbb")),
           mail("t3@x", "[PATCH] cgroup: fix typo", None, 9))
    groups = sorted((r.change_id or "", [s.first_message_id for s in r.series]) for r in library.list_series())
    assert groups == [("", ["t3@x"]), ("20240101-typo-aaaaaaaaaaaa", ["t1@x"]),
                      ("20240201-typo-bbbbbbbbbbbb", ["t2@x"])]


def slice_mbox(path: Path, change_ids: tuple[str, ...]) -> bytes:
    """The messages of the real mbox that give one of these change-ids, and every message whose
    headers name one of them (parts and replies)."""
    messages = re.split(rb"\n(?=From )", gzip.open(path).read())
    wanted = re.compile(rb"(?m)^change-id: (?:%s)" % b"|".join(re.escape(c.encode()) for c in change_ids))
    roots = [re.search(rb"(?im)^message-id:\s*<([^>]+)>", m).group(1) for m in messages
             if b"change-id: " in m and wanted.search(m)]
    return b"\n".join(m for m in messages
                      if any(r in m for r in roots) and any(r in m[:m.find(b"\n\n")] for r in roots)) + b"\n"


def test_change_ids_of_the_real_corpus_group_revisions(tmp_path: Path) -> None:
    corpus = require_shared("corpus", "cgroups-2024.mbox.gz")
    slab, lru = "20240229-slab-memcg-ae6b3789c924", "20241128-list_lru_memcg_docs-d736e1d81a7f"
    box = tmp_path / "slice.mbox"
    box.write_bytes(slice_mbox(corpus, (slab, lru)))
    library = Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(library.factory, [str(box)], workers=0, extract=False)
    revisions = {r.change_id: r for r in library.list_series()}
    assert [(s.version, s.title) for s in revisions[slab].series] == [
        (1, "memcg_kmem hooks refactoring and kmem_cache_charge()"), (2, "memcg_kmem hooks refactoring"),
        (3, "memcg_kmem hooks refactoring")]
    assert [s.version for s in revisions[lru].series] == [1, 2]
    assert revisions[slab].series[0].first_message_id == "20240301-slab-memcg-v1-0-359328a46596@suse.cz"


@pytest.mark.parametrize("stored,changed", [
    # one change-id known for a title + author: the series without one adopts it
    ([(1, "t", "a@x", "cid", "change-id:cid"), (2, "t", "a@x", None, "t|a@x")], {2: "change-id:cid"}),
    # two change-ids for one title + author (a reused title): each keeps its own, the third its title
    ([(1, "t", "a@x", "c1", "change-id:c1"), (2, "t", "a@x", "c2", "change-id:c2"),
      (3, "t", "a@x", None, "t|a@x")], {}),
    # a stale key is corrected, a right one left alone
    ([(1, "t", "a@x", "c1", "t|a@x"), (2, "u", "b@x", None, "u|b@x")], {1: "change-id:c1"}),
    # another author's series never adopts the change-id
    ([(1, "t", "a@x", "cid", "change-id:cid"), (2, "t", "b@x", None, "t|b@x")], {}),
])
def test_revision_keys_follow_the_rule_whatever_the_order(stored, changed):
    from ingest.series import choose_revision_keys
    from ingest.store.series import SeriesRevision

    revisions = [SeriesRevision(*row) for row in stored]
    assert choose_revision_keys(revisions) == changed
    assert choose_revision_keys(list(reversed(revisions))) == changed


RESENT = [  # (pk, subject): a cover letter sent twice with different titles, then its part
    (11, "[PATCH 0/1] mm: fix the race"),
    (12, "[PATCH 0/1] mm: fix the race (resend)"),
    (13, "[PATCH 1/1] mm: take the lock"),
]


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 1, 0], [1, 2, 0]])
def test_a_part_sent_twice_is_led_by_the_first_stored_whatever_the_row_order(order: list[int]) -> None:
    from datetime import datetime, timezone

    from ingest.series import group_series_messages, make_series_drafts
    from ingest.store.series import SeriesMessageRow

    when = datetime(2025, 6, 23, tzinfo=timezone.utc)   # the same second: the date cannot decide
    rows = [SeriesMessageRow(RESENT[i][0], 7, RESENT[i][1], "a@x.org", when) for i in order]
    groups = group_series_messages(rows)
    (draft,) = make_series_drafts(groups, {11: "first-id", 12: "resend-id"})
    assert [m.message_pk for m in draft.members] == [11, 12, 13]
    assert draft.title == "mm: fix the race" and draft.change_id == "first-id"
