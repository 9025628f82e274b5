"""The diffstat git-format-patch writes below "---" (" path | 3 +-" ... " 1 file changed, ...")."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DiffstatEntry:
    path: str              # as printed; may be abbreviated ("…/foo.c") or a rename "{a => b}"
    changes: int | None    # None for binary entries ("Bin 0 -> 142 bytes")


@dataclass(frozen=True, slots=True)
class Diffstat:
    entries: tuple[DiffstatEntry, ...]
    files_changed: int
    insertions: int
    deletions: int
    start: int             # character span in the body (first entry to the summary line)
    end: int


_SUMMARY = re.compile(
    r" ?(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?"
)
_ENTRY = re.compile(r" (\S.*?)\s+\|\s+(?:(\d+)(?: [+-]*)?|Bin\b.*)\s*$")


def find_diffstat(body: str) -> Diffstat | None:
    """The first diffstat in `body`, or None. Cheap when there is none (one str.find)."""
    at = body.find(" changed")
    while at >= 0:
        line_start = body.rfind("\n", 0, at) + 1
        line_end = body.find("\n", at)
        line_end = len(body) if line_end < 0 else line_end
        m = _SUMMARY.match(body[line_start:line_end].rstrip("\r"))
        if m is not None:
            return _collect(body, line_start, line_end, m)
        at = body.find(" changed", at + 8)
    return None


def _collect(body: str, line_start: int, line_end: int, summary: re.Match) -> Diffstat:
    entries: list[DiffstatEntry] = []
    first = line_start
    pos = line_start
    while pos > 0:
        prev_start = body.rfind("\n", 0, pos - 1) + 1
        line = body[prev_start:pos - 1].rstrip("\r")
        m = _ENTRY.match(line)
        if m is None:
            break
        changes = int(m.group(2)) if m.group(2) is not None else None
        entries.append(DiffstatEntry(m.group(1).strip(), changes))
        first = prev_start
        pos = prev_start
    entries.reverse()
    return Diffstat(
        tuple(entries),
        int(summary.group(1)),
        int(summary.group(2) or 0),
        int(summary.group(3) or 0),
        first,
        line_end,
    )
