from dataclasses import replace

import pytest

from ingest.extract.changelog import is_untitled_patch
from ingest.extract.races import extract_races, find_diagrams
from ingest.extract.types import compute_own_spans
from tests.ingest.extract.helpers import make_message, make_thread


@pytest.mark.parametrize("subject,bodies,expect_race,consequence", [
    ("foo: fix race between writeback and truncate",
     ["There is a race between foo_writeback() and foo_truncate() on inode->i_data.\n"
      "The inode can go away under us and we touch freed memory."], True, "use-after-free"),
    ("Question about locking",
     ["Two CPUs can run foo_update() concurrently and one increment is lost: a race.",
      "Yes, this is racy: the read-modify-write of ->count is not atomic."], True, "lost-update"),
    ("mm: add tracepoints for reclaim",
     ["This adds a tracepoint; enable it and look at the trace output.",
      "Please embrace the new API."], False, None),
    ("rcu: drop redundant rcu_read_lock()",
     ["The spinlock already implies an RCU read-side critical section, the grace period "
      "waits for it.", "Right."], False, None),
    ("zswap: writeback knob",
     ["Configuring it from userspace is not even that racy, the order is fixed.", "Ok."],
     False, None),
])
def test_prose_races(subject, bodies, expect_race, consequence):
    msgs = [make_message(f"m{i}@x", b, reply_to=f"m{i-1}@x" if i else None)
            for i, b in enumerate(bodies)]
    races = extract_races(make_thread(subject, *msgs))
    assert bool(races) == expect_race
    if expect_race:
        assert races[0].consequence == consequence
        for ev in races[0].evidence:
            body = next(m.body for m in msgs if m.message_id == ev.message_id)
            assert body[ev.start:ev.end] == ev.quote and len(ev.quote.split()) <= 80


def test_diagram_steps():
    body = ("The race:\n\nCPU0                          CPU1\n"
            "foo_lock();\n                              bar_free(obj);\n"
            "use(obj);\n\nSo this is a use-after-free.\n")
    (start, end, steps) = find_diagrams(make_message("d@x", body))[0]
    assert steps == ["CPU0: foo_lock();", "CPU1: bar_free(obj);", "CPU0: use(obj);"]
    races = extract_races(make_thread("Re: race in foo", make_message("d@x", body)))
    assert races and races[0].steps and races[0].source == "diagram"


def test_report_becomes_race():
    body = ("BUG: KCSAN: data-race in foo_read / foo_write\n\n"
            "write to 0xffff8881 of 8 bytes by task 1 on cpu 0:\n foo_write+0x1/0x2\n\n"
            "read to 0xffff8881 of 8 bytes by task 2 on cpu 1:\n foo_read+0x1/0x2\n")
    races = extract_races(make_thread("KCSAN: data-race in foo_read / foo_write",
                                      make_message("k@x", body)))
    kcsan = [r for r in races if r.source == "kcsan"]
    assert kcsan and kcsan[0].consequence == "data-race"
    assert set(kcsan[0].participants) == {"foo_read", "foo_write"}


def test_own_spans_skip_quotes_and_signature():
    body = "On Mon, Bob wrote:\n> quoted race\nmy text\n-- \nsig race\n"
    spans = compute_own_spans(body)
    assert "".join(body[a:b] for a, b in spans) == "my text\n"


@pytest.mark.parametrize("body,expect_race", [
    ("foo_get() cannot race with foo_put() here, both hold foo_lock.\n"
     "So there is no race between them on foo->ref.", False),
    ("Since we are racing with emails, I will wait for your v2.\nThe race is impossible anyway.",
     False),
    ("There is a race between foo_get() and foo_put() on foo->ref.\n"
     "The race window is small but foo_put() can free foo under foo_get().", True),
    ("Keeping the zero registers is an arms race with future compilers.\n"
     "Removing them all is the simple way out of it.", False),
])
def test_negated_and_figurative_races(body, expect_race):
    t = make_thread("Re: foo cleanup", make_message("a@x", body),
                    make_message("b@x", body, author="Bob", email="bob@x.org", reply_to="a@x"))
    assert bool(extract_races(t)) is expect_race


@pytest.mark.parametrize("subject,second,expect_race", [
    # a use-after-free of one path (a missing reference, an error path): memory safety, no race
    ("[PATCH] foo: fix use-after-free in foo_put()", "That use-after-free is also hit by foo_exit().", False),
    ("[PATCH] foo: fix memory leak", "This change will cause a use-after-free in foo_put().", False),
    # ... a race once something runs concurrently with it
    ("[PATCH] foo: fix use-after-free in foo_put()", "foo_exit() can run concurrently with foo_put().", True),
    ("[PATCH] foo: fix use-after-free in foo_put()", "CPU1 frees foo in the window before foo_get().", True),
    ("[PATCH] foo: fix a race in foo_put()", "That use-after-free is also hit by foo_exit().", True),
])
def test_a_use_after_free_is_a_race_only_with_concurrency(subject, second, expect_race):
    body = "foo_put() drops the last reference to foo and then reads foo->ref: a use-after-free.\n"
    t = make_thread(subject, make_message("a@x", body, subject=subject),
                    make_message("b@x", second, author="Bob", email="bob@x.org", reply_to="a@x",
                                 subject="Re: " + subject))
    assert bool(extract_races(t)) is expect_race


RACY = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
        "foo_put() can free foo while foo_get() still uses it: a use-after-free.\n")


UPSTREAM = "commit 0123456789abcdef0123456789abcdef01234567 upstream.\n\n"


@pytest.mark.parametrize("author,email,subject,head,expect_race", [
    ("Sasha Levin", "sasha@example.org", "[PATCH AUTOSEL 6.1 03/09] foo: fix race", "", False),
    ("Greg", "greg@example.org", "[PATCH 6.6 016/568] foo: fix race", UPSTREAM, False),
    ("Ann", "ann@example.org", "[PATCH 5.15] foo: fix race", "[ Upstream commit 0123456789ab ]\n\n", False),
    ("Ann", "ann@example.org", "[PATCH 5.15.y] foo: fix race", "", False),
    ("Ann", "ann@example.org", "[GIT PULL] foo fixes for 6.1", "", False),
    ("kernel test robot", "lkp@intel.com", "[foo:master] BUILD SUCCESS", "", False),
    ("Ann", "ann@example.org", "[PATCH cgroup/for-6.1] foo: fix race", "", True),
    ("Ann", "ann@example.org", "[PATCH v2 1/3] foo: fix race", "", True),
    # a bare release names the -rc a fix is for; without an upstream commit it is no backport
    ("Ann", "ann@example.org", "[PATCH 5.11] foo: fix race", "", True),
    ("Ann", "ann@example.org", "[PATCH 5.11] foo: fix race", "It is like commit 0123456789ab upstream.\n", True),
])
def test_machine_mail_starts_no_race(author, email, subject, head, expect_race):
    t = make_thread(subject, make_message("a@x", head + RACY * 2, author, email, subject=subject))
    assert bool(extract_races(t)) is expect_race


KASAN = ("BUG: KASAN: slab-use-after-free in foo_read+0x1/0x2\n"
         "Read of size 8 at addr ffff8881 by task a/1\n\nCall Trace:\n foo_read+0x1/0x2\n"
         " vfs_read+0x1/0x2\n\nAllocated by task 1:\n kmalloc+0x1/0x2\n foo_alloc+0x1/0x2\n\n")


@pytest.mark.parametrize("freed,expect", [
    ("Freed by task 2:\n kfree+0x1/0x2\n foo_release+0x1/0x2\n\n", True),
    ("", False),      # one task, no second party: no race
])
def test_single_task_kasan_is_no_race(freed, expect):
    t = make_thread("KASAN: slab-use-after-free in foo_read",
                    make_message("k@x", KASAN + freed, "syzbot", "syzbot+0a1b2c3d@example.com",
                                 subject="KASAN: slab-use-after-free in foo_read"))
    races = [r for r in extract_races(t) if r.source == "kasan"]
    assert bool(races) is expect
    assert all("?" not in r.summary for r in races)


@pytest.mark.parametrize("participants,obj,subject,summary", [
    (["foo_get", "foo_put"], "foo->ref", "", "foo_get races with foo_put on foo->ref, causing use-after-free"),
    (["foo_get", "foo_put"], "foo_put", "", "foo_get races with foo_put, causing use-after-free"),
    (["cmpxchg", "cmpxchg"], "cmpxchg", "", "concurrent cmpxchg calls race, causing use-after-free"),
    (["cmpxchg"], "cmpxchg", "[PATCH v3 1/4] mm/zswap: make the cursor safe",
     "mm/zswap: make the cursor safe"),
    (["a_b", "?"], "", "<2 3854 Yes possible deadlock in foo (4)", "the first sentence."),
])
def test_titles_never_repeat_a_name(participants, obj, subject, summary):
    from ingest.extract.races import summarise_race
    from ingest.extract.types import EvidenceSpan
    ev = [EvidenceSpan("m", 0, 19, "the first sentence.", "races.prose", "t", 1.0)]
    assert summarise_race(participants, obj, "use-after-free", subject, ev) == summary


@pytest.mark.parametrize("subject,texts,participants", [
    # functions named in the race sentences win
    ("[PATCH] mm: fix race in a_b()", ["c_d() frees it while e_f() reads it, c_d() again"], ["c_d", "e_f"]),
    # "race between A and B" in the title names both sides
    ("[PATCH] fix race between a_b() and c_d()", [], ["a_b()", "c_d()"]),
    # a title naming one racing path: the path, without an article or what follows "on"/"for"
    ("[PATCH v2] mm/swap: fix race when skipping swapcache", [], ["skipping swapcache"]),
    ("[PATCH] mm: fix a race condition in the foo_bar() on teardown", [], ["foo_bar()"]),
    ("[PATCH] block: fix race with blk_freeze, really", [], ["blk_freeze"]),
    # a title with no racing path names nobody
    ("[PATCH] io_uring: fix racy access", [], []),
    ("[PATCH] cgroup: use-after-free in teardown", [], []),
])
def test_participants_from_sentences_then_title(subject, texts, participants):
    from ingest.extract.races import find_participants
    assert find_participants(texts, subject) == participants


def test_subject_only_race_names_its_path():
    """A patch whose body never describes its race still names the path its title gives."""
    subject = "[PATCH] mm: fix race when splitting the huge page"
    thread = make_thread(subject, make_message("<p@x>", "Fix it by taking the lock first.", subject=subject))
    races = extract_races(thread)
    assert [r.participants for r in races] == [("splitting the huge page",)]


@pytest.mark.parametrize("author,email,subject,expect", [
    ("syzbot", "syzbot+0a1b2c3d@example.com", "KASAN: slab-use-after-free in foo_read", True),
    ("Sasha Levin", "sasha@example.org", "[PATCH AUTOSEL 6.1 03/09] foo: fix uaf in foo_read", False),
])
def test_a_report_restated_in_a_backport_starts_no_race(author, email, subject, expect):
    freed = "Freed by task 2:\n kfree+0x1/0x2\n foo_release+0x1/0x2\n\n"
    t = make_thread(subject, make_message("k@x", KASAN + freed, author, email, subject=subject))
    assert bool([r for r in extract_races(t) if r.source == "kasan"]) is expect


@pytest.mark.parametrize("subject,sentence,expect_race", [
    # one race sentence in a posted patch's changelog, naming the racing code: the patch says it
    ("[PATCH] md: add a deleting flag", "So there is a race window between md_open() and "
     "do_md_stop(), and the device can still be opened.", True),
    # a patch resent with a bare [RESEND] tag is a posted patch too
    ("[RESEND] md: add a deleting flag", "So there is a race window between md_open() and "
     "do_md_stop(), and the device can still be opened.", True),
    # the same sentence in a reply is one opinion among several messages
    ("Re: [PATCH] md: add a deleting flag", "So there is a race window between md_open() and "
     "do_md_stop(), and the device can still be opened.", False),
    # a changelog that names no code ("racy" in passing) is not enough
    ("[PATCH] md: add a deleting flag", "The old code was a bit racy, so tidy it up.", False),
    # a series' cover letter or part mentions races in its notes: its title must say so
    ("[PATCH 0/3] md: add a deleting flag", "So there is a race window between md_open() and "
     "do_md_stop(), and the device can still be opened.", False),
    ("[PATCH v2 1/1] md: add a deleting flag", "So there is a race window between md_open() and "
     "do_md_stop(), and the device can still be opened.", True),
    # a posted patch titled with a race word the gate's title check lacks ("deadlock")
    ("[PATCH] md: fix open/stop deadlock", "Bob reports the following deadlock:", True),
    ("[PATCH] md: add a deleting flag", "Bob reports the following deadlock:", False),
])
def test_one_changelog_sentence_naming_the_racing_code_is_a_race(subject, sentence, expect_race):
    msgs = [make_message("p@x", "Opening the array is slow.\n" + sentence + "\n", subject=subject),
            make_message("r@x", "Looks fine to me.", author="Bob", email="bob@x.org",
                         subject="Re: [PATCH] md: add a deleting flag", reply_to="p@x")]
    assert bool(extract_races(make_thread(subject, *msgs))) is expect_race


RACE_LINE = "So there is a race window between md_open() and do_md_stop(), and the device can still be opened."
FIX_LINE = "Fix this by marking the array as deleting before it is stopped."


@pytest.mark.parametrize("subject, body, recovered, expect_race", [
    # a web page copied without its title: the quoted patch is signed off and states its fix
    ("Hi Song, I will resend it…", f"{RACE_LINE}\n{FIX_LINE}\n\nSigned-off-by: Ann Dev <ann@x>\n", False, True),
    # not signed off: a mail that only discusses
    ("Hi Song, I will resend it…", f"{RACE_LINE}\n{FIX_LINE}\n", False, False),
    # ... unless it is the deepest message a page quotes (a reply that quotes a patch trims its sign-off)
    ("Hi Song, I will resend it…", f"{RACE_LINE}\n{FIX_LINE}\n", True, True),
    # signed off, but no sentence says what the patch does
    ("Hi Song, I will resend it…", f"{RACE_LINE}\n\nSigned-off-by: Ann Dev <ann@x>\n", False, False),
    # a reply is no posting, signed off or not
    ("Re: md: deleting flag", f"{RACE_LINE}\n{FIX_LINE}\n\nSigned-off-by: Ann Dev <ann@x>\n", False, False),
    ("Re: md: deleting flag", f"{RACE_LINE}\n{FIX_LINE}\n", True, False),
])
def test_a_signed_off_patch_without_its_title_is_a_posted_patch(subject, body, recovered, expect_race):
    msgs = [replace(make_message("p@x", body, subject=subject), recovered=recovered),
            make_message("r@x", "Looks fine to me.", author="Bob", email="bob@x.org", subject=subject,
                         reply_to="p@x")]
    assert bool(extract_races(make_thread(subject, *msgs))) is expect_race
    assert is_untitled_patch(msgs[0]) is expect_race


@pytest.mark.parametrize("recovered, subject, reply_to, expect_race", [
    # the deepest message quoted on a page copied without its subject line: the discussion's start
    (True, "Hi Song, I will resend it…", None, True),
    # the same mail from an archive: one sentence of a mail that is no posting
    (False, "md: deleting flag", None, False),
    # on a page, but a reply (its subject says so), or not the deepest message
    (True, "Re: md: deleting flag", None, False),
    (True, "Hi Song, I will resend it…", "q@x", False),
])
def test_one_race_sentence_opening_a_page_without_its_title(recovered, subject, reply_to, expect_race):
    opening = replace(make_message("p@x", f"{RACE_LINE}\n", subject=subject, reply_to=reply_to), recovered=recovered)
    msgs = [opening, replace(make_message("r@x", "Looks fine to me.", author="Bob", email="bob@x.org",
                                          subject=subject, reply_to="p@x"), recovered=recovered)]
    assert bool(extract_races(make_thread(subject, *msgs))) is expect_race


@pytest.mark.parametrize("part_title,expect_race", [
    ("md: fix racy flag update", True),     # the part's own title names the race it fixes
    ("md: add a deleting flag", False),     # a part's notes mention a race in passing
])
def test_a_series_part_titled_with_its_race_says_what_it_fixes(part_title, expect_race):
    """Under a cover letter that names no race ("fixes for 5.9"), one part's changelog sentence
    naming the racing code is a race when that part's title names a race."""
    cover = make_message("c@x", "A few fixes for this cycle.\n", subject="[PATCH 0/4] md fixes for 5.9")
    part = make_message("p@x", "So there is a race window between md_open() and do_md_stop().\n",
                        subject=f"[PATCH 4/4] {part_title}", reply_to="c@x")
    assert bool(extract_races(make_thread("[PATCH 0/4] md fixes for 5.9", cover, part))) is expect_race


@pytest.mark.parametrize("subject,expect_race", [
    ("[PATCH] md: serialize array open and stop paths", True),    # the title names the fix of a race
    ("[PATCH] md: serialise array open and stop paths", True),
    ("[PATCH] md: add a serial number to the array", False),
    ("Re: serialize array open and stop paths", False),           # no posted patch
])
def test_a_patch_titled_serialize_is_a_race(subject, expect_race):
    """A posted patch whose title says it serialises two paths fixes a race even when its
    changelog never uses a race word."""
    body = "Opening the array while md_stop() runs leaves it half set up.\nTake the lock in both.\n"
    t = make_thread(subject, make_message("p@x", body, subject=subject))
    assert bool(extract_races(t)) is expect_race
