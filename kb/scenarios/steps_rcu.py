"""Steps of the RCU primitives: readers, grace periods and deferred frees (see kb.scenarios.steps)."""

from __future__ import annotations

from kb.scenarios.model import FLAG_BITS, FREED, PTR_BASE

BUG = FLAG_BITS["bug"]
BAD_UNLOCK = FLAG_BITS["bad_unlock"]
DOUBLE_FREE = FLAG_BITS["double_free"]
NULL_DEREF = FLAG_BITS["null_deref"]


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
