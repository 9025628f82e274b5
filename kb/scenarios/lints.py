"""Fidelity lints: warnings about a model that runs but probably does not say what its author
meant. `kb scenario check --strict` turns them into errors.

- an identifier not declared in the init block, the parameters or the registers (did you mean …);
- a location that only one thread touches (nothing races on it);
- a lock still held when a thread ends;
- alloc() of an object that is still alive;
- sleeping in atomic context: a mutex, rwsem or synchronize_rcu under a spinlock or in an RCU reader.
"""

from __future__ import annotations

import difflib
import re

from kb.scenarios.lexer import filter_variant, find_line_tags
from kb.scenarios.model import Program, ParsedScenario
from kb.scenarios.parser import parse_variant
from kb.scenarios.weakmem import find_locksets

SLEEPING = re.compile(r"\b(mutex_lock\w*|down(?:_read|_write)?(?:_\w+)?|percpu_down_\w+|synchronize_\w+|msleep|"
                      r"schedule|might_sleep|cond_resched|lock_page|folio_lock)\s*\(")
SPINNING = re.compile(r"\b(spin_lock\w*|raw_spin_lock\w*|read_lock\w*|write_lock\w*|xa_lock\w*|spin_trylock\w*)\s*\(")
DATA_OPS = frozenset(("load", "store", "rmw", "is_locked"))


def find_warnings(scenario: ParsedScenario, variant: str = "base") -> list[str]:
    """Warnings for one variant, each `FILE:LINE: text`, in line order."""
    program = scenario.find_program(variant)
    text = filter_variant(scenario.text, variant, find_line_tags(scenario.text))
    _, _, source = parse_variant(text, scenario.filename, variant)
    out: list[tuple[int, str]] = []
    out += find_undeclared(program, source)
    out += find_lonely_locations(program)
    out += find_held_locks(program)
    out += find_live_allocs(program, source)
    out += find_sleeping_in_atomic(program)
    return [f"{scenario.filename}:{line}: {message}" for line, message in sorted(set(out))]


def first_access(program: Program, slot: int) -> int:
    for thread in program.threads:
        for ins in thread.instrs:
            if slot in ins.reads or slot in ins.writes:
                return ins.line
    return 0


def find_undeclared(program: Program, source) -> list[tuple[int, str]]:
    objects = {name for name, _ in program.objects}
    declared = {d.name for d in source.init if d.kind in ("loc", "object")}
    params = {p for proc in source.processes for p in proc.params}
    registers = {name for regs in program.regs for name, _ in regs}
    known = declared | params | objects
    heads = {name.split(".")[0] for name in declared}
    out = []
    for name, slot in program.locs:
        head = name.split(".")[0]
        if name in known or head in objects or head in params or head in heads:
            continue
        guess = difflib.get_close_matches(name, sorted(known | registers), n=1, cutoff=0.75)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        out.append((first_access(program, slot), f"warning: {name} is not declared in the init block, the parameters "
                                                 f"or the registers{hint}"))
    return out


def find_lonely_locations(program: Program) -> list[tuple[int, str]]:
    touched: dict[int, set[int]] = {}
    for tid, thread in enumerate(program.threads):
        for ins in thread.instrs:
            if ins.op in DATA_OPS:
                for slot in ins.reads | ins.writes:
                    touched.setdefault(slot, set()).add(tid)
    conditioned = {tree_slot for _, tree in program.conditions for tree_slot in find_slots(tree)}
    if program.filter is not None:
        conditioned |= set(find_slots(program.filter))
    out = []
    for name, slot in program.locs:
        if len(touched.get(slot, ())) == 1 and slot not in conditioned and len(program.threads) > 1:
            tid = next(iter(touched[slot]))
            out.append((first_access(program, slot), f"warning: only P{tid} touches {name}: nothing else reads or "
                                                     "writes it"))
    return out


def find_slots(tree: tuple) -> list[int]:
    if tree[0] in ("eq", "ne"):
        return [tree[1]]
    return [slot for sub in tree[1:] if isinstance(sub, tuple) for slot in find_slots(sub)]


def find_held_locks(program: Program) -> list[tuple[int, str]]:
    names = {slot: name for name, slot in program.locs}
    out = []
    for tid in range(program.n_real):
        instrs = program.threads[tid].instrs
        if not instrs:
            continue
        locksets = find_locksets(program, tid)
        for pc, ins in enumerate(instrs):
            held = set(locksets[pc])
            if ins.op == "lock" and ins.args[0][0] == "s":
                held.add(ins.args[0][1])
            if ins.op == "unlock" and ins.args[0][0] == "s":
                held.discard(ins.args[0][1])
            if any(nxt == len(instrs) for nxt in ins.succ) and held:
                locks = ", ".join(sorted(names.get(s, str(s)) for s in held))
                out.append((ins.line, f"warning: P{tid} can end holding {locks}"))
    return out


def find_live_allocs(program: Program, source) -> list[tuple[int, str]]:
    freed_at_start = {d.name for d in source.init if d.kind == "object" and getattr(d.value, "name", "") == "freed"}
    out = []
    for tid, thread in enumerate(program.threads[:program.n_real]):
        freed = set(freed_at_start)
        for ins in thread.instrs:
            ref = ins.args[0] if ins.op in ("alloc", "free") else None
            if ref is None or ref[0] != "s":
                continue
            name = program.objects[ref[2]][0]
            if ins.op == "free":
                freed.add(name)
            elif name not in freed:
                out.append((ins.line, f"warning: alloc({name}) in P{tid} while {name} is still alive (free it first, "
                                      "or declare it `= freed`)"))
    return out


def find_sleeping_in_atomic(program: Program) -> list[tuple[int, str]]:
    out = []
    for tid in range(program.n_real):
        spin: set[int] = set()
        rcu = 0
        for ins in program.threads[tid].instrs:
            if SLEEPING.search(ins.text) and (spin or rcu) and ins.op in ("lock", "rlock", "sync_start", "nop"):
                where = "under a spinlock" if spin else "in an RCU reader or with preemption off"
                out.append((ins.line, f"warning: sleeping in atomic context ({where}): {ins.text}"))
            loc = ins.args[0] if ins.op in ("lock", "unlock") else None
            if ins.op == "lock" and loc[0] == "s" and SPINNING.search(ins.text):
                spin.add(loc[1])
            elif ins.op == "unlock" and loc[0] == "s":
                spin.discard(loc[1])
            elif ins.op == "rcu_lock":
                rcu += 1
            elif ins.op == "rcu_unlock":
                rcu = max(0, rcu - 1)
    return out
