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


def test_render_keeps_features_and_known_words():
    c = Candidate(0, 0, 1, "Fix foo_get() by locking", ("__root", "__s0"))
    assert learned.render_candidate(c, frozenset({"fix", "by"})) == "__root __s0 | fix by"


@pytest.mark.parametrize(("raw", "mid"), [
    (b"From: a@x\nMessage-ID: <abc@x>\n\nbody", "abc@x"),
    (b"Message-Id:\n <folded@x>\nSubject: s\n\nbody", "folded@x"),
    (b"Subject: s\n\nMessage-ID: <in-body@x>\n", None),      # only the header block counts
])
def test_find_header_mid(raw, mid):
    assert find_header_mid(raw) == mid


def test_no_models_directory_means_rules(monkeypatch):
    monkeypatch.delenv(learned.MODELS_ENV, raising=False)
    assert learned.get_decider("fixes") is None and learned.list_model_files() == []


@pytest.mark.parametrize("meta", [None, "{not json", json.dumps({"threshold": 0.5})])
def test_broken_or_missing_model_falls_back_to_rules(tmp_path, monkeypatch, meta):
    if meta is not None:
        (tmp_path / "fixes").mkdir()
        (tmp_path / "fixes" / learned.META_FILE).write_text(meta)
    monkeypatch.setenv(learned.MODELS_ENV, str(tmp_path))
    assert learned.get_decider("fixes") is None
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
    assert any("NAK" in o.quote and o.evidence[0].extractor == "objections.learned" for o in found.objections)
