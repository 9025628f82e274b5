"""bench/extract_misses.py: the reason given for each missed labelled item and unmatched
prediction, on a made-up patch thread."""

from __future__ import annotations

import sys

import pytest

from ingest.extract import extract_thread
from tests.conftest import ROOT
from tests.ingest.extract.helpers import make_message, make_thread

sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package
import extract_misses  # noqa: E402

PATCH = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
         "Fix this by taking foo_lock in foo_get().\n---\n"
         "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
         "@@ -1,3 +1,4 @@ void foo_get(struct foo *f)\n+\tspin_lock(&foo_lock);\n \tf->ref++;\n")
REVIEW = ("> +\tspin_lock(&foo_lock);\n\n"
          "NAK, that doesn't fix the race, foo_put() can still run after the check.\n"
          "The weather was nice in Lisbon this week.\n")


def build_thread(patch_body: str = PATCH, subject: str = "[PATCH] foo: fix race in foo_get"):
    return make_thread(subject,
                       make_message("p@x", patch_body, subject=subject),
                       make_message("r@x", REVIEW, "Bob", "bob@x.org", subject="Re: " + subject, reply_to="p@x"))


def gold_item(mid: str, quote: str) -> dict:
    return {"message_id": mid, "quote": quote}


STATED = gold_item("p@x", "Fix this by taking foo_lock in foo_get().")
NAK = gold_item("r@x", "NAK, that doesn't fix the race, foo_put() can still run after the check.")
ASIDE = gold_item("r@x", "The weather was nice in Lisbon this week.")


@pytest.mark.parametrize("race,fixes,objections,expected", [
    # everything found: nothing to report
    (True, [STATED], [NAK], []),
    # a labelled objection in a message where kb holds another sentence
    (True, [STATED], [NAK, ASIDE], [("objections", "miss", "other sentence")]),
    # a labelled fix in the reply, where kb holds no fix
    (True, [STATED, ASIDE], [NAK], [("fixes", "miss", "none")]),
    # kb's objection unlabelled: an extra in the message of a labelled item
    (True, [STATED], [ASIDE], [("objections", "miss", "other sentence"), ("objections", "extra", "same message")]),
    # a thread labelled negative: every prediction is an extra there
    (False, [], [], [("fixes", "extra", "negative thread"), ("objections", "extra", "negative thread")]),
])
def test_classify_thread(race, fixes, objections, expected):
    thread = build_thread()
    gold = {"is_race_discussion": race, "fixes": fixes, "objections": objections}
    rows = extract_misses.classify_thread(thread, gold, extract_thread(thread))
    assert sorted(r[:3] for r in rows) == sorted(expected)


def test_candidate_and_none():
    later = make_message("c@x", "> NAK, that doesn't fix the race\n\nThe weather in Porto was nicer, though.\n",
                         "Carol", "carol@x.org", subject="Re: [PATCH] foo: fix race in foo_get", reply_to="r@x")
    thread = make_thread("[PATCH] foo: fix race in foo_get", *build_thread().messages, later)
    gold = {"is_race_discussion": True, "fixes": [STATED],
            "objections": [NAK, gold_item("c@x", "The weather in Porto was nicer, though."),   # an unkept candidate
                           gold_item("p@x", "There is a race between foo_get() and foo_put() on foo->ref.")]}
    rows = extract_misses.classify_thread(thread, gold, extract_thread(thread))
    assert sorted(r[:3] for r in rows) == [("objections", "miss", "candidate"), ("objections", "miss", "none")]


def test_no_fix():
    thread = make_thread("race in foo", make_message("a@x", "There is a race between foo_get() and foo_put() on foo->ref.\n"),
                         make_message("b@x", "I don't think that race is real.\n", "Bob", "bob@x.org", reply_to="a@x"))
    found = extract_thread(thread)
    assert found.races and not found.fixes
    gold = {"is_race_discussion": True, "fixes": [], "objections": [gold_item("b@x", "I don't think that race is real.")]}
    assert [r[:3] for r in extract_misses.classify_thread(thread, gold, found)] == [("objections", "miss", "no fix")]


def test_no_race_misses_everything_labelled():
    plain = PATCH.replace("There is a race between foo_get() and foo_put() on foo->ref.\n", "")
    thread = build_thread(plain, "[PATCH] foo: tidy foo_get")
    assert not extract_thread(thread).races
    gold = {"is_race_discussion": True, "fixes": [STATED], "objections": [NAK]}
    rows = extract_misses.classify_thread(thread, gold, extract_thread(thread))
    assert sorted(r[:3] for r in rows) == [("fixes", "miss", "no race"), ("objections", "miss", "no race")]
