"""Find a quoted passage inside the quoted message's body (whitespace- and rewrap-insensitive)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\s>]+")
_ELISION = re.compile(r"^[ \t>]*(?:\[\s*(?:\.\.\.|…|snip|\.\.|trimmed|cut)\s*\]|\.\.\.|…|<snip>)\s*$",
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
