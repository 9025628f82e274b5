"""Exhaustive SC exploration with persistent-set reduction and hash-compacted state storage.

Soundness of the reduction: threads' code is a DAG (repeat is unrolled, jumps go forward), so
the state space is acyclic; at each state we execute a single thread's step t only if t is
enabled and independent (no read/write or write/write conflict on a slot) of every step any
other thread can still execute from its current pc. {t} is then a persistent set, and
persistent-set selective search reaches every terminal state (Godefroid 1996, Thm 4.3), so
final-state counts and verdicts are exact. Registers are private and event flags are only
OR-ed (never read while running), so neither creates a dependency.

Visited states are stored as 64-bit hashes of the state tuple (hash compaction, as in SPIN's
-DHC): a collision could hide a state with probability about n^2 / 2^64.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kb.scenarios.model import FLAG_BITS, Program
from kb.scenarios.steps import build_steps

DEADLOCK = FLAG_BITS["deadlock"]


@dataclass(frozen=True)
class Exploration:
    states: int
    transitions: int
    final_states: int
    counts: tuple[tuple[int, int], ...]  # per condition: (positive, negative)
    complete: bool
    reason: str
    seconds: float


def compile_prop(tree: tuple) -> Callable[[tuple, int], bool]:
    """Compiled condition tree -> function(state, flags) -> bool."""
    tag = tree[0]
    if tag == "const":
        value = bool(tree[1])
        return lambda s, f: value
    if tag == "flag":
        bit = tree[1]
        return lambda s, f: bool(f & bit)
    if tag == "eq":
        slot, value = tree[1], tree[2]
        return lambda s, f: s[slot] == value
    if tag == "ne":
        slot, value = tree[1], tree[2]
        return lambda s, f: s[slot] != value
    if tag == "not":
        inner = compile_prop(tree[1])
        return lambda s, f: not inner(s, f)
    left, right = compile_prop(tree[1]), compile_prop(tree[2])
    if tag == "and":
        return lambda s, f: left(s, f) and right(s, f)
    return lambda s, f: left(s, f) or right(s, f)


def find_final_flags(program: Program, state: tuple) -> int:
    """Flags of a terminal state, with `deadlock` when a thread or posted callback is stuck."""
    flags = state[program.flags_slot]
    for tid in range(program.n_real):
        if state[tid] != len(program.threads[tid].instrs):
            return flags | DEADLOCK
    for slot in program.cb_state_slots:
        if state[slot] == 1:
            return flags | DEADLOCK
    return flags


def build_independence(program: Program) -> list[list[tuple | None]]:
    """need[i][p]: the (j, mask) pairs under which thread i's step at pc p may run alone.

    mask has bit q set when the step is independent of everything thread j can still do from
    pc q. need[i][end] is None (a finished thread has no step).
    """
    threads = program.threads
    acc = []
    future = []
    for thread in threads:
        n = len(thread.instrs)
        fr: list[tuple[frozenset, frozenset]] = [(frozenset(), frozenset())] * (n + 1)
        for pc in range(n - 1, -1, -1):
            ins = thread.instrs[pc]
            reads, writes = set(ins.reads), set(ins.writes)
            for nxt in ins.succ:
                reads |= fr[nxt][0]
                writes |= fr[nxt][1]
            fr[pc] = (frozenset(reads), frozenset(writes))
        acc.append([(i.reads, i.writes) for i in thread.instrs])
        future.append(fr)
    need: list[list[tuple | None]] = []
    for i, thread in enumerate(threads):
        rows: list[tuple | None] = []
        for p in range(len(thread.instrs)):
            r1, w1 = acc[i][p]
            pairs = []
            for j in range(len(threads)):
                if j == i:
                    continue
                mask = 0
                for q, (r2, w2) in enumerate(future[j]):
                    if not (w1 & r2 or w1 & w2 or r1 & w2):
                        mask |= 1 << q
                if mask != (1 << len(future[j])) - 1:
                    pairs.append((j, mask))
            rows.append(tuple(pairs))
        rows.append(None)
        need.append(rows)
    return need


def explore(program: Program, max_states: int = 2_000_000, timeout: float = 30.0,
            reduce: bool = True) -> Exploration:
    """Visit every reachable state (modulo the sound reduction); count final outcomes."""
    started = time.monotonic()
    deadline = started + timeout
    steps = build_steps(program)
    nthreads = len(program.threads)
    conds = [compile_prop(tree) for _, tree in program.conditions]
    filt = compile_prop(program.filter) if program.filter is not None else None
    counts = [[0, 0] for _ in conds]
    need = build_independence(program) if reduce else [[None] * (len(t.instrs) + 1) for t in program.threads]
    s0 = program.init
    seen = {hash(s0)}
    add = seen.add
    stack = [s0]
    pop, push = stack.pop, stack.append
    finals = 0
    transitions = 0
    complete, reason = True, ""
    rng = range(nthreads)
    tick = 0
    while stack:
        tick += 1
        if tick & 1023 == 0:
            if time.monotonic() > deadline:
                complete, reason = False, f"timeout after {timeout:g} s"
                break
            if len(seen) > max_states:
                complete, reason = False, f"more than {max_states} states"
                break
        s = pop()
        succs = None
        for i in rng:
            p = s[i]
            pairs = need[i][p]
            if pairs is None:
                continue
            for j, mask in pairs:
                if not (mask >> s[j]) & 1:
                    break
            else:
                fn, multi = steps[i][p]
                r = fn(s)
                if r is not None:
                    succs = r if multi else (r,)
                    break
        if succs is None:
            succs = []
            for i in rng:
                fn, multi = steps[i][s[i]]
                r = fn(s)
                if r is not None:
                    if multi:
                        succs.extend(r)
                    else:
                        succs.append(r)
            if not succs:
                finals += 1
                flags = find_final_flags(program, s)
                if filt is None or filt(s, flags):
                    for c, cond in enumerate(conds):
                        counts[c][0 if cond(s, flags) else 1] += 1
                continue
        transitions += len(succs)
        for t in succs:
            h = hash(t)
            if h not in seen:
                add(h)
                push(t)
    return Exploration(len(seen), transitions, finals, tuple((p, n) for p, n in counts), complete, reason,
                       time.monotonic() - started)


def find_witnesses(program: Program, targets: list[Callable[[tuple, int], bool]], max_states: int,
                   timeout: float) -> list[list[tuple[int, int]] | None]:
    """Shortest path (full BFS, no reduction) to a final state satisfying each target."""
    deadline = time.monotonic() + timeout
    steps = build_steps(program)
    nthreads = len(program.threads)
    s0 = program.init
    parent: dict[tuple, tuple | None] = {s0: None}
    found: list[list[tuple[int, int]] | None] = [None] * len(targets)
    left = set(range(len(targets)))
    frontier = [s0]
    while frontier and left:
        nxt = []
        for s in frontier:
            succs = []
            for i in range(nthreads):
                fn, multi = steps[i][s[i]]
                r = fn(s)
                if r is not None:
                    for t in (r if multi else (r,)):
                        succs.append((i, t))
            if not succs:
                flags = find_final_flags(program, s)
                for k in list(left):
                    if targets[k](s, flags):
                        found[k] = trace_path(parent, s)
                        left.discard(k)
                continue
            for i, t in succs:
                if t not in parent:
                    parent[t] = (s, i)
                    nxt.append(t)
            if len(parent) > max_states or time.monotonic() > deadline:
                return found
        frontier = nxt
    return found


def trace_path(parent: dict, state: tuple) -> list[tuple[int, int]]:
    """(thread, pc) of each step from the initial state to `state`."""
    path = []
    while parent[state] is not None:
        prev, thread = parent[state]
        path.append((thread, prev[thread]))
        state = prev
    return path[::-1]
