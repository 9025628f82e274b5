from __future__ import annotations

import pytest

from ingest.labels.threads import group_threads, order_thread


def rec(mid, irt=(), refs=(), date="2024"):
    return {"mid": mid, "irt": list(irt), "refs": list(refs), "date": date}


def build(*recs):
    return {r["mid"]: r for r in recs}


@pytest.mark.parametrize("msgs, expected", [
    # a simple chain: root first, depth-first
    (build(rec("a"), rec("b", ["a"], ["a"]), rec("c", ["b"], ["a", "b"])), {"a": ["a", "b", "c"]}),
    # siblings keep member order; a grandchild follows its parent before the next sibling
    (build(rec("a"), rec("b", ["a"]), rec("c", ["a"]), rec("d", ["b"], ["a", "b"])),
     {"a": ["a", "b", "d", "c"]}),
    # the parent is absent: both children share it and form one thread; the more cited root wins
    (build(rec("x", ["gone"]), rec("y", ["gone"]), rec("z", ["y"], ["gone", "y"])), {"y": ["y", "z", "x"]}),
    # References only (no In-Reply-To): the last present reference is the parent
    (build(rec("a"), rec("b", [], ["a"]), rec("c", [], ["a", "b"])), {"a": ["a", "b", "c"]}),
    # unrelated messages are separate threads
    (build(rec("a"), rec("b")), {"a": ["a"], "b": ["b"]}),
])
def test_group_threads(msgs, expected):
    assert group_threads(msgs) == expected


def test_roots_tied_on_citations_fall_back_to_date():
    msgs = build(rec("late", ["gone"], date="2024-02"), rec("early", ["gone"], date="2024-01"))
    assert list(group_threads(msgs)) == ["early"]


def test_reply_cycle_keeps_every_member():
    msgs = build(rec("a", ["b"]), rec("b", ["a"]))
    members = next(iter(group_threads(msgs).values()))
    assert sorted(members) == ["a", "b"]


def test_order_thread_depths():
    msgs = build(rec("a"), rec("b", ["a"]), rec("c", ["b"]))
    assert order_thread(msgs, ["c", "b", "a"]) == [("a", 0), ("b", 1), ("c", 2)]
