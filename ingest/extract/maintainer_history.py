"""Who was a maintainer when: dated M: changes read from the MAINTAINERS patches of the archive.

A loaded MAINTAINERS file says who maintains a subsystem today. A thread of 2019 is judged by
who maintained it in 2019: a patch on the list that adds "M: Jane Doe" to a section dates her
role from that patch, and one that removes a line ends it. Changes are kept only for sections
the loaded file has, matched by the section title in the hunk or, when the hunk starts inside a
section, by its unchanged lines. A -M:/+M: pair of one name is an address change, not a role
change.

    history = collect_role_history(sections, [(date, subject, body), ...])
    maintainers_at(section, history.get(section.name, ()), thread_date)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ingest.extract.mailkind import names_release_tree
from ingest.extract.maintainers import Section
from ingest.extract.names import normalise_email, normalise_name, parse_person

_FILE_RE = re.compile(r"^\+\+\+ (?:b/)?MAINTAINERS\s*$", re.MULTILINE)
_HUNK_RE = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_FIELD_RE = re.compile(r"^([A-Z]):\s*(.*?)\s*$")
MAX_HUNK_LINES = 400


@dataclass(frozen=True)
class RoleChange:
    """One M: line added (or removed) in a section by a patch posted at `date` (UTC)."""

    section: str
    entry: str      # "Name <email>" as the patch wrote it
    added: bool
    date: datetime


@dataclass(frozen=True)
class _Line:
    sign: str       # ' ', '+' or '-'
    text: str


def find_entry_key(entry: str) -> str:
    """'Koutný, Michal <m@x>' and 'Michal Koutny' -> 'koutny michal': the normal name's words,
    sorted; the address when there is no name."""
    name, email = parse_person(entry)
    words = sorted(re.findall(r"[a-z0-9]+", normalise_name(name)))
    return " ".join(words) if words else normalise_email(email)


def read_maintainers_hunks(body: str) -> list[list[_Line]]:
    """The hunks of the MAINTAINERS file in a message's diff, each as its lines; a hunk's header
    counts say where it ends (mailers drop the space of an empty context line)."""
    hunks: list[list[_Line]] = []
    for start in _FILE_RE.finditer(body):
        lines = body[start.end():].split("\n")[1:]
        i = 0
        while i < len(lines) and (m := _HUNK_RE.match(lines[i])):
            old = int(m.group(1) or 1)
            new = int(m.group(2) or 1)
            hunk: list[_Line] = []
            i += 1
            while (old > 0 or new > 0) and i < len(lines) and len(hunk) < MAX_HUNK_LINES:
                line = lines[i]
                i += 1
                if line.startswith("\\"):     # "\ No newline at end of file"
                    continue
                sign, text = (line[0], line[1:]) if line and line[0] in " +-" else (" ", line)
                old -= sign != "+"
                new -= sign != "-"
                hunk.append(_Line(sign, text.rstrip("\r")))
            hunks.append(hunk)
    return hunks


def split_blocks(hunk: list[_Line]) -> list[list[_Line]]:
    """A hunk cut at its empty lines: each block is (part of) one section."""
    blocks: list[list[_Line]] = [[]]
    for line in hunk:
        if line.text.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def name_block_section(block: list[_Line], titles: set[str], by_line: dict[str, tuple[str, ...]]) -> str | None:
    """The loaded section a block belongs to: its title line when the hunk shows it, else the one
    section holding most (at least two) of its unchanged or removed field lines (`by_line`:
    normalised field line -> names of the sections that have it)."""
    for line in block:
        if not _FIELD_RE.match(line.text):
            title = line.text.strip()
            return title if line.sign != "-" and title in titles else None
    hits: Counter[str] = Counter()
    for line in block:
        if line.sign != "+" and (field := normalise_field(line.text)):
            hits.update(by_line.get(field, ()))
    ranked = hits.most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def index_field_lines(sections: Sequence[Section]) -> dict[str, tuple[str, ...]]:
    """Normalised field line -> the names of the loaded sections that have it."""
    by_line: dict[str, list[str]] = {}
    for sec in sections:
        for field in list_field_lines(sec):
            by_line.setdefault(field, []).append(sec.name)
    return {k: tuple(v) for k, v in by_line.items()}


def list_field_lines(sec: Section) -> set[str]:
    """A loaded section's M:, R:, L:, S: and F: lines, normalised as `normalise_field` does."""
    lines = [f"M: {e}" for e in sec.maintainers] + [f"R: {e}" for e in sec.reviewers]
    lines += [f"L: {e}" for e in sec.lists] + [f"F: {p.raw}" for p in sec.files] + [f"S: {sec.status}"]
    return {x for x in map(normalise_field, lines) if x}


def normalise_field(text: str) -> str | None:
    """'L:\tcgroups@vger.kernel.org (open list)' -> 'L: cgroups@vger.kernel.org'; None if no field."""
    m = _FIELD_RE.match(text)
    if not m or not m.group(2):
        return None
    value = m.group(2).split()[0].lower() if m.group(1) == "L" else " ".join(m.group(2).split())
    return f"{m.group(1)}: {value}"


def find_role_changes(body: str, date: datetime, titles: set[str],
                      by_line: dict[str, tuple[str, ...]]) -> list[RoleChange]:
    """The M: lines one message's MAINTAINERS diff adds to or removes from loaded sections; a
    name both removed from and added to one section (a new address, a moved line) is no change."""
    moved: list[tuple[str, bool, str]] = []
    for hunk in read_maintainers_hunks(body):
        for block in split_blocks(hunk):
            lines = [(line.sign == "+", m.group(2)) for line in block if line.sign != " "
                     and (m := _FIELD_RE.match(line.text)) and m.group(1) == "M"]
            section = name_block_section(block, titles, by_line) if lines else None
            if section is not None:
                moved += [(section, is_add, entry) for is_add, entry in lines]
    signs: dict[tuple[str, str], set[bool]] = {}
    for section, is_add, entry in moved:
        signs.setdefault((section, find_entry_key(entry)), set()).add(is_add)
    return [RoleChange(section, entry, is_add, date) for section, is_add, entry in moved
            if len(signs[(section, find_entry_key(entry))]) == 1]


def collect_role_history(sections: Sequence[Section], patches: Iterable[tuple[datetime | None, str, str]]
                         ) -> dict[str, tuple[RoleChange, ...]]:
    """Section name -> its dated M: changes, oldest first, from (date, subject, body) of
    MAINTAINERS patches. Undated ones are skipped, and so are patches for a stable branch
    ("[PATCH 6.12]": an LTS tree's maintainers are not mainline's)."""
    titles = {s.name for s in sections}
    by_line: dict[str, tuple[str, ...]] | None = None
    by_section: dict[str, list[RoleChange]] = {}
    for date, subject, body in patches:
        if date is None or names_release_tree(subject):
            continue
        by_line = by_line if by_line is not None else index_field_lines(sections)
        for change in find_role_changes(body, as_utc(date), titles, by_line):
            by_section.setdefault(change.section, []).append(change)
    return {name: tuple(sorted(set(cs), key=lambda c: (c.date, c.entry, c.added)))
            for name, cs in sorted(by_section.items())}


def maintainers_at(section: Section, changes: Sequence[RoleChange], date: datetime | None) -> tuple[str, ...]:
    """The section's M: entries at `date`. A person's latest change on or before the date decides;
    with none yet, the state before their first change; with no change at all, the file."""
    if not changes or date is None:
        return section.maintainers
    date = as_utc(date)
    people = {find_entry_key(e): e for e in section.maintainers}
    timeline: dict[str, list[RoleChange]] = {}
    for change in changes:
        timeline.setdefault(find_entry_key(change.entry), []).append(change)
    for key, history in timeline.items():
        past = [c for c in history if c.date <= date]
        holds = past[-1].added if past else not history[0].added
        if holds:
            people.setdefault(key, history[-1].entry)
        else:
            people.pop(key, None)
    return tuple(people.values())


def as_utc(date: datetime) -> datetime:
    """A naive date (as some sources give) read as UTC, so that every pair compares."""
    return date if date.tzinfo is not None else date.replace(tzinfo=timezone.utc)
