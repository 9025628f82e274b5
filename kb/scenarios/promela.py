"""Promela export from the compiled instruction list: one Promela step per instruction.

Every slot lives in the global array g[] with a readable #define; registers are globals too,
so the monitor can read N:reg. A monitor waits for the end (or a global `timeout`), sets
`deadlock` when a thread or posted RCU callback is stuck, and asserts !(filter && P); with
-DCHECK_ALWAYS it asserts (!filter || P) instead, which separates Sometimes from Always.
"""

from __future__ import annotations

import re

from kb.errors import ScenarioError
from kb.scenarios.model import FLAG_BITS, LOC_BASE, PTR_BASE, Instr, Program, ParsedScenario
from kb.scenarios.promela_ops import render_instr

UAF = FLAG_BITS["uaf"]
DEADLOCK = FLAG_BITS["deadlock"]
DATA_RACE = FLAG_BITS["data_race"]


RESERVED = frozenset("""active assert atomic bit bool break byte c_code c_decl c_expr c_state c_track chan d_step
do done else empty enabled eval false fi full g goto hidden if init int len local monitor mtype nempty
never nfull np_ od of pc_value pid printf priority proctype provided run select short skip timeout true
typedef unless unsigned xr xs NT PENDING rmw_old CHECK_ALWAYS""".split())


def export_promela(scenario: ParsedScenario, variant: str = "base", condition: str | None = None,
                   check_always: bool = False, probe: bool = False) -> str:
    """Promela model of one variant checking one condition (default: the first).

    probe=True replaces the assertion by a c_code probe that prints `KBPROBE <i> <0|1>` for
    every condition at every final state (one pan build answers all conditions).
    """
    program = scenario.find_program(variant)
    conds = program.conditions
    chosen = next((c for c in conds if c[0].name == (condition or conds[0][0].name)), None)
    if chosen is None:
        raise ScenarioError(f"unknown condition {condition!r}", place=scenario.filename)
    return PromelaWriter(scenario, program).write(chosen, check_always, probe)


class PromelaWriter:
    def __init__(self, scenario: ParsedScenario, program: Program) -> None:
        self.scenario = scenario
        self.p = program
        self.watched = {j for rows in program.races for pairs in rows for j, _ in pairs}
        self.names: dict[int, str] = {}
        used: set[str] = set()
        for slot, name in enumerate(program.slot_names):
            if slot < len(program.threads):
                continue
            base = re.sub(r"\W", "_", name.replace(":", "_"))
            if name[:1].isdigit():
                base = "r" + base
            if base in used or base in RESERVED or base.startswith(("L", "T")) or not base[:1].isalpha():
                base = f"s{slot}_{base}"
            used.add(base)
            self.names[slot] = base

    def g(self, slot: int) -> str:
        return self.names[slot]

    def write(self, chosen, check_always: bool, probe: bool = False) -> str:
        p = self.p
        clause, tree = chosen
        out = [f"/* kscen {self.scenario.name} [{p.variant}], exported by kb from the compiled steps */",
               f"/* condition: {clause.text.replace('*/', '* /')} */",
               f"#define NT {p.n_real}", f"int g[{len(p.slot_names)}];"]
        out += [f"#define {name:<28} g[{slot}]" for slot, name in self.names.items()]
        pending = " + ".join(f"({self.g(s)} == 1 -> 1 : 0)" for s in p.cb_state_slots) or "0"
        out += [f"#define PENDING ({pending})", "byte done = 0;"]
        out += [f"int at_{j} = 0;" for j in sorted(self.watched)] + [""]
        for tid, thread in enumerate(p.threads):
            out += self.write_thread(tid, thread)
        prop = self.render_prop(tree)
        filt = self.render_prop(p.filter) if p.filter is not None else "1"
        flags = self.g(p.flags_slot)
        out += ["proctype monitor()", "{",
                f"\tatomic {{ (done == NT && PENDING == 0) || timeout -> if :: done < NT || PENDING > 0 -> "
                f"{flags} = {flags} | {DEADLOCK} :: else fi }};"]
        if probe:
            cname = lambda slot: f"now.g[{slot}]"  # noqa: E731
            cfilt = self.render_prop(p.filter, cname) if p.filter is not None else "1"
            prints = " ".join(f'if ({cfilt}) printf("KBPROBE {i} %d\\n", ({self.render_prop(t, cname)}) ? 1 : 0);'
                              for i, (_, t) in enumerate(p.conditions))
            out += [f"\tc_code {{ {prints} }}", "}", ""]
        else:
            out += ["#ifdef CHECK_ALWAYS", f"\tassert(!({filt}) || ({prop}))", "#else",
                    f"\tassert(!(({filt}) && ({prop})))", "#endif", "}", ""]
        inits = [f"{self.g(slot)} = {value}" for slot, value in enumerate(p.init) if value and slot in self.names]
        runs = [f"run T{tid}()" for tid in range(len(p.threads))] + ["run monitor()"]
        out += ["init", "{", "\tatomic {"] + [f"\t\t{x};" for x in inits + runs] + ["\t}", "}"]
        text = "\n".join(out) + "\n"
        if check_always:
            text = "#define CHECK_ALWAYS 1\n" + text
        return text

    def write_thread(self, tid: int, thread) -> list[str]:
        label = thread.label.replace("*/", "")
        out = [f"proctype T{tid}() /* {thread.name} {label} */", "{", "\tint rmw_old;"]
        n = len(thread.instrs)
        races = self.p.races[tid] if self.p.races else ()
        for k, ins in enumerate(thread.instrs):
            body = self.render_instr(tid, ins)
            if races and races[k]:  # data_race: another thread (pid = tid + 1) sits at a conflicting access
                at = " || ".join(f"at_{j} == {q}" for j, pcs in races[k] for q in sorted(pcs))
                body = f"atomic {{ if :: {at} -> {self.flag(DATA_RACE)} :: else -> skip fi; {body} }}"
            if tid in self.watched:  # keep at_<tid> = the pc this thread will execute next
                if ins.op in ("branch", "choose"):
                    body = re.sub(r"goto L(\d+)", rf"at_{tid} = \1; goto L\1", body)
                else:
                    body = f"atomic {{ {body}; at_{tid} = {ins.succ[0]} }}"
            jump = "" if ins.op in ("branch", "choose") or ins.succ[0] == k + 1 else f" goto L{ins.succ[0]};"
            comment = ins.text.replace("*/", "* /")
            out.append(f"L{k}:\t{body};{jump}\t/* {ins.line}: {comment} */")
        out.append(f"L{n}:\t{'done++' if not thread.is_callback else 'skip'}")
        out += ["}", ""]
        return out

    # --- expressions -----------------------------------------------------------------
    def rx(self, tree: tuple) -> str:
        tag = tree[0]
        if tag == "c":
            return str(tree[1]) if tree[1] >= 0 else f"({tree[1]})"
        if tag == "r":
            return self.g(tree[1])
        if tag == "!":
            return f"({self.rx(tree[1])} == 0 -> 1 : 0)"
        if tag == "neg":
            return f"(-{self.rx(tree[1])})"
        if tag == "~":
            return f"(~{self.rx(tree[1])})"
        a, b = self.rx(tree[1]), self.rx(tree[2])
        if tag in ("==", "!=", "<", "<=", ">", ">="):
            return f"({a} {tag} {b} -> 1 : 0)"
        if tag == "&&":
            return f"(({a} != 0) && ({b} != 0) -> 1 : 0)"
        if tag == "||":
            return f"(({a} != 0) || ({b} != 0) -> 1 : 0)"
        if tag in ("<<", ">>"):
            return f"({a} {tag} ({b} & 31))"
        return f"({a} {tag} {b})"

    def render_prop(self, tree: tuple, name=None) -> str:
        """A condition as a Promela (or, with name=now.g[i], C) boolean expression."""
        name = name or self.g
        tag = tree[0]
        if tag == "const":
            return "1" if tree[1] else "0"
        if tag == "flag":
            return f"(({name(self.p.flags_slot)} & {tree[1]}) != 0)"
        if tag in ("eq", "ne"):
            return f"({name(tree[1])} {'==' if tag == 'eq' else '!='} {tree[2]})"
        if tag == "not":
            return f"!({self.render_prop(tree[1], name)})"
        op = "&&" if tag == "and" else "||"
        return f"({self.render_prop(tree[1], name)} {op} {self.render_prop(tree[2], name)})"

    def flag(self, bit: int) -> str:
        f = self.g(self.p.flags_slot)
        return f"{f} = {f} | {bit}"

    def uaf_check(self, obj: int) -> str:
        return f"if :: {self.g(obj)} < 0 -> {self.flag(UAF)} :: else -> skip fi; " if obj >= 0 else ""

    def set_target(self, target: int, value: str) -> str:
        return f"{self.g(target)} = {value}; " if target >= 0 else ""

    def with_loc(self, loc: tuple, body, null_body: str) -> str:
        """Statements for a location: direct, or an if-chain over the objects for ptr->field."""
        if loc[0] == "s":
            return body(loc[1], loc[2])
        reg = self.g(loc[1])
        if loc[0] == "p":
            options = [f":: {reg} == {LOC_BASE + slot} -> {body(slot, -1)}" for slot in loc[2]]
            guards = " && ".join(f"{reg} != {LOC_BASE + slot}" for slot in loc[2]) or "1"
            return "if " + " ".join(options + [f":: {guards} -> {null_body}"]) + " fi"
        options = [f":: {reg} == {PTR_BASE + k} -> {body(field, obj)}" for k, (field, obj) in enumerate(loc[2])]
        guards = " && ".join(f"{reg} != {PTR_BASE + k}" for k in range(len(loc[2]))) or "1"
        options.append(f":: {guards} -> {null_body}")
        return "if " + " ".join(options) + " fi"

    def with_obj(self, ref: tuple, body, null_body: str, wild_body: str) -> str:
        if ref[0] == "null":
            return null_body
        if ref[0] == "s":
            return body(ref[1])
        reg = self.g(ref[1])
        options = [f":: {reg} == {PTR_BASE + k} -> {body(obj)}" for k, obj in enumerate(ref[2])]
        options.append(f":: {reg} == 0 -> {null_body}")
        guards = " && ".join([f"{reg} != 0"] + [f"{reg} != {PTR_BASE + k}" for k in range(len(ref[2]))])
        options.append(f":: {guards} -> {wild_body}")
        return "if " + " ".join(options) + " fi"

    def render_instr(self, tid: int, ins: Instr) -> str:
        return render_instr(self, tid, ins)
