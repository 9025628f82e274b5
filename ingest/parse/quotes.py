"""Mail body anatomy: segments (text, quote, attribution, patch, signature, trailer, footer).

`split_segments` tiles the body with segments (character offsets, end exclusive; a segment ends
after its last line's newline). It works on runs, not lines, so the per-line work stays in C:
whole quote blocks of one prefix are matched by one regex, diffs come from `parse_patches`,
trailers from `parse_trailers` (both memoised per body), and only lines ending in ':' are tried
as attribution lines. Quote depth counts the '>' markers ("> >", ">>", " > " all work).
Attribution lines are found anywhere, also inside quotes ("> On Mon, X wrote:" is an attribution
of depth 1 that introduces depth-2 quotes). Blank lines join the segment around them when it
continues after them. `attribute_quotes` gives every quote its person; `split_rows` does both
in one pass, as the rows the store inserts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ingest.parse.attribution import Attribution, parse_attribution
from ingest.parse.patch import FilePatch, parse_patches
from ingest.parse.unquoted import colon_lines, find_footer, find_unquoted_runs, line_end, line_start

__all__ = ["OWN_KINDS", "QuoteAttribution", "BodySpan", "SegmentRow", "attribute_quotes", "split_rows", "split_segments"]

# Segment kinds that are a message's own words (quotes, attributions, patches, signatures and
# footers are not): what export shows as `text` and what extraction reads.
OWN_KINDS = ("text", "trailer")


@dataclass(frozen=True, slots=True)
class BodySpan:
    kind: str                   # text | quote | attribution | patch | signature | trailer | footer
    start: int                  # character offsets into the body, end exclusive
    end: int
    depth: int = 0              # quote depth ('>' count); attributions: depth they are written at
    name: str | None = None     # attribution only
    email: str | None = None
    date_text: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteAttribution:
    quote: BodySpan
    attribution: BodySpan | None     # the attribution line introducing this quote's depth
    name: str | None
    email: str | None
    date_text: str | None
    inferred: bool = False          # True when no attribution sits exactly one level up (broken
                                    # or trimmed quoting) and a fallback rule chose the owner


_QSTART = re.compile(r"\n[ \t]{0,3}>")
# Possessive: the engine keeps no backtracking state per line of the run.
_QRUN = re.compile(r"([ \t]{0,3}>(?:[ \t]?>)*)[^\n]*+(?:\n\1(?![ \t]?>)[^\n]*+)*+\n?")
_QPREFIX = re.compile(r"[ \t]{0,3}>(?:[ \t]?>)*[ \t]?")
_CONTENT = re.compile(r"[^\s>]")
_NONBLANK = re.compile(r"\S")
_ROBOT = re.compile(r"[ \t]{0,3}>[> \t]*(?:\d{1,6}\t|\S+:\d+:\d+: (?:error|warning|note): )")
_ROBOT_MARKS = ("lkp@intel.com", "kernel test robot", ": error: ", ": warning: ")
_ROBOT_NL = re.compile(r"\n[ \t]{0,3}>[> \t]*(?:\d{1,6}\t|\S+:\d+:\d+: (?:error|warning|note): )")
_HARD_TEXT = ("text", "signature", "footer", "patch", "trailer", "attribution")

# A run is [kind, depth, start, end, attribution]; "soft" runs are blank (text) or empty quotes.
Run = list
# A segment as the store inserts it (after the message's pk): kind, start, end, depth, person
# name, person email, quoted message id (filled in by the store), method.
SegmentRow = tuple[str, int, int, int, str, str, str | None, str]


def split_segments(body: str, patches: tuple[FilePatch, ...] | None = None) -> tuple[BodySpan, ...]:
    """Tile `body` with segments, in order (`patches`: the body's parse, when the caller has it)."""
    out = []
    for kind, depth, start, end, attr in _split_runs(body, patches):
        if kind == "attribution" and attr is not None:
            out.append(BodySpan(kind, start, end, depth, attr.name, attr.email, attr.date_text))
        else:
            out.append(BodySpan(kind, start, end, depth))
    return tuple(out)


def split_rows(body: str, patches: tuple[FilePatch, ...] | None = None) -> list[SegmentRow]:
    """`split_segments` and `attribute_quotes` in one pass, as the rows the store inserts:
    (kind, start, end, depth, person name, person email, None, method). A quote's person is its
    owner's; method is "attribution" when one names it. No BodySpan objects: an archive has a
    quarter of a million segments."""
    rows: list[SegmentRow] = []
    for (kind, depth, start, end, attr), owner, _inferred in _own_runs(_split_runs(body, patches), body):
        if kind == "quote":
            name, email = (owner.name or "", owner.email or "") if owner is not None else ("", "")
            rows.append((kind, start, end, depth, name, email, None, "attribution" if name or email else ""))
        elif attr is not None:
            rows.append((kind, start, end, depth, attr.name or "", attr.email or "", None, ""))
        else:
            rows.append((kind, start, end, depth, "", "", None, ""))
    return rows


def _split_runs(body: str, patches: tuple[FilePatch, ...] | None) -> list[Run]:
    if not body:
        return []
    size = len(body)
    blocked = _patch_regions(body, parse_patches(body) if patches is None else patches)
    footer = find_footer(body, blocked)
    runs: list[Run] = [["patch", 0, a, b, None] for a, b in blocked]
    quotes = _quote_runs(body, footer, blocked)
    robot = bool(quotes) and any(mark in body for mark in _ROBOT_MARKS)
    for s, e, depth in quotes:
        runs.extend(_split_quote_run(body, s, e, depth, robot))
    covered = sorted(blocked + [(q[0], q[1]) for q in quotes])
    pos = 0
    for a, b in covered + [(footer, footer)]:
        if a > pos:
            runs.extend(find_unquoted_runs(body, pos, a))
        pos = max(pos, b)
    if footer < size:
        runs.append(["footer", 0, footer, size, None])
    runs.sort(key=lambda r: r[2])
    return _merge(body, runs)


def attribute_quotes(segments: tuple[BodySpan, ...], body: str = "") -> tuple[QuoteAttribution, ...]:
    """Each quote segment with the attribution that introduces its depth (see `_own_runs`)."""
    runs = [[seg.kind, seg.depth, seg.start, seg.end, seg] for seg in segments]
    out: list[QuoteAttribution] = []
    for (kind, _d, _s, _e, seg), owner, inferred in _own_runs(runs, body):
        if kind == "quote":
            out.append(QuoteAttribution(seg, owner, owner.name, owner.email, owner.date_text, inferred)
                       if owner is not None else QuoteAttribution(seg, None, None, None, None))
    return tuple(out)


def _own_runs(runs: list[Run], body: str) -> Iterator[tuple[Run, Any, bool]]:
    """Every run with its owner (a quote's: the payload of the attribution run that introduces
    its depth; None for other runs) and whether a fallback rule chose it.

    A depth-d quote belongs to the nearest preceding attribution written at depth d-1; a new
    attribution at depth k forgets the deeper ones seen before it (they belonged to another
    quoted message). Fallbacks, marked `inferred`: an attribution at the quote's own depth right
    before it (clients that re-quote without adding a level, e.g. Apple Mail), else the nearest
    shallower attribution (levels trimmed by the quoter), else None.
    """
    stack: list[Run | None] = []
    last_attr: Run | None = None
    for run in runs:
        kind, d = run[0], run[1]
        if kind == "attribution":
            del stack[d:]
            stack.extend([None] * (d - len(stack)))
            stack.append(run)
            last_attr = run
            yield run, None, False
            continue
        if kind != "quote":
            if kind != "text" or (body and _NONBLANK.search(body, run[2], run[3])):
                last_attr = None
            yield run, None, False
            continue
        owner = stack[d - 1] if 0 < d <= len(stack) else None
        inferred = False
        if owner is None:
            inferred = True
            if last_attr is not None and last_attr[1] == d:
                owner = last_attr
            else:
                owner = next((a for a in reversed(stack[:d - 1]) if a is not None), None)
        last_attr = None
        yield run, None if owner is None else owner[4], inferred and owner is not None


def _patch_regions(body: str, patches: tuple[FilePatch, ...]) -> list[tuple[int, int]]:
    """Diff spans (line-aligned), each extended up to a "---" line and diffstat above it."""
    regions: list[tuple[int, int]] = []
    size = len(body)
    for fp in patches:
        a, b = fp.start, line_end(body, fp.end, size)
        if regions and a <= regions[-1][1] + 1:
            regions[-1] = (regions[-1][0], b)
            continue
        regions.append((_extend_to_separator(body, a, regions[-1][1] if regions else 0), b))
    return regions


def _extend_to_separator(body: str, a: int, floor: int) -> int:
    pos = a
    for _ in range(400):
        if pos <= floor:
            return a
        start = line_start(body, pos - 1, floor)
        line = body[start:pos - 1].rstrip("\r")
        if line.rstrip() == "---":
            return start
        if line and line[0] != " ":
            return a
        pos = start
    return a


def _quote_runs(body: str, limit: int, blocked) -> list[tuple[int, int, int]]:
    """Maximal runs of lines sharing one quote prefix: (start, end, depth)."""
    runs: list[tuple[int, int, int]] = []
    pos = 0
    odd = False     # a run that may be a lone ">From " or ">= x" line
    first = body[:4].lstrip(" \t")[:1] == ">"
    while True:
        if first:
            s, first = 0, False
        else:
            m = _QSTART.search(body, pos, limit)
            if m is None:
                break
            s = m.start() + 1
        inside = next((b for a, b in blocked if a <= s < b), None) if blocked else None
        if inside is not None:
            pos = inside - 1
            continue
        r = _QRUN.match(body, s, limit)
        if r is None:   # more than 3 spaces before '>': code or a diagram, not a quote
            pos = s
            continue
        e = r.end()
        depth = r.group(1).count(">")
        runs.append((s, e, depth))
        odd = odd or depth == 1 and body[s] == ">" and body[s + 1:s + 2] not in (" ", "\t", "\n", "")
        pos = e - 1 if e > s and body[e - 1] == "\n" else e
    if not odd:
        return runs
    # ">From " (mbox escaping) or ">= x" (a rewrapped line) alone between unquoted lines.
    keep = []
    for k, (s, e, depth) in enumerate(runs):
        if (depth == 1 and body[s] == ">" and body[s + 1:s + 2] not in (" ", "\t", "\n", "")
                and body.find("\n", s, e - 1) < 0
                and not (k and runs[k - 1][1] == s)
                and not (k + 1 < len(runs) and runs[k + 1][0] == e)):
            continue
        keep.append((s, e, depth))
    return keep


def _split_quote_run(body: str, s: int, e: int, depth: int, robot: bool) -> list[Run]:
    """A quote run cut around attribution lines and robot compiler output inside it."""
    cuts: list[tuple[int, int, str, int, Attribution | None]] = []
    for colon, stop in colon_lines(body, s, e):
        ls = line_start(body, colon, s)
        content = body[_QPREFIX.match(body, ls).end():stop]
        prev = ""
        ps = ls
        if ls > s:
            ps = line_start(body, ls - 1, s)
            pm = _QPREFIX.match(body, ps)
            if pm is not None and pm.group().count(">") == depth:
                prev = body[pm.end():ls - 1]
        found = parse_attribution(content, prev)
        if found is not None:
            start = ps if found.joined else ls
            if cuts and start < cuts[-1][1]:
                start = cuts[-1][1]
            cuts.append((start, line_end(body, stop, e), "attribution", depth, found))
    if robot:
        found_lines = _robot_lines(body, s, e)
        if found_lines:
            cuts.extend(found_lines)
            cuts.sort(key=lambda c: c[0])
    out: list[Run] = []
    pos = s
    for a, b, kind, d, attr in cuts:
        if a < pos:
            continue
        if a > pos:
            out.append(["quote", depth, pos, a, None])
        out.append([kind, d, a, b, attr])
        pos = b
    if pos < e:
        out.append(["quote", depth, pos, e, None])
    return out


def _robot_lines(body: str, s: int, e: int) -> list:
    """Compiler output marked by the kernel test robot ("> 5811\tcode", ">> x.c:1:2: error:")."""
    out = []
    if s == 0 and _ROBOT.match(body, 0, e):
        out.append((0, line_end(body, 0, e), "text", 0, None))
    for m in _ROBOT_NL.finditer(body, max(s - 1, 0), e):
        ls = m.start() + 1
        if ls >= s:
            out.append((ls, line_end(body, ls, e), "text", 0, None))
    return out


def _merge(body: str, runs: list[Run]) -> list[Run]:
    for run in runs:
        if run[0] == "text" and _NONBLANK.search(body, run[2], run[3]) is None:
            run[0] = "blank"
        elif run[0] == "quote" and _CONTENT.search(body, run[2], run[3]) is None:
            run[0] = "qblank"
    merged: list[Run] = []
    count = len(runs)
    for r, run in enumerate(runs):
        kind = run[0]
        if kind not in ("blank", "qblank"):
            prev = merged[-1] if merged else None
            if (prev is not None and prev[0] == kind and prev[1] == run[1]
                    and kind != "attribution"):
                prev[3] = run[3]
            else:
                merged.append(run)
            continue
        j = r + 1
        while j < count and runs[j][0] in ("blank", "qblank"):
            j += 1
        prev = merged[-1] if merged else None
        nxt = runs[j] if j < count else None
        quoted = kind == "qblank"
        if (prev is not None and nxt is not None and prev[0] == nxt[0] and prev[1] == nxt[1]
                and prev[0] != "attribution"):
            prev[3] = run[3]
        elif prev is not None and (prev[0] == "quote" if quoted else prev[0] in _HARD_TEXT):
            prev[3] = run[3]
        elif nxt is not None and (nxt[0] == "quote" if quoted else nxt[0] == "text"):
            nxt[2] = run[2]
        elif prev is not None and prev[0] in ("blank", "qblank", "quote", "text"):
            prev[3] = run[3]
        else:
            merged.append(["quote" if quoted else "text", run[1], run[2], run[3], None])
    return merged
