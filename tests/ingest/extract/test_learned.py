"""The learned deciders: selection rules, what the model reads, and the fallback to the rules."""

import json

import pytest

from ingest.extract import learned
from ingest.extract.candidates import Candidate
from ingest.extract.labelled import find_header_mid
from ingest.extract.thread import extract_thread
from tests.ingest.extract.test_objections import patch_thread


def cand(k, index, *features):
    return Candidate(index, k, k + 1, f"c{k}", tuple(features))


@pytest.mark.parametrize(("features", "scores", "threshold", "per_message", "force", "keep", "kept"), [
    ([(0, ()), (0, ()), (1, ())], [0.9, 0.6, 0.4], 0.5, 2, "", "", [0, 1]),
    ([(0, ()), (0, ()), (1, ())], [0.6, 0.9, 0.4], 0.5, 1, "", "", [1]),          # best of message 0
    ([(0, ("__f",)), (0, ("__f",)), (1, ())], [0.1, 0.2, 0.4], 0.5, 1, "__f", "", [1]),  # forced
    ([(0, ()), (1, ("__r",))], [0.1, 0.05], 0.5, 1, "", "__r", [1]),              # kept by the rules
    ([(0, ()), (0, ("__r",)), (0, ())], [0.9, 0.1, 0.8], 0.5, 1, "", "__r", [0, 1]),
    ([], [], 0.5, 1, "", "", []),
])
def test_select_candidates(features, scores, threshold, per_message, force, keep, kept):
    cands = [cand(k, i, *f) for k, (i, f) in enumerate(features)]
    picked = learned.select_candidates(cands, scores, threshold, per_message, force, keep)
    assert [cands.index(c) for c, _ in picked] == kept


@pytest.mark.parametrize(("text", "words"), [
    ("Fix this by taking foo->lock in foo_get().", ["fix", "this", "by", "taking", "identx", "in", "identx"]),
    ("Why not use READ_ONCE() here?", ["why", "not", "use", "identx", "here", "?"]),
    ("I don't think so: it's racy", ["i", "don't", "think", "so", ":", "it's", "racy"]),
])
def test_split_words(text, words):
    assert learned.split_words(text) == words


def test_features_are_tokens_their_pairs_and_known_words():
    c = Candidate(0, 0, 1, "Fix foo_get() by locking", ("__s0", "__root"))
    assert learned.find_candidate_features(c, frozenset({"fix", "by"})) == {
        "__root", "__s0", "__root&__s0", "w:fix", "w:by"}


@pytest.mark.parametrize(("messages", "scores", "taken", "ruled", "kept"), [
    ([0, 0, 1], [0.9, 0.6, 0.4], {}, (), [0, 1]),               # 0.4 is below the threshold
    ([0, 0, 0], [0.6, 0.9, 0.7], {}, (), [1, 2]),               # the best two of message 0
    ([0, 0, 1], [0.9, 0.6, 0.8], {0: 1}, (), [0, 2]),           # a rule pick holds one of 0's places
    ([0, 1], [0.9, 0.8], {0: 2}, (), [1]),                      # message 0 is full
    ([0, 0], [0.9, 0.8], {}, (0,), [1]),                        # the rules' own pick is not added again
    ([], [], {}, (), []),
])
def test_select_additions(messages, scores, taken, ruled, kept):
    cands = [cand(k, i, *(("__r",) if k in ruled else ())) for k, i in enumerate(messages)]
    picked = learned.select_additions(cands, scores, 0.5, 2, taken, "__r")
    assert [cands.index(c) for c, _ in picked] == kept


@pytest.mark.parametrize(("raw", "mid"), [
    (b"From: a@x\nMessage-ID: <abc@x>\n\nbody", "abc@x"),
    (b"Message-Id:\n <folded@x>\nSubject: s\n\nbody", "folded@x"),
    (b"Subject: s\n\nMessage-ID: <in-body@x>\n", None),      # only the header block counts
])
def test_find_header_mid(raw, mid):
    assert find_header_mid(raw) == mid


def test_default_models_decide_objections_only(monkeypatch):
    monkeypatch.delenv(learned.MODELS_ENV, raising=False)
    assert learned.get_decider("fixes") is None
    assert learned.get_decider("objections") is not None
    assert {p.parent.name for p in learned.list_model_files()} == {"objections"}


def test_empty_models_setting_means_rules(monkeypatch):
    monkeypatch.setenv(learned.MODELS_ENV, "")
    assert learned.get_decider("fixes") is None and learned.get_decider("objections") is None
    assert learned.list_model_files() == []


@pytest.mark.parametrize("meta", [None, "{not json", json.dumps({"threshold": 0.5})])
def test_broken_or_missing_model_falls_back_to_rules(tmp_path, monkeypatch, meta):
    if meta is not None:
        for kind in learned.KINDS:
            (tmp_path / kind).mkdir()
            (tmp_path / kind / learned.META_FILE).write_text(meta)
            (tmp_path / kind / learned.WEIGHTS_FILE).write_text("{}")
    monkeypatch.setenv(learned.MODELS_ENV, str(tmp_path))
    assert learned.get_decider("fixes") is None and learned.get_decider("objections") is None
    found = extract_thread(patch_thread("NAK, that doesn't fix the race: foo_put() still runs unlocked."))
    assert {e.extractor for f in found.fixes for e in f.evidence} <= {"fixes.patch", "fixes.subject", "fixes.prose"}
    assert found.objections and all(o.evidence[0].extractor == "objections" for o in found.objections)


def test_shipped_models_decide_when_chosen(monkeypatch):
    if not (learned.SHIPPED_DIR / "fixes" / learned.META_FILE).exists():
        pytest.fail("no shipped models under data/models/learned")
    monkeypatch.setenv(learned.MODELS_ENV, str(learned.SHIPPED_DIR))
    decider = learned.get_decider("fixes")
    assert decider is not None and decider.vocabulary and 0 < decider.threshold < 1
    found = extract_thread(patch_thread("NAK, that doesn't fix the race: foo_put() still runs unlocked."))
    assert found.fixes and {e.extractor for f in found.fixes for e in f.evidence} <= {"fixes.learned", "fixes.subject"}
    # the rules pick the NAK, and a rule pick is always kept
    assert any("NAK" in o.quote and o.evidence[0].extractor == "objections" for o in found.objections)


def make_decider(weights, threshold=0.5, per_message=2):
    from ingest.extract.linear import LinearModel
    return learned.Decider(LinearModel(weights), threshold, per_message, frozenset({"really"}), "", "")


REPLY = ("NAK, that doesn't fix the race: foo_put() still runs unlocked.\n\n"
         "Is this path really reachable from the ioctl at all?\n\n"
         "I also wonder about the really old kernels here.\n")


@pytest.mark.parametrize(("weights", "added"), [
    ({"w:really": 5.0}, ["really reachable"]),          # both score high: one place is left
    ({"w:really": -5.0}, []),                           # the model adds nothing: the rules' pick alone
])
def test_learned_objections_add_to_the_rules(weights, added):
    from ingest.extract.gate import scan_thread
    from ingest.extract.learned_findings import extract_learned_objections
    from ingest.extract.objections import extract_objections
    thread = patch_thread(REPLY)
    scan = scan_thread(thread)
    found = extract_thread(thread)      # the default pipeline's fixes (rules)
    rule = extract_objections(thread, list(found.fixes), scan)
    out = extract_learned_objections(thread, list(found.fixes), scan, make_decider(weights))
    assert [o.quote for o in out if o.evidence[0].extractor == "objections"] == [o.quote for o in rule]
    learned_quotes = [o.quote for o in out if o.evidence[0].extractor == "objections.learned"]
    assert len(learned_quotes) == len(added) and all(a in q for a, q in zip(added, learned_quotes))
    assert len(rule) == 1 and len(out) <= 2       # the cap counts the rules' pick


def test_missing_shipped_objection_model_means_rules(tmp_path, monkeypatch):
    """An install without data/models/learned extracts with the hand rules alone."""
    monkeypatch.delenv(learned.MODELS_ENV, raising=False)
    monkeypatch.setattr(learned, "SHIPPED_DIR", tmp_path / "absent")
    assert learned.get_decider("objections") is None and learned.list_model_files() == []
    found = extract_thread(patch_thread(REPLY))
    assert found.objections and all(o.evidence[0].extractor == "objections" for o in found.objections)
