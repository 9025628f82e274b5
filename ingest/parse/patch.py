"""Unified diffs inside a mail body -> FilePatch values (pure, no database).

Handles git-format-patch / `diff --git` (renames, copies, mode changes, new and deleted files,
"Binary files ... differ", "GIT binary patch"), plain `diff -u` / `diff -urN` with or without a/ b/
prefixes and timestamps, `Index:` headers, /dev/null, CRLF bodies and whitespace-damaged blank
context lines. Hunks are consumed by their header counts, so a "-- " signature after the last
hunk is never taken for a removed line. Only unquoted diffs are parsed (quoted ones are quotes).

`compute_patch_id` is `git patch-id --stable` (see its docstring for the exact rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import add

from ingest.parse.diffstat import Diffstat, find_diffstat
from ingest.parse.patch_id import find_diff_lines, find_hunk_end, git_patch_id, hash_plain_diff

__all__ = ["Diffstat", "FilePatch", "Hunk", "compute_patch_id", "find_diffstat", "parse_patches"]


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    function: str                   # section heading after the second @@ ("" when none)
    added: int                      # '+' lines
    removed: int                    # '-' lines
    start: int                      # character span in the body, header line included
    end: int
    exact: bool = False             # only ' ', '-', '+' lines (no blank or "\\ No newline"
                                    # line), as many as the header counts: hashed as one piece


@dataclass(frozen=True, slots=True)
class FilePatch:
    old_path: str | None            # None for /dev/null (added file)
    new_path: str | None            # None for /dev/null (deleted file)
    path: str                       # the effective name: new_path, else old_path
    status: str                     # modified | added | deleted | renamed | copied | binary
    binary: bool
    old_mode: str
    new_mode: str
    similarity: int | None          # percent, for renames and copies
    hunks: tuple[Hunk, ...]
    start: int                      # character span in the body (header to last hunk line)
    end: int

    @property
    def added(self) -> int:
        return sum(h.added for h in self.hunks)

    @property
    def removed(self) -> int:
        return sum(h.removed for h in self.hunks)


_STARTS = ("diff ", "--- ", "Index: ")
_CANDIDATE = re.compile(r"\n(?=diff |--- |Index: )")
_HEADER_FIRST = re.compile("[dI-]")    # first characters of lines that can start a file diff
_DIFF_FIRST = (" ", "+", "-", "@", "\\")
_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)")
_GIT_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_TIMESTAMP = re.compile(
    r"\s+(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?: ?[+-]\d{4})?|"
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}(?: [+-]\d{4})?)\s*$"
)
_MNEMONIC = ("a/", "b/", "i/", "w/", "c/", "o/", "1/", "2/")
_HEADER_PREFIXES = (
    "old mode ", "new mode ", "deleted file mode ", "new file mode ", "similarity index ",
    "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ",
    "index ", "rename old ", "rename new ",
)


def parse_patches(body: str) -> tuple[FilePatch, ...]:
    """All unquoted file diffs in `body`, in order (memoised per body: callers share it)."""
    if "+++ " not in body and "diff --git" not in body:
        return ()
    return _parse_patches_cached(body)


@lru_cache(maxsize=8)
def _parse_patches_cached(body: str) -> tuple[FilePatch, ...]:
    if body.startswith(_STARTS):
        return _scan(body, 0)
    first = _CANDIDATE.search(body)
    return () if first is None else _scan(body, first.start() + 1)


def _scan(body: str, p: int) -> tuple[FilePatch, ...]:
    """The file diffs in body[p:] (p: a line start). One split of the rest of the body: the
    lines between diffs are skipped by a regex over their first characters."""
    chunk = body[p:]
    raw = chunk.split("\n")
    if "\r" in chunk:
        lines = [line[:-1] if line.endswith("\r") else line for line in raw]
    else:
        lines = raw
    # Line start offsets, all in C: p + (lengths of the lines before) + (newlines before).
    starts = list(map(add, accumulate(map(len, raw), initial=p), range(len(raw) + 1)))
    firsts = "".join([line[:1] or " " for line in lines])  # blank lines are hunk context
    out: list[FilePatch] = []
    n = len(lines)
    i = 0
    while i < n:
        if firsts[i] not in "dI-":
            m = _HEADER_FIRST.search(firsts, i)
            if m is None:
                break
            i = m.start()
        line = lines[i]
        if line.startswith("diff "):
            fp, i = _parse_file(lines, firsts, starts, i, line.startswith("diff --git "))
        elif line.startswith("--- ") and i + 1 < n and lines[i + 1].startswith("+++ "):
            fp, i = _parse_file(lines, firsts, starts, i, False)
        elif line.startswith("Index: ") and i + 2 < n and lines[i + 1].startswith("===="):
            fp, i = _parse_file(lines, firsts, starts, i, False)
        else:
            i += 1
            continue
        if fp is not None:
            out.append(fp)
    return tuple(out)


def _parse_file(lines: list[str], firsts: str, starts: list[int], i: int, git: bool):
    """Parse one file diff starting at line i; returns (FilePatch | None, next line index)."""
    n = len(lines)
    first = i
    old = new = None
    old_mode = new_mode = ""
    similarity = None
    renamed = copied = binary = added = deleted = False
    seen_minus = False
    line = lines[i]
    if line.startswith("diff "):
        if git:
            old, new = _split_git_header(line[11:])
        i += 1
    elif line.startswith("Index: "):
        i += 2
    # Extended header lines and ---/+++.
    while i < n:
        line = lines[i]
        if line.startswith("--- ") and i + 1 < n and lines[i + 1].startswith("+++ "):
            a, b = _clean_path(line[4:]), _clean_path(lines[i + 1][4:])
            old, new = a, b
            seen_minus = True
            i += 2
            break
        if line.startswith(_HEADER_PREFIXES):
            key, _, value = line.partition(" ")
            if line.startswith("old mode "):
                old_mode = line[9:].strip()
            elif line.startswith("new mode "):
                new_mode = line[9:].strip()
            elif line.startswith("deleted file mode "):
                deleted, old_mode = True, line[18:].strip()
            elif line.startswith("new file mode "):
                added, new_mode = True, line[14:].strip()
            elif line.startswith("similarity index "):
                similarity = _percent(line[17:])
            elif line.startswith(("rename from ", "rename old ")):
                renamed, old = True, _unquote(line[12:])
            elif line.startswith(("rename to ", "rename new ")):
                renamed, new = True, _unquote(line.split(" ", 2)[2])
            elif line.startswith("copy from "):
                copied, old = True, _unquote(line[10:])
            elif line.startswith("copy to "):
                copied, new = True, _unquote(line[8:])
            i += 1
            continue
        if line.startswith("Binary files ") and line.endswith(" differ"):
            binary = True
            i += 1
            break
        if line.startswith("GIT binary patch"):
            binary = True
            i = _skip_binary(lines, i + 1)
            break
        break
    if not git and not seen_minus and not binary:
        return None, max(i, first + 1)
    if git and old is None and new is None:
        return None, max(i, first + 1)
    hunks: list[Hunk] = []
    last = i - 1
    while i < n and lines[i].startswith("@@ "):
        hunk, i = _parse_hunk(lines, firsts, starts, i)
        if hunk is None:
            break
        hunks.append(hunk)
        last = i - 1
    old_path = _strip_prefix(old, git, new) if old is not None else None
    new_path = _strip_prefix(new, git, old) if new is not None else None
    if old_path == "/dev/null":
        old_path, added = None, True
    if new_path == "/dev/null":
        new_path, deleted = None, True
    if added and not (renamed or copied):
        old_path = None
    if deleted and not (renamed or copied):
        new_path = None
    if renamed:
        status = "renamed"
    elif copied:
        status = "copied"
    elif added:
        status = "added"
    elif deleted:
        status = "deleted"
    elif binary:
        status = "binary"
    else:
        status = "modified"
    if not hunks and not (binary or renamed or copied or added or deleted or old_mode):
        if not seen_minus:
            return None, max(i, first + 1)
    path = new_path or old_path or ""
    fp = FilePatch(old_path, new_path, path, status, binary, old_mode, new_mode, similarity,
                   tuple(hunks), starts[first], starts[last + 1] - 1 if last >= first else
                   starts[first + 1] - 1)
    return fp, max(i, first + 1)


def _parse_hunk(lines: list[str], firsts: str, starts: list[int], i: int):
    m = _HUNK.match(lines[i])
    if m is None:
        return None, i
    old_start, new_start = int(m.group(1)), int(m.group(3))
    old_count = int(m.group(2)) if m.group(2) is not None else 1
    new_count = int(m.group(4)) if m.group(4) is not None else 1
    first = i
    i += 1
    end = find_hunk_end(firsts, i, old_count, new_count) if old_count + new_count else 0
    hunk_lines = lines[i:end]
    exact = False
    if end and "-- " not in hunk_lines:   # every line ' ', '-', '+' or blank: counted in C
        added, removed = firsts.count("+", i, end), firsts.count("-", i, end)
        exact = "" not in hunk_lines
        i = end
    else:
        added, removed, i = _walk_hunk(lines, i, old_count, new_count)
    while i < len(lines) and lines[i].startswith("\\ "):
        exact = False
        i += 1
    hunk = Hunk(old_start, old_count, new_start, new_count, m.group(5).strip(), added, removed,
                starts[first], starts[i] - 1, exact)
    return hunk, i


def _walk_hunk(lines: list[str], i: int, old_left: int, new_left: int) -> tuple[int, int, int]:
    """A hunk body line by line, until its counts are used up or a line cannot belong to it
    (a "-- " signature line, text): (added, removed, index of the next line)."""
    added = removed = 0
    n = len(lines)
    for line in lines[i:i + old_left + new_left + 4]:
        if old_left <= 0 and new_left <= 0:
            break
        c = line[:1]
        if c == " " or not line:
            old_left -= 1
            new_left -= 1
        elif c == "-":
            if line == "-- " and (i + 1 >= n or lines[i + 1][:1] not in _DIFF_FIRST):
                break
            removed += 1
            old_left -= 1
        elif c == "+":
            added += 1
            new_left -= 1
        elif c != "\\":
            break
        i += 1
    return added, removed, i


def _skip_binary(lines: list[str], i: int) -> int:
    """Skip 'literal N'/'delta N' blocks of base85 lines, each ended by a blank line."""
    n = len(lines)
    while i < n and lines[i].startswith(("literal ", "delta ")):
        i += 1
        while i < n and lines[i]:
            i += 1
        if i < n and not lines[i]:
            i += 1
    return i


def _split_git_header(rest: str) -> tuple[str | None, str | None]:
    """'a/x b/y', '"a/x y" "b/x y"', 'x x' (no prefixes) -> (old, new) raw names."""
    if rest.startswith('"'):
        names = [_unescape(m) for m in _GIT_QUOTED.findall(rest)]
        if len(names) == 2:
            return names[0], names[1]
        if len(names) == 1:
            tail = rest[rest.index('"', 1) + 1:].strip()
            return names[0], tail
        return None, None
    if rest.endswith('"') and ' "' in rest:
        cut = rest.index(' "')
        return rest[:cut], _unescape(rest[cut + 2:-1])
    # Prefer the split where both sides name the same file (paths may contain spaces).
    half = len(rest) // 2
    if len(rest) % 2 == 1 and rest[half] == " ":
        a, b = rest[:half], rest[half + 1:]
        if a[2:] == b[2:] or a == b:
            return a, b
    for prefix in (" b/", " w/", " i/", " "):
        cut = rest.rfind(prefix)
        if cut > 0:
            return rest[:cut], rest[cut + 1:]
    return rest, rest


def _clean_path(text: str) -> str:
    if "\t" in text:
        text = text.split("\t", 1)[0]
    elif "  " in text or text[-5:-4] in "+-":
        text = _TIMESTAMP.sub("", text)
    text = text.strip()
    return _unquote(text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        return _unescape(text[1:-1])
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        raw = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return text


def _strip_prefix(path: str, git: bool, other: str | None) -> str:
    if path == "/dev/null":
        return path
    if path[:2] in _MNEMONIC and (git or other is None or other == "/dev/null"
                                  or other[:2] in _MNEMONIC):
        return path[2:]
    if not git and other and other != "/dev/null" and "/" in path and "/" in other:
        head, _, tail = path.partition("/")
        other_head, _, other_tail = other.partition("/")
        if head != other_head and tail and other_tail and not path.startswith("/"):
            return tail
    return path


def _percent(text: str) -> int | None:
    digits = text.strip().rstrip("%")
    return int(digits) if digits.isdigit() else None


def compute_patch_id(body: str, patches: tuple[FilePatch, ...] | None = None) -> str | None:
    """`git patch-id --stable` of the first patch in `body`, or None when there is no diff
    (`patches`: the body's parse, when the caller has it).

    Rule (a line-for-line port of git's builtin/patch-id.c, stable mode): skip everything up to
    the first line starting with "diff "; per file, SHA-1 over the lines with all whitespace
    removed, skipping "index" lines, the "@@" hunk headers (so line numbers do not count) and
    "\\ No newline" lines; the per-file digests are added as 20-byte little-endian numbers with
    carry (order-independent). Hashing stops at the end of the last hunk, at a line that is not
    part of a diff, or at a line starting with a 40-hex commit id. For a plain `diff -u` without
    a "diff " line, the git form is synthesised from the parsed file patches ("diff --git a/OLD
    b/NEW", "--- a/OLD", "+++ b/NEW" and the hunk lines) so that the same change posted either way
    gets the same id.
    """
    if patches is None:
        patches = parse_patches(body)
    if "diff " in body:
        got = hash_plain_diff(body, patches)
        if got is None:
            got = git_patch_id(find_diff_lines(body))
        if got is not None:
            return got
    if not patches:
        return None
    synth: list[str] = []
    for fp in patches:
        old = f"a/{fp.old_path}" if fp.old_path else "/dev/null"
        new = f"b/{fp.new_path}" if fp.new_path else "/dev/null"
        synth.append(f"diff --git a/{fp.old_path or fp.new_path} b/{fp.new_path or fp.old_path}")
        synth.append(f"--- {old}")
        synth.append(f"+++ {new}")
        for hunk in fp.hunks:
            synth.extend(body[hunk.start:hunk.end].replace("\r", "").split("\n"))
    return git_patch_id(synth)
