import pytest

from ingest.extract.changelog import (
    MIN_SCORE, find_content_words, find_diff_intro, find_fix_statement, find_title_restatement, is_prose_statement,
    score_fix_statement,
)
from ingest.extract.fixes import find_patch_evidence
from tests.ingest.extract.helpers import make_message

PROBLEM = ("foo_put() can free foo while foo_get() still reads foo->ref, and the reader then\n"
           "dereferences freed memory.\n\n")
DIFF = "---\ndiff --git a/mm/foo.c b/mm/foo.c\n--- a/mm/foo.c\n+++ b/mm/foo.c\n@@ -1 +1 @@\n+\tspin_lock(&l);\n"


@pytest.mark.parametrize("sentence,states_fix", [
    ("Fix this by taking foo_lock in foo_put().", True),           # "Fix this by" + mechanism
    ("So add a refcount to foo for the async release path.", True),  # imperative after "So"
    ("Move the check under foo_lock.", True),                       # bare imperative
    ("To close the window, recheck foo->ref after taking foo_lock.", True),  # "To fix ..., VERB"
    ("It is recommended to add READ_ONCE and WRITE_ONCE to the reads.", True),
    ("foo_put() should hold foo_lock as foo_get() does.", True),    # a "should" remedy
    ("Add it.", False),                                              # names nothing
    ("Should we take foo_lock in foo_put()?", False),                # a question proposes nothing here
    ("v2 -> v3: add the lock and reword the changelog.", False),     # a version note
    ("The lock in foo_get() is not held when foo_put() runs.", False),  # a mechanism word alone
    ("read to 0xffff8880a1b2c3d4 of 8 bytes by task 42 on cpu 3:", False),  # a KCSAN report line
    ("Return address = foo_work+0x64/0xc0 so take the lock.", False),     # a log line's symbol+offset
    # a sentence setting the problem up: a scenario, or what happens without the fix
    ("Consider the case where callers must hold foo_lock but foo_put() drops it:", False),
    ("Imagine that it has to take foo_lock while foo_get() holds it.", False),
    ("Otherwise foo can be foo_put twice, which we fix by taking foo_lock.", False),
    # ... or the state before the patch
    ("Currently the code takes foo_lock to fix the race in foo_get().", False),
    ("Previously we fixed this by taking foo_lock in foo_get().", False),
    ('Commit 1234abcdef01 ("foo: drop foo_lock") tries to fix this by taking the lock later.', False),
    # ... or concedes a point first
    ("Although foo->ref is checked again under foo_lock, we still think the race matters.", False),
    # a statement that the race can be fixed by a change states it
    ("This can be fixed by serialising foo_put() with foo_get(), in two ways:", True),
    # an earlier attempt, not what the patch does: a try that failed, or patches sent before
    ("I tried to fix it by taking foo_lock in foo_get(), however it deadlocks.", False),
    ("We have sent two patches to fix this problem before.", False),
    ("I tried fixing this by checking foo->ref under foo_lock in foo_get().", True),
])
def test_score_fix_statement(sentence, states_fix):
    assert (score_fix_statement(sentence) >= MIN_SCORE) is states_fix


def test_the_best_statement_wins_and_ties_go_to_the_later_one():
    body = (PROBLEM + "Take foo_lock in foo_get().\nTake foo_lock in foo_put() as well.\n"
            "A comment explains the locking.\n" + DIFF)
    a, b = find_fix_statement(make_message("p@x", body, subject="[PATCH] foo: fix race"))
    assert body[a:b] == "Take foo_lock in foo_put() as well."


def test_a_statement_naming_the_race_wins_a_tie():
    body = (PROBLEM + "Serialise this with foo_lock so that the state change won't race.\n"
            "Move the state changes under foo_lock in foo_release().\n" + DIFF)
    a, b = find_fix_statement(make_message("p@x", body, subject="[PATCH] foo: fix race"))
    assert body[a:b] == "Serialise this with foo_lock so that the state change won't race."


def test_a_scenario_is_not_the_statement():
    body = ("Consider this scenario where we need to drop foo_lock in foo_get() to fix the race first.\n\n"
            "Take foo_lock in foo_put() too.\n" + DIFF)
    a, b = find_fix_statement(make_message("p@x", body, subject="[PATCH] foo: fix race"))
    assert body[a:b] == "Take foo_lock in foo_put() too."


def test_no_statement_before_the_diff_is_none():
    body = PROBLEM + "Signed-off-by: Ann Dev <ann@example.org>\n" + DIFF + "+ Fix this by taking foo_lock.\n"
    assert find_fix_statement(make_message("p@x", body, subject="[PATCH] foo: fix race")) is None


TITLE = "foo: don't drop foo_lock in foo_release"


@pytest.mark.parametrize("changelog,restated", [
    # the sentence saying most of the title, though no fix cue marks it
    ("foo_release() drops foo_lock before it frees foo.\nIt doesn't need to drop foo_lock in foo_release "
     "since nothing it calls sleeps.\n", "It doesn't need to drop foo_lock in foo_release since nothing it calls sleeps."),
    # a tie goes to the later sentence: the problem comes first
    ("Dropping foo_lock in foo_release() lets foo_get() see freed memory.\nDon't drop foo_lock in "
     "foo_release() at all.\n", "Don't drop foo_lock in foo_release() at all."),
    ("Changes:\n\n1. Keep foo_lock held in foo_release.\n\n2. Reword a comment.\n", "1. Keep foo_lock held in foo_release."),
    # what goes wrong, a question, a diagram line and code restate nothing
    ("Without foo_lock, foo_release drops foo while foo_get reads it.\n", None),
    ("Why does foo_release drop foo_lock at all?\n", None),
    ("<task 2>: foo_release  + drop foo_lock\n", None),
    ("\tspin_unlock(&foo_lock); foo_release(foo);\n", None),
    # a sentence sharing less than half of the title's words
    ("foo_get() reads foo->ref under rcu.\n", None),
])
def test_find_title_restatement(changelog, restated):
    body = changelog + "\nSigned-off-by: Ann Dev <ann@example.org>\n" + DIFF
    span = find_title_restatement(make_message("p@x", body, subject=f"[PATCH] {TITLE}"), TITLE)
    assert (body[span[0]:span[1]] if span else None) == restated


def test_content_words_cut_endings_of_plain_words_only():
    assert find_content_words("Locked locks, locking foo_locked; dying") == {"lock", "foo_locked", "dying"}


def test_a_patch_without_a_fix_statement_is_evidenced_by_its_restated_title():
    body = "Nothing foo_release() calls sleeps.\nSo foo_release doesn't need to drop foo_lock.\n\n" + DIFF
    quote, ev = find_patch_evidence(make_message("p@x", body, subject=f"[PATCH] {TITLE}"))
    assert quote == "So foo_release doesn't need to drop foo_lock." and ev.extractor == "fixes.patch"
    quote, ev = find_patch_evidence(make_message("p@x", "Here it is.\n\n" + DIFF, subject=f"[PATCH] {TITLE}"))
    assert quote == TITLE and ev.extractor == "fixes.subject"


def test_a_weak_fix_statement_comes_before_the_title():
    """A lone remedy ("we must ensure ...") scores under MIN_SCORE but says more than the title,
    which is the fix's summary already."""
    weak = "When the last reader goes away, we must ensure that nobody still walks the table."
    body = "The table is freed early.\n" + weak + "\n\n" + DIFF
    msg = make_message("p@x", body, subject=f"[PATCH] {TITLE}")
    assert find_fix_statement(msg) is None and find_title_restatement(msg, TITLE) is None
    quote, ev = find_patch_evidence(msg)
    assert quote == weak and ev.extractor == "fixes.patch"


@pytest.mark.parametrize("body,intro", [
    ("I see, foo_put() is the problem.\nSomething like this (untested):\n\n" + DIFF[4:], "Something like this (untested):"),
    (DIFF[4:], None),                                                 # the diff comes first
    ("Try this:\n\n+\tspin_lock(&l);\n\nThanks,\nAnn Dev\n", None),   # an inline hunk: no diff header
    ("I think it just needs the following.\n\n--b.\n\n" + DIFF[4:], "I think it just needs the following."),
    ("Something like this:\n\nann@box:~/linux$ git diff mm/foo.c\n" + DIFF[4:], "Something like this:"),
    ("Here it is.\n\ncommit 1234abcd5678 Author: Ann Dev <ann@example.org>\n" + DIFF[4:], "Here it is."),
    # a whole patch in a reply: its diffstat is no sentence
    ("Take foo_lock in foo_put().\n\nSigned-off-by: Ann Dev <ann@example.org>\n---\n mm/foo.c | 3 ++-\n"
     " 1 file changed, 2 insertions(+), 1 deletion(-)\n\n" + DIFF[4:], "Take foo_lock in foo_put()."),
    # a letter's closing before the diff offers nothing: the sentence above it does
    ("Something like the following might work?\n\nThanks, Bob\n\n" + DIFF[4:],
     "Something like the following might work?"),
])
def test_find_diff_intro(body, intro):
    span = find_diff_intro(make_message("r@x", body, subject="Re: [PATCH] foo: fix race"))
    assert (body[span[0]:span[1]] if span else None) == intro


@pytest.mark.parametrize("text,prose", [
    ("Take foo_lock in foo_put().", True),
    ("--b.", False),                                                  # a sign-off
    ("v1->v2: take the lock in foo_put() as well", False),            # a version note
    ("commit 1234abcd5678 Author: Ann Dev <ann@example.org>", False),  # a git log header
    ("ann@box:~/linux$ git diff mm/foo.c", False),                    # a shell prompt
    ("Done.", False),                                                 # one word says nothing
    ("mm/foo.c | 3 ++-", False),                                      # a diffstat line
    ("2 files changed, 5 insertions(+), 1 deletion(-)", False),       # its summary
])
def test_is_prose_statement(text, prose):
    assert is_prose_statement(text) is prose


@pytest.mark.parametrize("sentence,shape", [
    ("Delete the stale pointer after the grace period.", True),      # a verb no cue lists
    ("Thus, allocate a queue once per device.", True),               # after a connective
    ("Adds a lock around the counter update.", True),                # third person
    ("Fixed it using a pair of READ_ONCE and WRITE_ONCE.", True),    # past tense
    ("The lock protects the list.", False),                          # a determiner first
    ("When the lock is dropped, the list can change.", False),       # a function word first
    ("It is the counter that races.", False),
    ("Between these two calls is a race window.", False),            # a preposition first
    ("Without a barrier between the store and the load the two can be reordered.", False),
    ("Tested the fix with the reproducer.", True),                   # the shape alone, not the meaning
])
def test_imperative_shape(sentence, shape):
    from ingest.extract.changelog import is_imperative_shape
    assert is_imperative_shape(sentence) is shape


@pytest.mark.parametrize("subject,statement", [
    ("[PATCH] foo: fix race", "Delete the stale foo pointer under foo_lock."),   # a changelog
    ("Re: [PATCH] foo: fix race", None),            # a reply's draft: the shape alone is no statement
])
def test_imperative_shape_states_a_posting_fix(subject, statement):
    body = PROBLEM + "Delete the stale foo pointer under foo_lock.\n" + DIFF
    span = find_fix_statement(make_message("p@x", body, subject=subject))
    assert (body[span[0]:span[1]] if span else None) == statement


def test_a_formal_patch_inside_a_reply_states_its_fix_like_a_posting():
    """A reply carrying a signed-off patch (its own changelog) states its fix in the imperative."""
    body = PROBLEM + "Delete the stale foo pointer under foo_lock.\n\nSigned-off-by: Bob <bob@x.org>\n" + DIFF
    span = find_fix_statement(make_message("p@x", body, subject="Re: [PATCH] foo: fix race"))
    assert span and body[span[0]:span[1]] == "Delete the stale foo pointer under foo_lock."
