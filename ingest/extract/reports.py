"""Sanitizer and lockdep reports inside mail bodies: KCSAN, KASAN, lockdep, syzbot envelopes.

`find_reports(body)` returns one `Report` per report title found (quoted copies included; the
caller de-duplicates by `key`). Lines are normalised first: `>` quote prefixes, `[  77.6]`
timestamps, `[ T404]` caller ids and `=`-soft-wrapped lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_RE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_STAMP_RE = re.compile(r"^\s*\[\s*\d+\.\d+\]\s?(?:\[\s*[TC]\d+\]\s?)?|^\s*\[\s*[TC]\d+\]\s?")

KCSAN_TITLE = re.compile(r"^\s*BUG: KCSAN: (data-race|assert: race) in (\S+)(?: / (\S+))?\s*$")
KCSAN_ACCESS = re.compile(
    r"^\s*(?:race at unknown origin, with )?(read-write|read|write|assert no (?:writes|accesses))"
    r"(?: \(([a-z, ]+)\))? to (0x[0-9a-f]+) of (\d+) bytes by (?:task (\d+)|(interrupt))"
    r"(?: on cpu (\d+))?:\s*$")
KCSAN_VALUE = re.compile(r"^\s*value changed: (0x[0-9a-f]+) -> (0x[0-9a-f]+)")
KASAN_TITLE = re.compile(
    r"^\s*BUG: KASAN: ([\w-]+) in (\S+)(?: \[(\w+)\])?(?: (\S+:\d+))?(?: \[inline\])?\s*$")
KASAN_ACCESS = re.compile(r"^\s*(Read|Write) of size (\d+) at addr ([0-9a-f]+) by task (\S+?)/(\d+)")
KASAN_FREED = re.compile(r"^\s*Freed by task (\d+):")
KASAN_CACHE = re.compile(r"which belongs to the cache (\S+)")
LOCKDEP_TITLE = re.compile(
    r"^\s*(?:WARNING: )?(possible circular locking dependency detected|possible recursive locking "
    r"detected|inconsistent lock state|possible irq lock inversion dependency detected|"
    r"\w+-safe -> \w+-unsafe lock order detected|suspicious RCU usage|"
    r"bad unlock balance detected!)")
LOCKDEP_LOCK = re.compile(r"^\s*[0-9a-f]+ \((.+?)\)\{[^}]*\}(?:-\{\d+:\d+\})?, at: (\S+)")
LOCKDEP_EDGE = re.compile(r"^\s*-> #(\d+) \((.+?)\)\{")
LOCKDEP_CHAIN = re.compile(r"^\s*Chain exists of:")
SCENARIO_HEAD = re.compile(r"^(\s*)(CPU0|T0|Thread ?A)\s+(CPU1|T1|Thread ?B)\s*$")
SYZBOT_ENVELOPE = re.compile(r"(?:syzbot|syzkaller) (?:has )?found the following (?:issue|crash)")
FRAME_RE = re.compile(r"^\s*(?:\?\s+)?([A-Za-z_][\w.]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+|\s+\(|\s+\S+\.[ch]:\d+|\s*$)")
FILE_RE = re.compile(r"\b((?:[a-z0-9_-]+/)+[\w.-]+\.[ch]):\d+")

_SKIP_FRAME = re.compile(
    r"^(?:instrument_|__tsan_|kcsan_|__kcsan|kasan_|__kasan|___?set_bit|___?clear_bit|_*raw_|"
    r"local_lock|check_prev|down_trylock|down_read|down_write|lock_|_*spin_lock|_*mutex_|"
    r"__asan|check_memory_region|lock_acquire|__lock_acquire|check_prev_add|validate_chain|"
    r"__mutex_lock|mutex_lock|_raw_spin_lock|_raw_read_lock|_raw_write_lock|down_|percpu_down|"
    r"__down|rwsem_|lock_sock|dump_stack|print_|save_stack|stack_trace|kfree$|kfree_|"
    r"kmem_cache_free|slab_free|__slab_free|do_slab_free|rcu_do_batch|rcu_core|__rcu_|"
    r"kmalloc|__kmalloc|kzalloc|kmem_cache_alloc|poison_|__do_softirq|handle_softirqs|"
    r"srso_|ret_from_fork|kthread|worker_thread|process_one_work|entry_SYSCALL|do_syscall)")

KASAN_CONSEQUENCE = {"use-after-free": "use-after-free", "slab-use-after-free": "use-after-free",
                     "double-free": "use-after-free", "invalid-free": "use-after-free"}


@dataclass(frozen=True)
class Report:
    kind: str                      # kcsan | kasan | lockdep | syzbot
    title: str                     # the title line as normalised
    start: int                     # span of the title line in the original body
    end: int
    functions: tuple[str, ...]     # racing / accessing / locking functions
    symbols: tuple[str, ...]       # functions, locks, variables named by the report
    object: str                    # lock chain, KASAN cache, variable, ...
    consequence: str               # data-race | use-after-free | deadlock | other
    steps: tuple[str, ...]         # interleaving / access steps
    files: tuple[str, ...]         # source files named in frames
    is_race: bool                  # a concurrency report (KCSAN, KASAN UAF, lockdep deadlock)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.kind, *sorted(self.functions[:2]))


def normalise_lines(body: str) -> list[tuple[str, int, int]]:
    """(clean line, start, end) in the original body; soft-wrapped '=' lines are joined."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    pending: tuple[str, int] | None = None
    for raw in body.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start, end = pos, pos + len(line)
        pos += len(raw)
        clean = _STAMP_RE.sub("", _QUOTE_RE.sub("", line), count=1)
        if pending is not None:
            clean, start = pending[0] + clean, pending[1]
            pending = None
        if clean.endswith("=") and not clean.endswith("==") and len(clean) > 20:
            pending = (clean[:-1], start)
            continue
        out.append((clean, start, end))
    if pending is not None:
        out.append((pending[0], pending[1], len(body)))
    return out


def _strip_offset(func: str) -> str:
    return re.sub(r"\+0x[0-9a-f]+/0x[0-9a-f]+$", "", func).split(".", 1)[0] or func


def _read_frames(lines, i: int, limit: int = 40) -> tuple[list[str], list[str]]:
    """Function names (instrumentation skipped) and files of the stack starting at line i."""
    funcs, files = [], []
    for clean, _, _ in lines[i:i + limit]:
        if not clean.strip() or clean.strip().startswith(("<snip>", "...")) and funcs:
            if funcs:
                break
            continue
        if re.match(r"^\s*(?:<TASK>|</TASK>|<IRQ>|</IRQ>|\|)", clean):
            continue
        m = FRAME_RE.match(clean)
        if not m or clean.rstrip().endswith(":") and "+0x" not in clean:
            if funcs:
                break
            continue
        files += FILE_RE.findall(clean)
        name = m.group(1)
        if not _SKIP_FRAME.match(name):
            funcs.append(_strip_offset(name))
    return funcs, files


def _parse_kcsan(lines, i, m) -> Report:
    title_funcs = [_strip_offset(f) for f in (m.group(2), m.group(3)) if f]
    steps, funcs, files, symbols = [], [], [], []
    value = ""
    for j in range(i + 1, min(len(lines), i + 120)):
        clean = lines[j][0]
        if KCSAN_TITLE.match(clean) or KASAN_TITLE.match(clean):
            break
        a = KCSAN_ACCESS.match(clean)
        if a:
            stack, fl = _read_frames(lines, j + 1)
            who = f"task {a.group(5)}" if a.group(5) else "interrupt"
            where = stack[0] if stack else "?"
            funcs.append(where)
            files += fl
            cpu = f" on cpu {a.group(7)}" if a.group(7) else ""
            steps.append(f"{a.group(1)} of {a.group(4)} bytes at {a.group(3)} by {who}{cpu} "
                         f"in {where}")
        v = KCSAN_VALUE.match(clean)
        if v:
            value = f"{v.group(1)} -> {v.group(2)}"
        if clean.startswith("Reported by Kernel Concurrency Sanitizer"):
            break
    functions = tuple(dict.fromkeys(title_funcs or funcs))
    symbols = tuple(dict.fromkeys([*functions, *funcs]))
    obj = f"shared memory written by {funcs[0]}" if funcs else ""
    if value:
        steps.append(f"value changed: {value}")
    return Report("kcsan", lines[i][0].strip(), lines[i][1], lines[i][2], functions, symbols, obj,
                  "data-race", tuple(steps), tuple(dict.fromkeys(files)), True)


def _parse_kasan(lines, i, m) -> Report:
    kind = m.group(1)
    access_func = _strip_offset(m.group(2))
    j = i + 1
    while j < len(lines) and KASAN_TITLE.match(lines[j][0]):   # repeated per inlined frame
        access_func = _strip_offset(KASAN_TITLE.match(lines[j][0]).group(2))
        j += 1
    steps, files, freer, obj = [], [], "", ""
    for k in range(j, min(len(lines), j + 200)):
        clean = lines[k][0]
        if KASAN_TITLE.match(clean) or clean.startswith("Memory state around"):
            break
        a = KASAN_ACCESS.match(clean)
        if a:
            steps.append(f"{a.group(1).lower()} of {a.group(2)} bytes by task {a.group(4)}/"
                         f"{a.group(5)} in {access_func}")
        f = KASAN_FREED.match(clean)
        if f:
            stack, fl = _read_frames(lines, k + 1)
            files += fl
            freer = stack[0] if stack else ""
            if freer:
                steps.append(f"freed by task {f.group(1)} in {freer}")
        c = KASAN_CACHE.search(clean)
        if c:
            obj = f"object in cache {c.group(1)}"
        files += FILE_RE.findall(clean)
    functions = tuple(dict.fromkeys(f for f in (access_func, freer) if f))
    consequence = KASAN_CONSEQUENCE.get(kind, "other")
    return Report("kasan", lines[i][0].strip(), lines[i][1], lines[i][2], functions, functions,
                  obj, consequence, tuple(steps), tuple(dict.fromkeys(files)),
                  consequence == "use-after-free")


def _parse_scenario(lines, k) -> list[str]:
    head = SCENARIO_HEAD.match(lines[k][0])
    col = lines[k][0].index(head.group(3))
    steps = []
    for clean, _, _ in lines[k + 1:k + 30]:
        if "DEADLOCK" in clean or (not clean.strip() and steps):
            break
        text = clean.strip()
        if not text or set(text) <= set("- "):
            continue
        indent = len(clean) - len(clean.lstrip())
        side = head.group(3) if indent >= col - 4 else head.group(2)
        steps.append(f"{side}: {text}")
    return steps


def _parse_lockdep(lines, i, m) -> Report:
    title = m.group(1)
    locks, functions, steps, files, chain = [], [], [], [], ""
    for k in range(i + 1, min(len(lines), i + 250)):
        clean = lines[k][0]
        if LOCKDEP_TITLE.match(clean) or KCSAN_TITLE.match(clean) or KASAN_TITLE.match(clean):
            break
        lk = LOCKDEP_LOCK.match(clean)
        if lk:
            locks.append(lk.group(1))
            functions.append(_strip_offset(lk.group(2)))
        e = LOCKDEP_EDGE.match(clean)
        if e:
            locks.append(e.group(2))
            stack, fl = _read_frames(lines, k + 1)
            files += fl
            if stack:
                functions.append(stack[0])
                steps.append(f"#{e.group(1)} {stack[0]}: takes {e.group(2)}")
        if LOCKDEP_CHAIN.match(clean) and k + 1 < len(lines):
            chain = lines[k + 1][0].strip()
        if SCENARIO_HEAD.match(clean):
            steps += _parse_scenario(lines, k)
        if "*** DEADLOCK ***" in clean:
            break
    locks = list(dict.fromkeys(locks))
    deadlockish = "RCU" not in title and "unlock balance" not in title
    obj = chain or " / ".join(locks[:3])
    return Report("lockdep", lines[i][0].strip(), lines[i][1], lines[i][2],
                  tuple(dict.fromkeys(functions)), tuple(dict.fromkeys([*locks, *functions])),
                  obj, "deadlock" if deadlockish else "other", tuple(steps),
                  tuple(dict.fromkeys(files)), deadlockish)


_GENERIC_TITLE = re.compile(
    r"^\s*(?:WARNING: .*? in |WARNING: CPU: \d+ PID: \d+ at \S+ |BUG: unable to handle .* in |"
    r"general protection fault.*in |KASAN: .* in )(\S+)")


_REPORT_WORDS = ("KCSAN", "KASAN", "locking dependency", "recursive locking", "inconsistent lock",
                 "lock inversion", "lock order detected", "RCU usage", "unlock balance",
                 "syzbot", "syzkaller")


def find_reports(body: str) -> list[Report]:
    """Every KCSAN / KASAN / lockdep report title in a body, with what follows it parsed."""
    if not any(w in body for w in _REPORT_WORDS):
        return []
    lines = normalise_lines(body)
    reports: list[Report] = []
    syz = bool(SYZBOT_ENVELOPE.search(body))
    for i, (clean, start, end) in enumerate(lines):
        if "BUG: KCSAN" in clean and (m := KCSAN_TITLE.match(clean)):
            reports.append(_parse_kcsan(lines, i, m))
        elif "BUG: KASAN" in clean and (m := KASAN_TITLE.match(clean)):
            if i and KASAN_TITLE.match(lines[i - 1][0]):
                continue
            reports.append(_parse_kasan(lines, i, m))
        elif "lock" in clean or "RCU" in clean:
            m = LOCKDEP_TITLE.match(clean)
            if m and not clean.strip().startswith(("Subject", "Re:")):
                reports.append(_parse_lockdep(lines, i, m))
    if syz and not reports:
        for i, (clean, start, end) in enumerate(lines):
            m = _GENERIC_TITLE.match(clean)
            if m:
                reports.append(Report("syzbot", clean.strip(), start, end,
                                      (_strip_offset(m.group(1)),), (_strip_offset(m.group(1)),),
                                      "", "other", (), (), False))
                break
    return reports
