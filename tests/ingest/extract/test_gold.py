"""The extractor against the shared gold set: thresholds from the brief."""

import json

import pytest

from tests.conftest import require_shared


@pytest.fixture(scope="module")
def scores():
    from ingest.extract import extract_thread
    from ingest.extract.devcorpus import load_mbox_threads, load_seed_threads
    from ingest.extract.evaluate import evaluate
    from ingest.extract.maintainers import load_maintainers
    mbox = require_shared("corpus", "cgroups-gold-threads.mbox")
    seeds = require_shared("corpus", "seeds")
    gold_dir = require_shared("gold")
    mt = load_maintainers(str(require_shared("data", "MAINTAINERS")))
    threads = load_mbox_threads(mbox) + load_seed_threads(seeds)
    pred = [extract_thread(t, maintainers=mt).to_gold() for t in threads]
    gold = [json.loads(x) for name in ("cgroups.jsonl", "seeds.jsonl")
            for x in (gold_dir / name).read_text().splitlines() if x]
    return evaluate(pred, gold)


def test_race_detection(scores):
    assert scores["threads"]["f1"] >= 0.90


def test_fixes(scores):
    # 0.78 until session 23, when kb's evaluator still matched a patch fix anywhere in its message
    # (the gold README's suggested fallback); it now counts as the judge does (.773 there)
    assert scores["fixes"]["f1"] >= 0.75


def test_objections(scores):
    # 0.70 before issue 14: the author's own changelog no longer counts as an objection (the
    # gold labels three such sentences) and no cue words tuned on the gold exempt it; 0.68 with
    # the hand rules alone, 0.65 since the learned objection model (chosen leave-one-list-out on
    # the labelled lists, where it raises the mean F1 .522 -> .541) adds four objections here,
    # none of them labelled
    assert scores["objections"]["f1"] >= 0.65


def test_maintainer_roles(scores):
    assert scores["maintainer_role_accuracy"] >= 0.90


def test_objection_links(scores):
    # 0.45 until wt/14c: a review's opening remark on a quoted hunk counts (labelled lists: 9 of
    # the 10 objections it added link to the labelled fix); on the gold it adds one matched
    # objection whose link differs (15/33 -> 15/34), objections F1 unchanged (.680)
    assert scores["objection_fix_link_accuracy"] >= 0.44
