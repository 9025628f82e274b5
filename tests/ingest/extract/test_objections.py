import pytest

from ingest.extract.fixes import extract_fixes
from ingest.extract.objections import classify_reason, extract_objections
from ingest.extract.races import extract_races
from tests.ingest.extract.helpers import make_message, make_thread

ROOT = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
        "One way to fix this is to take foo_lock in foo_get().\n")


@pytest.mark.parametrize("reply,reason", [
    ("NAK, that doesn't fix the race, foo_put() can still run after the check.", "correctness"),
    ("Taking foo_lock there is overkill for this.", "complexity"),
    ("I'm not convinced, the lock is too costly on the fault path.", "performance"),
    ("I'm afraid not, this is not suitable for stable backports.", "stable-backport"),
])
def test_objection_linked_to_fix(reply, reason):
    t = make_thread("race in foo", make_message("a@x", ROOT),
                    make_message("b@x", reply, author="Bob", email="bob@x.org", reply_to="a@x"))
    fixes = extract_fixes(t, extract_races(t))
    objs = extract_objections(t, fixes)
    assert objs and objs[0].by == "Bob <bob@x.org>" and objs[0].reason == reason
    assert fixes[objs[0].against_fix].message_id == "a@x"


@pytest.mark.parametrize("reply", ["Looks good to me, thanks!",
                                   "Acked-by: Bob <bob@x.org>",
                                   "Could you share the reproducer?"])
def test_non_objections(reply):
    t = make_thread("race in foo", make_message("a@x", ROOT),
                    make_message("b@x", reply, author="Bob", email="bob@x.org", reply_to="a@x"))
    assert extract_objections(t, extract_fixes(t, extract_races(t))) == []


@pytest.mark.parametrize("text,reason", [
    ("That would be slow and non-scalable.", "scalability"),        # a reason cue decides
    ("Please rewrite the changelog, it does not say why.", "style"),
    # how the patch is submitted is style too (Documentation/process/submitting-patches)
    ("The Fixes tag points at the wrong commit.", "style"),
    ("Please put the foo_put() change in a separate patch.", "style"),
    ("Can you split this into two patches, the helper first?", "style"),
    ("nit: foo_lock could go after the counters.", "style"),
    ("The subject should say which counter it touches.", "style"),
    ("This will trip sparse without an __rcu annotation on foo->ptr.", "style"),
    # a fix that makes the code harder to live with is complexity
    ("Sprinkling flags over foo_put() makes this a mess.", "complexity"),
    ("This looks like a hack around the real problem in foo_get().", "complexity"),
    ("The new state machine is hard to follow.", "complexity"),
    # no reason cue: a proposal frame puts another fix forward ...
    ("Why not take foo_lock in foo_put() instead?", "other"),
    ("How about an extra reference before adding it to the list?", "other"),
    # ... else the fix is wrong or not enough
    ("foo_put() can still run after the check, so the window stays open.", "correctness"),
    ("I just spotted an issue with this.", "correctness"),
])
def test_classify_reason(text, reason):
    assert classify_reason(text) == reason


PATCH_BODY = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
              "Fix this by taking foo_lock in foo_get().\n---\n"
              "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
              "@@ -1,3 +1,4 @@ void foo_get(struct foo *f)\n+\tspin_lock(&foo_lock);\n"
              " \tf->ref++;\n")
ANN = ("Ann Dev", "ann@example.org")
BOB = ("Bob", "bob@x.org")
QUOTED_HUNK = "> +\tspin_lock(&foo_lock);\n>  \tf->ref++;\n\n"


def patch_thread(reply_body, who=BOB, subject="Re: [PATCH] foo: fix race", later=()):
    msgs = [make_message("p@x", PATCH_BODY, *ANN, subject="[PATCH] foo: fix race"),
            make_message("r@x", reply_body, *who, subject=subject, reply_to="p@x")]
    msgs += [make_message(f"l{i}@x", body, *w, subject=s, reply_to=to)
             for i, (w, s, body, to) in enumerate(later)]
    return make_thread("[PATCH] foo: fix race", *msgs)


def reply_objections(thread):
    """The objections extracted from the thread's reply r@x."""
    return [o for o in extract_objections(thread, extract_fixes(thread, extract_races(thread)))
            if o.message_id == "r@x"]


def features_of(thread, fragment):
    from ingest.extract import nlp
    from ingest.extract.gate import scan_thread
    from ingest.extract.objection_features import build_context, find_objection_features
    from ingest.extract.objections import find_target_fix
    fixes = extract_fixes(thread, extract_races(thread))
    ctx = build_context(thread, scan_thread(thread))
    for msg in thread.messages:
        for a, _, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
            if fragment in text:
                target, quoted = find_target_fix(msg, thread, fixes, text, a, {})
                return find_objection_features(ctx, msg, a, text, fixes[target], quoted)
    raise AssertionError(fragment)


@pytest.mark.parametrize("reply,who,later,expect", [
    (QUOTED_HUNK + "Don't we also need a WRITE_ONCE here?", BOB, (),
     {"under_quoted_hunk": True, "under_quoted_fix": True, "question": True,
      "cue_challenge": True, "sender_is_author": False, "revised_after": False}),
    ("Don't we also need a WRITE_ONCE here?", BOB, (),
     {"under_quoted_hunk": False, "question": True}),
    ("NAK, that doesn't fix it.", ("Ann Dev", "ann.dev@corp.example"), (),
     {"sender_is_author": True, "cue_strong": True}),                  # same name, other address
    (QUOTED_HUNK + "This is overkill.", BOB,
     [(ANN, "[PATCH v2] foo: fix race", PATCH_BODY, "r@x")], {"revised_after": True}),
    ("This is overkill.", BOB, [(ANN, "Re: [PATCH] foo: fix race", "Fair, will redo.", "r@x")],
     {"author_replied": True, "revised_after": False}),
    ("This is overkill.\n\nAcked-by: Bob <bob@x.org>", BOB, (), {"message_acks": True}),
    ("Applied to for-6.1, thanks. This is overkill though.", BOB, (), {"message_applies": True}),
    ("Please do not send HTML mail, the list drops it.", BOB, (), {"cue_etiquette": True}),
    ("Overkill, I think.", ("syzbot", "syzbot+0a1b@example.com"), (), {"sender_is_robot": True}),
])
def test_structure_features(reply, who, later, expect):
    fragment = next(w for w in ("WRITE_ONCE", "NAK", "overkill", "HTML", "Overkill") if w in reply)
    features = features_of(patch_thread(reply, who, later=later), fragment)
    assert {k: features[k] for k in expect} == expect


@pytest.mark.parametrize("reply,who,is_objection", [
    (QUOTED_HUNK + "Don't we also need a WRITE_ONCE here?", BOB, True),   # challenge under hunk
    ("Thanks, looks good to me.", BOB, False),
    ("Please do not send HTML mail, the list drops it.", BOB, False),      # etiquette
    ("NAK, that doesn't fix it.", ("Ann Dev", "ann.dev@corp.example"), False),  # the author
    ("NAK, that doesn't fix the race: foo_put() still runs unlocked.", BOB, True),
    ("Overkill, I think.", ("syzbot", "syzbot+0a1b@example.com"), False),  # a robot
])
def test_objection_decision(reply, who, is_objection):
    t = patch_thread(reply, who)
    assert bool(reply_objections(t)) is is_objection


@pytest.mark.parametrize("body,start_of,first", [
    ("> +\tspin_lock(&l);\n\nI'm not sure this helps.", "I'm", True),      # right under the quote
    ("> +\tspin_lock(&l);\nI'm not sure this helps.", "I'm", True),
    ("> +\tspin_lock(&l);\n\nRight. I'm not sure this helps.", "I'm", False),  # a later sentence
    ("I'm not sure this helps.", "I'm", False),                             # no quote above
])
def test_first_under_quote(body, start_of, first):
    from ingest.extract.objection_features import is_first_under_quote
    assert is_first_under_quote(body, body.index(start_of)) is first


BASE = {k: False for k in ("cue_strong", "cue_any", "cue_challenge", "cue_review", "cue_negative",
                            "cue_etiquette", "question", "under_quoted_hunk", "under_quoted_fix",
                            "first_under_quote", "sender_is_author", "fix_is_patch", "sender_is_robot",
                            "own_posting", "message_acks", "message_applies", "revised_after",
                            "author_replied", "opens_reply", "agrees")}


@pytest.mark.parametrize("on,is_objection", [
    (("cue_any", "first_under_quote", "under_quoted_hunk"), True),   # answers the quoted patch
    (("cue_any", "first_under_quote", "under_quoted_fix"), True),    # answers the quoted proposal
    (("cue_any", "first_under_quote"), False),                       # under some other quote
    (("cue_any", "under_quoted_hunk"), False),                       # further down the reply
    (("cue_any", "first_under_quote", "under_quoted_hunk", "sender_is_author", "fix_is_patch"), False),
])
def test_pushback_answering_the_quoted_text(on, is_objection):
    from ingest.extract.objection_features import is_objection as decide
    assert decide({**BASE, **{k: True for k in on}}) is is_objection


@pytest.mark.parametrize("on,is_objection", [
    (("cue_review", "opens_reply"), True),                  # the reply opens with review pushback
    (("cue_review", "opens_reply", "fix_is_patch", "sender_is_author"), False),   # the author's own
    (("cue_review", "opens_reply", "message_acks"), False),     # an ack's aside, not on the patch text
    (("cue_review",), False),                               # further down, under no quoted fix
    (("cue_review", "under_quoted_fix", "fix_is_patch"), True),   # placed under the posted patch
])
def test_review_pushback_opening_a_reply(on, is_objection):
    from ingest.extract.objection_features import is_objection as decide
    assert decide({**BASE, **{k: True for k in on}}) is is_objection


@pytest.mark.parametrize("on,rank", [
    (("cue_strong", "cue_any"), 0),
    (("cue_challenge", "question", "under_quoted_hunk"), 1),
    (("cue_challenge", "question"), 2),
    (("cue_review", "under_quoted_fix"), 2),
    (("opens_reply", "first_under_quote", "under_quoted_hunk", "author_replied"), 3),   # no cue word
])
def test_cued_sentences_rank_before_a_bare_opening_remark(on, rank):
    from ingest.extract.objection_features import rank_objection
    assert rank_objection({**BASE, **{k: True for k in on}}) == rank


@pytest.mark.parametrize("remark,is_objection", [
    ("I'm not thrilled with taking a lock in this path.", True),
    ("This seems like a heavyweight way to close the window.", True),
    ("That just leaks the reference instead, which is no better.", True),
    ("Eww. A global lock for one counter.", True),
    ("I don't see why we need a new lock for this.", True),
    ("Taking foo_lock there isn't a good idea in the fast path.", True),
    ("As it stands, this introduces a potential ABBA deadlock with foo_put().", True),
    ("I see why we need the lock here, thanks for the explanation.", False),
    # signs that the patch is wrong or costly, told without a classic pushback word
    ("Reading foo->ref there still looks racy to me.", True),
    ("With this applied, the change is causing my stress test to hang after a minute.", True),
    ("I'm getting a deadlock in foo_put() with v2.", True),
    ("Taking the global lock here increases lock contention for every caller.", True),
    ("If it works, that would be an accidental fix.", True),
    ("Please drop the Cc: stable, the window only exists in -next.", True),
    ("Moving the callback may break the resume path.", True),
    ("Perhaps the fix should wait until after the merge window, I'd work around it for now.", True),
    ("That treats the symptom, the cause is elsewhere.", True),
    ("It works on my box as well, no regressions so far.", False),
    ("That comment is too short to tell a reader why the lock is needed.", True),
    ("This puts an atomic on the fast path of every lookup.", True),
])
def test_review_pushback_phrases_under_the_quoted_patch(remark, is_objection):
    t = patch_thread(QUOTED_HUNK + remark)
    assert bool(reply_objections(t)) is is_objection


def test_objection_addressed_by_later_revision():
    t = patch_thread("NAK, that doesn't fix the race: foo_put() still runs unlocked.",
                     later=[(ANN, "[PATCH v2] foo: fix race", PATCH_BODY, "r@x")])
    (obj,) = reply_objections(t)
    assert obj.addressed and obj.reason == "correctness"


def test_author_changelog_is_no_objection():
    body = PATCH_BODY.replace("Fix this by", "Taking a mutex would be overkill here. Fix this by")
    t = make_thread("[PATCH] foo: fix race",
                    make_message("p@x", body, *ANN, subject="[PATCH] foo: fix race"))
    assert extract_objections(t, extract_fixes(t, extract_races(t))) == []


PROSE_ROOT = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
              "How about we take foo_lock in foo_get() instead?\n")


def prose_thread(reply_body):
    """A prose proposal (PROSE_ROOT) and Bob's reply r@x to it."""
    return make_thread("race in foo", make_message("p@x", PROSE_ROOT, *ANN),
                       make_message("r@x", reply_body, *BOB, reply_to="p@x"))


@pytest.mark.parametrize("thread_kind,is_objection", [
    ("patch", True),         # review pushback placed under a posted patch
    ("patch-later", True),   # further down a reply about a posted patch
    ("prose", True),         # the direct answer to a quoted prose idea
    ("prose-later", False),  # the same words further down a discussion of a prose idea
])
def test_review_pushback_counts_under_a_posted_patch(thread_kind, is_objection):
    reply = "> Fix this by taking foo_lock in foo_get().\n\nA lock there only hides the race."
    if thread_kind == "patch":
        t = patch_thread(QUOTED_HUNK + reply)
    elif thread_kind == "patch-later":
        t = patch_thread("> Is this the report from last week?\n\nHmm, I read it twice now. "
                         "A lock there only hides the race.")
    else:
        lead = "Hmm, I read it twice now. " if thread_kind == "prose-later" else ""
        t = prose_thread("> How about we take foo_lock in foo_get() instead?\n\n" + lead
                         + "A lock there only hides the race.")
    assert bool(reply_objections(t)) is is_objection


def test_at_most_two_objections_per_message():
    reply = QUOTED_HUNK + ("NAK, that doesn't fix the race. This is overkill. "
                           "I'm not convinced the lock helps. The lock is too costly on the fault path.")
    t = patch_thread(reply)
    objs = reply_objections(t)
    assert len(objs) == 2 and objs[0].quote.startswith("NAK")


def test_a_counter_proposal_is_a_fix_and_an_objection_to_the_earlier_fix():
    reply = QUOTED_HUNK + "We could use READ_ONCE() in foo_get() instead, I would rather not take the lock."
    t = patch_thread(reply)
    fixes = extract_fixes(t, extract_races(t))
    objs = [o for o in extract_objections(t, fixes) if o.message_id == "r@x"]
    assert any(f.message_id == "r@x" and f.kind == "prose" for f in fixes)
    assert objs and fixes[objs[0].against_fix].message_id == "p@x"


ANSWER = (ANN, "Re: [PATCH] foo: fix race", "The ref is only read under foo_lock, so it is fine.", "r@x")


@pytest.mark.parametrize("reply,later,is_objection", [
    # a review's first remark on the quoted patch (a hunk, a changelog line), answered by its author
    (QUOTED_HUNK + "The ref is read twice in foo_put() without the lock.", [ANSWER], True),
    (QUOTED_HUNK + "The ref is read twice in foo_put() without the lock.", [], False),   # unanswered
    ("> Fix this by taking foo_lock in foo_get().\n\n"                                  # a quoted line of
     "The ref is read twice in foo_put() without the lock.", [ANSWER], True),            # the changelog
    ("> Is this the report from last week?\n\n"                                         # some other quote
     "The ref is read twice in foo_put() without the lock.", [ANSWER], False),
    ("The ref is read twice in foo_put() without the lock.", [ANSWER], False),           # no quote
    (QUOTED_HUNK + "Right. The ref is read twice in foo_put() without the lock.", [ANSWER], False),
    (QUOTED_HUNK + "Ok, will do.", [ANSWER], False),                                      # no remark
    (QUOTED_HUNK + "Hi Ann, the ref is read twice in foo_put() here.", [ANSWER], False),  # greeting
    (QUOTED_HUNK + "I would do it this way instead:", [ANSWER], False),                   # code follows
    (QUOTED_HUNK + "The ref is read twice in foo_put() without the lock.\n\n"
     "Reviewed-by: Bob <bob@x.org>", [ANSWER], False),                                   # an ack
    (QUOTED_HUNK + "That sounds reasonable to me, the ref is only read here.", [ANSWER], False),
    (QUOTED_HUNK + "This fixes the crashes I was seeing on my test box.", [ANSWER], False),
    (QUOTED_HUNK + "Thank you, I will apply this after some testing.", [ANSWER], False),
    (QUOTED_HUNK + "Patch looks fine to me, but foo_put() reads the ref twice.", [ANSWER], True),
])
def test_opening_remark_on_the_quoted_patch(reply, later, is_objection):
    objs = reply_objections(patch_thread(reply, later=later))
    assert bool(objs) is is_objection
    if objs:
        assert objs[0].addressed and objs[0].against_fix == 0


@pytest.mark.parametrize("text,remark", [
    ("The ref is read twice here.", True),
    ("Same here.", False),              # fewer than MIN_REMARK_WORDS words
    ("Hello Ann, the ref is read twice here.", False),
    ("Maybe something like this would work:", False),
])
def test_is_remark(text, remark):
    from ingest.extract.objection_features import is_remark
    assert is_remark(text) is remark


@pytest.mark.parametrize("text,agrees", [
    ("That sounds reasonable to me.", True),
    ("Thank you, I will apply this after testing it.", True),
    ("This fixes the crashes I was seeing.", True),
    ("Good catch, the ref is read twice.", True),
    ("Patch looks fine to me, but foo_put() reads the ref twice.", False),   # a turn follows
    ("The ref is read twice in foo_put() without the lock.", False),
])
def test_is_agreement(text, agrees):
    from ingest.extract.cues import fold_text
    from ingest.extract.objection_features import is_agreement
    assert is_agreement(fold_text(text)) is agrees


@pytest.mark.parametrize("reply,is_objection", [
    # "X can't / won't / isn't going to fix it" says what "doesn't fix" says: no quote needed
    ("A lock in foo_get() can't fix the race, foo_put() still runs unlocked.", True),
    ("Re-reading the ref under the lock isn't going to fix the corruption.", True),
    ("Taking foo_lock won't help when foo_put() runs first.", True),
    ("I can't help but wonder where foo_put() is called from.", False),     # an idiom, no verdict
])
def test_a_fix_that_cannot_fix_it(reply, is_objection):
    t = patch_thread(reply)
    assert bool(reply_objections(t)) is is_objection


@pytest.mark.parametrize("aside", [
    "I'm not sure all of those wakeups are really needed, but that is for another day.",
    "I'd rather have the block maintainers look at it too before it goes in.",
])
def test_a_weak_cue_away_from_the_quoted_patch_is_no_objection(aside):
    # neither placed under the quoted patch nor a challenging question: the text classifier's
    # objection score used to decide these, and mostly wrongly
    t = patch_thread("> Is this the report from last week?\n\nYes, it is the same one. " + aside)
    assert reply_objections(t) == []


@pytest.mark.parametrize("reply,is_objection", [
    ("I don't like taking a lock in foo_get() at all.", True),      # answers the proposal as a whole
    ("> How about we take foo_lock in foo_get() instead?\n> More text of the root.\n\nOk.\n\n"
     "> Another quoted line that is long enough.\n\nI don't like taking a lock in foo_get() at all.",
     False),                                                        # further down, under other text
])
def test_a_reply_quoting_nothing_answers_its_parent(reply, is_objection):
    # a page's recovered messages (and some plain replies) quote nothing: the reply as a whole
    # answers the message it replies to, as the first line under a quote block would
    t = prose_thread(reply)
    assert bool(reply_objections(t)) is is_objection


@pytest.mark.parametrize("aside,is_objection", [
    # disputing the fix or the race outright counts wherever it stands in the reply
    ("I don't think this is the right lock to take in foo_get().", True),
    ("I do not believe there is a race here, foo_put() runs under the same lock.", True),
    ("I don't think it matters much which lock it is.", False),
])
def test_disputing_the_fix_counts_anywhere_in_the_reply(aside, is_objection):
    t = prose_thread("> Unrelated quoted line that is long enough here.\n\nSure. " + aside)
    assert bool(reply_objections(t)) is is_objection


@pytest.mark.parametrize("question", [
    "Is there any benefit in taking the lock in foo_get() at all?",
    "Any reason this is a global lock and not one per foo?",
])
def test_questions_about_the_point_of_a_change_challenge_it(question):
    t = patch_thread(QUOTED_HUNK + question)
    assert reply_objections(t)


@pytest.mark.parametrize("remark", [
    "Protecting the seqcount with a spinlock doesn't make sense to me.",
])
def test_review_pushback_counts_further_down_a_reply_to_a_patch(remark):
    t = patch_thread("> Is this the report from last week?\n\nHmm, I read it twice now. " + remark)
    assert reply_objections(t)


@pytest.mark.parametrize("opening,is_objection", [
    ("Sorry for my late reply, I was away for most of last week.", False),   # an apology
    ("Moving the lock up here changes the order against foo_put().", True),
])
def test_an_apology_opening_a_review_is_no_objection(opening, is_objection):
    t = patch_thread(QUOTED_HUNK + opening,
                     later=[(ANN, "Re: [PATCH] foo: fix race", "> x\n\nGood point.", "r@x")])
    assert bool(reply_objections(t)) is is_objection


def _fix(mid, quote, kind, who="Ann Dev <ann@example.org>", start=0):
    from ingest.extract.types import EvidenceSpan, FixFinding
    return FixFinding(quote, 0, who, mid, quote, kind, (EvidenceSpan(mid, start, start + len(quote), quote, "t", "0", 0.5),))


@pytest.mark.parametrize("fixes, sentence, target", [
    # the posted patch, not the alternative its changelog names, is what a reply to it answers
    ([_fix("p@x", "Fix this by taking foo_lock in foo_get().", "patch"),
      _fix("p@x", "Another option is to make foo_put() ignore the count.", "prose")],
     "I disagree with ignoring the race here.", 0),
    # code named by an earlier proposal and by the reply's own counter-proposal: the earlier one
    ([_fix("p@x", "Fix this by taking foo_lock in foo_get().", "patch"),
      _fix("r@x", "Instead, reorder foo_get() after foo_put().", "prose", "Bob <bob@x.org>", 500)],
     "I disagree with the locking in foo_get().", 0),
    # only the reply's own fix names it and nothing came before: that one (a page as one message)
    ([_fix("r@x", "Instead, reorder foo_get() after foo_put().", "prose", "Bob <bob@x.org>", 500)],
     "I disagree with the locking in foo_get().", 0),
])
def test_find_target_fix_prefers_what_came_before(fixes, sentence, target):
    from ingest.extract.objections import find_target_fix
    t = patch_thread(sentence)
    reply = t.messages[1]
    assert find_target_fix(reply, t, fixes, sentence, 0, {}) == (target, False)
