"""Lower one process's statements into atomic steps (calls and shared reads lifted)."""

from __future__ import annotations

from kb.errors import ScenarioError
from kb.scenarios.model import (
    LOC_BASE, PTR_BASE, Assign, Binary, Block, Call, CallStmt, Declare, Either, Expr, Field, If, Instr,
    Name, Num, Process, Repeat, Return, Stmt, Unary,
)
from kb.scenarios.calls import lower_call

MAX_THREAD_INSTRS = 5000
END = -1
ANY_LOC = -7  # access-set marker for `*reg`: replaced by every location once all threads are compiled


class ThreadCompiler:
    def __init__(self, proc: Process, layout, filename: str, rcu_slots: tuple[int, ...], gp_slots: tuple[int, ...]) -> None:
        self.proc = proc
        self.tid = proc.index
        self.layout = layout
        self.filename = filename
        self.rcu_slots = rcu_slots
        self.gp_slots = gp_slots
        self.registers: dict[str, int] = {}
        self.instrs: list[list] = []
        self.pending: list[tuple[int, int]] = []
        self.callbacks: list[tuple[int, int, int, int, str]] = []
        self.cur: Stmt | None = None
        self.budget = MAX_THREAD_INSTRS
        self.temps = 0
        self.marked = 0  # > 0 inside data_race(...): its loads are marked (LKMM: not racy)

    # --- set-up ----------------------------------------------------------------
    def declare_registers(self) -> None:
        stack = list(self.proc.body)
        while stack:
            st = stack.pop()
            if isinstance(st, Declare):
                for name in st.names:
                    if name in self.layout.objects:
                        raise self.fail(f"register {name} shadows object {name}", st)
                    if name not in self.registers:
                        self.registers[name] = self.layout.add_slot(f"{self.tid}:{name}")
            elif isinstance(st, Assign) and self.is_implicit_register(st.target):
                self.registers[st.target.name] = self.layout.add_slot(f"{self.tid}:{st.target.name}")
            elif isinstance(st, Block):
                stack.extend(st.body)
            elif isinstance(st, If):
                stack.extend(s for s in (st.then, st.orelse) if s is not None)
            elif isinstance(st, Repeat):
                stack.append(st.body)
            elif isinstance(st, Either):
                stack.extend(st.choices)

    def is_implicit_register(self, target: Expr) -> bool:
        """herd7 reads an undeclared name assigned in a litmus process (`P1(int *x)`) as a local, not a
        shared location: only parameters and init-block declarations are shared there."""
        return (bool(self.proc.params) and isinstance(target, Name) and target.name not in self.registers
                and target.name not in self.proc.params and target.name not in self.layout.locs
                and target.name not in self.layout.objects)

    def compile_body(self, budget: int) -> list[Instr]:
        self.budget = min(budget, MAX_THREAD_INSTRS)
        for st in self.proc.body:
            self.compile_stmt(st)
        end = len(self.instrs)
        out = []
        for op, args, succ, line, text, reads, writes, ordering, plain in self.instrs:
            succ = tuple(end if s == END else s for s in succ)
            out.append(Instr(op, args, succ, line, text, frozenset(reads), frozenset(writes), ordering, plain))
        return out

    def fail(self, reason: str, node=None) -> ScenarioError:
        node = node or self.cur
        line, col = (node.line, node.col) if node is not None else (self.proc.line, 1)
        return ScenarioError(reason, place=f"{self.filename}:{line}:{col}")

    # --- emission ------------------------------------------------------------
    def emit(self, op: str, args: tuple, reads=(), writes=(), ordering: str = "", nsucc: int = 1, text: str = "",
             plain: bool = False) -> int:
        index = len(self.instrs)
        if index >= self.budget:
            raise self.fail(f"model too large: more than {self.budget} steps in P{self.tid} (huge repeat?)")
        for at, pos in self.pending:
            self.instrs[at][2][pos] = index
        st = self.cur
        self.instrs.append([op, args, [END] * nsucc, st.line if st else 0, text or (st.text if st else ""),
                            set(reads), set(writes), ordering, plain and not self.marked])
        self.pending = [(index, i) for i in range(nsucc)] if nsucc == 1 else []
        return index

    def new_temp(self) -> int:
        slot = self.layout.add_slot(f"{self.tid}:tmp{self.temps}")
        self.registers[f"tmp%{self.temps}"] = slot
        self.temps += 1
        return slot

    # --- statements --------------------------------------------------------------
    def compile_stmt(self, st: Stmt) -> None:
        self.cur = st
        if isinstance(st, Declare):
            for name, init in zip(st.names, st.inits):
                if init is not None:
                    self.assign_register(self.registers[name], init)
        elif isinstance(st, Assign):
            self.compile_assign(st)
        elif isinstance(st, CallStmt):
            self.lower_call(st.call, None)
        elif isinstance(st, Block):
            for inner in st.body:
                self.compile_stmt(inner)
        elif isinstance(st, If):
            cond = self.lower_value(st.cond)
            self.cur = st
            index = self.emit("branch", (cond,), nsucc=2)
            self.pending = [(index, 0)]
            self.compile_stmt(st.then)
            exits = self.pending
            self.pending = [(index, 1)]
            if st.orelse is not None:
                self.compile_stmt(st.orelse)
            self.pending = exits + self.pending
        elif isinstance(st, Return):
            for at, pos in self.pending:
                self.instrs[at][2][pos] = END
            self.pending = []
        elif isinstance(st, Repeat):
            for _ in range(st.count):
                self.compile_stmt(st.body)
        elif isinstance(st, Either):
            index = self.emit("choose", (), nsucc=len(st.choices))
            exits: list[tuple[int, int]] = []
            for j, choice in enumerate(st.choices):
                self.pending = [(index, j)]
                self.compile_stmt(choice)
                exits += self.pending
            self.pending = exits
        else:  # pragma: no cover - the parser makes no other statements
            raise self.fail("unsupported statement", st)

    def compile_assign(self, st: Assign) -> None:
        target = st.target
        if isinstance(target, Name) and target.name in self.registers:
            self.assign_register(self.registers[target.name], st.value)
            return
        if isinstance(target, Name) and target.name in self.layout.objects:
            raise self.fail(f"cannot assign to object {target.name}; assign one of its fields", target)
        loc = self.resolve_loc(target)
        value = self.lower_value(st.value)
        self.emit("store", (loc, value), writes=self.loc_slots(loc), reads=self.loc_reads(loc), plain=True)

    def assign_register(self, slot: int, value: Expr) -> None:
        result = self.lower_value(value, dst=slot)
        if result != ("r", slot):
            self.emit("set", (slot, result))

    # --- locations and objects ----------------------------------------------------
    def flatten(self, expr: Expr) -> tuple[str, list[str]]:
        while isinstance(expr, Unary) and expr.op in ("&", "*"):
            expr = expr.operand
        fields: list[str] = []
        while isinstance(expr, Field):
            fields.append(expr.name)
            expr = expr.base
            while isinstance(expr, Unary) and expr.op in ("&", "*"):
                expr = expr.operand
        if not isinstance(expr, Name):
            raise self.fail("expected a location such as x, *x, &a->b or a.b", expr)
        return expr.name, fields[::-1]

    def resolve_loc(self, expr: Expr) -> tuple:
        head, fields = self.flatten(expr)
        if head in self.registers:
            if not fields:
                if isinstance(expr, Unary) and expr.op == "*":  # *r0: r0 holds a location's address (herd7)
                    return ("p", self.registers[head], ())
                raise self.fail(f"register {head} used where a shared location is expected", expr)
            return ("d", self.registers[head], self.layout.find_field_table(".".join(fields)))
        if head in self.layout.objects:
            if not fields:
                raise self.fail(f"object {head} used as a location: name a field ({head}->field)", expr)
            return ("s", self.layout.find_loc(".".join([head] + fields)), self.layout.objects[head])
        return ("s", self.layout.find_loc(".".join([head] + fields)), -1)

    @staticmethod
    def loc_slots(loc: tuple) -> set[int]:
        if loc[0] == "s":
            return {loc[1]}
        if loc[0] == "p":
            return {ANY_LOC}
        return {field for field, _ in loc[2]}

    @staticmethod
    def loc_reads(loc: tuple) -> set[int]:
        if loc[0] == "p":
            return {ANY_LOC}
        if loc[0] == "s":
            return {loc[1]} | ({loc[2]} if loc[2] >= 0 else set())
        return {x for pair in loc[2] for x in pair}

    def resolve_obj(self, expr: Expr) -> tuple:
        objs = self.layout.find_object_slots()
        if isinstance(expr, Num) and expr.value == 0:
            return ("null",)
        stripped = expr
        while isinstance(stripped, Unary) and stripped.op in ("&", "*"):
            stripped = stripped.operand
        if isinstance(stripped, (Name, Field)):
            head, fields = self.flatten(stripped)
            if head in self.layout.objects:
                return ("s", self.layout.objects[head], self.layout.object_order.index(head))
            if head in self.registers:
                return ("d", self.registers[head], objs)
            loc = self.resolve_loc(stripped)
            tmp = self.new_temp()
            self.emit("load", (tmp, loc), reads=self.loc_reads(loc))
            return ("d", tmp, objs)
        value = self.lower_value(expr)
        if value[0] == "r":
            return ("d", value[1], objs)
        if value[0] == "c" and value[1] == 0:
            return ("null",)
        if value[0] == "c" and 0 <= value[1] - PTR_BASE < len(objs):
            k = value[1] - PTR_BASE
            return ("s", objs[k], k)
        raise self.fail("expected an object, a pointer register or NULL", expr)

    @staticmethod
    def obj_slots(ref: tuple) -> set[int]:
        if ref[0] == "s":
            return {ref[1]}
        if ref[0] == "d":
            return set(ref[2])
        return set()

    # --- values ----------------------------------------------------------------
    def lower_value(self, expr: Expr, dst: int | None = None) -> tuple:
        if isinstance(expr, Num):
            return ("c", expr.value)
        if isinstance(expr, Name):
            if expr.name in self.registers:
                return ("r", self.registers[expr.name])
            if expr.name in self.layout.objects:
                return ("c", PTR_BASE + self.layout.object_order.index(expr.name))
            if expr.name in self.proc.params:  # litmus P0(int *x): a bare x is the address of x
                return ("c", LOC_BASE + self.layout.find_loc(expr.name))
            return self.load_into(self.resolve_loc(expr), dst)
        if isinstance(expr, Field) or (isinstance(expr, Unary) and expr.op == "*"):
            return self.load_into(self.resolve_loc(expr), dst)
        if isinstance(expr, Unary):
            if expr.op == "&":
                inner = expr.operand
                if isinstance(inner, Name) and inner.name in self.layout.objects:
                    return ("c", PTR_BASE + self.layout.object_order.index(inner.name))
                head, fields = self.flatten(inner)
                if head in self.registers or head in self.layout.objects:
                    raise self.fail("only &object and &location are values", expr)
                return ("c", LOC_BASE + self.layout.find_loc(".".join([head] + fields)))
            operand = self.lower_value(expr.operand)
            return ({"!": "!", "-": "neg", "~": "~"}[expr.op], operand)
        if isinstance(expr, Binary):
            return (expr.op, self.lower_value(expr.left), self.lower_value(expr.right))
        if isinstance(expr, Call):
            result = self.lower_call(expr, dst if dst is not None else -2)
            if result is None:
                raise self.fail(f"{expr.name}() has no value", expr)
            return result
        raise self.fail("unsupported expression", expr)  # pragma: no cover

    def load_into(self, loc: tuple, dst: int | None) -> tuple:
        target = dst if dst is not None else self.new_temp()
        self.emit("load", (target, loc), reads=self.loc_reads(loc), plain=True)
        return ("r", target)

    def lower_call(self, call: Call, dst: int | None) -> tuple | None:
        return lower_call(self, call, dst)
