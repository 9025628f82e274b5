"""Lower one primitive call (looked up in the fixed table) into atomic steps."""

from __future__ import annotations

from kb.scenarios.model import FLAG_BITS, Call, Field
from kb.scenarios.primitives import find_primitive

BUG = FLAG_BITS["bug"]


def lower_call(tc, call: Call, dst: int | None) -> tuple | None:
    """Emit the steps of `call` into ThreadCompiler `tc`.

    dst: None = statement (result discarded), -2 = value wanted in a fresh temp, >= 0 = target slot.
    Returns ("r", slot) for value-returning primitives used as values, else None.
    """
    prim = find_primitive(call.name)
    if prim is None:
        raise tc.fail(f"unknown primitive {call.name}()", call)
    low = len(prim.roles) - prim.optional
    if not low <= len(call.args) <= len(prim.roles):
        want = str(len(prim.roles)) if not prim.optional else f"{low}..{len(prim.roles)}"
        raise tc.fail(f"{call.name}() takes {want} argument(s), got {len(call.args)}", call)
    if dst is not None and dst != -2 and not prim.returns and prim.kind != "value":
        raise tc.fail(f"{call.name}() has no value", call)
    if dst == -2 and not prim.returns:
        raise tc.fail(f"{call.name}() has no value", call)
    if prim.kind == "value":  # data_race(expr): the expression itself, evaluated once, its accesses marked
        tc.marked += 1
        try:
            return tc.lower_value(call.args[0], dst=dst if dst is not None and dst >= 0 else None)
        finally:
            tc.marked -= 1
    args = []
    for role, arg in zip(prim.roles, call.args):
        if role == "loc":
            args.append(tc.resolve_loc(arg))
        elif role == "page":
            args.append(tc.resolve_loc(Field(arg.line, arg.col, arg, "PG_locked")))
        elif role == "obj":
            args.append(tc.resolve_obj(arg))
        elif role in ("val", "cond"):
            args.append(tc.lower_value(arg))
        else:
            args.append(None)
    kind = prim.kind
    ordering = call.name if prim.ordering else ""
    target = -1
    if prim.returns and dst is not None:
        target = tc.new_temp() if dst == -2 else dst
    if kind == "load":
        if target < 0:
            target = tc.new_temp()
        tc.emit("load", (target, args[0]), reads=tc.loc_reads(args[0]), ordering=ordering)
    elif kind == "is_locked":
        if target < 0:
            target = tc.new_temp()
        tc.emit("is_locked", (target, args[0]), reads=tc.loc_reads(args[0]))
    elif kind == "store":
        tc.emit("store", (args[0], args[1]), reads=tc.loc_reads(args[0]), writes=tc.loc_slots(args[0]), ordering=ordering)
    elif kind in ("lock", "unlock", "trylock", "rlock", "runlock", "rtrylock"):
        loc = args[0]
        tc.emit(kind, (loc, target, tc.tid), reads=tc.loc_reads(loc), writes=tc.loc_slots(loc))
    elif kind in ("alloc", "free", "use", "get", "put"):
        ref = args[0]
        slots = tc.obj_slots(ref)
        tc.emit(kind, (ref,), reads=slots, writes=slots if kind != "use" else ())
    elif kind == "get_unless_zero":
        ref = args[0]
        tc.emit(kind, (ref, target), reads=tc.obj_slots(ref), writes=tc.obj_slots(ref))
    elif kind == "free_rcu":
        posted, mask, objslot = tc.layout.take_callback(call.name)
        tc.emit("free_rcu", (args[0], posted, mask, objslot, tc.tid, tc.rcu_slots),
                reads=set(tc.rcu_slots), writes={posted, mask, objslot})
        tc.callbacks.append((posted, mask, objslot, call.line, tc.cur.text if tc.cur else call.name))
    elif kind == "rcu_lock":
        tc.emit("rcu_lock", (tc.rcu_slots[tc.tid],), writes={tc.rcu_slots[tc.tid]})
    elif kind == "rcu_unlock":
        tc.emit("rcu_unlock", (1 << tc.tid, tc.rcu_slots[tc.tid]), writes={tc.rcu_slots[tc.tid]})
    elif kind == "sync_rcu":
        gp = tc.gp_slots[tc.tid]
        tc.emit("sync_start", (tc.tid, tc.rcu_slots, gp), reads=set(tc.rcu_slots), writes={gp})
        text = (tc.cur.text if tc.cur else call.name) + "  [grace period ends]"
        tc.emit("sync_wait", (gp,), reads={gp}, text=text)
    elif kind == "rmw":
        loc = args[prim.roles.index("loc")]
        vals = [a for role, a in zip(prim.roles, args) if role == "val"]
        a = vals[0] if vals else ("c", 1)  # atomic_inc_not_zero(v) = atomic_add_unless(v, 1, 0)
        b = vals[1] if len(vals) > 1 else ("c", 0)
        tc.emit("rmw", (loc, prim.op, prim.result, target, a, b), reads=tc.loc_reads(loc), writes=tc.loc_slots(loc),
                ordering=ordering)
    elif kind in ("check", "assert"):
        tc.emit("check", (args[0], BUG, 1 if kind == "assert" else 0, target))
    elif kind == "nop":
        tc.emit("nop", (), ordering=ordering)
    else:  # pragma: no cover - the table has no other kinds
        raise tc.fail(f"unsupported primitive kind {kind}", call)
    if prim.returns and dst is not None:
        return ("r", target)
    return None
