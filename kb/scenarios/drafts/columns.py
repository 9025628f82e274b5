"""The layout of a CPU/thread column diagram: its header, where it ends, its columns split by
horizontal position, and which cells of a call chain are leaves (nothing indented under them)."""

from __future__ import annotations

import re

HEADER_RE = re.compile(r"\b(?:CPU|cpu|Thread|thread|Task|task|Process|process|P|T)\s?#?\d+\b|\b(?:CPU|Thread|Task) ?[A-Z]\b")
CELL_SPLIT = re.compile(r"\S(?:.*?\S)?(?=\s{3,}|\s*$)")
END_RE = re.compile(r"^(?:Signed-off-by:|Fixes:|Reported-by:|Suggested-by:|Link:|Cc:|diff --git |--- a/|---?\s*$|"
                    r"On .* wrote:$|(?:Thanks|Regards|Cheers|Best regards)\b|[A-Z][A-Za-z ]+:$)")
PROSE_WORD = re.compile(r"^[A-Za-z][A-Za-z'’,.:!?]*$")
CODE_COMMENT = re.compile(r"^(?:/\*|//|\*)")
ASIDE_RE = re.compile(r"^(?:#|//|/\*|\*|\.\.\.|…)")  # cells that are no step of a call chain

NOTE_START = re.compile(r"^(?://|/\*|<-|<=|\^)")
Cell = tuple[int, str]  # (column position, text)


def is_prose(text: str, margin: int = 0) -> bool:
    """A sentence at the diagram's left margin (the header's indentation): six or more words, nearly
    all plain words, no code punctuation, not inside a code comment."""
    words = text.split()
    indent = len(text) - len(text.lstrip())
    if indent > margin or len(words) < 6 or any(mark in text for mark in (";", "=", "{", "}")):
        return False
    if CODE_COMMENT.match(text.lstrip()):
        return False
    return sum(1 for word in words if PROSE_WORD.match(word)) >= 0.75 * len(words)


def find_diagram_end(lines: list[str], head: int) -> int:
    """Where the diagram after its header line stops: a trailer, a patch, a second header, or a
    sentence at the left margin (blank lines inside a diagram separate its phases)."""
    header = lines[head].expandtabs(8)
    margin = len(header) - len(header.lstrip())
    for index in range(head + 1, len(lines)):
        text = lines[index].expandtabs(8).rstrip()
        if END_RE.match(text.lstrip()) or len(HEADER_RE.findall(text)) >= 2 or is_prose(text, margin):
            return index
    return len(lines)


def split_cells(lines: list[str]) -> tuple[list[str], list[list[Cell]]]:
    """Column names and the cells of each column with their positions, by horizontal position."""
    head = next((i for i, line in enumerate(lines) if len(HEADER_RE.findall(line)) >= 2), -1)
    if head < 0:
        return [], []
    header = lines[head].expandtabs(8)
    starts = [m.start() for m in HEADER_RE.finditer(header)]
    names = [m.group(0) for m in HEADER_RE.finditer(header)]
    columns: list[list[Cell]] = [[] for _ in starts]
    for raw in lines[head + 1:find_diagram_end(lines, head)]:
        text = raw.expandtabs(8).rstrip()
        if not text.strip():
            continue
        if set(text.strip()) <= set("-=_ "):
            continue
        previous = -1
        for match in CELL_SPLIT.finditer(text):
            pos, cell = match.start(), match.group(0).strip()
            if previous >= 0 and NOTE_START.match(cell):  # `kfree(x);      // UAF`: the note of the cell before
                columns[previous][-1] = (columns[previous][-1][0], f"{columns[previous][-1][1]}   {cell}")
                continue
            previous = min(range(len(starts)), key=lambda k: (abs(starts[k] - pos), k))
            columns[previous].append((pos, cell))
    return names, columns


def split_columns(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """Column names and the text of each column's cells."""
    names, columns = split_cells(lines)
    return names, [[text for _, text in cells] for cells in columns]


def find_leaves(cells: list[Cell]) -> list[bool]:
    """For each cell, whether it is a leaf of its call chain: the next step of its column (asides such
    as `...` and comments skipped) is not indented deeper. A caller's name stands for its callees."""
    steps = [i for i, (_, text) in enumerate(cells) if not ASIDE_RE.match(text)]
    leaves = [True] * len(cells)
    for here, after in zip(steps, steps[1:]):
        leaves[here] = cells[after][0] <= cells[here][0]
    return leaves
