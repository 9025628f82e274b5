"""export_litmus: one variant of a scenario as herd7 C-litmus (SPEC.md, "C-litmus for herd7").

Works from the variant's parsed source. Locations become pointer parameters (a.b -> a_b); an
`object X` becomes `int X_alive = 1`, kfree(X) `WRITE_ONCE(*X_alive, 0)`, and each dereference of X
reads X_alive into a fresh register, so `uaf` becomes "some such register read 0". Sleeping locks
and page locks map to spin_lock (ordering only), refcounts to atomics. Anything else (pointers to
objects, loops, either/or, return, other flags) is refused with a reason: never approximated.
"""

from __future__ import annotations

from kb.errors import ScenarioError
from kb.scenarios.lexer import filter_variant, find_line_tags
from kb.scenarios.model import (
    Assign, Binary, Block, Call, CallStmt, Declare, Expr, Field, If, Name, Num, PAnd, PCompare, PConst, PFlag,
    PNot, POr, Process, Prop, ParsedScenario, Stmt, Unary,
)
from kb.scenarios.parser import parse_variant
from kb.scenarios.primitives import find_primitive

SAME = frozenset("""READ_ONCE WRITE_ONCE smp_load_acquire smp_store_release rcu_dereference rcu_assign_pointer
atomic_read atomic_set atomic_inc atomic_dec atomic_add atomic_sub atomic_inc_return atomic_dec_return
atomic_add_return atomic_sub_return atomic_fetch_inc atomic_fetch_dec atomic_fetch_add atomic_fetch_sub
atomic_inc_and_test atomic_dec_and_test atomic_sub_and_test xchg atomic_xchg cmpxchg atomic_cmpxchg
atomic_add_unless spin_lock spin_unlock spin_trylock spin_is_locked rcu_read_lock rcu_read_unlock synchronize_rcu
smp_mb smp_rmb smp_wmb barrier smp_mb__before_atomic smp_mb__after_atomic smp_mb__after_spinlock
smp_mb__after_unlock_lock data_race""".split())
KIND_TO_LKMM = {"lock": "spin_lock", "unlock": "spin_unlock", "trylock": "spin_trylock", "rcu_lock": "rcu_read_lock",
                "rcu_unlock": "rcu_read_unlock", "sync_rcu": "synchronize_rcu"}


class NotExportable(ScenarioError):
    pass


def export_litmus(scenario: ParsedScenario, variant: str = "base", condition: str | None = None) -> str:
    """herd7 C-litmus text for one variant and one condition (herd7 has a single final condition;
    default: the first). Raises ScenarioError when the model cannot be said exactly."""
    scenario.find_program(variant)
    text = filter_variant(scenario.text, variant, find_line_tags(scenario.text))
    _, _, source = parse_variant(text, scenario.filename, variant)
    finals = [c for c in source.clauses if c.kind != "filter"]
    chosen = next((c for c in finals if c.name == (condition if condition is not None else finals[0].name)), None)
    if chosen is None:
        raise ScenarioError(f"unknown condition {condition!r}", place=scenario.filename)
    return LitmusWriter(scenario, source).write(chosen)


class LitmusWriter:
    def __init__(self, scenario: ParsedScenario, source) -> None:
        self.scenario = scenario
        self.source = source
        self.objects = {d.name: d for d in source.init if d.kind == "object"}
        self.locs: dict[str, str] = {}  # litmus name -> type
        self.alive_regs: list[tuple[int, str]] = []
        self.regs: set[str] = set()
        self.pre: list[str] = []
        self.extra: list[str] = []
        self.tid = 0

    def fail(self, reason: str, node=None) -> NotExportable:
        line = getattr(node, "line", 0)
        return NotExportable(f"not exportable to C-litmus: {reason}", place=f"{self.scenario.filename}:{line}")

    def write(self, chosen) -> str:
        init = []
        for decl in self.source.init:
            if decl.kind == "object":
                init.append((f"{decl.name}_refs", 1 if decl.refcount is None else decl.refcount))
                alive = 0 if isinstance(decl.value, Name) and decl.value.name == "freed" else 1
                self.locs[f"{decl.name}_alive"] = "int"
                init.append((f"{decl.name}_alive", alive))
            elif decl.kind == "loc":
                name = self.loc_name(decl.name.split("."), decl)
                if decl.value is not None and not isinstance(decl.value, Num):
                    raise self.fail("a location initialised to a pointer", decl)
                init.append((name, decl.value.value if decl.value is not None else 0))
            else:
                raise self.fail("register initialisers", decl)
        bodies = [self.write_process(p) for p in self.source.processes]
        clauses = [c for c in self.source.clauses if c.kind == "filter"] + [chosen]
        conditions = [f"{c.kind} ({self.write_prop(c.prop, c)})" for c in clauses]
        init = [f"spinlock_t {n};" if self.locs[n] == "spinlock_t" else f"atomic_t {n} = ATOMIC_INIT({v});"
                if self.locs[n] == "atomic_t" else f"int {n} = {v};" for n, v in init if n in self.locs]
        init += [f"{tid}:{reg}=1;" for tid, reg in self.alive_regs]  # 0 only when a freed object was read
        params = ", ".join(f"{t} *{n}" for n, t in sorted(self.locs.items()))
        out = [f"C {self.scenario.name}", "", "(*",
               f" * Exported by kb from {self.scenario.filename} [{self.source.name}].",
               " * Result-LKMM is herd7's to give; the SC verdicts are kb's (kb scenario check).", " *)", "",
               "{"] + [f"\t{x}" for x in init] + ["}", ""]
        for proc, (decls, body) in zip(self.source.processes, bodies):
            out += [f"P{proc.index}({params})", "{"] + [f"\t{d}" for d in decls] + body + ["}", ""]
        return "\n".join(out + conditions) + "\n"

    # --- processes ---------------------------------------------------------------
    def write_process(self, proc: Process) -> tuple[list[str], list[str]]:
        self.tid = proc.index
        self.regs = set()
        self.extra = []
        body: list[str] = []
        for st in proc.body:
            body += self.write_stmt(st, 1)
        decls = [f"int {r};" for r in sorted(self.regs)] + [f"int {r};" for r in self.extra]
        return decls, body

    def write_stmt(self, st: Stmt, depth: int) -> list[str]:
        pad = "\t" * depth
        self.pre = []
        if isinstance(st, Declare):
            self.regs.update(st.names)
            lines = []
            for name, init in zip(st.names, st.inits):
                if init is not None:
                    value = self.value(init)
                    lines.append(f"{name} = {value};")
            return [pad + x for x in self.pre + lines]
        if isinstance(st, Assign):
            if isinstance(st.target, Name) and st.target.name in self.regs:
                value = self.value(st.value)
                return [pad + x for x in self.pre + [f"{st.target.name} = {value};"]]
            target = self.location(st.target)
            value = self.value(st.value)
            return [pad + x for x in self.pre + [f"*{target} = {value};"]]
        if isinstance(st, CallStmt):
            call = self.call(st.call, statement=True)
            return [pad + x for x in self.pre + ([f"{call};"] if call else [])]
        if isinstance(st, Block):
            out = [pad + "{"]
            for inner in st.body:
                out += self.write_stmt(inner, depth + 1)
            return out + [pad + "}"]
        if isinstance(st, If):
            cond = self.value(st.cond)
            pre = self.pre
            then = self.write_stmt(Block(st.line, st.col, "", (st.then,)) if not isinstance(st.then, Block) else st.then, depth)
            out = [pad + x for x in pre] + [f"{pad}if ({cond})"] + then
            if st.orelse is not None:
                orelse = st.orelse if isinstance(st.orelse, Block) else Block(st.line, st.col, "", (st.orelse,))
                out += [f"{pad}else"] + self.write_stmt(orelse, depth)
            return out
        raise self.fail(f"{type(st).__name__.lower()} statements", st)

    # --- expressions -----------------------------------------------------------------
    def loc_name(self, path: list[str], node) -> str:
        if path[0] in self.objects and len(path) == 1:
            raise self.fail(f"object {path[0]} used as a value (pointers to objects)", node)
        name = "_".join(path)
        self.locs.setdefault(name, "int")
        return name

    def location(self, expr: Expr, lock: bool = False) -> str:
        """A location argument (x, &x, *x, a->b) as the litmus pointer name; checks object liveness."""
        while isinstance(expr, Unary) and expr.op in ("&", "*"):
            expr = expr.operand
        path = []
        while isinstance(expr, Field):
            path.append(expr.name)
            expr = expr.base
            while isinstance(expr, Unary) and expr.op in ("&", "*"):
                expr = expr.operand
        if not isinstance(expr, Name) or expr.name in self.regs:
            raise self.fail("a dereference of a pointer register", expr)
        path = [expr.name] + path[::-1]
        if path[0] in self.objects and len(path) > 1:
            self.check_alive(path[0])
        name = self.loc_name(path, expr)
        if lock:
            self.locs[name] = "spinlock_t"
        return name

    def check_alive(self, obj: str) -> None:
        reg = f"kba{len(self.alive_regs)}"
        self.alive_regs.append((self.tid, reg))
        self.extra.append(reg)
        self.pre.append(f"{reg} = READ_ONCE(*{obj}_alive);")

    def object_name(self, expr: Expr) -> str:
        while isinstance(expr, Unary) and expr.op in ("&", "*"):
            expr = expr.operand
        if not isinstance(expr, Name) or expr.name not in self.objects:
            raise self.fail("a lifetime operation on something other than a declared object", expr)
        return expr.name

    def value(self, expr: Expr) -> str:
        if isinstance(expr, Num):
            return str(expr.value)
        if isinstance(expr, Name) and expr.name in self.regs:
            return expr.name
        if isinstance(expr, (Name, Field)) or (isinstance(expr, Unary) and expr.op == "*"):
            return f"*{self.location(expr)}"
        if isinstance(expr, Unary):
            if expr.op == "&":
                raise self.fail("an address used as a value (pointers)", expr)
            return f"{expr.op}({self.value(expr.operand)})"
        if isinstance(expr, Binary):
            return f"({self.value(expr.left)} {expr.op} {self.value(expr.right)})"
        if isinstance(expr, Call):
            return self.call(expr, statement=False)
        raise self.fail("this expression", expr)  # pragma: no cover

    def call(self, call: Call, statement: bool) -> str:
        prim = find_primitive(call.name)
        if prim is None:
            raise self.fail(f"unknown primitive {call.name}()", call)
        kind = prim.kind
        if kind in ("free", "use", "get", "put", "get_unless_zero", "alloc"):
            return self.lifetime(call, kind, statement)
        if kind in ("check", "assert", "free_rcu", "rlock", "runlock", "rtrylock"):
            raise self.fail(f"{call.name}() (no exact LKMM counterpart)", call)
        name = call.name if call.name in SAME else KIND_TO_LKMM.get(kind)
        if kind == "nop" and name is None:
            return ""
        if name is None:
            name = {"load": "READ_ONCE", "store": "WRITE_ONCE"}.get(kind)
        if name is None:
            raise self.fail(f"{call.name}()", call)
        args = []
        for role, arg in zip(prim.roles, call.args):
            if role in ("loc", "page"):
                path_arg = Field(arg.line, arg.col, arg, "PG_locked") if role == "page" else arg
                loc = self.location(path_arg, lock=kind in ("lock", "unlock", "trylock", "is_locked"))
                if kind in ("lock", "unlock", "trylock", "is_locked") or name.startswith(("smp_", "atomic", "xchg",
                                                                                          "cmpxchg", "rcu_assign")):
                    args.append(loc)
                else:
                    args.append(f"*{loc}")
            elif role in ("val", "cond"):
                args.append(self.value(arg))
        return f"{name}({', '.join(args)})"

    def lifetime(self, call: Call, kind: str, statement: bool) -> str:
        obj = self.object_name(call.args[-1] if call.name == "kmem_cache_free" else call.args[0])
        if kind == "free":
            return f"WRITE_ONCE(*{obj}_alive, 0)"
        if kind == "use":
            self.check_alive(obj)
            return ""
        if kind == "alloc":
            raise self.fail("alloc() (memory reuse)", call)
        refs = f"{obj}_refs"
        self.locs.setdefault(refs, "atomic_t")
        if kind == "get":
            self.check_alive(obj)
            return f"atomic_inc({refs})"
        if kind == "put":
            self.check_alive(obj)
            reg = f"kbp{len(self.extra)}"
            self.extra.append(reg)
            self.pre.append(f"{reg} = atomic_dec_and_test({refs});")
            self.pre.append(f"if ({reg}) WRITE_ONCE(*{obj}_alive, 0);")
            return ""
        return f"atomic_add_unless({refs}, 1, 0)"

    # --- conditions -------------------------------------------------------------------
    def write_prop(self, prop: Prop, clause) -> str:
        if isinstance(prop, PConst):
            return "true" if prop.value else "false"
        if isinstance(prop, PFlag):
            if prop.flag != "uaf":
                raise self.fail(f"the {prop.flag} flag has no herd7 counterpart", clause)
            regs = [f"{t}:{r}=0" for t, r in self.alive_regs]
            return "(" + " \\/ ".join(regs) + ")" if regs else "false"
        if isinstance(prop, PNot):
            return f"~({self.write_prop(prop.operand, clause)})"
        if isinstance(prop, (PAnd, POr)):
            op = " /\\ " if isinstance(prop, PAnd) else " \\/ "
            return f"({self.write_prop(prop.left, clause)}{op}{self.write_prop(prop.right, clause)})"
        assert isinstance(prop, PCompare)
        if not isinstance(prop.value, Num):
            raise self.fail("a condition comparing with a pointer", clause)
        name = f"{prop.thread}:{prop.name}" if prop.thread >= 0 else prop.name.replace(".", "_")
        eq = "=" if prop.op == "=" else "!="
        return f"{name}{eq}{prop.value.value}" if eq == "=" else f"~({name}={prop.value.value})"
