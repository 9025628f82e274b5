"""`git patch-id --stable`, line for line (builtin/patch-id.c), over a list of diff lines, and
the same id hashed straight from the body's slices when the diff is plain (`hash_plain_diff`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.parse.patch import FilePatch

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}(?![0-9a-fA-F])")
_WS = b" \t\n\r\f\v"    # git's isspace(): deleted from every hashed line (after UTF-8 encoding)
_HEX = frozenset("0123456789abcdefABCDEF")
_MASK160 = (1 << 160) - 1


def find_hunk_end(firsts: str, k: int, before: int, after: int) -> int:
    """Index just past the hunk body that starts at line k and needs `before` old and `after`
    new lines, when every line up to there is a ' ', '-', '+' or empty line ("\\n" in
    `firsts`: git counts it on neither side) and the counts come out exact; else 0 (the caller
    then walks the lines one by one, as git does)."""
    j = k + max(before, after)
    while j <= len(firsts):
        body = firsts[k:j]
        context = body.count(" ")
        old = context + body.count("-")
        new = context + body.count("+")
        if old + new - context + body.count("\n") != j - k or old > before or new > after:
            return 0
        if old == before and new == after:
            return j
        j += max(before - old, after - new)
    return 0


def git_patch_id(lines: list[str]) -> str | None:
    """Hex patch id of the first patch in `lines` (no newlines), or None when nothing hashed."""
    total = 0       # the sum of the per-file digests as 160-bit little-endian numbers
    ctx = hashlib.sha1()
    patchlen = 0
    before = after = -1
    is_binary = False
    pre = post = ""

    pending: list[str] = []  # lines to hash, fed to SHA-1 in one piece (same digest, less work)

    def drain() -> None:
        nonlocal patchlen
        if pending:
            data = "".join(pending).encode("utf-8", "surrogateescape").translate(None, _WS)
            pending.clear()
            patchlen += len(data)
            ctx.update(data)

    def flush() -> None:
        nonlocal ctx, total
        drain()
        total = (total + int.from_bytes(ctx.digest(), "little")) & _MASK160
        ctx = hashlib.sha1()

    n = len(lines)
    firsts = ""     # each line's first character ("\n" for an empty line), built on first hunk
    hunk_start = False
    i = 0
    while i < n:
        line = lines[i]
        i += 1
        if hunk_start and before >= 0 and after >= 0 and before + after > 0:
            # A hunk body: take every line up to the hunk's end in one step when they are all
            # plain lines (the loop below would do the same one by one).
            hunk_start = False
            if not firsts:
                firsts = "".join([text[:1] or "\n" for text in lines])
            end = find_hunk_end(firsts, i - 1, before, after)
            if end:
                pending.extend(lines[i - 1:end])
                before = after = 0
                i = end
                continue
        if line.startswith("commit "):
            rest = line[7:]
        elif line.startswith("From "):
            rest = line[5:]
        else:
            rest = line
            if line.startswith("\\ ") and len(line) + 1 > 12:
                continue
        if rest[:1] in _HEX and _HEX40.match(rest):
            break
        if not patchlen and not pending and not line.startswith("diff "):
            continue
        if before == -1:
            if line.startswith(("GIT binary patch", "Binary files")):
                is_binary, before = True, 0
                drain()
                ctx.update(pre.encode())
                ctx.update(post.encode())
                flush()
                continue
            if line.startswith("index "):
                dots = line.find("..")
                if dots >= 0:
                    space = line.find(" ", dots)
                    pre = line[6:dots]
                    post = line[dots + 2:space] if space >= 0 else line[dots + 2:].rstrip("\r")
                continue
            if line.startswith("--- "):
                before = after = 1
            elif not line[:1].isalpha():
                break
        if is_binary:
            if line.startswith("diff "):
                is_binary, before = False, -1
            continue
        if before == 0 and after == 0:
            if line.startswith("@@ -"):
                m = _HUNK.match(line)
                if m is None:
                    before = after = 0
                else:
                    hunk_start = True
                    before = int(m.group(2)) if m.group(2) is not None else 1
                    after = int(m.group(4)) if m.group(4) is not None else 1
                continue
            if not line.startswith("diff "):
                break
            flush()
            before = after = -1
        c = line[:1]
        if c == "-" or c == " ":
            before -= 1
        if c == "+" or c == " ":
            after -= 1
        pending.append(line)
    flush()
    if not patchlen:
        return None
    return total.to_bytes(20, "little").hex()


_COMMIT_AT = re.compile(r"(?:commit |From )?[0-9a-fA-F]{40}(?![0-9a-fA-F])")
_COMMIT_NL = re.compile(r"\n(?:commit |From )?[0-9a-fA-F]{40}(?![0-9a-fA-F])")   # found by its "\n" in C


def has_commit_line(body: str, end: int) -> bool:
    """Does a line of body[:end] start with a 40-hex commit id (where git stops reading)?"""
    return _COMMIT_AT.match(body, 0, end) is not None or _COMMIT_NL.search(body, 0, end) is not None


def locate_diff(body: str) -> int:
    """Offset of the first line starting with "diff ", or -1."""
    return 0 if body.startswith("diff ") else body.find("\ndiff ") + 1 or -1


def find_first_diff(body: str) -> int:
    """Offset of the first line starting with "diff " that git reads up to: -1 when there is
    none, or when a line starting with a commit id comes first (git stops there)."""
    first = locate_diff(body)
    return first if first >= 0 and not has_commit_line(body, first) else -1


def find_diff_lines(body: str) -> list[str]:
    """The body's lines from the first `diff ` line on, when nothing before it can end the
    patch early (a line starting with a commit id); else all of them, as git reads them."""
    first = locate_diff(body)
    if first < 0:
        return []       # git hashes nothing before a "diff " line
    return body.split("\n") if has_commit_line(body, first) else body[first:].split("\n")


def hash_plain_diff(body: str, files: Sequence[FilePatch]) -> str | None:
    """The patch id of `body` from the parsed files' slices, with no line walk, or None when the
    diff is not plain enough to be sure it equals `git_patch_id` (then the caller walks it).

    Plain: the first "diff " line starts the first file; each file of the first contiguous run
    has a header of letter-led lines with "--- "/"+++ " last, then hunks back to back whose
    line counts come out exact, with no empty or "\\ No newline" lines; nothing diff-like follows.
    Then git hashes each file's header (but its "index " line) and its hunk lines (but the "@@"
    headers), whitespace removed, which is what is hashed here.
    """
    first = find_first_diff(body)
    if first < 0 or not files or files[0].start != first:
        return None
    total = 0
    end = files[0].start - 1
    for fp in files:
        if fp.start != end + 1:
            break                       # git stops at the first line between two files
        if fp.binary or not fp.hunks or not body.startswith("diff ", fp.start):
            return None
        parts = [hash_header(body[fp.start:fp.hunks[0].start])]
        if parts[0] is None:
            return None
        end = fp.hunks[0].start - 1
        for hunk in fp.hunks:
            head_end = body.find("\n", hunk.start, hunk.end)
            if not hunk.exact or hunk.start != end + 1 or head_end < 0:
                return None
            parts.append(body[head_end + 1:hunk.end])
            end = hunk.end
        data = "".join(parts).encode("utf-8", "surrogateescape").translate(None, _WS)
        total = (total + int.from_bytes(hashlib.sha1(data).digest(), "little")) & _MASK160
    if body.startswith(("diff ", "@@ -"), end + 1):
        return None
    return total.to_bytes(20, "little").hex()


def hash_header(header: str) -> str | None:
    """A file header as git hashes it (no "index " line), or None when git would read it
    differently (a line not led by a letter, no "--- "/"+++ " pair closing it)."""
    lines = header.rstrip("\n").split("\n")
    if len(lines) < 3 or not lines[-2].startswith("--- ") or not lines[-1].startswith("+++ "):
        return None
    kept = []
    for line in lines[:-2]:
        if line.startswith("index "):
            continue
        if not line[:1].isalpha() or line.startswith(("commit ", "From ")):
            return None
        kept.append(line)
    kept += lines[-2:]
    return "".join(kept)
