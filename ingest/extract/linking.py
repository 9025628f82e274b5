"""Which earlier fix a reply sentence answers, from mail structure: the quoted block right
above the sentence ("> we could take the lock here\\n\\nThat is overkill.") names it.

Reviewers reply inline, so the nearest quote block is what they react to; its lines are
looked up in the earlier messages of the thread, and the fix of that message whose quote
shares most words with the block wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.cues import fold_text
from ingest.extract.types import FixFinding, MessageText, ThreadText

MAX_OWN_LINES_BACK = 12      # own lines of the current paragraph between quote and sentence
MAX_QUOTE_LINES = 40
MIN_KEY_CHARS = 20           # quoted lines shorter than this say too little to look up
_QUOTE_PREFIX_RE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_WORD_RE = re.compile(r"[a-z0-9_]+(?:\(\))?")


CONTEXT_WINDOW = 2048          # characters before the sentence read first (all of them when needed)


@lru_cache(maxsize=16)     # asked twice in a row per objection candidate: for its target and its features
def find_quoted_context(body: str, start: int) -> tuple[str, ...]:
    """The quote block right above offset `start` (nearest first), '>' prefixes removed. Reads
    the last CONTEXT_WINDOW characters before `start` (each sentence of a long reply would
    otherwise split the whole body before it), and everything before `start` when the block
    may reach further back."""
    begin = max(0, start - CONTEXT_WINDOW)
    found = _scan_quoted_context(body[begin:start].splitlines(), complete=begin == 0)
    if found is None:
        found = _scan_quoted_context(body[:start].splitlines(), complete=True)
    return tuple(found)


def _scan_quoted_context(lines: list[str], complete: bool) -> list[str] | None:
    """find_quoted_context over `lines`; None when they are not `complete` (a window whose first
    line may be cut) and the scan would have to read that first line."""
    low = 0 if complete else 1
    i = len(lines) - 1
    own = 0
    while i >= low and not lines[i].lstrip().startswith(">"):
        if lines[i].strip():
            own += 1
            if own > MAX_OWN_LINES_BACK:
                return []
        i -= 1
    block: list[str] = []
    while i >= low and len(block) < MAX_QUOTE_LINES:
        line = lines[i]
        if not line.lstrip().startswith(">"):
            if line.strip():
                return [b for b in block if b]
        else:
            block.append(_QUOTE_PREFIX_RE.sub("", line).strip())
        i -= 1
    if i < low and not complete and len(block) < MAX_QUOTE_LINES:
        return None
    return [b for b in block if b]


def _words(text: str) -> set[str]:
    return set(_WORD_RE.findall(text.lower()))


def find_quoted_fix(msg: MessageText, start: int, thread: ThreadText, fixes: list[FixFinding],
                    candidates: list[int], folded: dict[str, str]) -> int | None:
    """Index (among `candidates`) of the fix whose message the quote above `start` comes
    from; `folded` caches fold_text of earlier messages' own text by message id."""
    block = find_quoted_context(msg.body, start)
    keys = [fold_text(b) for b in block if len(b) >= MIN_KEY_CHARS][:6]
    if not keys:
        return None
    by_msg: dict[str, list[int]] = {}
    for i in candidates:
        by_msg.setdefault(fixes[i].message_id, []).append(i)
    source = None
    for m in reversed(thread.messages):
        if m.message_id not in by_msg or m.message_id == msg.message_id:
            continue
        text = folded.get(m.message_id)
        if text is None:
            text = folded[m.message_id] = fold_text(m.body)
        if sum(k in text for k in keys) * 2 >= len(keys):
            source = m.message_id
            break
    if source is None:
        return None
    context = _words(" ".join(block))
    best, best_score = None, -1.0
    for i in by_msg[source]:
        words = _words(fixes[i].quote)
        score = len(words & context) / len(words) if words else 0.0
        if score >= best_score:
            best, best_score = i, score
    return best
