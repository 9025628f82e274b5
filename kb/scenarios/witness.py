"""Render a witness interleaving as CPU columns, the way LKML mails and lockdep draw them."""

from __future__ import annotations

from dataclasses import dataclass

from kb.scenarios.explore import find_final_flags
from kb.scenarios.model import FLAG_BITS, FLAGS, FREED, LOC_BASE, PTR_BASE, Program

MAX_CELL = 46


@dataclass(frozen=True)
class WitnessStep:
    thread: int
    column: str  # "CPU0 (truncate_inode_page)"
    line: int
    text: str
    value: str = ""  # what a load (or trylock, RMW, get_unless_zero) returned at this step


@dataclass(frozen=True)
class Witness:
    steps: tuple[WitnessStep, ...]
    columns: tuple[str, ...]
    final: str  # the final state's flags and registers, one line


def build_witness(program: Program, path: list[tuple[int, int]]) -> Witness:
    columns = tuple(find_column_name(program, i) for i in range(len(program.threads)))
    states = replay(program, path)
    steps = []
    for (thread, pc), after in zip(path, states[1:]):
        ins = program.threads[thread].instrs[pc]
        target = find_result_slot(ins.op, ins.args)
        value = format_value(program, after[target]) if target >= 0 else ""
        steps.append(WitnessStep(thread, columns[thread], ins.line, ins.text, value))
    final = states[-1]
    flags = find_final_flags(program, final)
    final = final[:program.flags_slot] + (flags,) + final[program.flags_slot + 1:]
    return Witness(tuple(steps), columns, describe_state(program, final))


def find_result_slot(op: str, args: tuple) -> int:
    """The register a step writes its result to (-1: none)."""
    if op in ("load", "is_locked"):
        return args[0]
    if op in ("trylock", "rtrylock", "get_unless_zero"):
        return args[1]
    if op == "rmw":
        return args[3]
    return -1


def find_column_name(program: Program, index: int) -> str:
    thread = program.threads[index]
    if thread.is_callback:
        return f"RCU callback {thread.name[2:]}"
    return f"CPU{index} ({thread.label})" if thread.label else f"CPU{index}"


def replay(program: Program, path: list[tuple[int, int]]) -> list[tuple]:
    """Every state along the path, the initial one first."""
    from kb.scenarios.steps import build_steps

    steps = build_steps(program)
    state = program.init
    states = [state]
    for thread, pc in path:
        fn, multi = steps[thread][pc]
        result = fn(state)
        if multi:
            # a choice: the next step of the same thread (or the end) tells which branch was taken
            state = pick_choice(program, result, path, thread, pc)
        else:
            state = result
        states.append(state)
    return states


def pick_choice(program: Program, options: list[tuple], path, thread: int, pc: int) -> tuple:
    index = [i for i, (t, p) in enumerate(path) if t == thread and p == pc][0]
    later = [p for t, p in path[index + 1:] if t == thread]
    target = later[0] if later else len(program.threads[thread].instrs)
    for option in options:
        if option[thread] == target:
            return option
    return options[0]


def format_value(program: Program, value: int) -> str:
    k = value - PTR_BASE
    if 0 <= k < len(program.objects):
        return "&" + program.objects[k][0]
    slot = value - LOC_BASE
    if 0 <= slot < len(program.slot_names) and (program.slot_names[slot], slot) in program.locs:
        return "&" + program.slot_names[slot]
    return str(value)


def describe_state(program: Program, state: tuple) -> str:
    flags = state[program.flags_slot]
    parts = [name for name in FLAGS if flags & FLAG_BITS[name]]
    for tid, regs in enumerate(program.regs):
        parts += [f"{tid}:{name}={format_value(program, state[slot])}" for name, slot in regs]
    parts += [f"{name}={'freed' if state[slot] == FREED else 'alive'}" for name, slot in program.objects]
    return "; ".join(parts)


def render_witness(witness: Witness, indent: str = "  ") -> str:
    """CPU columns; each step in its thread's column, prefixed by its source line number."""
    used = sorted({s.thread for s in witness.steps})
    cells = {t: [] for t in used}
    widths = {}
    for t in used:
        texts = [clip(cell_text(s)) for s in witness.steps if s.thread == t]
        widths[t] = max([len(witness.columns[t])] + [len(x) for x in texts])
        cells[t] = texts
    header = "   ".join(witness.columns[t].ljust(widths[t]) for t in used).rstrip()
    rule = "   ".join(("-" * len(witness.columns[t])).ljust(widths[t]) for t in used).rstrip()
    lines = [indent + header, indent + rule]
    for step in witness.steps:
        row = []
        for t in used:
            row.append(clip(cell_text(step)).ljust(widths[t]) if t == step.thread else " " * widths[t])
        lines.append(indent + "   ".join(row).rstrip())
    lines.append(indent + f"final: {witness.final}")
    return "\n".join(lines)


def cell_text(step: WitnessStep) -> str:
    """`line: source`, with the value a load returned (`=> 1`) before the text is clipped."""
    value = f"  => {step.value}" if step.value else ""
    room = MAX_CELL - len(value)
    head = f"{step.line:>3}: {step.text}"
    return (head if len(head) <= room else head[:max(8, room - 1)] + "…") + value


def clip(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"
