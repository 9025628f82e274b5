"""Compile one variant's AST into a Program: slots, atomic instructions, conditions."""

from __future__ import annotations

from kb.errors import ScenarioError
from kb.scenarios.lowering import ThreadCompiler
from kb.scenarios.races import find_races
from kb.scenarios.model import (
    FLAG_BITS, FREED, LOC_BASE, PTR_BASE, Call, Expr, Field, InitDecl, Instr, Name, Num, PAnd, PCompare, PConst,
    PFlag, PNot, POr, Program, Prop, ThreadCode, Unary, VariantSource,
)

MAX_THREADS = 16
MAX_TOTAL_INSTRS = 20_000


class Layout:
    """Slot allocation shared by all threads of one variant."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.names: list[str] = []
        self.init: list[int] = []
        self.locs: dict[str, int] = {}
        self.objects: dict[str, int] = {}
        self.object_order: list[str] = []
        self.field_tables: dict[str, tuple[tuple[int, int], ...]] = {}
        self.callback_pool: list[tuple[int, int, int]] = []
        self.callbacks_taken = 0

    def take_callback(self, name: str) -> tuple[int, int, int]:
        """(posted, mask, object) slots of the next kfree_rcu/call_rcu site."""
        index = self.callbacks_taken
        self.callbacks_taken += 1
        if index < len(self.callback_pool):
            return self.callback_pool[index]
        return (self.add_slot(f"cbposted{index}"), self.add_slot(f"cbmask{index}"), self.add_slot(f"cbobj{index}"))

    def add_slot(self, name: str, value: int = 0) -> int:
        self.names.append(name)
        self.init.append(value)
        return len(self.names) - 1

    def find_loc(self, path: str) -> int:
        slot = self.locs.get(path)
        if slot is None:
            slot = self.add_slot(path)
            self.locs[path] = slot
        return slot

    def find_field_table(self, field: str) -> tuple[tuple[int, int], ...]:
        """(field slot, object slot) for each object k: the targets of `ptr->field`."""
        table = self.field_tables.get(field)
        if table is None:
            table = tuple((self.find_loc(f"{obj}.{field}"), self.objects[obj]) for obj in self.object_order)
            self.field_tables[field] = table
        return table

    def find_object_slots(self) -> tuple[int, ...]:
        return tuple(self.objects[o] for o in self.object_order)


def compile_variant(source: VariantSource, filename: str) -> Program:
    """Two passes: the first counts RCU callbacks so that every pc slot comes first."""
    first = lay_out(source, filename, 0)
    if not first[3]:
        return first[0]
    return lay_out(source, filename, len(first[3]))[0]


def lay_out(source: VariantSource, filename: str, n_callbacks: int):
    procs = source.processes
    if len(procs) > MAX_THREADS:
        raise ScenarioError(f"too many processes ({len(procs)}, limit {MAX_THREADS})", place=f"{filename}:{procs[-1].line}:1")
    layout = Layout(filename)
    n = len(procs)
    for i in range(n):
        layout.add_slot(f"pc{i}")
    cb_pcs = [layout.add_slot(f"cbpc{c}") for c in range(n_callbacks)]
    layout.callback_pool = [(layout.add_slot(f"cbposted{c}"), layout.add_slot(f"cbmask{c}"), layout.add_slot(f"cbobj{c}"))
                            for c in range(n_callbacks)]
    flags_slot = layout.add_slot("flags")
    rcu_slots = tuple(layout.add_slot(f"rcu{i}") for i in range(n))
    gp_slots = tuple(layout.add_slot(f"gp{i}") for i in range(n))
    declare_init(source.init, layout, filename)
    compilers = [ThreadCompiler(proc, layout, filename, rcu_slots, gp_slots) for proc in procs]
    for tc in compilers:
        tc.declare_registers()
    for decl in source.init:
        if decl.kind == "reg":
            if decl.thread >= n or decl.name not in compilers[decl.thread].registers:
                raise ScenarioError(f"unknown register {decl.thread}:{decl.name}", place=f"{filename}:{decl.line}:{decl.col}")
            layout.init[compilers[decl.thread].registers[decl.name]] = read_const(decl.value, layout, filename)
    total = 0
    codes: list[list[Instr]] = []
    for tc in compilers:
        codes.append(tc.compile_body(MAX_TOTAL_INSTRS - total))
        total += len(codes[-1])
    callbacks = [cb for tc in compilers for cb in tc.callbacks]
    if len(callbacks) != n_callbacks:
        return None, None, None, callbacks
    masks = tuple(mask for _, mask, _, _, _ in callbacks)
    loc_slots = frozenset(layout.locs.values())
    threads = []
    for tc, code in zip(compilers, codes):
        code = [patch_pointer_locs(patch_rcu_unlock(ins, gp_slots, masks), loc_slots) for ins in code]
        threads.append(ThreadCode(f"P{tc.proc.index}", tc.proc.label, tuple(code)))
    objs = layout.find_object_slots()
    for index, (posted, mask, objslot, line, text) in enumerate(callbacks):
        instr = Instr("cb_run", (posted, mask, objslot, objs), (1,), line, f"[rcu callback] {text}",
                      reads=frozenset((posted, mask, objslot) + objs), writes=frozenset((posted,) + objs))
        threads.append(ThreadCode(f"CB{index}", "rcu callback", (instr,), is_callback=True))
    conditions = []
    filt = None
    for clause in source.clauses:
        compiled = compile_prop(clause.prop, layout, compilers)
        if clause.kind == "filter":
            filt = compiled
        else:
            conditions.append((clause, compiled))
    orderings = tuple(sorted({f"{i.ordering} (line {i.line})" for t in threads for i in t.instrs if i.ordering}))
    patched, races = find_races(tuple(threads))
    program = Program(
        variant=source.name, slot_names=tuple(layout.names), init=tuple(layout.init), threads=patched,
        n_real=n, flags_slot=flags_slot,
        regs=tuple(tuple((r, s) for r, s in tc.registers.items() if not r.startswith("tmp%")) for tc in compilers),
        locs=tuple(layout.locs.items()),
        objects=tuple((o, layout.objects[o]) for o in layout.object_order),
        cb_state_slots=tuple(p for p, _, _ in layout.callback_pool),
        conditions=tuple(conditions), filter=filt, orderings=orderings, races=races,
    )
    assert not cb_pcs or cb_pcs[0] == n
    return program, layout, compilers, callbacks


def patch_rcu_unlock(ins: Instr, gp_slots: tuple[int, ...], masks: tuple[int, ...]) -> Instr:
    if ins.op != "rcu_unlock":
        return ins
    bit, rcu_slot = ins.args
    targets = gp_slots + masks
    return Instr(ins.op, (bit, rcu_slot, targets), ins.succ, ins.line, ins.text,
                 reads=frozenset((rcu_slot,) + targets), writes=frozenset((rcu_slot,) + targets), plain=ins.plain)


def declare_init(decls: tuple[InitDecl, ...], layout: Layout, filename: str) -> None:
    for decl in decls:
        if decl.kind == "object":
            if decl.name in layout.objects:
                raise ScenarioError(f"object {decl.name} declared twice", place=f"{filename}:{decl.line}:{decl.col}")
            freed = isinstance(decl.value, Name) and decl.value.name == "freed"
            value = FREED if freed else (decl.refcount if decl.refcount is not None else 1)
            layout.objects[decl.name] = layout.add_slot(f"obj:{decl.name}", value)
            layout.object_order.append(decl.name)
    for decl in decls:
        if decl.kind == "loc":
            if decl.name in layout.objects:
                raise ScenarioError(f"{decl.name} is an object, not a location", place=f"{filename}:{decl.line}:{decl.col}")
            slot = layout.find_loc(decl.name)
            if decl.value is not None:
                layout.init[slot] = read_const(decl.value, layout, filename)


def read_const(expr: Expr | None, layout: Layout, filename: str) -> int:
    """An initial or compared value: a number, &object, or (herd7) &x / x for the address of location x."""
    if isinstance(expr, Call) and expr.name == "ATOMIC_INIT" and len(expr.args) == 1:
        expr = expr.args[0]
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Unary) and expr.op == "-" and isinstance(expr.operand, Num):
        return -expr.operand.value
    if isinstance(expr, Unary) and expr.op == "&":
        expr = expr.operand
    if isinstance(expr, Name) and expr.name in layout.objects:
        return PTR_BASE + layout.object_order.index(expr.name)
    path = flatten_path(expr)
    if path:
        return LOC_BASE + layout.find_loc(path)
    line, col = (expr.line, expr.col) if expr is not None else (0, 0)
    raise ScenarioError("initial values are numbers, NULL, true/false, &object or &location",
                        place=f"{filename}:{line}:{col}")


def flatten_path(expr: Expr | None) -> str:
    """`a`, `a.b`, `a->b` as the location path a.b; "" for anything else."""
    fields = []
    while isinstance(expr, Field):
        fields.append(expr.name)
        expr = expr.base
    return ".".join([expr.name] + fields[::-1]) if isinstance(expr, Name) else ""


def patch_pointer_locs(ins: Instr, loc_slots: frozenset[int]) -> Instr:
    """A dereference of a pointer register (`*r0`) may reach any location: widen its access sets."""
    from kb.scenarios.lowering import ANY_LOC

    if ANY_LOC not in ins.reads and ANY_LOC not in ins.writes:
        return ins
    targets = tuple(sorted(loc_slots))
    args = tuple(("p", a[1], targets) if isinstance(a, tuple) and a[:1] == ("p",) else a for a in ins.args)
    reads = (ins.reads - {ANY_LOC}) | (loc_slots if ANY_LOC in ins.reads else frozenset())
    writes = (ins.writes - {ANY_LOC}) | (loc_slots if ANY_LOC in ins.writes else frozenset())
    return Instr(ins.op, args, ins.succ, ins.line, ins.text, reads, writes, ins.ordering, ins.plain)


def compile_prop(prop: Prop, layout: Layout, compilers) -> tuple:
    if isinstance(prop, PConst):
        return ("const", prop.value)
    if isinstance(prop, PFlag):
        return ("flag", FLAG_BITS[prop.flag])
    if isinstance(prop, PNot):
        return ("not", compile_prop(prop.operand, layout, compilers))
    if isinstance(prop, (PAnd, POr)):
        tag = "and" if isinstance(prop, PAnd) else "or"
        return (tag, compile_prop(prop.left, layout, compilers), compile_prop(prop.right, layout, compilers))
    assert isinstance(prop, PCompare)
    place = f"{layout.filename}:{prop.line}:{prop.col}"
    if prop.thread >= 0:
        if prop.thread >= len(compilers) or prop.name not in compilers[prop.thread].registers:
            raise ScenarioError(f"unknown register {prop.thread}:{prop.name}", place=place)
        slot = compilers[prop.thread].registers[prop.name]
    elif prop.name in layout.locs:
        slot = layout.locs[prop.name]
    else:
        raise ScenarioError(f"unknown location {prop.name!r} in condition", place=place)
    value = prop.value
    if isinstance(value, Name) and value.name not in layout.objects and value.name not in layout.locs:
        raise ScenarioError(f"unknown value {value.name!r} (a number, NULL, an object or a location)", place=place)
    return ("eq" if prop.op == "=" else "ne", slot, read_const(value, layout, layout.filename))
