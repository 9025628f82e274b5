"""The search index: hit counts agree with a plain-Python count over the same documents."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import kb.search.builder as builder_module
import kb.search.index as search_index_module
from kb.errors import ConfigError, QueryError
from kb.search.analysis import stem_word
from kb.search.runs import RunFiles
from kb.search import (IndexDoc, IndexSearcher, delete_documents, index_documents, list_indexed,
                       rebuild_index, search_index)

AUTHORS = [
    ("Johannes Weiner", "hannes@cmpxchg.org"),
    ("Tejun Heo", "tj@kernel.org"),
    ("Waiman Long", "longman@redhat.com"),
    ("syzbot", "syzbot+0123abcd@syzkaller.appspotmail.com"),
    ("Michal Hocko", "mhocko@suse.com"),
]
SUBJECTS = [
    "[PATCH] memcg: fix race in memory.high reclaim",
    "[PATCH v2 3/4] cgroup: avoid deadlock on css_set_lock",
    "Re: [PATCH] mm: memcontrol: data race on memcg->oom",
    "[syzbot] KASAN: use-after-free Read in cgroup_rstat_flush",
    "Re: memory.high throttling and the oom killer",
    "cpuset: lock ordering between cpus_read_lock and cpuset_mutex",
    "Re: races in css_put",
]
SENTENCES = [
    "This is a use-after-free of the css.",
    "KCSAN reports a data race on memcg->oom_lock.",
    "The lock ordering is cgroup_mutex then css_set_lock.",
    "Acked-by: Tejun Heo <tj@kernel.org>",
    "We raise memory.high to avoid throttling.",
    "lockdep warns about a possible deadlock here.",
    "The race window is tiny but real.",
    "Use after free is not possible: we hold a reference.",
    "Data is raced by nobody.",
    "Reviewed-by: Michal Hocko <mhocko@suse.com>",
]
START = datetime(2019, 1, 1)


def make_corpus(n: int = 80, seed: int = 7) -> list[IndexDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        name, email = rng.choice(AUTHORS)
        date = START + timedelta(days=rng.randrange(0, 7 * 365), hours=rng.randrange(24))
        if i % 5 == 0:  # some aware dates: stored as UTC
            date = date.replace(tzinfo=timezone(timedelta(hours=-7)))
        patch = i % 3 == 0
        docs.append(IndexDoc(
            message_id=f"{i}.msg@example.org",
            thread_id=f"t{i % 9}@example.org",
            subject=rng.choice(SUBJECTS),
            author_name=name,
            author_email=email,
            date=date,
            received=date + timedelta(minutes=5) if i % 2 else None,
            list_ids=("cgroups.vger.kernel.org",),
            to_addrs=("Tejun Heo <tj@kernel.org>",),
            cc_addrs=("cgroups@vger.kernel.org",) if i % 4 else (),
            body_new=" ".join(rng.sample(SENTENCES, 3)),
            body_quoted=" ".join(rng.sample(SENTENCES, 1)) if i % 2 else "",
            diff_files=("a/mm/memcontrol.c", "b/mm/memcontrol.c") if patch else (),
            diff_hunks=("static void mem_cgroup_flush(struct mem_cgroup *memcg)",) if patch else (),
            diff_added="\tspin_lock(&memcg->lock);" if patch else "",
            diff_removed="\tmutex_lock(&memcg->mutex);" if patch else "",
            patch_id=f"{i:040x}" if patch else "",
            races=("css refcount dropped while css_set_lock held",) if i % 7 == 0 else (),
            symbols=("css_put", "mem_cgroup_flush") if patch else (),
            persons=(f"{name} <{email}>",),
            has=("race",) if i % 7 == 0 else (),
            verdicts=("confirmed",) if i % 7 == 0 else (),
        ))
    return docs


# ---- an independent matcher over the raw fields -------------------------------------------

def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def has_phrase(text: str, phrase: str, stemmed: bool = False) -> bool:
    """An exact phrase; in a stemmed field a lone word matches any word with its stem."""
    want, have = words_of(phrase), words_of(text)
    if stemmed and len(want) == 1:
        return stem_word(want[0]) in {stem_word(w) for w in have}
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


def in_subject(phrase: str) -> Callable[[IndexDoc], bool]:
    return lambda doc: has_phrase(doc.subject, phrase, stemmed=True)


def in_body(phrase: str) -> Callable[[IndexDoc], bool]:
    return lambda doc: any(has_phrase(text, phrase, stemmed=True) for text in (doc.body_new, doc.body_quoted)) or any(
        has_phrase(text, phrase) for text in (doc.diff_added, doc.diff_removed, "\n".join(doc.diff_hunks)))


def from_(who: str) -> Callable[[IndexDoc], bool]:
    def match(doc: IndexDoc) -> bool:
        email = doc.author_email.lower()
        if "@" in who:
            return email == who
        return who in words_of(doc.author_name) or who in words_of(email)
    return match


def dated(start: datetime | None, end_day: datetime | None) -> Callable[[IndexDoc], bool]:
    def match(doc: IndexDoc) -> bool:
        date = doc.date
        if date.tzinfo is not None:
            date = date.astimezone(timezone.utc).replace(tzinfo=None)
        return (start is None or date >= start) and (end_day is None or date < end_day + timedelta(days=1))
    return match


def both(*preds: Callable[[IndexDoc], bool]) -> Callable[[IndexDoc], bool]:
    return lambda doc: all(p(doc) for p in preds)


COUNTED = [
    ("s:race", in_subject("race")),
    ("s:PATCH", in_subject("patch")),
    ('s:"memory.high"', in_subject("memory.high")),
    ("s:use-after-free", in_subject("use after free")),
    ("f:hannes", from_("hannes")),
    ("f:tj", from_("tj")),
    ("f:weiner", from_("weiner")),
    ("f:hannes@cmpxchg.org", from_("hannes@cmpxchg.org")),
    ("f:syzbot", from_("syzbot")),
    ("f:longman", from_("longman")),
    ('b:"use-after-free"', in_body("use-after-free")),
    ('b:"data race"', in_body("data race")),
    ("b:deadlock", in_body("deadlock")),
    ("b:lockdep", in_body("lockdep")),
    ('b:"Acked-by: Tejun Heo"', in_body("acked by tejun heo")),
    ("b:memory.high", in_body("memory high")),
    ("b:spin_lock", in_body("spin_lock")),
    ("d:2022-01-01..2022-12-31", dated(datetime(2022, 1, 1), datetime(2022, 12, 31))),
    ("d:2022..", dated(datetime(2022, 1, 1), None)),
    ("d:..2020-06-30", dated(None, datetime(2020, 6, 30))),
    ("d:20210301..20210331", dated(datetime(2021, 3, 1), datetime(2021, 3, 31))),
    ("d:2022-01-01..2022-12-31 s:PATCH", both(dated(datetime(2022, 1, 1), datetime(2022, 12, 31)),
                                              in_subject("patch"))),
    ("s:PATCH f:longman", both(in_subject("patch"), from_("longman"))),
    ("s:race OR b:deadlock", lambda d: in_subject("race")(d) or in_body("deadlock")(d)),
    ("-s:race b:race", lambda d: not in_subject("race")(d) and in_body("race")(d)),
    ("NOT f:tj", lambda d: not from_("tj")(d)),
    ('"lock ordering"', lambda d: in_subject("lock ordering")(d) or in_body("lock ordering")(d)),
    ("oom killer", lambda d: (in_subject("oom")(d) or in_body("oom")(d))
     and (in_subject("killer")(d) or in_body("killer")(d))),
]

CORPUS = make_corpus()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "index"
    assert index_documents(path, CORPUS) == len(CORPUS)
    return path


@pytest.fixture(scope="module")
def searcher(index_dir: Path) -> IndexSearcher:
    with IndexSearcher(index_dir) as searcher:
        yield searcher


@pytest.mark.parametrize(("text", "predicate"), COUNTED, ids=[c[0] for c in COUNTED])
def test_counts_match_plain_python(searcher: IndexSearcher, text: str, predicate) -> None:  # noqa: ANN001
    expected = {doc.message_id for doc in CORPUS if predicate(doc)}
    result = searcher.search(text, limit=1000)
    assert result.total == len(expected)
    assert {hit.message_id for hit in result.hits} == expected
    assert searcher.search(text, sort="date", limit=1000).total == len(expected)


def test_counts_are_not_trivial() -> None:
    for text, predicate in COUNTED:
        assert 0 < sum(map(predicate, CORPUS)) < len(CORPUS), text


def test_pooled_writer_spills_runs_into_one_segment_with_the_same_counts(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index_module, "MIN_FAST", 10)
    monkeypatch.setattr(builder_module, "POOL_MB", 0.01)  # a run every few documents
    spilled: list[int] = []
    spill = RunFiles.spill
    monkeypatch.setattr(RunFiles, "spill", lambda self, pool: (spilled.append(len(pool.fields)), spill(self, pool)))
    index_documents(tmp_path / "ix", CORPUS)
    assert len(spilled) > 3
    assert not list((tmp_path / "ix").glob("kb-runs-*"))  # removed once merged
    with IndexSearcher(tmp_path / "ix") as searcher:
        assert len(searcher.searcher.reader().leaf_readers()) == 1
        for text, predicate in COUNTED:
            assert searcher.search(text).total == sum(map(predicate, CORPUS)), text


def test_a_failed_build_leaves_no_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index_module, "MIN_FAST", 10)
    monkeypatch.setattr(builder_module, "POOL_MB", 0.01)

    def fail_midway() -> Iterator[IndexDoc]:
        yield from CORPUS[:60]
        raise OSError("disk full")

    with pytest.raises(OSError):
        index_documents(tmp_path / "ix", fail_midway())
    assert not list((tmp_path / "ix").glob("kb-runs-*"))
    index_documents(tmp_path / "ix", CORPUS)  # the next build starts cleanly
    with IndexSearcher(tmp_path / "ix") as searcher:
        assert searcher.searcher.doc_count() == len(CORPUS)


@pytest.mark.parametrize(("text", "expected"), [
    ("dfn:mm/memcontrol.c", lambda d: bool(d.diff_files)),
    ("dfn:memcontrol.c", lambda d: bool(d.diff_files)),
    ("dfn:b/mm/memcontrol.c", lambda d: bool(d.diff_files)),
    ("dfn:kernel/cgroup/cgroup.c", lambda d: False),
    ("dfb:spin_lock", lambda d: bool(d.diff_added)),  # lore: dfb = added (+) lines
    ("dfa:spin_lock", lambda d: False),
    ("dfa:mutex_lock", lambda d: bool(d.diff_removed)),  # lore: dfa = removed (-) lines
    ("dfhh:mem_cgroup_flush", lambda d: bool(d.diff_hunks)),
    ("nq:mutex_lock", lambda d: bool(d.diff_removed)),
    ("q:lockdep", lambda d: "lockdep" in d.body_quoted),
    ("t:tj@kernel.org", lambda d: True),
    ("c:cgroups@vger.kernel.org", lambda d: bool(d.cc_addrs)),
    ("a:hannes", lambda d: d.author_email.startswith("hannes")),
    ("l:cgroups.vger.kernel.org", lambda d: True),
    ("l:cgroups", lambda d: True),
    ("m:<3.msg@example.org>", lambda d: d.message_id == "3.msg@example.org"),
    ("patchid:" + f"{6:040x}", lambda d: d.message_id == "6.msg@example.org"),
    ("race:refcount", lambda d: bool(d.races)),
    ('race:"css_set_lock held"', lambda d: bool(d.races)),
    ("has:race", lambda d: "race" in d.has),
    ("has:fix", lambda d: False),
    ("verdict:confirmed", lambda d: bool(d.verdicts)),
    ("sym:css_put", lambda d: bool(d.symbols)),
    ("person:mhocko", lambda d: d.author_email.startswith("mhocko")),
    ("rt:2019..", lambda d: d.received is not None),
    ("bs:killer", lambda d: "killer" in d.subject),
])
def test_prefixes(searcher: IndexSearcher, text: str, expected) -> None:  # noqa: ANN001
    assert searcher.search(text, limit=1000).total == sum(map(expected, CORPUS))


def test_date_sort_is_newest_first_without_scores(searcher: IndexSearcher) -> None:
    hits = searcher.search("b:race", sort="date", limit=10).hits
    assert len(hits) == 10
    assert [h.date for h in hits] == sorted((h.date for h in hits), reverse=True)
    assert all(h.score is None for h in hits)
    newest = max(dated(None, None)(d) and d.date.replace(tzinfo=None) for d in CORPUS
                 if in_body("race")(d) and d.date.tzinfo is None)
    assert hits[0].date >= newest


def test_relevance_hits_have_scores_and_limit(searcher: IndexSearcher) -> None:
    result = searcher.search("b:race", limit=5)
    assert len(result.hits) == 5 and result.total > 5
    scores = [h.score for h in result.hits]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_threads_keep_one_hit_per_thread(searcher: IndexSearcher, sort: str) -> None:
    result = searcher.search("b:race", limit=100, sort=sort, threads=True)
    threads = [h.thread_id for h in result.hits]
    assert len(threads) == len(set(threads)) == 9
    assert result.total == sum(in_body("race")(d) for d in CORPUS)


def test_hit_shows_subject_author_and_highlighted_snippet(searcher: IndexSearcher) -> None:
    hit = searcher.search('b:"data race"', limit=1).hits[0]
    assert hit.author.endswith(">") and "@" in hit.author
    marked = {hit.snippet[a:b].lower() for a, b in hit.highlights}
    assert marked <= {"data", "race"} and marked


def test_search_index_accepts_a_directory(index_dir: Path) -> None:
    assert search_index(index_dir, "f:tj").total == sum(map(from_("tj"), CORPUS))


@pytest.mark.parametrize("text", ['b:"unclosed', "subj:x", "(a", ""])
def test_bad_queries_raise_query_error(searcher: IndexSearcher, text: str) -> None:
    with pytest.raises(QueryError):
        searcher.search(text)


def test_bad_sort(searcher: IndexSearcher) -> None:
    with pytest.raises(QueryError):
        searcher.search("x", sort="size")


def test_update_delete_list_and_refresh(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    docs = CORPUS[:10]
    index_documents(path, docs)
    assert list_indexed(path) == {d.message_id: d.digest for d in docs}
    with IndexSearcher(path) as searcher:
        changed = dataclasses.replace(docs[0], subject="completely different zebra")
        index_documents(path, [changed])
        assert searcher.search("s:zebra").total == 0  # not refreshed yet
        assert searcher.refresh()
        assert searcher.search("s:zebra").total == 1
        assert searcher.search("m:" + docs[0].message_id).total == 1
        indexed = list_indexed(path)
        assert len(indexed) == 10 and indexed[changed.message_id] == changed.digest != docs[0].digest
        assert delete_documents(path, [docs[1].message_id, "nope@x"]) == 1
        searcher.refresh()
        assert searcher.search("m:" + docs[1].message_id).total == 0
        assert set(list_indexed(path)) == {d.message_id for d in docs} - {docs[1].message_id}


def test_rebuild_replaces_everything(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index_documents(path, CORPUS[:5])
    assert rebuild_index(path, CORPUS[5:8]) == 3
    assert set(list_indexed(path)) == {d.message_id for d in CORPUS[5:8]}
    assert not path.with_name("ix.new").exists() and not path.with_name("ix.old").exists()


def test_duplicate_ids_in_one_batch_keep_the_last(tmp_path: Path) -> None:
    first = CORPUS[0]
    second = dataclasses.replace(first, subject="second version")
    index_documents(tmp_path / "ix", [first, second])
    assert list_indexed(tmp_path / "ix") == {first.message_id: second.digest}


def test_schema_version_mismatch_is_a_config_error(tmp_path: Path) -> None:
    index_documents(tmp_path / "ix", CORPUS[:1])
    (tmp_path / "ix" / search_index_module.VERSION_FILE).write_text("0\n")
    with pytest.raises(ConfigError, match="kb reindex"):
        IndexSearcher(tmp_path / "ix")


def test_list_indexed_without_index_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        list_indexed(tmp_path / "missing")


def test_relevance_keeps_docs_matched_only_by_date(searcher: IndexSearcher) -> None:
    text = "d:2024-01-01.. OR s:deadlock"
    expected = sum(dated(datetime(2024, 1, 1), None)(d) or in_subject("deadlock")(d) for d in CORPUS)
    result = searcher.search(text, limit=1000)
    assert result.total == len(result.hits) == expected
