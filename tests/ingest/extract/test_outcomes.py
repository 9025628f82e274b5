import pytest

from ingest.extract.gate import scan_thread
from ingest.extract.cues import fold_text
from ingest.extract.outcomes import (
    applies_for_testing, find_status, find_status_cues, is_same_person, patch_title, says_applied,
)
from tests.ingest.extract.helpers import make_message, make_thread

PATCH = "Fix this by taking foo_lock.\n---\ndiff --git a/f.c b/f.c\n"
ANN = ("Ann Dev", "ann@example.org")
ANN_WORK = ("Ann Dev", "ann.dev@corp.example")
BOB = ("Bob Maint", "bob@example.org")


def thread_of(*later):
    """A patch by Ann (message p), then `later` = (sender, subject, body, replies-to) rows."""
    msgs = [make_message("p", PATCH, *ANN, subject="[PATCH] mm: fix foo race")]
    for n, (who, subject, body, parent) in enumerate(later):
        msgs.append(make_message(f"m{n}", body, *who, subject=subject, reply_to=parent))
    return make_thread("[PATCH] mm: fix foo race", *msgs)


def status_of(thread, index=0):
    cues = [find_status_cues(s) for s in scan_thread(thread).messages]
    return find_status(cues, index, [m.message_id for m in thread.messages])


RE = "Re: [PATCH] mm: fix foo race"
V2 = "[PATCH v2] mm: fix foo race"


@pytest.mark.parametrize("later,status", [
    ([], "proposed"),
    ([(BOB, RE, "Acked-by: Bob Maint <bob@example.org>", "p")], "acked"),
    ([(BOB, RE, "Reviewed-by: Bob Maint <bob@example.org>", "p")], "acked"),
    ([(BOB, RE, "> Acked-by: Carl <c@x>\n\nHmm.", "p")], "proposed"),        # quoted ack
    ([(BOB, RE, "Applied to for-6.1, thanks.", "p")], "applied"),
    ([(BOB, RE, "Queued, thanks.", "p")], "applied"),
    ([(BOB, RE, "[Applied to for-next]", "p")], "applied"),
    ([(BOB, RE, "I applied this series on v5.12-rc4 and ran blktests.", "p")], "proposed"),   # a tester
    ([(BOB, RE, "This was seen before:\n\n    mm: the fix is not being\n    applied at the moment\n", "p")],
     "proposed"),                                                           # an indented pasted commit
    ([(BOB, RE, "Thanks for testing! I'll queue this up for 6.1.", "p")], "applied"),   # to be queued
    ([(BOB, RE, "Looks right, we will pick it up.", "p")], "applied"),
    ([(BOB, RE, "I'll queue this work on the system wq instead.", "p")], "proposed"),  # a work queue
    ([(BOB, RE, "I'll pick this apart tomorrow.", "p")], "proposed"),
    ([(BOB, RE, "NAK, this does not fix the race.", "p")], "nacked"),
    ([(BOB, RE, "Nacked-by: Bob Maint <bob@example.org>", "p")], "nacked"),
    ([(BOB, RE, "I do not know the word snack.", "p")], "proposed"),
    ([(ANN, RE, "Please ignore this one, it is wrong.", "p")], "withdrawn"),
    ([(ANN_WORK, RE, "Please ignore this one, it is wrong.", "p")], "withdrawn"),  # same name
    ([(BOB, RE, "Please ignore this one.", "p")], "proposed"),              # not the author
    ([(ANN, V2, PATCH, "p")], "revised"),
    ([(ANN, V2, PATCH, "p"), (BOB, "Re: " + V2, "Applied, thanks.", "m0")], "revised"),
    ([(BOB, RE, "Applied, thanks.", "elsewhere")], "proposed"),             # not about it
    ([(BOB, RE, "Acked-by: Bob Maint <bob@example.org>", "p"),
      (BOB, RE, "Applied, thanks.", "m0")], "applied"),
    ([(ANN, RE, "Applied, thanks.", "p")], "proposed"),                    # author's own word
])
def test_status(later, status):
    assert status_of(thread_of(*later)) == status


def test_ack_on_cover_letter_covers_its_parts():
    t = make_thread("[PATCH 0/2] fixes",
                    make_message("c", "Two fixes.", *ANN, subject="[PATCH 0/2] fixes"),
                    make_message("p1", PATCH, *ANN, subject="[PATCH 1/2] a", reply_to="c"),
                    make_message("r", "Applied both.", *BOB, subject="Re: [PATCH 0/2] fixes",
                                 reply_to="c"))
    assert status_of(t, 1) == "applied"


@pytest.mark.parametrize("a,b,same", [
    (("ann@example.org", "ann dev"), ("ann@example.org", "a. dev"), True),
    (("ann@example.org", "ann dev"), ("ann@corp.example", "ann dev"), True),
    (("ann@example.org", "ann dev"), ("bob@example.org", "bob"), False),
    (("", "al"), ("", "al"), False),          # a two-letter name says too little
])
def test_same_person(a, b, same):
    assert is_same_person(a, b) is same


def test_patch_title():
    assert patch_title("Re: [PATCH v2 1/3] mm: fix race") == "mm: fix race"
    assert patch_title("plain subject") == "plain subject"


@pytest.mark.parametrize("own,testing", [
    ("I applied this series on v5.12-rc4 and ran blktests.", True),
    ("I've applied it on top of linux-next, and\nI still see the warning.", True),
    ("I applied your patch and tested it overnight.", True),
    ("Applied to for-next, thanks.", False),
    ("I've applied it to the cgroup tree.", False),
    ("Thanks, I applied this one.", False),
])
def test_applies_for_testing(own, testing):
    assert applies_for_testing(own) is testing
    assert says_applied(own, fold_text(own)) is not testing


@pytest.mark.parametrize("own,applied", [
    ("Queued for 6.1, thanks.", True),
    ("Picked up, thanks!", True),
    ("Merged into for-next.", True),
    ("I'll queue it up for 5.11.", True),
    ("We will pick these up for the next merge window.", True),
    ("I will pick this one", True),
    ("I'll queue this work on the system workqueue.", False),  # queueing work is no applying
    ("The request_queue is freed while the workqueue runs.", False),
    ("Nobody picks it apart.", False),
])
def test_says_applied(own, applied):
    assert says_applied(own, fold_text(own)) is applied


class _CountingRegex:
    """Stands in for a compiled regex, counting its searches."""

    def __init__(self, regex):
        self.regex, self.searches = regex, 0

    def search(self, text):
        self.searches += 1
        return self.regex.search(text)


def test_a_thread_asks_each_message_once_whether_it_says_applied(monkeypatch):
    from ingest.extract import outcomes
    from ingest.extract.thread import extract_thread

    counting = _CountingRegex(outcomes._APPLIED_RE)
    monkeypatch.setattr(outcomes, "_APPLIED_RE", counting)
    says_applied.cache_clear()
    thread = thread_of((BOB, RE, "Applied to cgroup/for-6.1, thanks.", "p"),
                       (BOB, RE, "I have applied it to my tree and pushed it out.", "p"))
    extract_thread(thread, use_model=False)
    assert counting.searches == 2  # the two replies hold a verb; each is searched once
