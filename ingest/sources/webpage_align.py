"""Fix where quotes end on a web page by aligning against the real messages they quote.

A flattened page keeps its `>` markers but not where a quoted line ends and the reply
resumes, so `webpage.py` guesses (extent 'heuristic'). When kb holds the real message a
recovered one stands for, its body settles it: the page words that match its unquoted lines
are its own, those that match its `>` lines belong to deeper messages, and every other word
in the window of its quote was written by a message quoting it.

    fixed = align_page(page, text, {1: Original("real@example.org", body)})
    fixed.messages[0].extent          # 'aligned': nothing about its extent is guessed any more

Each page word starts with the owner the heuristic gave it (the message whose spans hold it,
or none: markers, attribution lines, signatures, footers). Each aligned original narrows the
owners its window allows; the heuristic owner is clamped into what remains. A message whose
every quote boundary was fixed that way gets extent 'aligned'; the others keep 'heuristic'
and name in `aligned_with` the originals that fixed part of their extent.

Page text is untrusted: at most MAX_PAGE_TOKENS page words and MAX_ORIGINAL_TOKENS words of an
original are compared, a word sequence occurring more than MAX_REPEATS times in an original
anchors nothing, and all originals of a page share WORK_BUDGET steps; when it runs out, the
originals not yet aligned leave their neighbours 'heuristic'. Every step is linear or n log n.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import islice

from ingest.sources.webpage import FIRST_WORDS, RecoveredMessage, RecoveredPage

MAX_PAGE_TOKENS = 250_000
MAX_ORIGINAL_TOKENS = 50_000
MAX_REPEATS = 8             # an anchor word sequence seen more often in an original is noise
WORK_BUDGET = 2_000_000     # words scanned, compared and chained, for all originals of one page
MAX_ORIGINAL_CHARS = 1_000_000
ANCHOR = 3                  # words an anchor block has at least
SURE_BLOCK = 12             # a block this long anchors even where no `>` marker precedes it
SUBSTITUTION = 3            # words an archive may have rewritten inside a quote (obfuscated mail)

_WORD = re.compile(r"[^\s>]+")
_MARKER = re.compile(r"(?<!\S)>(?=\s|>|$)")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)+")


@dataclass(frozen=True)
class Original:
    """The real message a recovered message stands for."""

    message_id: str
    body: str


@dataclass(frozen=True)
class _PageWords:
    words: list[int]          # interned page words
    starts: list[int]         # page offsets
    ends: list[int]
    owners: list[int]         # message index whose spans hold the word; -1 for none
    after_marker: list[bool]  # a `>` marker stands between this word and the previous one


@dataclass(frozen=True)
class _Alignment:
    levels: dict[int, int]    # page word -> quote level of the original word it matched (0: own)
    window: tuple[int, int]   # page words [first, last) the original's quote spans
    unexplained: frozenset[int] = frozenset()   # quoted words in the window the original lacks


@dataclass
class _Budget:
    left: int

    def spend(self, steps: int) -> bool:
        self.left -= steps
        return self.left >= 0


def align_page(page: RecoveredPage, text: str, originals: Mapping[int, Original]) -> RecoveredPage:
    """The page with extents fixed by the originals (message index -> real message) that align."""
    count = len(page.messages)
    originals = {i: o for i, o in originals.items() if 0 <= i < count}
    if not originals:
        return page
    vocabulary: dict[str, int] = {}
    words = find_page_words(text, page, vocabulary)
    budget = _Budget(WORK_BUDGET)
    accepted: dict[int, _Alignment] = {}
    for index in sorted(originals):
        alignment = align_original(words, originals[index].body, vocabulary, budget)
        if alignment is not None:
            alignment = settle_window(alignment, words, index)
            if is_convincing(alignment, words.owners, index):
                accepted[index] = alignment
    if not accepted:
        return page
    depths = [m.quote_depth for m in page.messages]
    owners = clamp_owners(words.owners, depths, accepted)
    covered = {i: is_covered(owners, depths, a, i) for i, a in accepted.items()}
    before, after = group_by_owner(words.owners), group_by_owner(owners)
    messages = []
    for index, message in enumerate(page.messages):
        used = tuple(originals[i].message_id for i in sorted(accepted) if i <= index + 1)
        mine = after.get(index, [])
        changed = mine != before.get(index, [])
        if not used and not changed:
            messages.append(message)
            continue
        if changed:
            message = rebuild_message(message, text, words, mine)
        used = used or tuple(originals[i].message_id for i in sorted(accepted))
        messages.append(replace(message, extent=decide_extent(index, accepted, covered), aligned_with=used))
    return replace(page, messages=tuple(messages))


# ---------------------------------------------------------------- page words

def find_page_words(text: str, page: RecoveredPage, vocabulary: dict[str, int]) -> _PageWords:
    """The page's words (markers excluded) with the message each belongs to by the heuristic."""
    spans = sorted((start, end, index) for index, message in enumerate(page.messages)
                   for start, end in message.spans)
    words: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    owners: list[int] = []
    after: list[bool] = []
    cursor = 0
    previous_end = 0
    for found in islice(_WORD.finditer(text), MAX_PAGE_TOKENS):
        start, end = found.span()
        while cursor < len(spans) and spans[cursor][1] <= start:
            cursor += 1
        owner = spans[cursor][2] if cursor < len(spans) and spans[cursor][0] <= start else -1
        words.append(vocabulary.setdefault(found.group(0), len(vocabulary)))
        starts.append(start)
        ends.append(end)
        owners.append(owner)
        after.append(_MARKER.search(text, previous_end, start) is not None)
        previous_end = end
    return _PageWords(words, starts, ends, owners, after)


def find_original_words(body: str, vocabulary: dict[str, int]) -> tuple[list[int], list[int]]:
    """(interned words, quote level of each) of a real message body, its `>` lines included."""
    words: list[int] = []
    levels: list[int] = []
    for line in body[:MAX_ORIGINAL_CHARS].split("\n"):
        prefix = _QUOTE_PREFIX.match(line)
        level = prefix.group(0).count(">") if prefix else 0
        for found in _WORD.finditer(line, prefix.end() if prefix else 0):
            words.append(vocabulary.setdefault(found.group(0), len(vocabulary)))
            levels.append(level)
            if len(words) >= MAX_ORIGINAL_TOKENS:
                return words, levels
    return words, levels


# ---------------------------------------------------------------- alignment

def align_original(page: _PageWords, body: str, vocabulary: dict[str, int],
                   budget: _Budget) -> _Alignment | None:
    """Where on the page the original is quoted: a chain of matching blocks, in order."""
    theirs, levels = find_original_words(body, vocabulary)
    if len(theirs) < ANCHOR or not budget.spend(len(theirs)):
        return None
    blocks = find_blocks(page.words, theirs, budget)
    if blocks is None:
        return None
    anchored = [b for b in blocks if b[2] >= SURE_BLOCK or any(page.after_marker[b[0]:b[0] + b[2]])]
    if not budget.spend(4 * len(blocks)):
        return None
    chain = chain_blocks(anchored)
    if not chain:
        return None
    chain = add_continuations(chain, blocks)
    matched = {p + k: levels[q + k] for p, q, n in chain for k in range(n)}
    first, last = chain[0][0], chain[-1][0] + chain[-1][2]
    while last < len(page.words) and not page.after_marker[last]:
        last += 1     # the rest of the segment the quote ends in is the replier's
    if not budget.spend(last - first):
        return None
    return _Alignment(matched, (first, last))


def find_blocks(mine: list[int], theirs: list[int], budget: _Budget) -> list[tuple[int, int, int]] | None:
    """Maximal common runs (page start, original start, length) of at least ANCHOR words."""
    index: dict[tuple[int, ...], list[int]] = {}
    for q in range(len(theirs) - ANCHOR + 1):
        index.setdefault(tuple(theirs[q:q + ANCHOR]), []).append(q)
    index = {key: qs for key, qs in index.items() if len(qs) <= MAX_REPEATS}
    if not budget.spend(len(mine)):
        return None
    covered: dict[int, int] = {}    # diagonal (p - q) -> page end of the block found on it
    blocks: list[tuple[int, int, int]] = []
    for p in range(len(mine) - ANCHOR + 1):
        for q in index.get(tuple(mine[p:p + ANCHOR]), ()):
            if covered.get(p - q, -1) > p:
                continue
            start, other = p, q
            while start > 0 and other > 0 and mine[start - 1] == theirs[other - 1]:
                start, other = start - 1, other - 1
            end = p + ANCHOR
            while end < len(mine) and end - start + other < len(theirs) and mine[end] == theirs[end - start + other]:
                end += 1
            if not budget.spend(end - start + 1):
                return None
            covered[p - q] = end
            blocks.append((start, other, end - start))
    return blocks


def chain_blocks(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The heaviest chain of blocks in order on both sides (weighted LIS, n log n)."""
    if not blocks:
        return []
    blocks = sorted(blocks)
    ends = sorted({q + n for _, q, n in blocks})
    tree: list[tuple[int, int]] = [(0, -1)] * (len(ends) + 1)   # Fenwick tree of (best, block)
    best = [0] * len(blocks)
    back = [-1] * len(blocks)
    pending: list[tuple[int, int]] = []
    for i, (p, q, n) in enumerate(blocks):
        while pending and pending[0][0] <= p:
            _, j = heapq.heappop(pending)
            slot = bisect_right(ends, blocks[j][1] + blocks[j][2])
            while slot <= len(ends):
                if best[j] > tree[slot][0]:
                    tree[slot] = (best[j], j)
                slot += slot & -slot
        top, slot = (0, -1), bisect_right(ends, q)
        while slot > 0:
            top = max(top, tree[slot])
            slot -= slot & -slot
        best[i], back[i] = n + top[0], top[1]
        heapq.heappush(pending, (p + n, i))
    i = max(range(len(blocks)), key=best.__getitem__)
    chain = []
    while i >= 0:
        chain.append(blocks[i])
        i = back[i]
    return chain[::-1]


def add_continuations(chain: list[tuple[int, int, int]],
                      blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Blocks that resume a chained block after a few rewritten words (`hughd@xxxxxxxxxx`)."""
    by_start: dict[int, list[tuple[int, int, int]]] = {}
    for block in blocks:
        by_start.setdefault(block[0], []).append(block)
    out: list[tuple[int, int, int]] = []
    taken = set(chain)
    for i, block in enumerate(chain):
        following = chain[i + 1] if i + 1 < len(chain) else None
        out.append(block)
        p, q, n = block
        while True:
            nxt = next((b for start in range(p + n + 1, p + n + SUBSTITUTION + 1) for b in by_start.get(start, ())
                        if q + n < b[1] <= q + n + SUBSTITUTION and b not in taken
                        and (following is None or (b[0] + b[2] <= following[0] and b[1] + b[2] <= following[1]))),
                       None)
            if nxt is None:
                break
            out.append(nxt)
            taken.add(nxt)
            p, q, n = nxt
    return out


def settle_window(alignment: _Alignment, page: _PageWords, index: int) -> _Alignment:
    """Decide every word of the window, one page segment (marker to marker) at a time.

    A few unmatched words inside a quoted line are the archive's rewriting and take the level
    of the match that follows; the words after a segment's last match are the reply that
    follows the quote; a quoted segment with no match at all is left undecided (unexplained)."""
    first, last = alignment.window
    levels: dict[int, int] = {}
    unexplained: set[int] = set()
    start = first
    for end in [*(p for p in range(first + 1, last) if page.after_marker[p]), last]:
        found = [p for p in range(start, end) if p in alignment.levels]
        if not found:
            if any(page.owners[p] >= index for p in range(start, end)):
                unexplained.update(range(start, end))
        elif found[0] - start > SUBSTITUTION and any(page.owners[p] >= index for p in range(start, found[0])):
            unexplained.update(range(start, found[0]))
        previous = start
        for p in found:
            if p - previous <= SUBSTITUTION:
                levels.update((k, alignment.levels[p]) for k in range(previous, p))
            levels[p] = alignment.levels[p]
            previous = p + 1
        start = end
    return _Alignment(levels, alignment.window, frozenset(unexplained))


def is_convincing(alignment: _Alignment, owners: list[int], index: int) -> bool:
    """Half the recovered message's words (and at least a few) matched the original's own words."""
    heuristic = sum(1 for owner in owners if owner == index)
    agreed = sum(1 for p, level in alignment.levels.items() if level == 0 and owners[p] == index)
    return agreed * 2 >= heuristic and agreed >= min(4, heuristic) and agreed > 0


# ---------------------------------------------------------------- owners and extents

def clamp_owners(owners: list[int], depths: list[int], accepted: Mapping[int, _Alignment]) -> list[int]:
    """Each word's heuristic owner, clamped into the range the aligned originals allow.

    A word an original quotes at level L belongs to the page message L levels deeper (its
    quote markers say so, line breaks intact); an unmatched word in its window to a shallower one."""
    count = len(depths)
    at_depth = {depth: index for index, depth in enumerate(depths)}
    low = [0] * len(owners)
    high = [count - 1] * len(owners)
    for index, alignment in accepted.items():
        first, last = alignment.window
        for p in range(first, last):
            if p in alignment.unexplained:
                continue
            level = alignment.levels.get(p)
            target = index if level == 0 else at_depth.get(depths[index] + level) if level is not None else None
            if level is None:
                high[p] = min(high[p], index - 1)
            elif target is not None:
                low[p], high[p] = max(low[p], target), min(high[p], target)
            else:
                low[p] = max(low[p], index + 1)
    out = []
    for p, owner in enumerate(owners):
        if owner < 0 or high[p] < 0 or low[p] >= count:
            out.append(-1)                  # quoted by nobody on the page, or not a message's words
        elif low[p] > high[p]:
            out.append(owner)               # the originals disagree: keep the heuristic
        else:
            out.append(min(max(owner, low[p]), high[p]))
    return out


def group_by_owner(owners: list[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for p, owner in enumerate(owners):
        groups.setdefault(owner, []).append(p)
    return groups


def is_covered(owners: list[int], depths: list[int], alignment: _Alignment, index: int) -> bool:
    """The original explains every quoted word: none in its window unexplained, every quote
    level a page message, no word outside the window left to it or to a deeper message."""
    first, last = alignment.window
    known = set(depths)
    return (not alignment.unexplained
            and all(depths[index] + level in known for level in set(alignment.levels.values()))
            and all(owner < index for p, owner in enumerate(owners) if not first <= p < last))


def decide_extent(index: int, accepted: Mapping[int, _Alignment], covered: Mapping[int, bool]) -> str:
    """'aligned' when alignment fixed every quote boundary of the message, else 'heuristic'.

    Its own original fixes all of them; so does any covering original that quotes it (the quote
    levels there say which words are its); the page's top message needs only the original it
    answers, as nothing on the page is shallower."""
    if index in accepted or any(i < index and covered[i] for i in accepted):
        return "aligned"
    return "aligned" if index == 0 and 1 in accepted and covered[1] else "heuristic"


def rebuild_message(message: RecoveredMessage, text: str, page: _PageWords, mine: list[int]) -> RecoveredMessage:
    """The message's text and spans from the page words it now owns (pieces split at markers)."""
    spans: list[tuple[int, int]] = []
    previous = None
    for p in mine:
        if previous is not None and p == previous + 1 and not page.after_marker[p]:
            spans[-1] = (spans[-1][0], page.ends[p])
        else:
            spans.append((page.starts[p], page.ends[p]))
        previous = p
    parts: list[str] = []
    for i, (start, end) in enumerate(spans):
        if i:
            parts.append("\n" if "\n" in text[spans[i - 1][1]:start] else " ")
        parts.append(text[start:end])
    body = "".join(parts)
    return replace(message, text=body, spans=tuple(spans),
                   first_words=" ".join(body.split()[:FIRST_WORDS]))
