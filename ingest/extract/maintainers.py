"""The kernel MAINTAINERS file: parse sections once, map files to sections like
scripts/get_maintainer.pl (F:/X: patterns, N: file-name regexes, K: content regexes).

    mt = load_maintainers(path)
    for section, people in find_maintainers(["mm/memcontrol.c"], maintainers=mt): ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_ENTRY_RE = re.compile(r"^([A-Z]):\s*(.*?)\s*$")
_SECTION_HEAD_RE = re.compile(r"^[^\s:][^:]*$|^[^\s].{2,}$")


@dataclass(frozen=True)
class FilePattern:
    raw: str
    regex: re.Pattern[str]
    is_dir: bool
    depth: int       # slashes in the pattern; more = more specific

    def match(self, path: str) -> bool:
        if not self.regex.match(path):
            return False
        if self.is_dir:
            return True
        # get_maintainer.pl: a non-directory pattern only matches at its own depth
        return path.count("/") == self.raw.count("/")


@dataclass(frozen=True)
class Section:
    name: str
    maintainers: tuple[str, ...]    # M: "Name <email>"
    reviewers: tuple[str, ...]      # R:
    lists: tuple[str, ...]          # L:
    status: str
    files: tuple[FilePattern, ...]  # F:
    excludes: tuple[FilePattern, ...]  # X:
    regexes: tuple[re.Pattern[str], ...]   # N:
    keywords: tuple[re.Pattern[str], ...]  # K:


@dataclass(frozen=True)
class Maintainers:
    sections: tuple[Section, ...]
    by_top: dict            # top-level path component -> tuple of section indexes
    wildcard: tuple[int, ...]   # sections with F: patterns starting with a glob
    by_list: dict           # list address -> section indexes
    with_regex: tuple[int, ...] = ()   # sections with N: regexes
    # exact F: keys ('mm/', 'mm/memcontrol.c') -> section indexes; glob F: patterns by their
    # literal prefix's top component ('' = starts with a glob); built by build_index
    by_literal: dict = field(default_factory=dict, compare=False)
    globs_by_top: dict = field(default_factory=dict, compare=False)
    # section name -> its dated M: changes (maintainer_history.RoleChange), from the archive's
    # MAINTAINERS patches; empty when the file alone is known
    history: dict = field(default_factory=dict, compare=False)

    def __hash__(self) -> int:
        return id(self)


def compile_file_pattern(raw: str) -> FilePattern:
    """One F:/X: pattern: trailing '/' = directory tree, '*' and '?' are globs."""
    is_dir = raw.endswith("/")
    last = raw.rstrip("/").rsplit("/", 1)[-1]
    if not is_dir and not any(c in raw for c in "*?") and "." not in last:
        is_dir = True           # get_maintainer.pl appends '/' to directories on disk
        raw_re = raw + "/"
    else:
        raw_re = raw
    body = re.escape(raw_re).replace(r"\*", ".*").replace(r"\?", ".")
    pattern = f"{body}" if is_dir else f"{body}$"
    depth = raw_re.count("/") + (0 if is_dir else 1)
    return FilePattern(raw, re.compile(pattern), is_dir, depth)


def _compile_regex(raw: str) -> re.Pattern[str] | None:
    text = raw.replace(r"\+", "+").replace("(?i:", "(?i:")
    try:
        return re.compile(text)
    except re.error:
        try:
            return re.compile(re.escape(raw))
        except re.error:
            return None


def parse_maintainers(text: str) -> tuple[Section, ...]:
    """Sections of a MAINTAINERS file (the part after the 'Maintainers List' header)."""
    sections: list[Section] = []
    start = text.find("\nMaintainers List")
    lines = text[start:].splitlines() if start >= 0 else text.splitlines()
    name: str | None = None
    entries: dict[str, list[str]] = {}

    def flush() -> None:
        if name and entries:
            sections.append(Section(
                name=name,
                maintainers=tuple(entries.get("M", ())),
                reviewers=tuple(entries.get("R", ())),
                lists=tuple(v.split()[0].lower() for v in entries.get("L", ()) if v),
                status=(entries.get("S") or [""])[0],
                files=tuple(compile_file_pattern(v) for v in entries.get("F", ()) if v),
                excludes=tuple(compile_file_pattern(v) for v in entries.get("X", ()) if v),
                regexes=tuple(r for r in (_compile_regex(v) for v in entries.get("N", ())) if r),
                keywords=tuple(r for r in (_compile_regex(v) for v in entries.get("K", ())) if r),
            ))

    for line in lines:
        if not line.strip():
            continue
        m = _ENTRY_RE.match(line)
        if m and name is not None:
            entries.setdefault(m.group(1), []).append(m.group(2))
        elif not line[0].isspace() and not m:
            flush()
            name, entries = line.strip(), {}
    flush()
    return tuple(s for s in sections if s.files or s.regexes or s.keywords or s.maintainers)


def build_index(sections: tuple[Section, ...]) -> Maintainers:
    by_top: dict[str, list[int]] = {}
    wildcard: list[int] = []
    by_list: dict[str, list[int]] = {}
    for i, sec in enumerate(sections):
        for lst in sec.lists:
            by_list.setdefault(lst, []).append(i)
        tops = set()
        for pat in sec.files:
            top = pat.raw.split("/", 1)[0]
            if any(c in top for c in "*?[") or not top:
                wildcard.append(i)
            else:
                tops.add(top)
        for top in tops:
            by_top.setdefault(top, []).append(i)
    by_literal: dict[str, set[int]] = {}
    globs: dict[str, list[tuple[str, int]]] = {}
    for i, sec in enumerate(sections):
        for pat in sec.files:
            cut = min((pat.raw.find(c) for c in "*?[" if c in pat.raw), default=-1)
            if cut < 0:
                key = pat.raw if not pat.is_dir or pat.raw.endswith("/") else pat.raw + "/"
                by_literal.setdefault(key, set()).add(i)
            else:
                prefix = pat.raw[:cut]
                top = prefix.split("/", 1)[0] if "/" in prefix else ""
                globs.setdefault(top, []).append((prefix, i))
    return Maintainers(sections, {k: tuple(v) for k, v in by_top.items()},
                       tuple(dict.fromkeys(wildcard)),
                       {k: tuple(v) for k, v in by_list.items()},
                       tuple(i for i, s in enumerate(sections) if s.regexes),
                       {k: tuple(sorted(v)) for k, v in by_literal.items()},
                       {k: tuple(v) for k, v in globs.items()})


@lru_cache(maxsize=4)
def load_maintainers(path: str | Path) -> Maintainers:
    """Parse and index a MAINTAINERS file once per path."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return build_index(parse_maintainers(text))


def _score_file(sec: Section, path: str) -> int:
    """Depth of the best F: match (0 = no match), honouring X: exclusions and N: regexes."""
    if any(x.match(path) for x in sec.excludes):
        return 0
    best = 0
    for pat in sec.files:
        if pat.match(path):
            best = max(best, pat.depth + 1)
    for rx in sec.regexes:
        if rx.search(path):
            best = max(best, 1)
    return best


def find_candidate_sections(mt: Maintainers, path: str) -> set[int]:
    """Sections that may cover `path`: exact F: keys of the path and its parent directories,
    glob F: patterns whose literal prefix the path starts with, and N: regex sections."""
    if not mt.by_literal and not mt.globs_by_top:       # built without the index
        top = path.split("/", 1)[0]
        return set((*mt.by_top.get(top, ()), *mt.wildcard, *mt.with_regex))
    found: set[int] = set(mt.with_regex)
    found.update(mt.by_literal.get(path, ()))
    pos = path.find("/")
    while pos >= 0:
        found.update(mt.by_literal.get(path[:pos + 1], ()))
        pos = path.find("/", pos + 1)
    top = path.split("/", 1)[0] if "/" in path else ""
    for key in {top, ""}:
        for prefix, i in mt.globs_by_top.get(key, ()):
            if path.startswith(prefix):
                found.add(i)
    return found


@lru_cache(maxsize=65536)
def score_file_sections(mt: Maintainers, path: str) -> tuple[tuple[int, int], ...]:
    """(section index, specificity) of every section covering one path (cached per path)."""
    out = []
    for i in sorted(find_candidate_sections(mt, path)):
        score = _score_file(mt.sections[i], path)
        if score:
            out.append((i, score))
    return tuple(out)


def find_maintainers(files, patch_text: str | None = None, maintainers: Maintainers | None = None,
                     path: str | Path | None = None) -> list[tuple[Section, tuple[str, ...]]]:
    """Sections covering `files` (and K: keywords in `patch_text`), most specific first,
    each with its M: people."""
    mt = maintainers or load_maintainers(str(path or default_maintainers_path()))
    scores: dict[int, int] = {}
    for f in files:
        for i, score in score_file_sections(mt, f.lstrip("./")):
            scores[i] = max(scores.get(i, 0), score)
    if patch_text:
        for i, sec in enumerate(mt.sections):
            if sec.keywords and any(k.search(patch_text) for k in sec.keywords):
                scores.setdefault(i, 1)
    ranked = sorted(scores, key=lambda i: (-scores[i], i))
    return [(mt.sections[i], mt.sections[i].maintainers) for i in ranked]


def find_sections_for_list(list_address: str, maintainers: Maintainers) -> list[Section]:
    """Sections whose L: is the given mailing list (fallback when no file is touched)."""
    return [maintainers.sections[i] for i in maintainers.by_list.get(list_address.lower(), ())]


def default_maintainers_path() -> Path:
    """The MAINTAINERS file shipped beside the repo (../shared/data) when present."""
    here = Path(__file__).resolve().parents[2]
    for cand in (here / "data" / "MAINTAINERS", here.parent / "shared" / "data" / "MAINTAINERS"):
        if cand.exists():
            return cand
    return here / "data" / "MAINTAINERS"
