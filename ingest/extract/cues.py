"""Fast cue matching: data/patterns/*.json regex lists compiled for lower-cased text.

Python's `re` tries every alternative at every position, and IGNORECASE disables its literal
optimisations, so one big case-insensitive alternation costs ~1 ms per KiB of prose. Here each
pattern is instead

* lower-cased outside its escapes (`\\S`, `\\b` stay as they are) and compiled without
  IGNORECASE, to run on `text.lower()` (computed once by the caller);
* guarded by the literal strings one of which any match must contain (derived from the parsed
  pattern); a plain `lit in low` check decides whether the regex runs at all.

A cue set with no literal hit costs a handful of substring scans (microseconds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

try:                                   # Python >= 3.11
    from re import _constants as _sre_c, _parser as _sre_p
except ImportError:                    # pragma: no cover
    import sre_constants as _sre_c     # type: ignore[no-redef]
    import sre_parse as _sre_p         # type: ignore[no-redef]

PATTERN_DIR = Path(__file__).resolve().parents[2] / "data" / "patterns"
MIN_LITERAL = 2


def lower_pattern(pattern: str) -> str:
    """The pattern with letters lower-cased, except escape sequences (`\\S` is not `\\s`)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(pattern[i].lower())
        i += 1
    return "".join(out)


def _literals_of_seq(items) -> frozenset[str] | None:
    """Literal strings one of which every match of the op sequence contains (None: unknown)."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(option: frozenset[str] | None) -> None:
        nonlocal best
        if option and min(map(len, option)) >= MIN_LITERAL:
            if best is None or min(map(len, option)) > min(map(len, best)):
                best = option

    for op, av in list(items) + [(None, None)]:
        if op is _sre_c.LITERAL:
            run.append(chr(av))
            continue
        if op is _sre_c.AT:           # zero-width: keeps the run going
            continue
        consider(frozenset(["".join(run)]) if run else None)
        run = []
        if op is _sre_c.SUBPATTERN:
            consider(_literals_of_seq(av[-1]))
        elif op is _sre_c.BRANCH:
            options = [_literals_of_seq(b) for b in av[1]]
            if all(options):
                consider(frozenset().union(*options))
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT) and av[0] >= 1:
            consider(_literals_of_seq(av[2]))
    return best


def find_required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-case literals one of which any match of `pattern` (already lowered) contains."""
    try:
        parsed = _sre_p.parse(pattern)
    except re.error:
        return None
    return _literals_of_seq(parsed)


def fold_text(text: str) -> str:
    """Lower-cased, whitespace runs as one space: the form every cue is matched against."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Cue:
    pattern: str
    regex: re.Pattern[str]
    literals: frozenset[str] | None
    scan: re.Pattern[str] | None = None   # regex without its leading \b (see search_at)

    def search_lower(self, low: str) -> re.Match[str] | None:
        if self.literals is not None:
            for lit in self.literals:
                if lit in low:
                    return self.search_at(low)
            return None
        return self.search_at(low)

    def search_at(self, low: str) -> re.Match[str] | None:
        """regex.search(low). A leading \b stops `re` from jumping to its literal prefix (60x
        slower), so candidate starts come from the pattern without it and are verified."""
        if self.scan is None:
            return self.regex.search(low)
        pos = 0
        while True:
            m = self.scan.search(low, pos)
            if m is None:
                return None
            full = self.regex.match(low, m.start())
            if full is not None:
                return full
            pos = m.start() + 1


@dataclass(frozen=True)
class CueSet:
    """One key of a cue file: `search(text)` is true when any of its patterns matches."""

    name: str
    cues: tuple[Cue, ...]

    def search(self, text: str) -> bool:
        """Whether any pattern matches `text` lower-cased with whitespace runs collapsed (mail
        is hard-wrapped: 'I don't\nthink' must still hit "i don't think")."""
        return self.search_lower(fold_text(text))

    def search_lower(self, low: str) -> bool:
        for lits, cue in self.plan:
            if lits is None:
                if cue.search_at(low) is not None:
                    return True
                continue
            for lit in lits:
                if lit in low:
                    if cue.search_at(low) is not None:
                        return True
                    break
        return False

    @property
    def plan(self) -> tuple[tuple[tuple[str, ...] | None, Cue], ...]:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = tuple((tuple(sorted(c.literals, key=len, reverse=True))
                          if c.literals is not None else None, c) for c in self.cues)
            object.__setattr__(self, "_plan", plan)
        return plan

    def may_match_lower(self, low: str) -> bool:
        """False only when no pattern can match any part of `low` (a required literal of
        every pattern is missing): a gate for whole messages before splitting sentences."""
        for lits, _ in self.plan:
            if lits is None:
                return True
            for lit in lits:
                if lit in low:
                    return True
        return False

    def find_lower(self, low: str) -> list[str]:
        """Matched strings of every pattern that hits (for explanations and tests)."""
        out = []
        for cue in self.cues:
            m = cue.search_lower(low)
            if m is not None:
                out.append(m.group(0))
        return out

    def sub_lower(self, repl: str, low: str) -> str:
        for cue in self.cues:
            if cue.search_lower(low) is not None:
                low = cue.regex.sub(repl, low)
        return low


def compile_cue_set(name: str, patterns: list[str]) -> CueSet:
    cues = []
    for raw in patterns:
        lowered = lower_pattern(raw)
        scan = re.compile(lowered[2:]) if lowered.startswith("\\b") else None
        cues.append(Cue(raw, re.compile(lowered), find_required_literals(lowered), scan))
    return CueSet(name, tuple(cues))


@lru_cache(maxsize=8)
def load_cue_sets(name: str = "cues") -> dict[str, CueSet]:
    """data/patterns/<name>.json compiled as CueSets (keys starting with '_' are comments)."""
    data = json.loads((PATTERN_DIR / f"{name}.json").read_text())
    return {key: compile_cue_set(key, pats) for key, pats in data.items()
            if not key.startswith("_")}
