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


def test_a_patch_fix_quoting_another_sentence_of_its_message_misses():
    """The judge (../shared/gold/evaluate.py) anchors fixes on message and quote only: the
    README's suggested patch fallback (one labelled patch in the message) is not applied."""
    patch = {"race": 0, "message_id": "u", "quote": "take the lock", "kind": "patch", "proposed_by": "B <b@x>"}
    gold = dict(GOLD, fixes=[patch], objections=[])
    other = dict(patch, quote="this patch was tested on arm64 overnight")
    assert evaluate([dict(gold, fixes=[other])], [gold])["fixes"]["tp"] == 0
    assert evaluate([gold], [gold])["fixes"]["tp"] == 1
