"""Data races by LKMM's rule: two threads can make conflicting accesses to one location at once,
at least one of them plain (`x = v`, `r = x`) and at least one a write.

Found statically as candidate pairs of (thread, pc) and flagged dynamically: the step of one side
raises `data_race` when another thread is at a conflicting pc in the same state (both accesses
enabled). That step reads the other thread's pc, so it is made dependent on all of that thread's
steps (the persistent-set reduction stays sound). Only accesses to fixed locations are compared;
`ptr->field` and `*reg` accesses are not (their targets change at run time).
"""

from __future__ import annotations

from dataclasses import replace

from kb.scenarios.model import Instr, ThreadCode

ACCESS_OPS = frozenset(("load", "store", "rmw"))

Races = tuple[tuple[tuple[tuple[int, frozenset[int]], ...], ...], ...]


def find_access(ins: Instr) -> tuple[int, bool, bool] | None:
    """(slot, is_write, is_plain) of an access to a fixed location, else None."""
    if ins.op not in ACCESS_OPS:
        return None
    loc = ins.args[1] if ins.op == "load" else ins.args[0]
    if loc[0] != "s":
        return None
    return loc[1], ins.op != "load", ins.plain


def find_races(threads: tuple[ThreadCode, ...]) -> tuple[tuple[ThreadCode, ...], Races]:
    """Threads with pc dependencies added, and per thread/pc the (other thread, its racing pcs)."""
    accesses = [[find_access(ins) for ins in t.instrs] for t in threads]
    if not any(a is not None and a[2] for acc in accesses for a in acc):
        return threads, ()
    races: list[list[tuple[tuple[int, frozenset[int]], ...]]] = []
    watched: set[int] = set()  # threads whose pc some racing step reads
    for i, acc_i in enumerate(accesses):
        rows = []
        for a in acc_i:
            pairs = []
            if a is not None:
                for j, acc_j in enumerate(accesses):
                    if j == i:
                        continue
                    qs = frozenset(q for q, b in enumerate(acc_j) if b is not None and b[0] == a[0]
                                   and (a[1] or b[1]) and (a[2] or b[2]))
                    if qs:
                        pairs.append((j, qs))
                        watched.add(j)
            rows.append(tuple(pairs))
        races.append(rows)
    if not watched:
        return threads, ()
    patched = []
    for i, thread in enumerate(threads):
        instrs = []
        for pc, ins in enumerate(thread.instrs):
            reads = ins.reads | {j for j, _ in races[i][pc]}
            writes = ins.writes | ({i} if i in watched else set())
            instrs.append(replace(ins, reads=frozenset(reads), writes=frozenset(writes)))
        patched.append(replace(thread, instrs=tuple(instrs)))
    return tuple(patched), tuple(tuple(rows) for rows in races)
