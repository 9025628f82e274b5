"""thread_messages: JWZ with ghosts, loops, reused ids, long chains, and the gold threads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ingest.thread import ThreadLink, ThreadTree, group_components, thread_messages
from tests.conftest import require_shared

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def link(mid: str, refs: str = "", irt: str | None = None, minute: int | None = 0) -> ThreadLink:
    date = None if minute is None else T0 + timedelta(minutes=minute)
    return ThreadLink(mid, irt, tuple(refs.split()), f"subject {mid}", date)


def by_root(trees: tuple[ThreadTree, ...]) -> dict[str, ThreadTree]:
    return {tree.root_id: tree for tree in trees}


def assert_accounts_for(links: list[ThreadLink], trees: tuple[ThreadTree, ...]) -> None:
    members = [mid for tree in trees for mid in tree.members]
    assert len(members) == len(set(members))
    assert set(members) == {l.message_id for l in links}
    for tree in trees:
        assert tree.root_id == tree.members[0]
        assert set(tree.parents) == set(tree.members) | tree.ghosts
        assert not tree.ghosts & set(tree.members)


def test_simple_thread_in_reply_order() -> None:
    links = [link("c", "a b", minute=3), link("a", minute=0), link("b", "a", minute=1),
             link("d", "a", minute=2)]
    (tree,) = thread_messages(links)
    assert tree.root_id == "a"
    assert tree.members == ("a", "b", "c", "d")
    assert dict(tree.parents) == {"a": None, "b": "a", "c": "b", "d": "a"}
    assert tree.ghosts == frozenset()


def test_siblings_ordered_by_date_undated_last() -> None:
    links = [link("r"), link("late", "r", minute=9), link("none", "r", minute=None),
             link("early", "r", minute=1)]
    (tree,) = thread_messages(links)
    assert tree.members == ("r", "early", "late", "none")


def test_in_reply_to_only() -> None:
    (tree,) = thread_messages([link("a"), link("b", irt="a", minute=1)])
    assert tree.parents["b"] == "a"


def test_in_reply_to_appended_after_references() -> None:
    (tree,) = thread_messages([link("a"), link("b", "a", minute=1), link("c", "a", irt="b", minute=2)])
    assert tree.parents["c"] == "b"


def test_missing_root_is_a_ghost_and_earliest_child_is_root() -> None:
    links = [link("r2", "ghost", minute=5), link("r1", "ghost", minute=2),
             link("r3", "ghost r1", minute=6)]
    (tree,) = thread_messages(links)
    assert tree.ghosts == frozenset({"ghost"})
    assert tree.root_id == "r1"
    assert tree.members == ("r1", "r3", "r2")
    assert tree.parents["r1"] == "ghost" and tree.parents["ghost"] is None


def test_ghosts_in_the_middle_connect_siblings() -> None:
    links = [link("a"), link("c", "a missing", minute=2), link("d", "a missing", minute=1)]
    (tree,) = thread_messages(links)
    assert tree.members == ("a", "d", "c")
    assert tree.parents["missing"] == "a"
    assert tree.ghosts == frozenset({"missing"})


def test_separate_threads_are_separate_and_no_subject_merging() -> None:
    links = [ThreadLink("a", None, (), "Same subject", T0),
             ThreadLink("b", None, (), "Re: Same subject", T0 + timedelta(minutes=1))]
    trees = thread_messages(links)
    assert len(trees) == 2
    assert [t.root_id for t in trees] == ["a", "b"]


def test_reference_loop_between_messages() -> None:
    links = [link("a", "b", minute=1), link("b", "a", minute=2)]
    (tree,) = thread_messages(links)
    assert tree.root_id == "a"
    assert dict(tree.parents) == {"a": None, "b": "a"}


def test_longer_loop_and_self_reference() -> None:
    links = [link("a", "c", minute=0), link("b", "a", minute=1), link("c", "b", minute=2),
             link("s", "s", irt="s", minute=3)]
    trees = by_root(thread_messages(links))
    assert trees["a"].members == ("a", "b", "c")
    assert trees["s"].members == ("s",) and trees["s"].parents["s"] is None
    assert_accounts_for(links, tuple(trees.values()))


def test_loop_through_references_chains_of_ghosts() -> None:
    links = [link("m1", "x y", minute=0), link("m2", "y x", minute=1)]
    trees = thread_messages(links)
    assert len(trees) == 1
    assert_accounts_for(links, trees)


def test_duplicate_and_reused_ids_first_wins() -> None:
    links = [link("a"), link("b", "a", minute=1), link("b", "zzz", minute=5), link("a", "b")]
    trees = thread_messages(links)
    (tree,) = trees
    assert tree.members == ("a", "b")
    assert tree.parents["b"] == "a"


def test_reply_to_own_descendant_breaks_cycle() -> None:
    # a message whose References name its own reply (reused/garbled ids)
    links = [link("a", "c", minute=0), link("b", "a", minute=1), link("c", "a b", minute=2)]
    trees = thread_messages(links)
    assert_accounts_for(links, trees)
    assert len(trees) == 1


def test_ten_thousand_long_chain_of_messages() -> None:
    n = 10_000
    links = [link(f"m{i}", irt=f"m{i - 1}" if i else None, minute=i) for i in range(n)]
    (tree,) = thread_messages(reversed(links))     # no recursion: deep chains do not overflow
    assert tree.members == tuple(f"m{i}" for i in range(n))
    assert tree.root_id == "m0"


def test_ten_thousand_long_references_header() -> None:
    refs = " ".join(f"g{i}" for i in range(10_000))
    links = [link("leaf", refs, minute=1), link("g5000", minute=0)]
    trees = thread_messages(links)
    (tree,) = trees
    assert tree.members == ("g5000", "leaf")
    assert len(tree.ghosts) == 9_999
    assert tree.parents["leaf"] == "g9999"


def test_ten_thousand_long_loop() -> None:
    n = 10_000
    links = [link(f"m{i}", irt=f"m{(i + 1) % n}", minute=i) for i in range(n)]
    trees = thread_messages(links)
    assert len(trees) == 1
    assert_accounts_for(links, trees)


def test_conflicting_chains_keep_one_component() -> None:
    # y's parent comes from the first chain (x); w still belongs to the same thread
    links = [link("a", "x y", minute=0), link("b", "w y", minute=1), link("w", minute=2)]
    trees = thread_messages(links)
    assert len(trees) == 1
    assert_accounts_for(links, trees)


def test_thirty_six_thousand_links() -> None:
    links = []
    for t in range(4000):
        links.append(link(f"t{t}", minute=t))
        for r in range(8):
            links.append(link(f"t{t}r{r}", f"t{t} t{t}r{r - 1}" if r else f"t{t}", minute=t + r))
    trees = thread_messages(links)
    assert len(trees) == 4000
    assert_accounts_for(links, trees)


def test_empty_input() -> None:
    assert thread_messages([]) == ()


# -- gold: each labelled thread lies in one kb thread ----------------------------------------

@pytest.fixture(scope="module")
def gold_trees() -> tuple[ThreadTree, ...]:
    from ingest.sources.mbox import iter_mbox
    from ingest.parse.message import parse_message
    messages = [raw.data for raw in iter_mbox(require_shared("corpus", "cgroups-gold-threads.mbox"))]
    parsed = [parse_message(data) for data in messages]
    return thread_messages(ThreadLink(p.message_id, p.in_reply_to, p.references, p.subject,
                                      p.date) for p in parsed)


def test_gold_threads_are_kb_threads(gold_trees: tuple[ThreadTree, ...]) -> None:
    lines = require_shared("gold", "cgroups.jsonl").read_text().splitlines()
    gold = [json.loads(line) for line in lines if line.strip()]
    where = {mid: i for i, tree in enumerate(gold_trees) for mid in tree.members}
    assert len(gold_trees) == len(gold) == 30
    for thread in gold:
        homes = {where[mid] for mid in thread["message_ids"]}
        assert len(homes) == 1, thread["thread_id"]
        tree = gold_trees[homes.pop()]
        assert tree.root_id == thread["thread_id"]
        assert list(tree.members) == thread["message_ids"]


@pytest.mark.parametrize("parents, expected", [
    ({"a": [], "b": ["a"], "c": ["b"]}, [["a", "b", "c"]]),
    ({"b": ["ghost"], "c": ["ghost"], "d": []}, [["b", "c"], ["d"]]),   # a ghost parent joins its children
    ({"c": ["b"], "a": [], "b": ["a"]}, [["c", "a", "b"]]),             # members keep the input order
    ({"a": ["b"], "b": ["a"]}, [["a", "b"]]),                           # a reference cycle is one component
    ({}, []),
])
def test_group_components(parents: dict[str, list[str]], expected: list[list[str]]) -> None:
    assert group_components(parents) == expected
