"""Turn compiled instructions into closures `step(state) -> successor | None`.

A state is a tuple of ints (pcs first, then flags, RCU, locations, objects, registers).
None means the step is disabled (a held lock, an unfinished grace period).
"""

from __future__ import annotations

from kb.scenarios.model import FLAG_BITS, FREED, LOC_BASE, PTR_BASE, Instr, Program

UAF = FLAG_BITS["uaf"]
DOUBLE_FREE = FLAG_BITS["double_free"]
NULL_DEREF = FLAG_BITS["null_deref"]
UNDERFLOW = FLAG_BITS["refcount_underflow"]
BUG = FLAG_BITS["bug"]
BAD_UNLOCK = FLAG_BITS["bad_unlock"]
DATA_RACE = FLAG_BITS["data_race"]
M32 = 0xFFFFFFFF

BINOPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << (b & 31), ">>": lambda a, b: a >> (b & 31),
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b), "<": lambda a, b: int(a < b),
    "<=": lambda a, b: int(a <= b), ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
    "&&": lambda a, b: int(bool(a) and bool(b)), "||": lambda a, b: int(bool(a) or bool(b)),
}


def compile_rexpr(tree: tuple):
    """Register expression -> function(state) -> int."""
    tag = tree[0]
    if tag == "c":
        value = tree[1]
        return lambda s: value
    if tag == "r":
        slot = tree[1]
        return lambda s: s[slot]
    if tag == "!":
        inner = compile_rexpr(tree[1])
        return lambda s: 0 if inner(s) else 1
    if tag == "neg":
        inner = compile_rexpr(tree[1])
        return lambda s: -inner(s)
    if tag == "~":
        inner = compile_rexpr(tree[1])
        return lambda s: ~inner(s)
    fn = BINOPS[tag]
    left, right = compile_rexpr(tree[1]), compile_rexpr(tree[2])
    return lambda s: fn(left(s), right(s))


def make_resolver(loc: tuple):
    """Location -> function(state) -> (slot, object slot or -1); slot -1 = NULL/wild pointer."""
    if loc[0] == "s":
        pair = (loc[1], loc[2])
        return lambda s: pair
    if loc[0] == "p":  # *reg where reg holds LOC_BASE + slot
        preg, valid = loc[1], frozenset(loc[2])
        nowhere = (-1, -1)

        def deref(s):
            slot = s[preg] - LOC_BASE
            return (slot, -1) if slot in valid else nowhere
        return deref
    reg, table = loc[1], loc[2]
    n = len(table)
    bad = (-1, -1)

    def resolve(s):
        k = s[reg] - PTR_BASE
        return table[k] if 0 <= k < n else bad
    return resolve


def make_obj_resolver(ref: tuple):
    """Object -> function(state) -> object slot, -1 for NULL, -2 for a wild pointer."""
    if ref[0] == "null":
        return lambda s: -1
    if ref[0] == "s":
        slot = ref[1]
        return lambda s: slot
    reg, objs = ref[1], ref[2]
    n = len(objs)

    def resolve(s):
        v = s[reg]
        if v == 0:
            return -1
        k = v - PTR_BASE
        return objs[k] if 0 <= k < n else -2
    return resolve


def build_steps(program: Program) -> list[list[tuple]]:
    """Per thread, per pc: (step function, returns-a-list). A sentinel ends each list."""
    flags = program.flags_slot
    out = []
    for tid, thread in enumerate(program.threads):
        steps = [build_step(ins, tid, flags) for ins in thread.instrs]
        if program.races:
            steps = [watch_race(step, pairs, flags) if pairs else step
                     for step, pairs in zip(steps, program.races[tid])]
        steps.append((lambda s: None, False))
        out.append(steps)
    return out


def watch_race(step: tuple, pairs: tuple, F: int) -> tuple:
    """Wrap an access step: raise data_race when another thread is at a conflicting access."""
    inner = step[0]

    def racy(s):
        r = inner(s)
        if r is not None:
            for j, pcs in pairs:
                if s[j] in pcs:
                    l = list(r); l[F] |= DATA_RACE; return tuple(l)
        return r
    return racy, step[1]


def build_step(ins: Instr, pc: int, F: int) -> tuple:  # noqa: C901 - one dispatch table
    op, a = ins.op, ins.args
    succ = ins.succ
    nxt = succ[0]
    if op == "nop":
        def step(s):
            l = list(s); l[pc] = nxt; return tuple(l)
    elif op == "set":
        dst, value = a[0], compile_rexpr(a[1])
        def step(s):
            l = list(s); l[dst] = value(s); l[pc] = nxt; return tuple(l)
    elif op == "branch":
        cond, yes, no = compile_rexpr(a[0]), succ[0], succ[1]
        def step(s):
            l = list(s); l[pc] = yes if cond(s) else no; return tuple(l)
    elif op == "choose":
        def step(s):
            out = []
            for target in succ:
                l = list(s); l[pc] = target; out.append(tuple(l))
            return out
        return step, True
    elif op == "load":
        dst, loc = a
        if loc[0] == "s" and loc[2] < 0:
            slot = loc[1]
            def step(s):
                l = list(s); l[dst] = s[slot]; l[pc] = nxt; return tuple(l)
        else:
            resolve = make_resolver(loc)
            def step(s):
                slot, obj = resolve(s)
                l = list(s)
                if slot < 0:
                    l[F] |= NULL_DEREF; l[dst] = 0
                else:
                    if obj >= 0 and s[obj] < 0:
                        l[F] |= UAF
                    l[dst] = s[slot]
                l[pc] = nxt
                return tuple(l)
    elif op == "store":
        loc, value = a[0], compile_rexpr(a[1])
        if loc[0] == "s" and loc[2] < 0:
            slot = loc[1]
            def step(s):
                l = list(s); l[slot] = value(s); l[pc] = nxt; return tuple(l)
        else:
            resolve = make_resolver(loc)
            def step(s):
                slot, obj = resolve(s)
                l = list(s)
                if slot < 0:
                    l[F] |= NULL_DEREF
                else:
                    if obj >= 0 and s[obj] < 0:
                        l[F] |= UAF
                    l[slot] = value(s)
                l[pc] = nxt
                return tuple(l)
    elif op == "is_locked":
        dst, resolve = a[0], make_resolver(a[1])
        def step(s):
            slot, _ = resolve(s)
            l = list(s)
            if slot < 0:
                l[F] |= NULL_DEREF; l[dst] = 0
            else:
                l[dst] = 1 if s[slot] else 0
            l[pc] = nxt
            return tuple(l)
    elif op in ("lock", "unlock", "trylock", "rlock", "runlock", "rtrylock"):
        step = build_lock(op, a, pc, nxt, F)
    elif op in ("alloc", "free", "use", "get", "put", "get_unless_zero"):
        step = build_object(op, a, pc, nxt, F)
    elif op in ("rcu_lock", "rcu_unlock", "sync_start", "sync_wait", "free_rcu", "cb_run"):
        step = build_rcu(op, a, pc, nxt, F)
    elif op == "rmw":
        step = build_rmw(a, pc, nxt, F)
    elif op == "check":
        cond, bit, negate, target = compile_rexpr(a[0]), a[1], a[2], a[3]
        def step(s):
            v = cond(s)
            l = list(s)
            if (not v) if negate else v:
                l[F] |= bit
            if target >= 0:
                l[target] = 1 if v else 0
            l[pc] = nxt
            return tuple(l)
    else:  # pragma: no cover
        raise ValueError(f"unknown op {op}")
    return step, False


def build_lock(op: str, a: tuple, pc: int, nxt: int, F: int):
    loc, target, tid = a
    resolve = make_resolver(loc)
    me = -(tid + 1)

    def step(s):
        slot, obj = resolve(s)
        if slot < 0:
            l = list(s); l[F] |= NULL_DEREF
            if target >= 0:
                l[target] = 0
            l[pc] = nxt
            return tuple(l)
        v = s[slot]
        if op == "lock":
            if v != 0:
                return None
            l = list(s); l[slot] = me
        elif op == "rlock":
            if v < 0:
                return None
            l = list(s); l[slot] = v + 1
        elif op == "unlock":
            l = list(s)
            if v == me:
                l[slot] = 0
            else:
                l[F] |= BAD_UNLOCK
        elif op == "runlock":
            l = list(s)
            if v > 0:
                l[slot] = v - 1
            else:
                l[F] |= BAD_UNLOCK
        else:  # trylock / rtrylock
            l = list(s)
            ok = v == 0 if op == "trylock" else v >= 0
            if ok:
                l[slot] = me if op == "trylock" else v + 1
            if target >= 0:
                l[target] = 1 if ok else 0
        if obj >= 0 and s[obj] < 0:
            l[F] |= UAF
        l[pc] = nxt
        return tuple(l)
    return step


def build_object(op: str, a: tuple, pc: int, nxt: int, F: int):
    resolve = make_obj_resolver(a[0])
    target = a[1] if op == "get_unless_zero" else -1

    def step(s):
        obj = resolve(s)
        l = list(s)
        if obj < 0:
            if op != "free" or obj == -2:
                l[F] |= NULL_DEREF
            if target >= 0:
                l[target] = 0
        else:
            v = s[obj]
            if op == "alloc":
                l[obj] = 1
            elif op == "free":
                if v < 0:
                    l[F] |= DOUBLE_FREE
                l[obj] = FREED
            elif op == "use":
                if v < 0:
                    l[F] |= UAF
            elif op == "get":
                if v < 0:
                    l[F] |= UAF
                else:
                    l[obj] = v + 1
            elif op == "put":
                if v < 0:
                    l[F] |= UAF | UNDERFLOW
                elif v == 0:
                    l[F] |= UNDERFLOW
                else:
                    l[obj] = FREED if v == 1 else v - 1
            else:  # get_unless_zero
                ok = v > 0
                if ok:
                    l[obj] = v + 1
                l[target] = 1 if ok else 0
        l[pc] = nxt
        return tuple(l)
    return step


def build_rcu(op: str, a: tuple, pc: int, nxt: int, F: int):
    if op == "rcu_lock":
        slot = a[0]
        def step(s):
            l = list(s); l[slot] = s[slot] + 1; l[pc] = nxt; return tuple(l)
    elif op == "rcu_unlock":
        bit, slot, targets = a
        clear = ~bit
        def step(s):
            l = list(s)
            v = s[slot]
            if v <= 0:
                l[F] |= BAD_UNLOCK
            else:
                l[slot] = v - 1
                if v == 1:
                    for t in targets:
                        l[t] &= clear
            l[pc] = nxt
            return tuple(l)
    elif op == "sync_start":
        tid, rcu_slots, gp = a
        others = [(1 << j, slot) for j, slot in enumerate(rcu_slots) if j != tid]
        mine = rcu_slots[tid]
        def step(s):
            l = list(s)
            if s[mine] > 0:
                l[F] |= BUG
            mask = 0
            for bit, slot in others:
                if s[slot] > 0:
                    mask |= bit
            l[gp] = mask; l[pc] = nxt
            return tuple(l)
    elif op == "sync_wait":
        gp = a[0]
        def step(s):
            if s[gp]:
                return None
            l = list(s); l[pc] = nxt; return tuple(l)
    elif op == "free_rcu":
        ref, posted, mask_slot, objslot, tid, rcu_slots = a
        if ref[0] == "s":
            pointer = lambda s, v=PTR_BASE + ref[2]: v  # noqa: E731
        elif ref[0] == "d":
            pointer = lambda s, r=ref[1]: s[r]  # noqa: E731
        else:
            pointer = lambda s: 0  # noqa: E731
        bits = [(1 << j, slot) for j, slot in enumerate(rcu_slots)]
        def step(s):
            l = list(s)
            mask = 0
            for bit, slot in bits:
                if s[slot] > 0:
                    mask |= bit
            l[posted] = 1; l[mask_slot] = mask; l[objslot] = pointer(s); l[pc] = nxt
            return tuple(l)
    else:  # cb_run
        posted, mask_slot, objslot, objs = a
        n = len(objs)
        def step(s):
            if s[posted] != 1 or s[mask_slot]:
                return None
            l = list(s)
            l[posted] = 2
            v = s[objslot]
            if v:
                k = v - PTR_BASE
                if 0 <= k < n:
                    obj = objs[k]
                    if s[obj] < 0:
                        l[F] |= DOUBLE_FREE
                    l[obj] = FREED
                else:
                    l[F] |= NULL_DEREF
            l[pc] = nxt
            return tuple(l)
    return step


def build_rmw(a: tuple, pc: int, nxt: int, F: int):
    loc, opname, result, target, ea, eb = a
    resolve = make_resolver(loc)
    fa, fb = compile_rexpr(ea), compile_rexpr(eb)

    def step(s):
        slot, obj = resolve(s)
        l = list(s)
        if slot < 0:
            l[F] |= NULL_DEREF
            if target >= 0:
                l[target] = 0
            l[pc] = nxt
            return tuple(l)
        if obj >= 0 and s[obj] < 0:
            l[F] |= UAF
        old = s[slot]
        if opname == "inc":
            new = old + 1
        elif opname == "dec":
            new = old - 1
        elif opname == "add":
            new = old + fa(s)
        elif opname == "sub":
            new = old - fa(s)
        elif opname == "xchg":
            new = fa(s)
        elif opname == "cmpxchg":
            new = fb(s) if old == fa(s) else old
        elif opname == "xchg1":
            new = 1
        elif opname == "add_unless":
            new = old + fa(s) if old != fb(s) else old
        else:  # set0
            new = 0
        l[slot] = new
        if target >= 0:
            l[target] = new if result == "new" else old if result == "old" else int(new != old) if result == "added" \
                else int(new == 0)
        l[pc] = nxt
        return tuple(l)
    return step
