"""Drafts from lockdep splats: one thread per edge of "the existing dependency chain" (taking its
lock pair in order), or, for irq-state reports, the CPU columns of "Possible unsafe locking
scenario" with the <Interrupt> lines inlined where the table puts them. The condition is deadlock."""

from __future__ import annotations

import re

from kb.scenarios.drafts.model import DraftModel, DraftThread, Line, RaceFacts, make_ident, make_label
from kb.scenarios.drafts.text import clean_report, find_frames, pick_function

TITLE_RE = re.compile(r"WARNING: (possible circular locking dependency detected|possible recursive locking detected|"
                      r"inconsistent lock state|possible irq lock inversion dependency detected|"
                      r"\w+-safe -> \w+-unsafe lock order detected)")
HELD_RE = re.compile(r"^\s*[0-9a-f]*\s*\((.+?)\)\{[^}]*\}(?:-\{(\d+):\d+\})?, at: (\S+)")
EDGE_RE = re.compile(r"^\s*-> #(\d+) \((.+?)\)\{[^}]*\}(?:-\{(\d+):\d+\})?")
CELL_RE = re.compile(r"(lock|rlock|wlock|unlock)\((.+?)\);?\s*$")


def lock_call(lock: str, wait: str | None) -> tuple[str, str]:
    """(lock, unlock) calls for a lock class: sleeping locks ({3:3}) as mutexes, others as spinlocks."""
    if wait in ("3", "4"):
        return f"mutex_lock(&{lock});", f"mutex_unlock(&{lock});"
    return f"spin_lock(&{lock});", f"spin_unlock(&{lock});"


def draft_lockdep(facts: RaceFacts) -> DraftModel:
    lines = clean_report(facts.report)
    model = DraftModel(f"lockdep-race-{facts.race_id}", "a lockdep report")
    start = next((i for i, line in enumerate(lines) if TITLE_RE.search(line)), -1)
    if start < 0:
        model.missing.append("no lockdep WARNING title in the evidence")
        return model
    title = TITLE_RE.search(lines[start]).group(1)
    model.drafted_from = f'a lockdep report: "WARNING: {title}"'
    model.condition = "deadlock"
    end = next((i for i in range(start + 1, len(lines)) if "*** DEADLOCK ***" in lines[i]), min(len(lines), start + 800))
    body = lines[start:end + 1]
    if title.startswith("possible circular") and draft_from_chain(model, body):
        return model
    if not draft_from_table(model, body):
        model.missing.append("neither a dependency chain nor a 'Possible unsafe locking scenario' table was found")
    return model


def draft_from_chain(model: DraftModel, body: list[str]) -> bool:
    edges: dict[int, tuple[str, str | None, str]] = {}
    acquiring = holding = None
    for i, line in enumerate(body):
        if "is trying to acquire lock" in line and i + 1 < len(body):
            acquiring = HELD_RE.match(body[i + 1])
        if "already holding lock" in line and i + 1 < len(body):
            holding = HELD_RE.match(body[i + 1])
        match = EDGE_RE.match(line)
        if match:
            edges[int(match.group(1))] = (match.group(2), match.group(3), pick_function(find_frames(body, i + 1)))
    if len(edges) < 2 or 0 not in edges:
        return False
    top = max(edges)
    if sorted(edges) != list(range(top + 1)):
        return False
    locks = {n: make_ident(edges[n][0], f"lock{n}") for n in edges}
    waits = {n: edges[n][1] for n in edges}
    for n in sorted(edges):
        model.init.append(f"{'struct mutex' if waits[n] in ('3', '4') else 'spinlock_t'} {locks[n]};")
    for n in sorted(edges):
        held = top if n == 0 else n - 1  # edge #0: the report's task; edge #n: holds #(n-1), takes #n
        function = edges[n][2]
        if n == 0 and acquiring is not None:
            function = acquiring.group(3).split("+")[0]
        take_held, release_held = lock_call(locks[held], waits[held])
        take, release = lock_call(locks[n], waits[n])
        thread = DraftThread(make_label(function, f"edge{n}"), note=f"edge #{n}: holds {edges[held][0]}, takes {edges[n][0]}")
        thread.lines += [Line(take_held, True, "lock"), Line(take, True, "lock"),
                         Line(release, True, "lock"), Line(release_held, True, "lock")]
        model.threads.append(thread)
    model.abstraction = "one thread per dependency-chain edge; each takes its pair of locks in the order lockdep recorded."
    del holding
    return True


def draft_from_table(model: DraftModel, body: list[str]) -> bool:
    head = next((i for i, line in enumerate(body) if re.search(r"\bCPU0\b", line) and "Possible" not in line
                 and i and "scenario" in " ".join(body[max(0, i - 3):i])), -1)
    if head < 0:
        return False
    starts = [m.start() for m in re.finditer(r"CPU\d", body[head])]
    columns: list[list[str]] = [[] for _ in starts]
    for line in body[head + 1:]:
        if "*** DEADLOCK ***" in line:
            break
        text = line.expandtabs(8)
        if not text.strip() or set(text.strip()) <= {"-", " "}:
            continue
        pos = len(text) - len(text.lstrip())
        col = max((k for k, s in enumerate(starts) if s <= pos + 2), default=0)
        columns[col].append(text.strip())
    locks: dict[str, str] = {}
    for index, cells in enumerate(columns):
        thread = DraftThread(f"cpu{index}")
        held: list[str] = []
        in_irq = False
        for cell in cells:
            if cell.startswith("<Interrupt>"):
                in_irq = True
                thread.lines.append(Line("// <Interrupt>: the handler runs here, on this CPU", False))
                continue
            match = CELL_RE.match(cell)
            if not match or match.group(1) == "unlock":
                thread.lines.append(Line(f"// {cell}", False))
                continue
            name = locks.setdefault(match.group(2), make_ident(match.group(2), f"lock{len(locks)}"))
            thread.lines.append(Line(f"spin_lock(&{name});{'   // in the interrupt' if in_irq else ''}", True, "lock"))
            held.append(name)
        thread.lines += [Line(f"spin_unlock(&{name});", True, "lock") for name in reversed(held)]
        model.threads.append(thread)
    model.init += [f"spinlock_t {name};" for name in locks.values()]
    model.abstraction = ("the two CPU columns of lockdep's 'Possible unsafe locking scenario'; an <Interrupt> "
                         "runs its locks on the interrupted CPU, inline.")
    return any(t.mapped for t in model.threads)
