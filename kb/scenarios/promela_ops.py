"""One Promela statement per compiled instruction (same semantics as kb.scenarios.steps)."""

from __future__ import annotations

from kb.scenarios.model import FLAG_BITS, PTR_BASE, Instr

UAF, DF, NULLD = FLAG_BITS["uaf"], FLAG_BITS["double_free"], FLAG_BITS["null_deref"]
UND, BUG, BADU = FLAG_BITS["refcount_underflow"], FLAG_BITS["bug"], FLAG_BITS["bad_unlock"]


def render_instr(w, tid: int, ins: Instr) -> str:  # noqa: C901 - one dispatch table
    """w is the PromelaWriter (names, flag and location helpers)."""
    op, a = ins.op, ins.args
    g = w.g
    if op == "nop":
        return "skip"
    if op == "set":
        return f"{g(a[0])} = {w.rx(a[1])}"
    if op == "branch":
        return f"if :: ({w.rx(a[0])}) != 0 -> goto L{ins.succ[0]} :: else -> goto L{ins.succ[1]} fi"
    if op == "choose":
        return "if " + " ".join(f":: goto L{t}" for t in ins.succ) + " fi"
    if op == "load":
        dst, loc = a
        stmt = w.with_loc(loc, lambda s, o: f"{w.uaf_check(o)}{g(dst)} = {g(s)}", f"{w.flag(NULLD)}; {g(dst)} = 0")
        return f"atomic {{ {stmt} }}"
    if op == "store":
        loc, value = a
        v = w.rx(value)
        return f"atomic {{ {w.with_loc(loc, lambda s, o: f'{w.uaf_check(o)}{g(s)} = {v}', w.flag(NULLD))} }}"
    if op == "is_locked":
        dst, loc = a
        stmt = w.with_loc(loc, lambda s, o: f"{g(dst)} = ({g(s)} != 0 -> 1 : 0)", f"{w.flag(NULLD)}; {g(dst)} = 0")
        return f"atomic {{ {stmt} }}"
    if op in ("lock", "rlock"):
        return render_blocking_lock(w, op, a)
    if op in ("unlock", "runlock", "trylock", "rtrylock"):
        loc, target, me = a[0], a[1], -(a[2] + 1)

        def body(s: int, o: int) -> str:
            x = g(s)
            if op == "unlock":
                core = f"if :: {x} == {me} -> {x} = 0 :: else -> {w.flag(BADU)} fi"
            elif op == "runlock":
                core = f"if :: {x} > 0 -> {x} = {x} - 1 :: else -> {w.flag(BADU)} fi"
            else:
                ok = f"{x} == 0" if op == "trylock" else f"{x} >= 0"
                take = f"{x} = {me}" if op == "trylock" else f"{x} = {x} + 1"
                core = (f"if :: {ok} -> {take}; {w.set_target(target, '1')}skip "
                        f":: else -> {w.set_target(target, '0')}skip fi")
            return f"{core}; {w.uaf_check(o)}skip"
        return f"atomic {{ {w.with_loc(loc, body, w.flag(NULLD) + '; ' + w.set_target(target, '0') + 'skip')} }}"
    if op in ("alloc", "free", "use", "get", "put", "get_unless_zero"):
        return render_object(w, op, a)
    if op == "rcu_lock":
        return f"{g(a[0])} = {g(a[0])} + 1"
    if op == "rcu_unlock":
        bit, slot, targets = a
        clears = "; ".join(f"{g(t)} = {g(t)} & {~bit}" for t in targets) or "skip"
        x = g(slot)
        return (f"atomic {{ if :: {x} <= 0 -> {w.flag(BADU)} :: else -> {x} = {x} - 1; "
                f"if :: {x} == 0 -> {clears} :: else -> skip fi fi }}")
    if op == "sync_start":
        me, rcu_slots, gp = a
        mask = " + ".join(f"({g(s)} > 0 -> {1 << j} : 0)" for j, s in enumerate(rcu_slots) if j != me) or "0"
        return f"atomic {{ if :: {g(rcu_slots[me])} > 0 -> {w.flag(BUG)} :: else -> skip fi; {g(gp)} = {mask} }}"
    if op == "sync_wait":
        return f"({g(a[0])} == 0)"
    if op == "free_rcu":
        ref, posted, mask_slot, objslot, _, rcu_slots = a
        mask = " + ".join(f"({g(s)} > 0 -> {1 << j} : 0)" for j, s in enumerate(rcu_slots)) or "0"
        pointer = str(PTR_BASE + ref[2]) if ref[0] == "s" else (g(ref[1]) if ref[0] == "d" else "0")
        return f"atomic {{ {g(posted)} = 1; {g(mask_slot)} = {mask}; {g(objslot)} = {pointer} }}"
    if op == "cb_run":
        posted, mask_slot, objslot, objs = a
        ref = ("d", objslot, objs)
        free = render_object_body(w, "free", ref, -1)
        return f"atomic {{ {g(posted)} == 1 && {g(mask_slot)} == 0 -> {g(posted)} = 2; {free} }}"
    if op == "rmw":
        return render_rmw(w, a)
    if op == "check":
        cond, bit, negate, target = a
        c = w.rx(cond)
        test = f"({c}) == 0" if negate else f"({c}) != 0"
        return f"atomic {{ if :: {test} -> {w.flag(bit)} :: else -> skip fi; {w.set_target(target, f'(({c}) != 0 -> 1 : 0)')}skip }}"
    raise ValueError(f"unknown op {op}")  # pragma: no cover


def render_blocking_lock(w, op: str, a: tuple) -> str:
    loc, target, me = a[0], a[1], -(a[2] + 1)
    g = w.g
    del target

    def parts(s: int, o: int) -> tuple[str, str]:
        x = g(s)
        guard = f"{x} == 0" if op == "lock" else f"{x} >= 0"
        take = f"{x} = {me}" if op == "lock" else f"{x} = {x} + 1"
        return guard, f"{take}; {w.uaf_check(o)}skip"
    if loc[0] == "s":
        guard, action = parts(loc[1], loc[2])
        return f"atomic {{ {guard} -> {action} }}"
    reg = g(loc[1])
    options = []
    for k, (field, obj) in enumerate(loc[2]):
        guard, action = parts(field, obj)
        options.append(f":: {reg} == {PTR_BASE + k} && {guard} -> {action}")
    others = " && ".join(f"{reg} != {PTR_BASE + k}" for k in range(len(loc[2]))) or "1"
    options.append(f":: {others} -> {w.flag(NULLD)}")
    return "atomic { if " + " ".join(options) + " fi }"


def render_object(w, op: str, a: tuple) -> str:
    target = a[1] if op == "get_unless_zero" else -1
    return f"atomic {{ {render_object_body(w, op, a[0], target)} }}"


def render_object_body(w, op: str, ref: tuple, target: int) -> str:
    g = w.g

    def body(o: int) -> str:
        x = g(o)
        if op == "alloc":
            return f"{x} = 1"
        if op == "free":
            return f"if :: {x} < 0 -> {w.flag(DF)} :: else -> skip fi; {x} = -1"
        if op == "use":
            return f"if :: {x} < 0 -> {w.flag(UAF)} :: else -> skip fi"
        if op == "get":
            return f"if :: {x} < 0 -> {w.flag(UAF)} :: else -> {x} = {x} + 1 fi"
        if op == "put":
            return (f"if :: {x} < 0 -> {w.flag(UAF | UND)} :: {x} == 0 -> {w.flag(UND)} "
                    f":: {x} == 1 -> {x} = -1 :: {x} > 1 -> {x} = {x} - 1 fi")
        return (f"if :: {x} > 0 -> {x} = {x} + 1; {w.set_target(target, '1')}skip "
                f":: else -> {w.set_target(target, '0')}skip fi")
    null = "skip" if op == "free" else f"{w.flag(NULLD)}; {w.set_target(target, '0')}skip"
    wild = f"{w.flag(NULLD)}; {w.set_target(target, '0')}skip"
    return w.with_obj(ref, body, null, wild)


def render_rmw(w, a: tuple) -> str:
    loc, opname, result, target, ea, eb = a
    g = w.g
    fa, fb = w.rx(ea), w.rx(eb)

    def body(s: int, o: int) -> str:
        x = g(s)
        new = {"inc": "rmw_old + 1", "dec": "rmw_old - 1", "add": f"rmw_old + {fa}", "sub": f"rmw_old - {fa}",
               "xchg": fa, "cmpxchg": f"(rmw_old == {fa} -> {fb} : rmw_old)", "xchg1": "1", "set0": "0",
               "add_unless": f"(rmw_old != {fb} -> rmw_old + {fa} : rmw_old)"}[opname]
        res = {"new": x, "old": "rmw_old", "test": f"({x} == 0 -> 1 : 0)", "added": f"({x} != rmw_old -> 1 : 0)"}.get(result, "")
        out = f"{w.uaf_check(o)}rmw_old = {x}; {x} = {new}"
        if target >= 0 and res:
            out += f"; {g(target)} = {res}"
        return out
    null = f"{w.flag(NULLD)}; {w.set_target(target, '0')}skip"
    return f"atomic {{ {w.with_loc(loc, body, null)} }}"
