"""Dated maintainer roles from the MAINTAINERS patches of an archive (fixtures written here)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from ingest.extract.maintainer_history import (
    RoleChange, collect_role_history, find_entry_key, maintainers_at, read_maintainers_hunks,
)
from ingest.extract.maintainers import build_index, parse_maintainers
from ingest.extract.people import extract_people, find_maintainer_keys
from tests.ingest.extract.helpers import MAINTAINERS_SAMPLE, make_message, make_thread

MT = build_index(parse_maintainers(MAINTAINERS_SAMPLE))
SECTIONS = {s.name: s for s in MT.sections}
MAY = datetime(2022, 5, 1, tzinfo=timezone.utc)


def day(y: int, m: int, d: int = 1) -> datetime:
    return datetime(y, m, d, tzinfo=timezone.utc)


def patch(*hunks: str, path: str = "MAINTAINERS") -> str:
    """A patch mail body: changelog, one file's hunks, signature."""
    return (f"Add a maintainer.\n\nSigned-off-by: Ann <ann@example.org>\n---\n diff stat\n\n"
            f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "".join(hunks) + "-- \n2.40.0\n")


TITLED_ADD = ("@@ -10,5 +10,6 @@\n CGROUP\n M:\tTejun Heo <tj@kernel.org>\n+M:\tMia Newman <mia@example.org>\n"
              " L:\tcgroups@vger.kernel.org\n F:\tkernel/cgroup/\n F:\tinclude/linux/cgroup*\n")
UNTITLED_ADD = ("@@ -20,2 +20,3 @@ CPUSET\n M:\tWaiman Long <longman@redhat.com>\n+M:\tMia Newman <mia@example.org>\n"
                " F:\tkernel/cgroup/cpuset.c\n")
NEW_SECTION = ("@@ -30,2 +30,6 @@\n F:\tkernel/cgroup/cpuset.c\n \n+FRESH THING\n+M:\tMia Newman <mia@example.org>\n"
               "+F:\tlib/fresh.c\n+\n")
ADDRESS_CHANGE = ("@@ -10,3 +10,3 @@\n CGROUP\n-M:\tHeo, Tejun <tj@old.example.org>\n+M:\tTejun Heo <tj@kernel.org>\n"
                  " L:\tcgroups@vger.kernel.org\n")
# the same person's line moved to another place of the section, in a second hunk
MOVED = ("@@ -10,2 +10,1 @@\n CGROUP\n-M:\tTejun Heo <tj@kernel.org>\n"
         "@@ -13,2 +12,3 @@\n L:\tcgroups@vger.kernel.org\n F:\tkernel/cgroup/\n+M:\tTejun Heo <tj@kernel.org>\n")
REMOVAL = "@@ -20,3 +20,2 @@ CPUSET\n-M:\tOld Timer <old@example.org>\n M:\tWaiman Long <longman@redhat.com>\n F:\tkernel/cgroup/cpuset.c\n"
# one unchanged line is too little to tell the section
AMBIGUOUS = "@@ -1,1 +1,2 @@\n L:\tcgroups@vger.kernel.org\n+M:\tMia Newman <mia@example.org>\n"


@pytest.mark.parametrize("entry,key", [
    ("Michal Koutný <mkoutny@example.org>", "koutny michal"),
    ("Koutný, Michal", "koutny michal"),
    ("Li Zefan <a@b>", "li zefan"),
    ("Zefan Li <c@d>", "li zefan"),        # one person, either order
    ('"Ann Dev" <ann@example.org>', "ann dev"),
    ("<only@example.org>", "only@example.org"),
])
def test_entry_key(entry: str, key: str) -> None:
    assert find_entry_key(entry) == key


@pytest.mark.parametrize("body,expected", [
    (patch(TITLED_ADD), [("CGROUP", "Mia Newman <mia@example.org>", True)]),
    (patch(UNTITLED_ADD), [("CPUSET", "Mia Newman <mia@example.org>", True)]),
    (patch(NEW_SECTION), []),                      # a section the loaded file lacks
    (patch(ADDRESS_CHANGE), []),                   # one person's new address is no new role
    (patch(MOVED), []),
    (patch(REMOVAL), [("CPUSET", "Old Timer <old@example.org>", False)]),
    (patch(AMBIGUOUS), []),
    (patch(TITLED_ADD, path="Documentation/admin-guide/cgroup-v2.rst"), []),   # another file
    ("> +M:\tMia Newman <mia@example.org>\n> quoted in a reply\n", []),
])
def test_role_changes_of_a_patch(body: str, expected: list) -> None:
    history = collect_role_history(MT.sections, [(MAY, "[PATCH] MAINTAINERS: update", body),
                                                 (None, "[PATCH] MAINTAINERS: update", body)])  # undated: skipped
    found = [(c.section, c.entry, c.added) for changes in history.values() for c in changes]
    assert found == expected
    assert all(c.date == MAY for changes in history.values() for c in changes)


def test_hunk_counts_end_the_hunk_even_when_a_blank_context_line_lost_its_space() -> None:
    hunk = "@@ -1,3 +1,4 @@\n CGROUP\n+M:\tMia Newman <mia@example.org>\n\n OTHER\n"
    [lines] = read_maintainers_hunks(patch(hunk) + "trailing text that is no diff\n")
    assert [(x.sign, x.text) for x in lines] == [
        (" ", "CGROUP"), ("+", "M:\tMia Newman <mia@example.org>"), (" ", ""), (" ", "OTHER")]


@pytest.mark.parametrize("subject,counts", [
    ("[PATCH] MAINTAINERS: add Mia", True),
    ("[PATCH cgroup/for-6.11] cgroup: add Mia as a maintainer", True),   # a mainline tree's branch
    ("Re: [PATCH v2 1/2] MAINTAINERS: add Mia", True),
    ("[PATCH 6.12] MAINTAINERS: appoint Mia for the LTS", False),         # a stable tree's maintainers
    ("[PATCH 5.15.y 2/3] MAINTAINERS: add Mia", False),
    ("[PATCH stable] MAINTAINERS: add Mia", False),
])
def test_a_stable_branch_patch_changes_no_mainline_role(subject: str, counts: bool) -> None:
    assert bool(collect_role_history(MT.sections, [(MAY, subject, patch(TITLED_ADD))])) is counts


ADD = RoleChange("CPUSET", "Mia Newman <mia@example.org>", True, day(2022, 9))
DROP = RoleChange("CPUSET", "Old Timer <old@example.org>", False, day(2021, 1))
DROP_WAIMAN = RoleChange("CPUSET", "Waiman Long <longman@redhat.com>", False, day(2024, 11))


@pytest.mark.parametrize("changes,date,expected", [
    ((), day(2020, 1), {"waiman long"}),                                 # no history: the file
    ((ADD,), None, {"waiman long"}),                                     # undated thread: the file
    ((ADD,), day(2022, 8), {"waiman long"}),                             # before she was added
    ((ADD,), day(2022, 9), {"waiman long", "mia newman"}),               # from the day of the patch
    ((DROP,), day(2020, 6), {"waiman long", "old timer"}),               # before he was removed
    ((DROP,), day(2021, 2), {"waiman long"}),
    ((DROP_WAIMAN,), day(2025, 1), set()),                               # removed after the file's date
    ((ADD,), datetime(2023, 1, 1), {"waiman long", "mia newman"}),       # a naive date reads as UTC
])
def test_maintainers_at_a_date(changes, date, expected) -> None:
    entries = maintainers_at(SECTIONS["CPUSET"], changes, date)
    assert {find_entry_key(e) for e in entries} == {find_entry_key(n) for n in expected}


def test_a_thread_before_a_maintainers_patch_does_not_make_the_new_maintainer_one() -> None:
    history = collect_role_history(MT.sections, [(day(2022, 9), "[PATCH] MAINTAINERS: add Mia", patch(TITLED_ADD))])
    mt = replace(build_index(MT.sections), history=history)
    files = ("kernel/cgroup/cgroup.c",)
    assert "mia@example.org" not in find_maintainer_keys(mt, files, "cgroups@vger.kernel.org", day(2022, 1))[1]
    assert "mia@example.org" in find_maintainer_keys(mt, files, "cgroups@vger.kernel.org", day(2023, 1))[1]

    def thread_at(date: datetime):
        fix = make_message("1@x", "A patch.\n", files=files)
        review = make_message("2@x", "Looks fine.\n", author="Mia Newman", email="mia@example.org", reply_to="1@x")
        return make_thread("[PATCH] cgroup: fix a race", replace(fix, date=date), replace(review, date=date))

    def roles(date: datetime) -> set[str]:
        people = extract_people(thread_at(date), [], mt)
        return next(set(p.roles) for p in people if p.email == "mia@example.org")

    assert "maintainer" not in roles(day(2022, 1))
    assert "maintainer" in roles(day(2023, 1))
