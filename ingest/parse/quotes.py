"""Mail body anatomy: segments (text, quote, attribution, patch, signature, trailer, footer).

`split_segments` scans the body's lines once and tiles the body with segments (character
offsets, end exclusive, each segment ends after its last line's newline). Quote depth counts the
'>' markers ("> >", ">>", " > " all work). Attribution lines are parsed wherever they are, also
inside quotes ("> On Mon, X wrote:" is an attribution of depth 1, introducing depth-2 quotes).
Blank lines join the segment around them when it continues after them.
`attribute_quotes` gives every quote the person who wrote it; `align_quote` finds a quote inside
the quoted message; `strip_quotes` keeps only the message's own words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from ingest.parse.attribution import Attribution, parse_attribution, parse_outlook_from
from ingest.parse.patch import parse_patches
from ingest.parse.trailers import is_trailer_line


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str                   # text | quote | attribution | patch | signature | trailer | footer
    start: int                  # character offsets into the body, end exclusive
    end: int
    depth: int = 0              # quote depth ('>' count); attributions: depth they are written at
    name: str | None = None     # attribution only
    email: str | None = None
    date_text: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteAttribution:
    quote: Segment
    attribution: Segment | None     # the attribution line introducing this quote's depth
    name: str | None
    email: str | None
    date_text: str | None
    inferred: bool = False          # True when no attribution sits exactly one level up (broken
                                    # or trimmed quoting) and a fallback rule chose the owner


_QPREFIX = re.compile(r"[ \t]{0,3}>(?:[ \t]?>)*[ \t]?")
_ORIGINAL = re.compile(r"^\s*-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|"
                       r"Mensaje original|Messaggio originale)\s*-{3,}\s*$", re.IGNORECASE)
_OUTLOOK_KEYS = ("Sent:", "Date:", "To:", "Cc:", "Subject:", "Gesendet:", "An:", "Betreff:",
                 "Envoyé :", "À :", "Objet :")
_FOOTER_STARTS = ("To unsubscribe from this list", "To unsubscribe, send",
                  "You received this message because you are subscribed")
_LINENO = re.compile(r"\d{1,6}\t")
_KEEP = ("text", "trailer", "patch")
_BLANK, _QBLANK = "blank", "qblank"


def split_segments(body: str) -> tuple[Segment, ...]:
    """Tile `body` with segments, in order."""
    if not body:
        return ()
    raw = body.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in raw] if "\r" in body else raw
    n = len(lines)
    starts = list(accumulate((len(line) + 1 for line in raw), initial=0))
    kinds: list[str] = [""] * n
    depths = [0] * n
    attrs: dict[int, Attribution] = {}
    _mark_patches(body, lines, starts, kinds)
    stop = _find_footer(lines, kinds)
    contents: dict[int, str] = {}
    in_sig = False
    i = 0
    while i < stop:
        if kinds[i]:
            in_sig = False
            i += 1
            continue
        line = lines[i]
        c = line[:1]
        if (c == ">" or ((c == " " or c == "\t") and line.lstrip()[:1] == ">")) and not (
                _is_false_quote(line) or (line[1:2] not in (" ", ">", "\t", "")
                                          and _is_lone_marker(kinds, lines, i, n))):
            m = _QPREFIX.match(line)
            if m is None:   # deeply indented '>': code or a diagram, not a quote
                kinds[i] = "text"
                i += 1
                continue
            depth = m.group().count(">")
            content = line[m.end():]
            depths[i] = depth
            in_sig = False
            if not content or content.isspace():
                kinds[i] = _QBLANK
            elif content[-1] in ":：" or content.rstrip()[-1:] in (":", "："):
                prev = contents.get(i - 1, "") if i and depths[i - 1] == depth else ""
                found = parse_attribution(content, prev)
                _set_attribution(kinds, attrs, i, found, "quote")
            else:
                kinds[i] = "quote"
            contents[i] = content
        elif not line or line.isspace():
            kinds[i] = "signature" if in_sig else _BLANK
        elif in_sig:
            kinds[i] = "signature"
        elif line == "-- " or (line == "--" and n - i <= 15):
            in_sig = True
            kinds[i] = "signature"
        else:
            kinds[i] = "text"
            stripped = line.rstrip()
            if stripped[-1:] in (":", "："):
                found = parse_attribution(line, lines[i - 1] if i and kinds[i - 1] == "text"
                                          else "")
                _set_attribution(kinds, attrs, i, found, "text")
            elif c.isalpha() and is_trailer_line(line):
                kinds[i] = "trailer"
            elif c == "-" and _ORIGINAL.match(line) or c == "F" and line.startswith("From:"):
                if i + 1 < n and lines[i + 1].lstrip(" >").startswith(("Sent:", "Date:")) and \
                        lines[i + 1][:1] == ">":
                    _set_attribution(kinds, attrs, i, parse_outlook_from(line), "text")
                else:
                    i = _mark_outlook(lines, kinds, attrs, i, stop)
        i += 1
    return _group(body, kinds, depths, attrs, starts, n)


def attribute_quotes(segments: tuple[Segment, ...], body: str = "") -> tuple[QuoteAttribution, ...]:
    """Each quote segment with the attribution that introduces its depth.

    A depth-d quote belongs to the nearest preceding attribution written at depth d-1; a new
    attribution at depth k forgets the deeper ones seen before it (they belonged to another
    quoted message). Fallbacks, marked `inferred`: an attribution at the quote's own depth right
    before it (clients that re-quote without adding a level, e.g. Apple Mail), else the nearest
    shallower attribution (levels trimmed by the quoter), else None.
    """
    stack: list[Segment | None] = []
    out: list[QuoteAttribution] = []
    last_attr: Segment | None = None
    for seg in segments:
        if seg.kind == "attribution":
            del stack[seg.depth:]
            stack.extend([None] * (seg.depth - len(stack)))
            stack.append(seg)
            last_attr = seg
            continue
        if seg.kind != "quote":
            if seg.kind != "text" or body[seg.start:seg.end].strip():
                last_attr = None
            continue
        d = seg.depth
        owner = stack[d - 1] if 0 < d <= len(stack) else None
        inferred = False
        if owner is None:
            inferred = True
            if last_attr is not None and last_attr.depth == d:
                owner = last_attr
            else:
                owner = next((a for a in reversed(stack[:d - 1]) if a is not None), None)
        last_attr = None
        if owner is None:
            out.append(QuoteAttribution(seg, None, None, None, None))
        else:
            out.append(QuoteAttribution(seg, owner, owner.name, owner.email, owner.date_text,
                                        inferred))
    return tuple(out)


def strip_quotes(body: str, keep: tuple[str, ...] = _KEEP) -> str:
    """The message's own words: text, trailers and patches; no quotes, attributions,
    signature or footer (choose other kinds with `keep`)."""
    return "".join(body[s.start:s.end] for s in split_segments(body) if s.kind in keep)


_TOKEN = re.compile(r"[^\s>]+")
_ELISION = re.compile(r"^\s*(?:\[\s*(?:\.\.\.|…|snip|\.\.|trimmed|cut)\s*\]|\.\.\.|…|<snip>)\s*$",
                      re.MULTILINE | re.IGNORECASE)


def align_quote(quote_text: str, original_body: str) -> tuple[int, int] | None:
    """Extent (start, end) in `original_body` of the text quoted in `quote_text`, or None.

    Comparison ignores all whitespace and '>' markers, so rewrapped and nested quotes match.
    When the quoter elided parts ("[...]", "<snip>") or edited the middle, the pieces are aligned
    in order and the span runs from the first to the last piece found.
    """
    pieces = [p for p in _ELISION.split(quote_text) if p.strip()]
    if not pieces:
        return None
    norm, offsets = _normalise(original_body)
    if not norm:
        return None
    found: list[tuple[int, int]] = []
    pos = 0
    for piece in pieces:
        needle = "".join(_TOKEN.findall(piece))
        if not needle:
            continue
        at = norm.find(needle, pos)
        if at < 0:
            at, length = _find_anchored(norm, needle, pos)
        else:
            length = len(needle)
        if at >= 0:
            found.append((at, at + length))
            pos = at + length
    if not found:
        return None
    first, last = found[0][0], found[-1][1] - 1
    return offsets[first], offsets[last] + 1


def _find_anchored(norm: str, needle: str, pos: int) -> tuple[int, int]:
    """Find a piece whose middle differs: anchor on its head and tail (48 chars each)."""
    k = min(48, len(needle) // 2)
    if k < 12:
        return -1, 0
    head = norm.find(needle[:k], pos)
    if head < 0:
        return -1, 0
    tail = norm.find(needle[-k:], head + k)
    if tail < 0 or tail - head > 2 * len(needle) + 200:
        return head, k
    return head, tail + k - head


def _normalise(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace and '>' plus, per kept character, its offset in `text`."""
    parts: list[str] = []
    offsets: list[int] = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        parts.append(token)
        offsets.extend(range(m.start(), m.end()))
    return "".join(parts), offsets


def _is_false_quote(line: str) -> bool:
    """Compiler output marked by the kernel test robot ("> 5811\tcode", ">> x.c:1:2: error:")."""
    content = line.lstrip(" >")
    if content[:1].isdigit() and _LINENO.match(content):
        return True
    return ": error: " in content or ": warning: " in content or ": note: " in content


def _is_lone_marker(kinds: list[str], lines: list[str], i: int, n: int) -> bool:
    """">From " (mbox escaping) or ">= x" (a wrapped line) between unquoted lines: not a quote."""
    prev_quoted = i > 0 and kinds[i - 1] in ("quote", _QBLANK, "attribution")
    next_quoted = i + 1 < n and lines[i + 1].lstrip()[:1] == ">"
    return not prev_quoted and not next_quoted


def _set_attribution(kinds, attrs, i, found, otherwise: str) -> None:
    if found is None:
        kinds[i] = otherwise
        return
    kinds[i] = "attribution"
    attrs[i] = found
    if found.joined and i > 0:
        kinds[i - 1] = "attribution"
        attrs[i - 1] = found


def _mark_outlook(lines, kinds, attrs, i: int, stop: int) -> int:
    """An Outlook header block ("-----Original Message-----", From:, Sent:, To:, Subject:)."""
    j = i + 1 if lines[i].startswith("-") else i
    found = None
    end = j
    while end < stop and end < j + 8 and lines[end].strip():
        line = lines[end].strip()
        if line.startswith("From:") or line.startswith(("Von:", "De :", "De:")):
            found = parse_outlook_from(line)
        elif not line.startswith(_OUTLOOK_KEYS):
            break
        end += 1
    if found is None or (end - j < 2 and not lines[i].startswith("-")):
        return i
    for k in range(i, end):
        kinds[k] = "attribution"
        attrs[k] = found
    return end - 1


def _mark_patches(body: str, lines: list[str], starts: list[int], kinds: list[str]) -> None:
    patches = parse_patches(body)
    if not patches:
        return
    first_patch_line = None
    for fp in patches:
        a = bisect_right(starts, fp.start) - 1
        b = bisect_right(starts, max(fp.end - 1, fp.start)) - 1
        if first_patch_line is None:
            first_patch_line = a
        for k in range(a, min(b + 1, len(kinds))):
            kinds[k] = "patch"
        _extend_to_separator(lines, kinds, a)


def _extend_to_separator(lines: list[str], kinds: list[str], a: int) -> None:
    """Include the "---" line and diffstat just above a diff in the patch segment."""
    k = a - 1
    while k >= 0 and not kinds[k] and (not lines[k] or lines[k][:1] == " "):
        k -= 1
    if k >= 0 and not kinds[k] and lines[k].rstrip() == "---":
        for x in range(k, a):
            kinds[x] = "patch"


def _find_footer(lines: list[str], kinds: list[str]) -> int:
    """Index of the first footer line (list boilerplate at the end), or len(lines)."""
    n = len(lines)
    for i in range(max(0, n - 16), n):
        line = lines[i]
        if kinds[i] or not line:
            continue
        start = -1
        if line.startswith("____") and set(line.strip()) == {"_"} and len(line.strip()) >= 10:
            window = " ".join(lines[i + 1:i + 4]).lower()
            if "mailing list" in window or "listinfo" in window or "@" in window:
                start = i
        elif line.startswith(_FOOTER_STARTS):
            start = i
            if i > 0 and lines[i - 1].rstrip() in ("--", "---"):
                start = i - 1
            elif i > 0 and lines[i - 1] == "-- ":
                start = i - 1
        if start >= 0:
            for k in range(start, n):
                kinds[k] = "footer"
            return start
    return n


def _group(body, kinds, depths, attrs, starts, n) -> tuple[Segment, ...]:
    # Runs of hard lines; soft (blank / empty-quote) runs decided by their neighbours.
    runs: list[list] = []   # [kind, depth, first, last, attr]
    i = 0
    while i < n:
        kind = kinds[i]
        if kind in (_BLANK, _QBLANK):
            j = i
            while j + 1 < n and kinds[j + 1] in (_BLANK, _QBLANK):
                j += 1
            runs.append(["soft", min(depths[i:j + 1]), i, j, kind == _QBLANK])
            i = j + 1
            continue
        attr = attrs.get(i)
        j = i
        while (j + 1 < n and kinds[j + 1] == kind and depths[j + 1] == depths[i]
               and attrs.get(j + 1) is attr):
            j += 1
        runs.append([kind, depths[i], i, j, attr])
        i = j + 1
    merged: list[list] = []
    for r, run in enumerate(runs):
        if run[0] != "soft":
            prev = merged[-1] if merged else None
            if (prev is not None and prev[0] == run[0] and prev[1] == run[1]
                    and prev[0] != "attribution" and prev[4] is run[4]):
                prev[3] = run[3]
            else:
                merged.append(run)
            continue
        prev = merged[-1] if merged else None
        nxt = runs[r + 1] if r + 1 < len(runs) else None
        quoted = run[4]
        if (prev is not None and nxt is not None and prev[0] == nxt[0] and prev[1] == nxt[1]
                and prev[0] != "attribution"):
            prev[3] = run[3]
        elif prev is not None and (prev[0] == "quote" if quoted else
                                   prev[0] in ("text", "signature", "footer", "patch", "trailer")):
            prev[3] = run[3]
        elif nxt is not None and (nxt[0] == "quote" if quoted else nxt[0] == "text"):
            nxt[2] = run[2]
        else:
            merged.append(["quote" if quoted else "text", run[1], run[2], run[3], None])
    size = len(body)
    out: list[Segment] = []
    for kind, depth, first, last, attr in merged:
        end = min(starts[last + 1], size)
        if kind == "attribution" and attr is not None:
            out.append(Segment(kind, starts[first], end, depth, attr.name, attr.email,
                               attr.date_text))
        else:
            out.append(Segment(kind, starts[first], end, depth))
    return tuple(out)
