"""Draw a message body: quotes fold to their attribution, patches in diff colours, facts marked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text

from kb.render import clean_terminal_text

SEGMENT_STYLES = {"text": "", "quote": "cyan", "attribution": "italic cyan", "patch": "", "signature": "dim",
                  "trailer": "green", "footer": "dim"}
MARK_STYLE = "bold black on yellow"
_DIFF_HEADER = re.compile(r"^(diff --git |index |--- |\+\+\+ )")


@dataclass(frozen=True)
class PaneSegment:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    label: str


def normalise_segments(items: Iterable[object]) -> list[PaneSegment]:
    """Library SegmentViews (or anything with kind/start/end) as local Segments, sorted."""
    return sorted((PaneSegment(str(s.kind), int(s.start), int(s.end))
                   for s in items), key=lambda s: (s.start, s.end))


def find_segments(body: str) -> list[PaneSegment]:
    """A display-only fallback when the Library has no segments: quotes, attributions, patch, signature."""
    segments: list[PaneSegment] = []
    pos, kind_after_sig, in_patch = 0, False, False
    lines = body.splitlines(keepends=True)
    for index, line in enumerate(lines):
        bare = line.rstrip("\n")
        if kind_after_sig:
            kind = "signature"
        elif bare == "-- ":
            kind, kind_after_sig = "signature", True
        elif bare.startswith("diff --git ") or (bare.startswith("--- ") and index + 1 < len(lines)
                                                 and lines[index + 1].startswith("+++ ")):
            kind, in_patch = "patch", True
        elif in_patch and (bare[:1] in {"+", "-", " ", "@", "\\"} or _DIFF_HEADER.match(bare) or bare == ""):
            kind = "patch"
        elif bare.startswith(">"):
            kind, in_patch = "quote", False
        elif bare.rstrip().endswith("wrote:") and index + 1 < len(lines) and lines[index + 1].lstrip().startswith(">"):
            kind, in_patch = "attribution", False
        else:
            kind, in_patch = "text", False
        end = pos + len(line)
        if segments and segments[-1].kind == kind and segments[-1].end == pos:
            segments[-1] = PaneSegment(kind, segments[-1].start, end)
        else:
            segments.append(PaneSegment(kind, pos, end))
        pos = end
    return segments


def fill_gaps(segments: Sequence[PaneSegment], length: int) -> list[PaneSegment]:
    """Cover the whole body: text segments between and after the given ones; overlaps trimmed."""
    out: list[PaneSegment] = []
    pos = 0
    for seg in segments:
        start, end = max(seg.start, pos), min(seg.end, length)
        if start >= end:
            continue
        if start > pos:
            out.append(PaneSegment("text", pos, start))
        out.append(PaneSegment(seg.kind, start, end))
        pos = end
    if pos < length:
        out.append(PaneSegment("text", pos, length))
    return out


def append_marked(out: Text, body: str, start: int, end: int, style: str, marks: Sequence[Mark]) -> None:
    """Append body[start:end] cleaned, with the parts inside a fact's span marked."""
    cuts = sorted({start, end, *(p for m in marks for p in (m.start, m.end) if start < p < end)})
    for a, b in zip(cuts, cuts[1:]):
        marked = any(m.start <= a and b <= m.end for m in marks)
        out.append(clean_terminal_text(body[a:b]), style=f"{style} {MARK_STYLE}".strip() if marked else style)


def style_patch_line(line: str) -> str:
    if _DIFF_HEADER.match(line):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""


def render_body(body: str, segments: Sequence[PaneSegment] | None, marks: Sequence[Mark] = (),
                fold_quotes: bool = True) -> Text:
    """The body as Text: folded quotes show one line, patches coloured per line, marks highlighted."""
    out = Text(end="")
    for seg in fill_gaps(segments if segments is not None else find_segments(body), len(body)):
        if seg.kind == "quote" and fold_quotes:
            count = body[seg.start:seg.end].rstrip("\n").count("\n") + 1
            out.append(f"  ┆ {count} quoted line{'s' if count != 1 else ''} folded (z unfolds)\n",
                       style="dim italic cyan")
            continue
        if seg.kind == "patch":
            pos = seg.start
            for line in body[seg.start:seg.end].splitlines(keepends=True):
                append_marked(out, body, pos, pos + len(line), style_patch_line(line), marks)
                pos += len(line)
            continue
        append_marked(out, body, seg.start, seg.end, SEGMENT_STYLES.get(seg.kind, ""), marks)
    return out
