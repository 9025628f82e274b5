"""Frozen inputs and outputs of drafting, and the small mutable builder the drafters fill in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FixFacts:
    ordinal: int
    summary: str
    message_id: str
    diff: str  # the fix's patch text ("" for a prose fix)


@dataclass(frozen=True)
class RaceFacts:
    race_id: int
    source_kind: str  # kcsan | lockdep | kasan | diagram | prose
    consequence: str  # use-after-free | deadlock | data-race | ...
    participants: tuple[str, ...]
    object: str
    interleaving: tuple[tuple[str, str], ...]  # (column, step) as extracted
    report: str  # the message text from the race's evidence on (report or diagram), bounded
    source: str  # Message-ID
    fixes: tuple[FixFacts, ...] = ()


@dataclass(frozen=True)
class Draft:
    race_id: int
    source_kind: str
    text: str
    complete: bool
    missing: tuple[str, ...]  # why it is incomplete
    variants: tuple[str, ...]  # fix-N variants made from fix patches


@dataclass
class Line:
    """One body line: code (mapped to a primitive) or a comment (kept, unmapped)."""

    code: str
    mapped: bool = True
    role: str = ""  # read | write | free | use | lock | body
    plus: tuple[str, ...] = ()  # only in these variants
    minus: tuple[str, ...] = ()  # not in these variants


@dataclass
class DraftThread:
    label: str
    lines: list[Line] = field(default_factory=list)
    registers: list[str] = field(default_factory=list)
    note: str = ""
    pointers: set[str] = field(default_factory=set)  # registers loaded from a shared location

    @property
    def mapped(self) -> int:
        return sum(1 for line in self.lines if line.mapped and not line.plus)


@dataclass
class DraftModel:
    name: str
    drafted_from: str
    init: list[str] = field(default_factory=list)
    threads: list[DraftThread] = field(default_factory=list)
    condition: str = ""  # a flag or herd7 proposition, "" when unknown
    missing: list[str] = field(default_factory=list)
    variants: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    abstraction: str = ""
    dropped: list[DraftThread] = field(default_factory=list)  # columns with nothing mapped, kept as comments


IDENT_RE = re.compile(r"[A-Za-z_]\w*")
MAX_NAME = 40


def make_ident(text: str, fallback: str) -> str:
    """A C identifier from a lock class, cache or function name (&a->b#2 -> a_b_2)."""
    name = re.sub(r"\W+", "_", text).strip("_")
    if len(name) > MAX_NAME:  # macro soup (per_cpu_ptr expansions): keep the tail, which names the field
        name = name[-MAX_NAME:].partition("_")[2] or name[-MAX_NAME:]
    if not name:
        return fallback
    return name if not name[0].isdigit() else f"{fallback}_{name}"


def make_label(function: str, fallback: str) -> str:
    match = IDENT_RE.search(function or "")
    return match.group(0) if match else fallback
