import dataclasses

import pytest

from ingest.extract.fixes import extract_fixes, find_patch_evidence, is_patch_posting, patch_title, shorten_summary
from ingest.extract.races import extract_races
from tests.ingest.extract.helpers import make_message, make_thread

RACE = "There is a race between foo_get() and foo_put() on foo->ref, a use-after-free.\n"


@pytest.mark.parametrize("reply,expected_kind,fragment", [
    ("One way of closing it is to take foo_lock around the lookup.", "prose", "One way"),
    ("How about we use READ_ONCE() in foo_get() instead?", "prose", "How about"),
    ("Another possible fix is to free foo with call_rcu().", "prose", "Another possible"),
    ("Bad solutions:\n- Take the foo lock around each lookup\n- Call synchronize_rcu() in "
     "foo_put()\n\nThe end.", "prose", "Take the foo lock"),
])
def test_prose_fixes(reply, expected_kind, fragment):
    t = make_thread("Re: race in foo", make_message("a@x", RACE),
                    make_message("b@x", reply, author="Bob", email="bob@x.org", reply_to="a@x"))
    fixes = extract_fixes(t, extract_races(t))
    assert any(f.kind == expected_kind and fragment in f.quote for f in fixes)
    assert all(f.proposed_by == "Bob <bob@x.org>" for f in fixes if f.message_id == "b@x")


@pytest.mark.parametrize("reply,is_fix", [
    # a proposal names the code it changes or a change ("take the lock", "use RCU")
    ("I think the proper fix is to take foo_lock in foo_put().", True),
    ("Maybe we should hold the lock across the updates instead.", True),
    # or offers a sketch of it right below
    ("Maybe we should take the lock like this:\n\n\tspin_lock(&foo_lock);\n\tfoo_put(f);\n", True),
    # talk about fixing, naming no code and no change but the fixing, proposes nothing
    ("I don't know if this is the correct fix, but the test found it.", False),
    ("I think we need to fix this properly this time.", False),
])
def test_a_prose_proposal_names_code_or_a_change(reply, is_fix):
    assert is_reply_a_fix(reply) is is_fix


def is_reply_a_fix(reply: str) -> bool:
    """Whether Bob's reply to a race report is extracted as a fix."""
    t = make_thread("Re: race in foo", make_message("a@x", RACE),
                    make_message("b@x", reply, author="Bob", email="bob@x.org", reply_to="a@x"))
    return any(f.message_id == "b@x" for f in extract_fixes(t, extract_races(t)))


@pytest.mark.parametrize("reply,is_fix", [
    # a question that proposes a change (fix_suggestion) ...
    ("Can't it be solved by just reordering spin_unlock() and the flag update?", True),
    ("Why not take foo_lock in foo_get() as well?", True),
    ("Shouldn't foo_check() just be removed?", True),
    ("Has it been considered to free foo->ref only after an RCU grace period?", True),
    ("So, couldn't we just call foo_get() on the entry in there?", True),
    # ... a stated preference or proposal, "it needs a ...", "let's ...", "I'd use ..."
    ("I'd suggest protecting foo->ref with foo_lock everywhere.", True),
    ("I guess my proposal is to revert the commit that added foo_check().", True),
    ("It needs a READ_ONCE() to force a single read of foo->ref.", True),
    ("So let's just replace foo_clear() with a call to clear_bit_unlocked().", True),
    ("I would probably use WRITE_ONCE() for foo->ref here.", True),
    # ... "can we ...?", "would X be enough?", "is it enough to ...?", "I think we can ...", "we may
    # need ...", "foo() should hold ...", "I'll suggest", "another idea", "X is a better
    # solution", "it may be worth ...", "needs to be protected", "we have to stop ...", "what do
    # you think about ...", "it's safe to use ...", "should resolve the ...", "we should narrow
    # ...", "it is necessary to ...", "what needs to be done is ...", "I'll drop ...", "you could
    # use ...", a short address or turn before a question frame ("Bob, is it ...")
    ("Can we take foo_lock in foo_get() instead?", True),
    ("Would READ_ONCE() on foo->ref be enough?", True),
    ("Is it enough to check foo->ref under foo_lock here?", True),
    ("I think we can rely on foo_lock in foo_get() here.", True),
    ("The refcount may not be enough, we may need another foo_lock section in foo_put().", True),
    ("So foo_get() should hold foo_lock while it reads foo->ref.", True),
    ("Since both run at once, I'll suggest to use READ_ONCE() for foo->ref.", True),
    ("Another idea is to free foo with kfree_rcu() in foo_put().", True),
    ("Freeing foo with kfree_rcu() is probably a better solution than clearing foo->ref.", True),
    ("It may be worth it to wrap foo->ref with READ_ONCE() in foo_get().", True),
    ("Then foo->ref needs to be protected by foo_lock in foo_get().", True),
    ("I suspect that we have to stop using foo_lock in foo_get() altogether.", True),
    ("What do you think about taking foo_lock in foo_get() instead?", True),
    ("I looked again, and it's safe to use data_race() in foo_get() instead.", True),
    ("The foo_lock in foo_get() should resolve the problem you see.", True),
    ("We should narrow the foo_lock section in foo_put().", True),
    ("Maybe it is necessary to check foo->ref in foo_put() too.", True),
    ("I think what needs to be done is to take foo_lock in foo_get().", True),
    ("I'll drop data_race() in foo_get() to silence it.", True),
    ("I guess you could use READ_ONCE() in foo_get().", True),
    ("Bob, is it more acceptable to add READ_ONCE() in foo_get() only?", True),
    # "would it be doable to ...?" anywhere in the sentence, "Can it be considered that ...?"
    ("Rather than impose atomics on every caller, would it be doable to simply copy foo->ref instead "
     "of grabbing the reference?", True),
    ("Can it be considered that foo_get() does not touch foo->ref? Then the lock can go.", True),
    # quiescing (suspend/freeze) and atomic bit operations are mechanisms
    ("How about we suspend I/O while the sync action changes?", True),
    ("I guess you could just use test_bit() on the state in foo_get().", True),
    # a question in a suggestion's frame naming the code needs no mechanism word, unless it
    # asks about a comment or the changelog
    ("So, couldn't we just call foo_get() on @f in there if it matches?", True),
    ("What about the comment above foo_get()?", False),
    # the frame alone, with no mechanism or code named, proposes nothing
    ("Can't it go in after the merge window?", False),
    # a request to test, fine as it is, a turn of phrase about fixing: no proposal
    ("Can you check whether foo_lock in foo_get() still shows up?", False),
    ("I think we should be fine with foo_lock in foo_get() as it is.", False),
    ("In foo_get() there is nothing that needs to be changed under foo_lock.", False),
    ("I will remove the WARN_ON_ONCE() in foo_get() if I resend.", False),
    ("Let's wait for Bob's opinion on the foo_lock rework.", False),          # waiting is no change
    ("We have the fix I suggested running with foo_lock on 50 machines.", False),  # a report on it
    ("I'd suggest reading the documentation first.", False),
    # a question about the report is no proposal
    ("Which kernel version did you test?", False),
])
def test_a_suggestion_frame_is_a_prose_proposal(reply, is_fix):
    assert is_reply_a_fix(reply) is is_fix


@pytest.mark.parametrize("note,is_fix", [
    ("Alternatively we could take foo_lock in foo_get() instead.", True),
    ("Alternatively we could take the big lock instead.", False),     # names no code
])
def test_a_postings_alternative_names_code(note, is_fix):
    """A patch posting's changelog explains its patch: an alternative it mentions is a prose
    fix only when it names the code it would change."""
    body = (RACE + "\nFix this by taking foo_lock before dropping the reference.\n" + note + "\n\n"
            "Signed-off-by: Ann Dev <ann@example.org>\n---\n"
            "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
            "@@ -1,2 +1,3 @@ void foo_put(struct foo *f)\n+\tspin_lock(&foo_lock);\n")
    t = make_thread("[PATCH] foo: fix race", make_message("p@x", body, subject="[PATCH] foo: fix race"))
    assert any(f.kind == "prose" for f in extract_fixes(t, extract_races(t))) is is_fix


def test_a_postings_note_above_its_diff_is_no_prose_fix():
    """In a posting, the note right above its diff ("If you like it, I'll send a proper patch")
    introduces the posted patch itself, which is the fix; a reply's would offer a draft."""
    body = (RACE + "\nFix this by taking foo_lock before dropping the reference.\n\n"
            "Signed-off-by: Ann Dev <ann@example.org>\n---\nIf you like it, I'll send a proper patch.\n\n"
            "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
            "@@ -1,2 +1,3 @@ void foo_put(struct foo *f)\n+\tspin_lock(&foo_lock);\n")
    t = make_thread("[PATCH] foo: fix race", make_message("p@x", body, subject="[PATCH] foo: fix race"))
    assert [f.kind for f in extract_fixes(t, extract_races(t))] == ["patch"]


@pytest.mark.parametrize("reply,is_fix", [
    ("I tried to take foo_lock in foo_get() to fix this, but it deadlocks.", False),  # a failed try
    ("We could take foo_lock in foo_get() to fix this.", True),
])
def test_a_failed_try_is_no_prose_fix(reply, is_fix):
    assert is_reply_a_fix(reply) is is_fix


def test_patch_fix_with_changelog_and_status():
    patch = (RACE + "\nFix this by taking foo_lock before dropping the reference.\n\n"
             "Signed-off-by: Ann Dev <ann@example.org>\n---\n"
             "diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
             "@@ -1,2 +1,3 @@\n+\tspin_lock(&foo_lock);\n")
    t = make_thread("[PATCH] mm: fix race in foo_put",
                    make_message("p@x", patch, subject="[PATCH] mm: fix race in foo_put"),
                    make_message("r@x", "Acked-by: Bob <bob@x.org>", author="Bob",
                                 email="bob@x.org", reply_to="p@x"))
    (fix,) = [f for f in extract_fixes(t, extract_races(t)) if f.kind == "patch"]
    assert fix.quote.startswith("Fix this by taking foo_lock")
    assert fix.status == "acked" and fix.race == 0


def test_patch_helpers():
    assert patch_title("Re: [PATCH v2 1/3] mm: fix race") == "mm: fix race"
    assert patch_title("[RESEND] mm: fix race") == "mm: fix race"
    assert is_patch_posting(make_message("x", "text", subject="[RESEND] foo"))
    assert is_patch_posting(make_message("x", "text", subject="[PATCH] foo"))
    assert not is_patch_posting(make_message("x", "text", subject="Re: [PATCH] foo"))


@pytest.mark.parametrize("stored", [False, True])
def test_a_reply_carrying_a_draft_diff_is_a_patch_posting_also_as_stored(stored):
    """The parse stage keeps a diff out of the own text (a patch segment): the stored message's
    own spans end before it, and it still carries the diff."""
    body = "Something like this?\n\n" + DIFF.format(func="foo_put", line="+\tspin_lock(&l);")
    msg = make_message("r@x", body, subject="Re: [PATCH] foo: fix race")
    if stored:
        msg = dataclasses.replace(msg, own_spans=((0, len("Something like this?\n")),))
    assert is_patch_posting(msg)
    assert not is_patch_posting(make_message("q@x", "> " + body.replace("\n", "\n> "), subject="Re: x"))


@pytest.mark.parametrize("sign_off", ["\nSigned-off-by: Ann Dev <ann@x>\n", ""])
def test_a_patch_without_its_title_is_a_fix_stated_by_its_changelog(sign_off):
    """A page copied without its subject: the quoted patch's subject is made up from the page's
    first words, so the fix's evidence and summary come from the changelog, never that subject;
    signed off or not (the reply that quotes it may trim the sign-off)."""
    subject = "Hi Song, I will resend it…"
    body = ("So there is a race window between md_open() and do_md_stop(), and the device can still be opened.\n"
            "Fix this by marking the array as deleting before it is stopped.\n" + sign_off)
    msgs = [dataclasses.replace(m, recovered=True) for m in (
        make_message("p@x", body, subject=subject),
        make_message("r@x", "Looks fine to me.", author="Bob", email="bob@x.org", subject=subject, reply_to="p@x"))]
    thread = make_thread(subject, *msgs)
    fixes = extract_fixes(thread, extract_races(thread))
    assert [(f.kind, f.message_id, f.quote) for f in fixes] == [
        ("patch", "p@x", "Fix this by marking the array as deleting before it is stopped.")]
    assert "resend" not in fixes[0].summary


@pytest.mark.parametrize("subject, recovered, quote", [
    ("[PATCH] foo: take the lock in foo_put", False, "foo: take the lock in foo_put"),
    ("foo: take the lock in foo_put", False, "foo: take the lock in foo_put"),   # a mail's own subject
    ("[PATCH] foo: take the lock in foo_put", True, "foo: take the lock in foo_put"),   # a page's title
    ("Hi Bob, I will resend it…", True, None),     # a page without a title: its first words name nothing
])
def test_a_patch_without_a_stated_fix_is_named_by_its_own_title_only(subject, recovered, quote):
    body = "The reader walks the list unlocked.\n\n" + DIFF.format(func="foo_put", line="+\tspin_lock(&l);")
    msg = dataclasses.replace(make_message("p@x", body, subject=subject), recovered=recovered)
    found = find_patch_evidence(msg)
    assert (found[0] if found else None) == quote


@pytest.mark.parametrize("subject,posting", [
    ("[PATCH 1/3] foo: lock", True),
    ("[PATCH 0/3] foo: fix races", False),          # a cover letter proposes the series, not a patch
    ("[PATCH 0/9 v3] foo: fix races", False),       # the version may follow the count
    ("[PATCH v2 00/12] foo: fix races", False),
])
def test_a_cover_letter_is_no_patch_posting(subject, posting):
    assert is_patch_posting(make_message("x", "text", subject=subject)) is posting


@pytest.mark.parametrize("text, limit, expected", [
    ("take the lock", 120, "take the lock"),
    ("take  the\nlock", 120, "take the lock"),
    ("take the i_pages lock around each lookup", 20, "take the i_pages…"),
    ("take the lock, then recheck", 16, "take the lock…"),
])
def test_summaries_are_cut_at_word_boundaries(text: str, limit: int, expected: str) -> None:
    assert shorten_summary(text, limit) == expected
    assert len(shorten_summary(text, limit)) <= limit


DIFF = ("---\ndiff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
        "@@ -10,6 +10,7 @@ static void {func}(struct foo *foo)\n{line}\n")


def series_thread(*parts):
    """A cover letter naming the race, then (subject, changelog, hunk function, changed line)
    parts of a series by Ann; the race is between foo_get() and foo_put()."""
    msgs = [make_message("c@x", RACE, subject="[PATCH 0/3] foo: fix a race")]
    for n, (subject, log, func, line) in enumerate(parts):
        msgs.append(make_message(f"p{n}@x", log + "\n" + DIFF.format(func=func, line=line),
                                 subject=subject, reply_to="c@x"))
    return make_thread("[PATCH 0/3] foo: fix a race", *msgs)


@pytest.mark.parametrize("part,is_fix", [
    (("[PATCH 1/3] foo: rename bar", "Rename bar to baz.", "bar_init", "+\tbaz = 1;"), False),
    (("[PATCH 1/3] foo: lock", "Take the lock.", "foo_put", "+\tspin_lock(&l);"), True),
    (("[PATCH 1/3] foo: x", "Tidy.", "other", "+\tspin_lock(&l); foo_get(f); foo_put(f);"), True),
    (("[PATCH 1/3] foo: x", "Tidy.", "other", "+\tfoo_get(f); foo_put(f);"), False),  # no sync
    (("[PATCH 1/3] foo: x", "Tidy.", "foo_put", "+\tpr_info(\"x\");"), False),
    (("[PATCH 1/3] foo: x", "Tidy.", "other", "+\tfoo_get(f);"), False),
    (("[PATCH 1/3] foo: close the race", "Tidy.", "other", "+\tx;"), True),
    (("[PATCH 1/3] foo: x", "This closes a race with foo_free.", "other", "+\tx;"), True),
])
def test_series_part_is_fix_only_when_it_addresses_the_race(part, is_fix):
    t = series_thread(part)
    fixes = [f for f in extract_fixes(t, extract_races(t)) if f.message_id == "p0@x"]
    assert bool(fixes) is is_fix
    assert all(f.kind == "patch" for f in fixes)


@pytest.mark.parametrize("second,second_is_fix", [
    (("[PATCH 2/3] foo: close the race", "Tidy.", "other", "+\tx;"), True),    # names the race
    (("[PATCH 2/3] foo: x", "This closes a race with foo_free.", "other", "+\tx;"), True),
    (("[PATCH 2/3] foo: x", "Rename the helper.", "other", "+\tx;"), False),   # neither
])
def test_series_part_touching_racing_code_is_groundwork_when_another_part_names_the_race(second, second_is_fix):
    """Part 1 only edits locking in foo_put(): a fix on its own, groundwork once part 2 says
    it closes the race (a whole series is not every patch a fix)."""
    t = series_thread(("[PATCH 1/3] foo: lock", "Take the lock.", "foo_put", "+\tspin_lock(&l);"), second)
    fixed = {f.message_id for f in extract_fixes(t, extract_races(t))}
    assert ("p1@x" in fixed) is second_is_fix
    assert ("p0@x" in fixed) is not second_is_fix


def test_series_parts_titled_otherwise_are_groundwork_when_a_part_title_names_the_race():
    """Part 2's title names the race: part 1, whose changelog only mentions it, prepares."""
    t = series_thread(("[PATCH 1/3] foo: add a helper", "The helper is needed to close a race later.",
                       "other", "+\tx;"),
                      ("[PATCH 2/3] foo: fix the race in foo_put", "Tidy.", "other", "+\tx;"))
    fixed = {f.message_id for f in extract_fixes(t, extract_races(t))}
    assert "p1@x" in fixed and "p0@x" not in fixed


def test_revisions_are_one_fix_with_history_and_last_outcome():
    log = RACE + "\nFix this by taking foo_lock in foo_put().\n"
    diff = DIFF.format(func="foo_put", line="+\tspin_lock(&l);")
    t = make_thread("[PATCH] mm: fix race in foo_put",
                    make_message("v1@x", log + diff, subject="[PATCH] mm: fix race in foo_put"),
                    make_message("v2@x", log + diff, subject="[PATCH v2] mm: fix race in foo_put",
                                 reply_to="v1@x"),
                    make_message("a@x", "Applied, thanks.", author="Bob", email="bob@x.org",
                                 subject="Re: [PATCH v2] mm: fix race in foo_put", reply_to="v2@x"))
    (fix,) = [f for f in extract_fixes(t, extract_races(t)) if f.kind == "patch"]
    assert fix.message_id == "v1@x" and fix.status == "applied"
    assert [e.message_id for e in fix.evidence] == ["v1@x", "v2@x"]
    assert all(e.quote.startswith("Fix this by") for e in fix.evidence)


@pytest.mark.parametrize("log,quote,extractor", [
    ("Fix this by taking foo_lock in foo_put().", "Fix this by taking foo_lock", "fixes.patch"),
    ("Add it.", "foo: lock it", "fixes.subject"),           # no sentence states it: the subject
])
def test_patch_evidence_never_code_never_empty(log, quote, extractor):
    body = RACE + "\n" + log + "\n" + DIFF.format(func="foo_put", line="+\tspin_lock(&foo_lock);")
    t = make_thread("[PATCH] foo: lock it", make_message("p@x", body, subject="[PATCH] foo: lock it"))
    (fix,) = extract_fixes(t, extract_races(t))
    assert fix.quote.startswith(quote) and "spin_lock(" not in fix.quote
    assert [e.extractor for e in fix.evidence] == [extractor] and fix.evidence[0].quote


@pytest.mark.parametrize("after,is_fix", [
    ("---\ndiff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n@@ -1 +1 @@\n+\tx;\n", True),
    ("---\n[global]\nrw=write\nbs=4k\n", False),      # a '---' line before a config file is no diff
])
def test_a_diff_intro_needs_a_diff(after, is_fix):
    reply = "The test setup looks like this\n" + after
    t = make_thread("Re: race in foo", make_message("a@x", RACE),
                    make_message("b@x", reply, author="Bob", email="bob@x.org", reply_to="a@x"))
    fixes = [f for f in extract_fixes(t, extract_races(t)) if f.message_id == "b@x"]
    assert bool(fixes) is is_fix


@pytest.mark.parametrize("reply,is_fix", [
    ("Something like this?\n", True),                                   # offers the diff
    ("I think foo_put() should take foo_lock, as below.\n", True),        # offers it
    ("Thank you!\n", False),                                            # thanks above a diff
    ("Should probably be also Signed-off-by: Bob.\n", False),           # a note on the tags
])
def test_a_replys_diff_is_a_fix_when_the_reply_offers_it(reply, is_fix):
    body = reply + "\n" + DIFF.format(func="foo_put", line="+\tspin_lock(&l);")
    t = make_thread("race in foo", make_message("a@x", RACE),
                    make_message("b@x", body, author="Bob", email="bob@x.org", subject="Re: race in foo",
                                 reply_to="a@x"))
    assert any(f.message_id == "b@x" and f.kind == "patch" for f in extract_fixes(t, extract_races(t))) is is_fix


def test_a_draft_diff_resent_is_one_fix():
    body = "Something like this?\n\n" + DIFF.format(func="foo_put", line="+\tspin_lock(&l);")
    t = make_thread("race in foo", make_message("a@x", RACE),
                    *(make_message(f"{n}@x", body, author="Bob", email="bob@x.org", subject="Re: race in foo",
                                   reply_to="a@x") for n in "bc"))
    assert [f.message_id for f in extract_fixes(t, extract_races(t)) if f.kind == "patch"] == ["b@x"]


def test_a_resent_proposal_is_one_fix():
    idea = "How about we use READ_ONCE() in foo_get() instead?"
    t = make_thread("Re: race in foo", make_message("a@x", RACE),
                    make_message("b@x", idea, author="Bob", email="bob@x.org", reply_to="a@x"),
                    make_message("c@x", idea + "\n", author="Bob", email="bob@x.org", reply_to="a@x"))
    assert [f.message_id for f in extract_fixes(t, extract_races(t)) if f.kind == "prose"] == ["b@x"]


def test_a_reviewer_proposes_at_most_three_fixes_in_a_thread():
    """A long discussion: a reviewer's fourth proposal refines the ones made (the labelled corpus
    has no author with more than three prose fixes in a thread)."""
    ideas = ["How about we use READ_ONCE() in foo_get() instead?", "We could take foo_lock in foo_put().",
             "Maybe we should hold foo_lock across foo_get() and foo_put().",
             "How about we free foo with kfree_rcu() in foo_put()?"]
    msgs = [make_message("a@x", RACE)] + [
        make_message(f"b{i}@x", idea, author="Bob", email="bob@x.org", reply_to="a@x") for i, idea in enumerate(ideas)]
    t = make_thread("Re: race in foo", *msgs)
    fixes = [f for f in extract_fixes(t, extract_races(t)) if f.kind == "prose"]
    assert [f.message_id for f in fixes] == ["b0@x", "b1@x", "b2@x"]


def test_a_version_note_proposes_nothing():
    body = RACE + "\nv1->v2: we could take foo_lock in foo_put() instead of the atomic.\n"
    t = make_thread("[PATCH v2] foo: fix race", make_message("p@x", body, subject="[PATCH v2] foo: fix race"))
    assert [f for f in extract_fixes(t, extract_races(t)) if f.kind == "prose"] == []


def test_prose_off_the_race_branch_is_no_fix():
    """A proposal in a reply far below a series' cover letter, on a sub-thread that never
    mentions the race (a cover letter is no patch: its parts are)."""
    msgs = [make_message("a@x", RACE, subject="[PATCH 0/2] foo: fix a race")]
    parent = "a@x"
    for n in range(4):
        msgs.append(make_message(f"r{n}@x", "Some review of the naming.", author="Bob",
                                 email="bob@x.org", reply_to=parent, subject="Re: [PATCH 0/2] foo: fix a race"))
        parent = f"r{n}@x"
    msgs.append(make_message("far@x", "How about we use a mutex for the sysfs file instead?",
                             author="Cy", email="cy@x.org", reply_to=parent))
    msgs.append(make_message("near@x", "How about we use a mutex in foo_put() instead?",
                             author="Cy", email="cy@x.org", reply_to="a@x"))
    t = make_thread("[PATCH 0/2] foo: fix a race", *msgs)
    assert {f.message_id for f in extract_fixes(t, extract_races(t))} == {"near@x"}


def test_whole_thread_is_branch_when_its_root_reports_the_race():
    msgs = [make_message("a@x", RACE + "It crashes.\n", subject="race in foo")]
    parent = "a@x"
    for n in range(4):
        msgs.append(make_message(f"r{n}@x", "Can you share the config?", author="Bob",
                                 email="bob@x.org", reply_to=parent, subject="Re: race in foo"))
        parent = f"r{n}@x"
    msgs.append(make_message("far@x", "How about we take foo_lock in foo_put() instead?",
                             author="Cy", email="cy@x.org", reply_to=parent))
    t = make_thread("race in foo", *msgs)
    assert {f.message_id for f in extract_fixes(t, extract_races(t))} == {"far@x"}


DRAFT = ("diff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n"
         "@@ -1,2 +1,3 @@ void foo_put(struct foo *f)\n+\tspin_lock(&foo_lock);\n")


@pytest.mark.parametrize("reply,quote,extractor", [
    ("I see it now.\nSomething like this (untested):\n\n" + DRAFT, "Something like this (untested):",
     "fixes.patch"),                                       # the sentence offering the diff
    (DRAFT, "foo: fix race", "fixes.subject"),            # nothing before the diff: the subject
])
def test_a_replys_draft_diff_is_stated_by_its_own_text(reply, quote, extractor):
    t = make_thread("[PATCH] foo: fix race",
                    make_message("p@x", RACE + "\nFix this by taking foo_lock in foo_get().\n---\n" + DRAFT,
                                 subject="[PATCH] foo: fix race"),
                    make_message("r@x", reply, author="Bob", email="bob@x.org",
                                 subject="Re: [PATCH] foo: fix race", reply_to="p@x"))
    (fix,) = [f for f in extract_fixes(t, extract_races(t)) if f.message_id == "r@x"]
    assert fix.kind == "patch" and fix.quote == quote and fix.evidence[0].extractor == extractor


def test_a_backport_posting_proposes_no_fix():
    subject = "[PATCH AUTOSEL 6.1 03/09] foo: fix race in foo_put"
    body = RACE + "\nFix this by taking foo_lock in foo_put().\n---\n" + DRAFT
    t = make_thread(subject, make_message("b@x", body, "Sasha Levin", "sasha@example.org", subject=subject),
                    make_message("r@x", RACE + "I think foo_put() is racy here too.", author="Bob",
                                 email="bob@x.org", subject="Re: " + subject, reply_to="b@x"))
    assert [f for f in extract_fixes(t, extract_races(t)) if f.message_id == "b@x"] == []
