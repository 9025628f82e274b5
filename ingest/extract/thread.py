"""Orchestration: one thread in, all findings out; race histories across threads."""

from __future__ import annotations

import re

from ingest.extract.fixes import extract_fixes
from ingest.extract.gate import scan_thread
from ingest.extract.maintainers import Maintainers
from ingest.extract.objections import extract_objections
from ingest.extract.people import extract_people
from ingest.extract.races import extract_races
from ingest.extract.types import RaceFinding, ThreadFindings, ThreadText


def extract_thread(thread: ThreadText, maintainers: Maintainers | None = None,
                   use_model: bool = True) -> ThreadFindings:
    """Races, fixes, objections and people of one thread (pure; no database)."""
    scan = scan_thread(thread)
    races = extract_races(thread, use_model=use_model, scan=scan)
    fixes = extract_fixes(thread, races, scan=scan)
    objections = extract_objections(thread, fixes, scan=scan)
    people = extract_people(thread, fixes, maintainers)
    return ThreadFindings(
        thread_id=thread.thread_id, list=thread.list, subject=thread.subject,
        message_ids=tuple(m.message_id for m in thread.messages),
        is_race_discussion=bool(races), races=tuple(races), fixes=tuple(fixes),
        objections=tuple(objections), people=tuple(people))


def _race_keys(race: RaceFinding) -> set[str]:
    keys = set()
    for value in (*race.participants, *race.symbols, race.object):
        keys.update(t.lower() for t in re.findall(r"[A-Za-z_][\w>.-]*", value or "")
                    if "_" in t or "->" in t)
    return keys


def link_race_histories(races: list[RaceFinding], min_shared: int = 2) -> list[list[int]]:
    """Groups of race indexes (across threads) sharing participants, symbols or object:
    union-find over pairs with at least `min_shared` identifiers in common."""
    parent = list(range(len(races)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys = [_race_keys(r) for r in races]
    by_key: dict[str, list[int]] = {}
    for i, ks in enumerate(keys):
        for k in ks:
            by_key.setdefault(k, []).append(i)
    for i, ks in enumerate(keys):
        counts: dict[int, int] = {}
        for k in ks:
            for j in by_key[k]:
                if j > i:
                    counts[j] = counts.get(j, 0) + 1
        for j, n in counts.items():
            if n >= min_shared:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(races)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
