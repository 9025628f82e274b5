import pytest

from ingest.extract.fixes import extract_fixes, is_patch_posting, patch_title, shorten_summary
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
    assert is_patch_posting(make_message("x", "text", subject="[PATCH] foo"))
    assert not is_patch_posting(make_message("x", "text", subject="Re: [PATCH] foo"))


@pytest.mark.parametrize("text, limit, expected", [
    ("take the lock", 120, "take the lock"),
    ("take  the\nlock", 120, "take the lock"),
    ("take the i_pages lock around each lookup", 20, "take the i_pages…"),
    ("take the lock, then recheck", 16, "take the lock…"),
])
def test_summaries_are_cut_at_word_boundaries(text: str, limit: int, expected: str) -> None:
    assert shorten_summary(text, limit) == expected
    assert len(shorten_summary(text, limit)) <= limit
