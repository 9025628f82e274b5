"""Unified diffs: git and plain forms, renames, copies, modes, binaries, spans, patch-id."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ingest.parse.patch import compute_patch_id, find_diffstat, parse_patches
from ingest.parse.patch_id import find_diff_lines, git_patch_id, hash_plain_diff
from tests.conftest import IN_CI, require_shared
from tests.ingest.parse.fixtures import HERE as FIXTURES
from tests.ingest.parse.fixtures import iter_mbox, load_body


def summary(body: str) -> list[tuple]:
    return [(fp.old_path, fp.new_path, fp.path, fp.status, fp.binary, len(fp.hunks))
            for fp in parse_patches(body)]


def test_rename_with_diff():
    body = load_body("format-patch-rename.eml")
    (fp,) = parse_patches(body)
    assert (fp.old_path, fp.new_path, fp.status, fp.similarity) == (
        "package/foo/foo-add-pc-files.patch", "package/foo/foo-000-add-pc-files.patch",
        "renamed", 90)
    (hunk,) = fp.hunks
    assert (hunk.old_start, hunk.old_count, hunk.new_start, hunk.new_count) == (100, 7, 100, 7)
    assert hunk.function == "static int foo_init(void)"
    assert (hunk.added, hunk.removed) == (1, 1)
    assert [line for line in body[hunk.start:hunk.end].split("\n") if line[:1] in "+-"] == ["-a", "+b"]
    assert body[fp.start:fp.end].startswith("diff --git a/package/foo/foo-add-pc-files.patch")
    assert "1.8.1.2" not in body[fp.start:fp.end]
    assert body[hunk.start:hunk.end].startswith("@@ -100,7")


def test_binary_added_git_binary_patch():
    assert summary(load_body("git-binary-add.eml")) == [
        (None, "pixel.bmp", "pixel.bmp", "added", True, 0)]


def test_mode_change_and_binary_differ():
    patches = parse_patches(load_body("binary-differ-and-mode.eml"))
    mode, logo = patches
    assert (mode.path, mode.status, mode.old_mode, mode.new_mode) == (
        "scripts/kconfig/nconf-cfg.sh", "modified", "100644", "100755")
    assert (logo.path, logo.status, logo.binary) == ("logo.png", "binary", True)


def test_plain_diff_crlf_broken_charset():
    body = load_body("broken-charset-plain-diff.eml")
    assert "\ufffd" in body                     # the undecodable byte was replaced, not fatal
    (fp,) = parse_patches(body)
    assert (fp.old_path, fp.new_path, fp.status) == ("MAINTAINERS", "MAINTAINERS", "modified")
    (hunk,) = fp.hunks
    assert hunk.function == "BROADCOM"
    assert (hunk.added, hunk.removed) == (1, 0)
    assert "\n+M:\tRafal" in body[hunk.start:hunk.end]


def test_series_without_cover_letter():
    paths = [[fp.path for fp in parse_patches(body)]
             for _s, body in iter_mbox(FIXTURES / "series-no-cover.mbox")]
    assert paths == [["tools/testing/selftests/cgroup/util.c"],
                     ["tools/testing/selftests/cgroup/test.c"]]


def test_pull_request_has_diffstat_but_no_patch():
    body = load_body("pull-request.eml")
    assert parse_patches(body) == ()
    stat = find_diffstat(body)
    assert stat is not None
    assert [(e.path, e.changes) for e in stat.entries] == [
        ("kernel/cgroup/cpuset.c", 4), ("kernel/cgroup/cgroup.c", 2)]
    assert (stat.files_changed, stat.insertions, stat.deletions) == (2, 4, 2)
    assert body[stat.start:stat.end].startswith(" kernel/cgroup/cpuset.c")


def test_quoted_patch_is_not_parsed():
    assert parse_patches(load_body("send-email-reply.eml")) == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+a\n+b\n",
         [(None, "new.c", "new.c", "added", False, 1)]),
        ("--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n",
         [("old.c", None, "old.c", "deleted", False, 1)]),
        ("--- foo.c\t2024-01-01 10:00:00\n+++ foo.c\t2024-01-02 10:00:00\n@@ -1 +1 @@\n-a\n+b\n",
         [("foo.c", "foo.c", "foo.c", "modified", False, 1)]),
        ("diff -urN linux.orig/mm/x.c linux/mm/x.c\n--- linux.orig/mm/x.c\n"
         "+++ linux/mm/x.c\n@@ -1 +1 @@\n-a\n+b\n",
         [("mm/x.c", "mm/x.c", "mm/x.c", "modified", False, 1)]),
        ("Index: mm/x.c\n===================================================================\n"
         "--- mm/x.c\t(revision 1)\n+++ mm/x.c\t(working copy)\n@@ -1 +1 @@\n-a\n+b\n",
         [("mm/x.c", "mm/x.c", "mm/x.c", "modified", False, 1)]),
        ('diff --git "a/dir/with space.c" "b/dir/with space.c"\nindex 1..2 100644\n'
         '--- "a/dir/with space.c"\n+++ "b/dir/with space.c"\n@@ -1 +1 @@\n-a\n+b\n',
         [("dir/with space.c", "dir/with space.c", "dir/with space.c", "modified", False, 1)]),
        ("diff --git a/a.c b/b.c\nsimilarity index 100%\ncopy from a.c\ncopy to b.c\n",
         [("a.c", "b.c", "b.c", "copied", False, 0)]),
        ("diff --git a/gone.c b/gone.c\ndeleted file mode 100644\nindex 1..0\n"
         "--- a/gone.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n",
         [("gone.c", None, "gone.c", "deleted", False, 1)]),
        ("diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline "
         "at end of file\n+c\n\\ No newline at end of file\n-- \n2.43.0\n",
         [("x.c", "x.c", "x.c", "modified", False, 1)]),
        ("Some prose that mentions --- and +++ but\n--- is not a diff\nat all\n", []),
    ],
)
def test_diff_forms(body, expected):
    assert summary(body) == expected


def test_whitespace_damaged_blank_context_and_two_hunks():
    body = ("diff --git a/k.c b/k.c\n--- a/k.c\n+++ b/k.c\n"
            "@@ -1,3 +1,3 @@ int f(void)\n a\n\n-b\n+c\n@@ -10,2 +10,3 @@\n x\n+y\n z\n"
            "-- \nsig\n")
    (fp,) = parse_patches(body)
    assert [h.function for h in fp.hunks] == ["int f(void)", ""]
    assert (fp.added, fp.removed) == (2, 1)
    assert body[fp.end:].startswith("\n-- \nsig")


@pytest.mark.parametrize(("body", "hunks", "after"), [
    # A hunk cut short by the text after it ends at its last line's newline, like any hunk:
    # the text is not part of the patch.
    ("diff --git a/k.c b/k.c\n--- a/k.c\n+++ b/k.c\n@@ -1,5 +1,5 @@\n a\n-b\n+c\nThanks,\nAl\n",
     [(1, 1)], "\nThanks,\nAl\n"),
    # CRLF mail with whitespace-damaged blank context lines ("\r" alone): one hunk goes on
    # across them, and the next hunk is found.
    ("diff --git a/k.c b/k.c\r\n--- a/k.c\r\n+++ b/k.c\r\n@@ -1,3 +1,3 @@\r\n a\r\n\r\n-b\r\n+c\r\n"
     "@@ -9,1 +9,2 @@\r\n x\r\n+y\r\n", [(1, 1), (1, 0)], "\n"),
])
def test_hunk_ends(body: str, hunks: list[tuple[int, int]], after: str) -> None:
    (fp,) = parse_patches(body)
    assert [(h.added, h.removed) for h in fp.hunks] == hunks
    assert body[fp.end:] == after

FIXTURES_FOR_ID = ["format-patch-rename.eml", "git-binary-add.eml", "binary-differ-and-mode.eml"]


@pytest.mark.skipif(shutil.which("git") is None and not IN_CI, reason="git not installed")
@pytest.mark.parametrize("name", FIXTURES_FOR_ID + ["series-no-cover.mbox"])
def test_patch_id_matches_git(name):
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".mbox"):
        raw = raw.split(b"\n\nFrom ada@")[0] + b"\n"
    out = subprocess.run(["git", "patch-id", "--stable"], input=raw, capture_output=True,
                         check=True).stdout.decode()
    expected = out.split()[0] if out.strip() else None
    body = raw.decode("utf-8", "replace").split("\n\n", 1)[1]
    assert compute_patch_id(body) == expected


def test_patch_id_ignores_whitespace_and_line_numbers_not_content():
    base = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    moved = base.replace("@@ -1,2 +1,2 @@", "@@ -40,2 +41,2 @@ int f(void)")
    spaced = base.replace("+c", "+  c  ")
    other = base.replace("+c", "+d")
    assert compute_patch_id(base) == compute_patch_id(moved) == compute_patch_id(spaced)
    assert compute_patch_id(base) != compute_patch_id(other)
    plain = "--- a/x.c\t2024-01-01\n+++ b/x.c\t2024-01-01\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    assert compute_patch_id(plain) == compute_patch_id(base)
    assert compute_patch_id("no diff here") is None


def test_real_patches_parse_with_file_names():
    path = require_shared("corpus", "cgroups-gold-threads.mbox")
    files = 0
    for subject, body in iter_mbox(path):
        patches = parse_patches(body)
        if "[PATCH" in subject and not subject.lower().startswith("re:") and \
                "\ndiff --git " in body:
            assert patches, subject
        for fp in patches:
            files += 1
            assert fp.path and " " not in fp.path and not fp.path.startswith(("a/", "b/"))
            assert fp.hunks or fp.binary or fp.status != "modified"
            assert body[fp.start:fp.end].startswith(("diff ", "--- ", "Index: "))
            for hunk in fp.hunks:
                assert hunk.added <= hunk.new_count and hunk.removed <= hunk.old_count
    assert files >= 10


PLAIN = ("diff --git a/k.c b/k.c\nindex 1..2 100644\n--- a/k.c\n+++ b/k.c\n"
         "@@ -1,3 +1,3 @@ int f(void)\n a\n-b\n+c\n d\n")


@pytest.mark.parametrize(("body", "plain"), [
    (PLAIN, True),
    (PLAIN + "-- \n2.43.0\n", True),
    ("Fix it.\n---\n" + PLAIN, True),
    (PLAIN.replace(" a\n", "\n"), False),                                  # whitespace-damaged context
    (PLAIN + "\\ No newline at end of file\n", False),
    (PLAIN.replace("-b\n", "-b\n-x\n"), False),                           # counts do not add up
    ("commit " + "a" * 40 + "\n" + PLAIN, False),                          # git stops at the commit line
    (PLAIN + "@@ -9,1 +9,1 @@\n", False),                                  # a hunk the parser refused
    (PLAIN.replace("index 1..2 100644\n", "index 1..2 100644\n 2\n"), False),  # a header line git stops at
])
def test_plain_diff_patch_id_equals_the_line_walk(body: str, plain: bool) -> None:
    fast = hash_plain_diff(body, parse_patches(body))
    assert (fast is not None) == plain
    if plain:
        assert fast == git_patch_id(find_diff_lines(body))


def test_plain_diff_patch_ids_of_the_real_corpus_equal_the_line_walk() -> None:
    checked = 0
    for _subject, body in iter_mbox(require_shared("corpus", "cgroups-gold-threads.mbox")):
        fast = hash_plain_diff(body, parse_patches(body))
        if fast is not None:
            assert fast == git_patch_id(find_diff_lines(body))
            checked += 1
    assert checked >= 20
