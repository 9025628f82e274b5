"""The fixed primitive table: every call in a scenario must be listed here.

Each entry is (kind, argument roles, returns a value, ordering semantics). Roles:
loc = a shared location (&x, *x, a->b), page = a page/folio whose PG_locked is the lock,
obj = an object (name, pointer register or pointer-valued location), val = a value expression,
cond = a condition, skip = ignored (irq flags, callbacks, caches).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Primitive:
    kind: str
    roles: tuple[str, ...]
    returns: bool = False
    ordering: bool = False
    op: str = ""  # for atomics: add/sub/set/xchg/cmpxchg; result: new/old/test/none
    result: str = "none"
    optional: int = 0  # trailing roles that may be omitted


PRIMITIVES: dict[str, Primitive] = {}


def add(names: str, prim: Primitive) -> None:
    for name in names.split():
        PRIMITIVES[name] = prim


# loads and stores
add("READ_ONCE atomic_read atomic_long_read rcu_dereference rcu_dereference_raw rcu_dereference_sched "
    "rcu_dereference_bh rcu_access_pointer", Primitive("load", ("loc",), True))
add("rcu_dereference_check rcu_dereference_protected", Primitive("load", ("loc", "skip"), True))
add("smp_load_acquire atomic_read_acquire", Primitive("load", ("loc",), True, ordering=True))
add("data_race", Primitive("value", ("val",), True))
add("WRITE_ONCE atomic_set atomic_long_set RCU_INIT_POINTER", Primitive("store", ("loc", "val")))
add("smp_store_release atomic_set_release rcu_assign_pointer smp_store_mb",
    Primitive("store", ("loc", "val"), ordering=True))
# exclusive locks
add("spin_lock spin_lock_irq spin_lock_bh raw_spin_lock raw_spin_lock_irq mutex_lock mutex_lock_interruptible "
    "mutex_lock_killable down_write write_lock write_lock_irq write_lock_bh xa_lock xa_lock_irq xa_lock_bh "
    "down percpu_down_write", Primitive("lock", ("loc",)))
add("spin_lock_nested mutex_lock_nested down_write_nested spin_lock_irqsave raw_spin_lock_irqsave "
    "write_lock_irqsave xa_lock_irqsave", Primitive("lock", ("loc", "skip")))
add("spin_unlock spin_unlock_irq spin_unlock_bh raw_spin_unlock raw_spin_unlock_irq mutex_unlock up_write "
    "write_unlock write_unlock_irq write_unlock_bh xa_unlock xa_unlock_irq xa_unlock_bh up percpu_up_write",
    Primitive("unlock", ("loc",)))
add("spin_unlock_irqrestore raw_spin_unlock_irqrestore write_unlock_irqrestore xa_unlock_irqrestore",
    Primitive("unlock", ("loc", "skip")))
add("spin_trylock raw_spin_trylock mutex_trylock down_write_trylock write_trylock down_trylock",
    Primitive("trylock", ("loc",), True))
add("spin_is_locked raw_spin_is_locked mutex_is_locked", Primitive("is_locked", ("loc",), True))
add("lock_page folio_lock", Primitive("lock", ("page",)))
add("unlock_page folio_unlock", Primitive("unlock", ("page",)))
add("trylock_page folio_trylock", Primitive("trylock", ("page",), True))
# shared (read) locks
add("down_read read_lock read_lock_irq read_lock_bh percpu_down_read", Primitive("rlock", ("loc",)))
add("read_lock_irqsave down_read_nested", Primitive("rlock", ("loc", "skip")))
add("up_read read_unlock read_unlock_irq read_unlock_bh percpu_up_read", Primitive("runlock", ("loc",)))
add("read_unlock_irqrestore", Primitive("runlock", ("loc", "skip")))
add("down_read_trylock read_trylock percpu_down_read_trylock", Primitive("rtrylock", ("loc",), True))
# lifetime
add("alloc", Primitive("alloc", ("obj",)))
add("kfree kvfree vfree destroy_inode free_page kmem_free", Primitive("free", ("obj",)))
add("kmem_cache_free", Primitive("free", ("skip", "obj")))
add("kfree_rcu kvfree_rcu call_rcu call_rcu_sched call_rcu_hurry", Primitive("free_rcu", ("obj", "skip"), optional=1))
add("use", Primitive("use", ("obj",)))
# refcounts
add("get get_page folio_get kref_get refcount_inc ihold", Primitive("get", ("obj",)))
add("put put_page folio_put iput", Primitive("put", ("obj",)))
add("kref_put", Primitive("put", ("obj", "skip"), optional=1))
add("get_page_unless_zero refcount_inc_not_zero folio_try_get kref_get_unless_zero",
    Primitive("get_unless_zero", ("obj",), True))
# RCU (consolidated flavours)
add("rcu_read_lock rcu_read_lock_sched rcu_read_lock_bh preempt_disable local_irq_disable",
    Primitive("rcu_lock", ()))
add("rcu_read_unlock rcu_read_unlock_sched rcu_read_unlock_bh preempt_enable local_irq_enable",
    Primitive("rcu_unlock", ()))
add("synchronize_rcu synchronize_rcu_expedited synchronize_sched synchronize_net rcu_barrier",
    Primitive("sync_rcu", ()))
# atomics: (op, roles, result)
for name, roles, op, result in (
    ("atomic_inc", ("loc",), "inc", "none"), ("atomic_dec", ("loc",), "dec", "none"),
    ("atomic_add", ("val", "loc"), "add", "none"), ("atomic_sub", ("val", "loc"), "sub", "none"),
    ("atomic_inc_return", ("loc",), "inc", "new"), ("atomic_dec_return", ("loc",), "dec", "new"),
    ("atomic_add_return", ("val", "loc"), "add", "new"), ("atomic_sub_return", ("val", "loc"), "sub", "new"),
    ("atomic_fetch_inc", ("loc",), "inc", "old"), ("atomic_fetch_dec", ("loc",), "dec", "old"),
    ("atomic_fetch_add", ("val", "loc"), "add", "old"), ("atomic_fetch_sub", ("val", "loc"), "sub", "old"),
    ("atomic_inc_and_test", ("loc",), "inc", "test"), ("atomic_dec_and_test", ("loc",), "dec", "test"),
    ("atomic_sub_and_test", ("val", "loc"), "sub", "test"),
    ("xchg", ("loc", "val"), "xchg", "old"), ("atomic_xchg", ("loc", "val"), "xchg", "old"),
    ("cmpxchg", ("loc", "val", "val"), "cmpxchg", "old"), ("atomic_cmpxchg", ("loc", "val", "val"), "cmpxchg", "old"),
    ("test_and_set_bit_lock", ("loc",), "xchg1", "old"), ("clear_bit_unlock", ("loc",), "set0", "none"),
    ("atomic_add_unless", ("loc", "val", "val"), "add_unless", "added"),
    ("atomic_inc_not_zero", ("loc",), "add_unless", "added"),
):
    PRIMITIVES[name] = Primitive("rmw", roles, result != "none", op=op, result=result)
for name in ("atomic_long_inc", "atomic_long_dec"):
    PRIMITIVES[name] = Primitive("rmw", ("loc",), False, op=name[-3:], result="none")
# checks
add("BUG_ON VM_BUG_ON", Primitive("check", ("cond",)))
add("WARN_ON WARN_ON_ONCE VM_WARN_ON VM_WARN_ON_ONCE", Primitive("check", ("cond",), True))
add("assert", Primitive("assert", ("cond",)))
# no-ops under SC (ordering recorded) and plain no-ops
add("smp_mb smp_rmb smp_wmb barrier smp_mb__before_atomic smp_mb__after_atomic smp_mb__after_spinlock "
    "smp_mb__after_unlock_lock smp_mb__after_srcu_read_unlock mb rmb wmb",
    Primitive("nop", (), ordering=True))
add("cond_resched might_sleep cpu_relax schedule", Primitive("nop", ()))


def find_primitive(name: str) -> Primitive | None:
    return PRIMITIVES.get(name)
