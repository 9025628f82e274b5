from ingest.extract.evaluate import evaluate, overlap

GOLD = {"thread_id": "t", "message_ids": ["t", "u"], "is_race_discussion": True,
        "races": [{"symbols": ["foo"], "participants": ["a"],
                   "evidence": [{"message_id": "t", "quote": "foo races with bar here"}]}],
        "fixes": [{"race": 0, "message_id": "u", "quote": "take the lock", "kind": "prose",
                   "proposed_by": "B <b@x>"}],
        "objections": [{"by": "C <c@x>", "against_fix": 0, "message_id": "u",
                        "quote": "too slow", "reason": "performance"}],
        "people": [{"name": "B", "email": "b@x", "roles": ["author", "maintainer"]}]}


def test_overlap_rules():
    assert overlap("A  b", "xx a b yy") == 1.0
    assert overlap("a b c d", "a b x y") == 0.5


def test_perfect_prediction():
    s = evaluate([GOLD], [GOLD])
    for key in ("threads", "races", "fixes", "objections", "roles"):
        assert s[key]["f1"] == 1.0
    assert s["maintainer_role_accuracy"] == 1.0
    assert s["fix_race_link_accuracy"] == 1.0


def test_long_quote_never_anchors():
    pred = dict(GOLD, races=[{"evidence": [{"message_id": "t",
                                             "quote": "foo races with bar here " * 20}]}])
    assert evaluate([pred], [GOLD])["races"]["tp"] == 0
