"""Could weak memory overturn an SC verdict? Decided from the compiled program, not from its words.

LKMM allows outcomes that SC forbids only when threads exchange values through two or more shared
locations (the SB, MP, LB, IRIW, WRC, ISA2, R, S and Z6 shapes). A location counts when one thread
writes it and another accesses it and the two accesses do not hold a common lock; accesses under a
common lock are ordered by the lock in LKMM as in SC.
"""

from __future__ import annotations

from kb.scenarios.model import Program

SYNC_OPS = frozenset(("lock", "unlock", "trylock", "rlock", "runlock", "rtrylock", "rcu_lock", "rcu_unlock",
                      "sync_start", "sync_wait", "free_rcu", "nop", "set", "branch", "choose", "check"))
LOCK_WRITES = frozenset(("lock", "unlock", "trylock"))  # writes of a lock word, seen by spin_is_locked()


def find_locksets(program: Program, tid: int) -> list[frozenset[int]]:
    """Exclusive locks certainly held before each pc (intersection over the paths reaching it)."""
    instrs = program.threads[tid].instrs
    held: list[frozenset[int] | None] = [None] * (len(instrs) + 1)
    held[0] = frozenset()
    for pc, ins in enumerate(instrs):
        now = held[pc]
        if now is None:
            continue
        after = now
        loc = ins.args[0] if ins.op in ("lock", "unlock") else None
        if loc is not None and loc[0] == "s":
            after = now | {loc[1]} if ins.op == "lock" else now - {loc[1]}
        for nxt in ins.succ:
            held[nxt] = after if held[nxt] is None else held[nxt] & after
    return [h if h is not None else frozenset() for h in held[:-1]]


def find_exchange_locations(program: Program) -> tuple[str, ...]:
    """Locations (and objects) one thread writes and another accesses outside a common lock."""
    names = {slot: name for name, slot in program.locs} | {slot: name for name, slot in program.objects}
    accesses: dict[int, list[tuple[int, bool, frozenset[int]]]] = {}
    sensed: set[int] = set()  # slots read as data, e.g. a lock word by spin_is_locked()
    for tid, thread in enumerate(program.threads):
        locksets = find_locksets(program, tid)
        for pc, ins in enumerate(thread.instrs):
            if ins.op in SYNC_OPS and ins.op not in LOCK_WRITES:
                continue
            touched = (ins.reads | ins.writes) & names.keys()
            if ins.op not in LOCK_WRITES:
                sensed |= touched
            for slot in touched:
                accesses.setdefault(slot, []).append((tid, slot in ins.writes, locksets[pc]))
    shared = []
    for slot, found in accesses.items():
        if slot in sensed and any(wt and t1 != t2 and not (l1 & l2) for t1, wt, l1 in found for t2, _, l2 in found):
            shared.append(names[slot])
    return tuple(sorted(shared))


def is_weak_memory_sensitive(program: Program) -> bool:
    return len(find_exchange_locations(program)) >= 2
