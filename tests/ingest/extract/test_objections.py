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


def test_classify_reason_scalability():
    assert classify_reason("That would be slow and non-scalable.") == "scalability"
