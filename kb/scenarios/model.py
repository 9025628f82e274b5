"""Frozen types between the stages: source AST, compiled program, scenario."""

from __future__ import annotations

from dataclasses import dataclass, field

# --- expressions (source AST) -------------------------------------------------


@dataclass(frozen=True)
class Expr:
    line: int
    col: int


@dataclass(frozen=True)
class Num(Expr):
    value: int


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class Field(Expr):
    """`base->name` or `base.name` (both normalise to a.b)."""

    base: Expr
    name: str


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # ! - ~ & *
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]


# --- statements -----------------------------------------------------------------


@dataclass(frozen=True)
class Stmt:
    line: int
    col: int
    text: str  # the source line, stripped, for witnesses and Promela comments


@dataclass(frozen=True)
class Declare(Stmt):
    names: tuple[str, ...]
    inits: tuple[Expr | None, ...]


@dataclass(frozen=True)
class Assign(Stmt):
    target: Expr
    value: Expr


@dataclass(frozen=True)
class CallStmt(Stmt):
    call: Call


@dataclass(frozen=True)
class Block(Stmt):
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class If(Stmt):
    cond: Expr
    then: Stmt
    orelse: Stmt | None


@dataclass(frozen=True)
class Return(Stmt):
    pass


@dataclass(frozen=True)
class Repeat(Stmt):
    count: int
    body: Stmt


@dataclass(frozen=True)
class Either(Stmt):
    choices: tuple[Stmt, ...]


# --- propositions (herd7 syntax plus flags) ----------------------------------------

FLAGS = ("uaf", "double_free", "null_deref", "refcount_underflow", "deadlock", "bug", "bad_unlock", "data_race")
FLAG_BITS = {name: 1 << i for i, name in enumerate(FLAGS)}


@dataclass(frozen=True)
class Prop:
    pass


@dataclass(frozen=True)
class PConst(Prop):
    value: bool


@dataclass(frozen=True)
class PFlag(Prop):
    flag: str


@dataclass(frozen=True)
class PCompare(Prop):
    """`N:reg = v` (thread >= 0) or `loc = v` (thread -1); op is = or !=."""

    thread: int
    name: str
    op: str
    value: Expr
    line: int
    col: int


@dataclass(frozen=True)
class PNot(Prop):
    operand: Prop


@dataclass(frozen=True)
class PAnd(Prop):
    left: Prop
    right: Prop


@dataclass(frozen=True)
class POr(Prop):
    left: Prop
    right: Prop


@dataclass(frozen=True)
class Clause:
    kind: str  # exists, ~exists, forall, filter
    name: str  # "" for an unnamed condition
    prop: Prop
    text: str
    line: int


# --- a parsed variant -------------------------------------------------------------


@dataclass(frozen=True)
class InitDecl:
    kind: str  # object | loc | reg
    name: str  # object name, location path, or register name
    value: Expr | None
    refcount: int | None
    thread: int
    line: int
    col: int


@dataclass(frozen=True)
class Process:
    index: int
    label: str
    params: tuple[str, ...]
    body: tuple[Stmt, ...]
    line: int


@dataclass(frozen=True)
class VariantSource:
    name: str
    init: tuple[InitDecl, ...]
    processes: tuple[Process, ...]
    clauses: tuple[Clause, ...]


# --- compiled program ---------------------------------------------------------------


@dataclass(frozen=True)
class RExpr:
    """A register-only expression: ("const", v) | ("reg", slot) | (op, a[, b])."""

    tree: tuple


@dataclass(frozen=True)
class Instr:
    """One atomic step. `op` selects the semantics; `args` are resolved slot numbers."""

    op: str
    args: tuple
    succ: tuple[int, ...]  # next pcs (two for branch, several for choose)
    line: int
    text: str
    reads: frozenset[int] = frozenset()
    writes: frozenset[int] = frozenset()
    ordering: str = ""  # the primitive name if it has ordering semantics (not modelled)
    plain: bool = False  # a plain C access (x = v, r = x), as opposed to a marked one (READ_ONCE, atomics)


@dataclass(frozen=True)
class ThreadCode:
    name: str  # P0 ... or rcu-callback-N
    label: str
    instrs: tuple[Instr, ...]
    is_callback: bool = False


@dataclass(frozen=True)
class Program:
    variant: str
    slot_names: tuple[str, ...]
    init: tuple[int, ...]
    threads: tuple[ThreadCode, ...]
    n_real: int  # threads[:n_real] are processes; the rest are RCU callbacks
    flags_slot: int
    regs: tuple[tuple[tuple[str, int], ...], ...]  # per real thread: (register, slot)
    locs: tuple[tuple[str, int], ...]
    objects: tuple[tuple[str, int], ...]  # (object name, liveness/refcount slot)
    cb_state_slots: tuple[int, ...]
    conditions: tuple[tuple[Clause, object], ...]  # (clause, compiled prop tree)
    filter: object | None
    orderings: tuple[str, ...]
    races: tuple = ()  # per thread, per pc: ((other thread, its racing pcs), ...); see kb.scenarios.races


PTR_BASE = 1 << 20  # value of a pointer to object k is PTR_BASE + k; NULL is 0
LOC_BASE = 1 << 24  # value of a pointer to a plain location (&x, herd7's `int *y = &x;`) is LOC_BASE + its slot
FREED = -1  # object slot value when freed; otherwise the reference count


@dataclass(frozen=True)
class Expectation:
    variant: str
    condition: str  # "" = the first unnamed condition
    verdict: str  # Never | Sometimes | Always | DEADLOCK (herd7: no final state)
    line: int
    model: str = "SC"  # SC (this engine's answer) | LKMM (herd7's answer: Result-LKMM, or Result in a .litmus file)


@dataclass(frozen=True)
class ParsedScenario:
    name: str
    filename: str
    text: str
    metadata: tuple[tuple[str, str], ...]
    description: str
    variants: tuple[str, ...]
    programs: tuple[Program, ...] = field(repr=False)
    expectations: tuple[Expectation, ...]
    variant_lines: tuple[tuple[str, tuple[int, ...]], ...] = ()  # variant -> tagged line numbers

    def find_program(self, variant: str) -> Program:
        for prog in self.programs:
            if prog.variant == variant:
                return prog
        from kb.errors import ScenarioError

        raise ScenarioError(f"unknown variant {variant!r} (have: {', '.join(self.variants)})", place=self.filename)

    def find_metadata(self, key: str) -> list[str]:
        return [v for k, v in self.metadata if k.lower() == key.lower()]
