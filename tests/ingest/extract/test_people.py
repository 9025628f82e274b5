from ingest.extract.names import normalise_name
from ingest.extract.people import PersonIndex, extract_people
from tests.ingest.extract.helpers import make_message, make_thread


def test_person_variants_merge():
    idx = PersonIndex()
    a = idx.add("Hugh Dickins", "hughd@google.com")
    assert idx.add("Hugh Dickins", "hughd@xxxxxxxxxx") == a
    assert idx.add('"Dickins, Hugh"', "") == a
    assert idx.add("", "HUGHD@google.com") == a
    assert normalise_name("Michal Koutný") == "michal koutny"


def test_roles_from_headers_and_trailers():
    patch = ("fix\n\nReported-by: syzbot+123@syzkaller.appspotmail.com\n"
             "Signed-off-by: Ann Dev <ann@example.org>\n---\ndiff --git a/x.c b/x.c\n")
    t = make_thread("[PATCH] fix race", make_message("p@x", patch, subject="[PATCH] fix race",
                                                    files=("x.c",)),
                    make_message("r@x", "Looks good.", author="Bob", email="bob@x.org"))
    roles = {p.name or p.email: set(p.roles) for p in extract_people(t, [])}
    assert roles["Ann Dev"] == {"author"}
    assert roles["Bob"] == {"reviewer"}
    assert "reporter" in roles["syzbot+123@syzkaller.appspotmail.com"]


import pytest  # noqa: E402


@pytest.mark.parametrize("reply,maintainer", [
    ("Applied to cgroup/for-6.1-fixes, thanks.", True),
    ("Thanks, queued.", True),
    ("I've picked it up.", True),
    ("Looks good. Does it apply to a series of pages too?", False),
    ("Is it applied to a series of descending orders?", False),
    # a tester applies the patch to a local tree
    ("I applied this series on v5.12-rc4 and ran blktests block/005.", False),
    ("I applied this patch series, and\nconfirmed the failure disappears.", False),
    ("We applied it against 5.10 and still see the hang.", False),
])
def test_who_applies_a_patch_is_a_maintainer(reply, maintainer):
    from ingest.extract import extract_thread
    patch = ("There is a race between foo_get() and foo_put() on foo->ref.\n"
             "Fix this race by taking foo_lock.\n---\ndiff --git a/x.c b/x.c\n")
    t = make_thread("[PATCH] fix race", make_message("p@x", patch, subject="[PATCH] fix race"),
                    make_message("r@x", reply, author="Tess Maint", email="tess@x.org",
                                 reply_to="p@x", subject="Re: [PATCH] fix race"))
    roles = {p.name: set(p.roles) for p in extract_thread(t).people}
    assert ("maintainer" in roles["Tess Maint"]) is maintainer
    assert "maintainer" not in roles["Ann Dev"]


@pytest.mark.parametrize("files,expected", [
    # the list's own subsystem and the catch-all; the scheduler file of a mixed patch is not ours
    (("kernel/cgroup/cgroup.c", "kernel/sched/core.c"), {"tj@kernel.org", "torvalds@linux-foundation.org"}),
    # a patch entirely in another subsystem: that subsystem's maintainers
    (("kernel/sched/core.c",), {"peterz@infradead.org", "torvalds@linux-foundation.org"}),
    ((), {"tj@kernel.org"}),                   # no patch: the list's own sections
    # a path MAINTAINERS no longer knows (moved since the thread: only THE REST covers it)
    (("kernel/cgroup.c",), {"tj@kernel.org"}),
    (("kernel/cgroup.c", "kernel/cgroup/cgroup.c"), {"tj@kernel.org", "torvalds@linux-foundation.org"}),
])
def test_maintainer_keys_of_a_cgroups_thread(files, expected):
    from ingest.extract.maintainers import build_index, parse_maintainers
    from ingest.extract.people import find_maintainer_keys
    from tests.ingest.extract.helpers import MAINTAINERS_SAMPLE
    mt = build_index(parse_maintainers(MAINTAINERS_SAMPLE))
    assert find_maintainer_keys(mt, files, "cgroups@vger.kernel.org")[1] == expected


def test_a_moved_path_on_a_list_without_sections_keeps_the_catch_all():
    from ingest.extract.maintainers import build_index, parse_maintainers
    from ingest.extract.people import find_maintainer_keys
    from tests.ingest.extract.helpers import MAINTAINERS_SAMPLE
    mt = build_index(parse_maintainers(MAINTAINERS_SAMPLE))
    assert find_maintainer_keys(mt, ("kernel/cgroup.c",), "nosuch@vger.kernel.org")[1] == {"torvalds@linux-foundation.org"}
