from __future__ import annotations

import hashlib

import pytest

from ingest.labels.pointers import (LabelError, check_thread, hash_span, locate_quote, materialise_thread,
                                    point_thread)

BODY = "Fix this by taking the lock.\nI'd prefer RCU here: the lock   is taken\non a hot path.\nthe lock"


@pytest.mark.parametrize("quote, span", [
    ("Fix this by taking the lock.", (0, 28)),
    # whitespace-normalised fallback: the span covers the original spacing exactly
    ("I'd prefer RCU here: the lock is taken on a hot path.",
     (BODY.index("I'd"), BODY.index("path.") + 5)),
    ("  taken\n  on a hot", (BODY.index("taken"), BODY.index(" hot") + 4)),
])
def test_locate_quote(quote, span):
    assert locate_quote(BODY, quote) == span


@pytest.mark.parametrize("quote, message", [
    ("the lock", "3 times"),          # taking the lock., the lock   is, the lock: ambiguous
    ("no such words", "not found"),
    ("   ", "empty quote"),
])
def test_locate_quote_fails_loudly(quote, message):
    with pytest.raises(LabelError, match=message):
        locate_quote(BODY, quote)


def test_hash_span_is_the_first_12_hex_of_sha1():
    assert hash_span("é") == hashlib.sha1("é".encode("utf-8")).hexdigest()[:12]


MSGS = {"r": {"mid": "r", "subject": "[PATCH] fix it", "body": BODY, "irt": [], "refs": []},
        "s": {"mid": "s", "subject": "Re: fix it", "body": "NAK, this does not fix it.", "irt": ["r"], "refs": ["r"]}}
GOLD = {
    "thread_id": "r", "list": "demo", "subject": "[PATCH] fix it", "message_ids": ["r", "s"],
    "is_race_discussion": True,
    "races": [{"summary": "a races with b", "evidence": [{"message_id": "r", "quote": "taking the lock."}]}],
    "fixes": [{"summary": "lock", "race": 0, "proposed_by": "A <a@x>", "message_id": "r",
               "quote": "Fix this by taking the lock.", "kind": "patch"}],
    "objections": [{"by": "B <b@x>", "against_fix": 0, "message_id": "s", "quote": "this does not fix it",
                    "reason": "correctness"}],
    "people": [], "notes": "",
}


def test_point_then_materialise_round_trips():
    pointed = point_thread(GOLD, MSGS, {"archive": "demo", "labeller": "t", "labelled_from": "reading"})
    assert "subject" not in pointed and "quote" not in pointed["fixes"][0]
    assert pointed["objections"][0]["span"] == [len("NAK, "), len("NAK, this does not fix it")]
    back = materialise_thread(pointed, MSGS)
    for key in ("subject", "races", "fixes", "objections", "message_ids"):
        assert back[key] == GOLD[key]
    assert back["labeller"] == "t"


def test_point_names_the_failing_item():
    bad = dict(GOLD, objections=[dict(GOLD["objections"][0], quote="never said")])
    with pytest.raises(LabelError, match="r objection0 in s: quote not found"):
        point_thread(bad, MSGS, {})


def test_point_rejects_a_message_outside_the_thread():
    bad = dict(GOLD, message_ids=["r"])
    with pytest.raises(LabelError, match="not in the thread's message_ids"):
        point_thread(bad, MSGS, {})


def test_materialise_rejects_a_changed_body():
    pointed = point_thread(GOLD, MSGS, {})
    changed = dict(MSGS, s=dict(MSGS["s"], body="NAK, this doesn't fix it at all."))
    with pytest.raises(LabelError, match="sha1 mismatch"):
        materialise_thread(pointed, changed)


def test_check_thread_finds_each_problem():
    pointed = point_thread(GOLD, MSGS, {})
    assert check_thread(pointed, MSGS, {"r": ["r", "s"]}) == []
    broken = dict(pointed, message_ids=["r", "s"], fixes=[dict(pointed["fixes"][0], race=3)],
                  objections=[dict(pointed["objections"][0], span=[0, 999])])
    problems = check_thread(broken, MSGS, {"r": ["r", "s", "t"]})
    assert len(problems) == 3
    assert any("bad span" in p for p in problems)
    assert any("race index 3" in p for p in problems)
    assert any("message_ids differ" in p for p in problems)


def test_check_thread_flags_mail_text_and_negative_shape():
    neg = {"thread_id": "r", "list": "demo", "subject": "x", "message_ids": ["r", "s"],
           "is_race_discussion": False, "races": [], "fixes": [],
           "objections": [{"by": "B", "against_fix": 0, "message_id": "s", "quote": "q"}]}
    problems = check_thread(neg, MSGS, {"r": ["r", "s"]})
    assert any("carries a quote" in p for p in problems)
    assert any("carries a subject" in p for p in problems)
    assert any("negative thread with" in p for p in problems)
