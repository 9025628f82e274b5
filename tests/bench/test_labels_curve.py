"""bench/labels_curve.py: the training lists each size draws, the per-size summary, and a run on
made-up lists."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT
from tests.ingest.extract.helpers import make_message, make_thread

sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package
import labels_curve  # noqa: E402

LISTS = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("k,expected_size", [(0, 0), (2, 2), (4, 4), (9, 4)])
def test_draw_training_lists(k, expected_size):
    drawn = labels_curve.draw_training_lists(LISTS, "c", k, draw=0)
    assert len(drawn) == expected_size and "c" not in drawn and set(drawn) <= set(LISTS)
    assert drawn == labels_curve.draw_training_lists(list(reversed(LISTS)), "c", k, draw=0)   # seeded, order-free


def test_draws_differ():
    # 6 ways to pick 2 of the 4 other lists: 8 draws cannot all be the same pick unless seeding is broken
    assert len({labels_curve.draw_training_lists(LISTS, "c", 2, draw=d) for d in range(8)}) > 1


def test_summarise():
    # size 3: one list 1 of 2 predicted right of 2 labelled (F1 .5), the other 2 of 2 of 2 (F1 1)
    rows = labels_curve.summarise([(3, [1, 2, 2]), (3, [2, 2, 2]), (0, [0, 1, 2])])
    assert [r[0] for r in rows] == [0, 3]
    size, mean, pooled = rows[1]
    assert mean == pytest.approx(0.75)
    assert (pooled["tp"], pooled["pred"], pooled["gold"]) == (3, 4, 4) and pooled["f1"] == pytest.approx(0.75)
    assert rows[0][1] == 0.0


PATCH = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
         "Fix this by taking foo_lock in foo_get().\n---\n"
         "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
         "@@ -1,3 +1,4 @@ void foo_get(struct foo *f)\n+\tspin_lock(&foo_lock);\n \tf->ref++;\n")
NAK = "NAK, that doesn't fix the race, foo_put() can still run after the check."
REVIEW = "> +\tspin_lock(&foo_lock);\n\n" + NAK + "\n"


def build_pair(name: str):
    subject = f"[PATCH] {name}: fix race in foo_get"
    thread = make_thread(subject, make_message(f"p@{name}", PATCH, subject=subject),
                         make_message(f"r@{name}", REVIEW, "Bob", "bob@x.org", subject="Re: " + subject,
                                      reply_to=f"p@{name}"))
    return thread, {"list": name, "is_race_discussion": True,
                    "fixes": [{"message_id": f"p@{name}", "quote": "Fix this by taking foo_lock in foo_get()."}],
                    "objections": [{"message_id": f"r@{name}", "quote": NAK}]}


def test_measure_curve_on_made_up_lists():
    pairs = [build_pair(name) for name in ("a", "b", "c")]
    rows = labels_curve.measure_curve(pairs, [0, 1, 2], draws=2)
    assert [r[0] for r in rows] == [0, 1, 2]
    (_, rules_mean, rules), (_, _, learned), (_, _, every) = rows
    # the rules alone: the NAK of each of the 3 lists, nothing else (a strong cue in a review)
    assert (rules["tp"], rules["pred"], rules["gold"]) == (3, 3, 3) and rules_mean == 1.0
    # trained on one other list, twice per list: the rules' picks stay, so all 6 labelled are found
    assert learned["gold"] == 6 and learned["tp"] == 6
    # trained on both other lists: one draw only (every draw would be the same)
    assert every["gold"] == 3 and every["tp"] == 3
