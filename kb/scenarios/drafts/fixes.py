"""Fix patches that change the racing functions recognisably become +fix-N/-fix-N variants.

Recognised changes (in added lines): READ_ONCE/WRITE_ONCE, data_race(), acquire/release, a
lock/unlock pair, refcount_inc_not_zero and friends, rcu_read_lock, synchronize_rcu, kfree_rcu/
call_rcu, smp_* barriers. Each becomes an edit of the draft's racing lines in that variant only.
"""

from __future__ import annotations

import re

from kb.scenarios.drafts.model import DraftModel, FixFacts, Line

HUNK_RE = re.compile(r"^@@ [^@]* @@\s*(.*)$")
LOCK_ADD = re.compile(r"\b(spin_lock|spin_lock_irq|spin_lock_irqsave|spin_lock_bh|mutex_lock|raw_spin_lock|down_write|"
                      r"write_lock)\s*\(\s*&?([^,)]+)")
PLAIN_READ = re.compile(r"^(\w+) = ([A-Za-z_][\w.]*(?:->[\w.]+)*);(.*)$")
PLAIN_WRITE = re.compile(r"^([A-Za-z_][\w.]*(?:->[\w.]+)*) = ([^;]+);(.*)$")
TRYGET = re.compile(r"\b(refcount_inc_not_zero|get_page_unless_zero|folio_try_get|kref_get_unless_zero|\w*_tryget\w*|"
                    r"atomic_inc_not_zero)\s*\(")


def find_changes(diff: str, labels: set[str]) -> tuple[set[str], str]:
    """Recognised change kinds in the hunks that touch a racing function, and a lock name."""
    kinds: set[str] = set()
    lock = ""
    relevant = False
    for line in diff.splitlines():
        hunk = HUNK_RE.match(line)
        if hunk:
            relevant = any(label in hunk.group(1) for label in labels)
            continue
        if not line.startswith("+") or line.startswith("+++"):
            continue
        added = line[1:]
        if not relevant and not any(label in added for label in labels):
            continue
        if "READ_ONCE(" in added or "WRITE_ONCE(" in added:
            kinds.add("once")
        if "data_race(" in added:
            kinds.add("data_race")
        if "smp_load_acquire(" in added or "smp_store_release(" in added:
            kinds.add("acquire")
        if re.search(r"\bsmp_(?:r|w)?mb\w*\(", added):
            kinds.add("barrier")
        if TRYGET.search(added):
            kinds.add("tryget")
        if "rcu_read_lock(" in added:
            kinds.add("rcu_reader")
        if "synchronize_rcu(" in added:
            kinds.add("synchronize_rcu")
        if "kfree_rcu(" in added or "call_rcu(" in added:
            kinds.add("kfree_rcu")
        match = LOCK_ADD.search(added)
        if match:
            lock = lock or match.group(2).strip()
    if lock and re.search(r"\+.*\b(?:spin_unlock|mutex_unlock|raw_spin_unlock|up_write|write_unlock)\w*\s*\(", diff):
        kinds.add("lock")
    return kinds, lock


def apply_fix(model: DraftModel, fix: FixFacts, variant: str) -> bool:
    """Add `variant`'s lines to the model; False when the fix changes nothing recognisable."""
    labels = {t.label for t in model.threads if len(t.label) > 3}
    kinds, lock = find_changes(fix.diff, labels)
    if not kinds:
        return False
    changed = False
    for thread in model.threads:
        new_lines: list[Line] = []
        racing = [i for i, line in enumerate(thread.lines) if line.mapped and not line.plus
                  and line.role in ("read", "write", "use", "free")]
        for i, line in enumerate(thread.lines):
            if racing and i == racing[0]:
                if "lock" in kinds:
                    new_lines.append(Line(f"spin_lock(&{lock_name(lock)});", True, "lock", plus=(variant,)))
                if "rcu_reader" in kinds and line.role in ("use", "read"):
                    new_lines.append(Line("rcu_read_lock();", True, "body", plus=(variant,)))
                if "synchronize_rcu" in kinds and line.role == "free":
                    new_lines.append(Line("synchronize_rcu();", True, "body", plus=(variant,)))
                if "barrier" in kinds:
                    new_lines.append(Line("smp_mb();", True, "body", plus=(variant,)))
            replacement = rewrite(line, kinds)
            if replacement is not None and not line.plus:
                line.minus = line.minus + (variant,)
                new_lines.append(line)
                new_lines += [Line(code, True, line.role, plus=(variant,)) for code in replacement]
                changed = True
            else:
                new_lines.append(line)
            if racing and i == racing[-1]:
                if "rcu_reader" in kinds and line.role in ("use", "read"):
                    new_lines.append(Line("rcu_read_unlock();", True, "body", plus=(variant,)))
                if "lock" in kinds:
                    new_lines.append(Line(f"spin_unlock(&{lock_name(lock)});", True, "lock", plus=(variant,)))
        changed = changed or len(new_lines) != len(thread.lines)
        thread.lines = new_lines
    if "lock" in kinds and f"spinlock_t {lock_name(lock)};" not in model.init:
        model.init.append(f"spinlock_t {lock_name(lock)};")
    if changed:
        model.variants.append((variant, f"{fix.summary[:120]} <{fix.message_id}>".strip()))
    return changed


def lock_name(raw: str) -> str:
    return "fix_" + (re.sub(r"\W+", "_", raw).strip("_") or "lock")


def rewrite(line: Line, kinds: set[str]) -> list[str] | None:
    """The variant's replacement for one racing line, or None to keep it."""
    code = line.code
    if line.role == "read":
        match = PLAIN_READ.match(code)
        if match and "(" not in match.group(2):
            reg, loc, rest = match.groups()
            for kind, call in (("acquire", "smp_load_acquire"), ("once", "READ_ONCE"), ("data_race", "data_race")):
                if kind in kinds:
                    return [f"{reg} = {call}({loc});{rest}"]
    if line.role == "write":
        match = PLAIN_WRITE.match(code)
        if match and "(" not in match.group(1):
            loc, value, rest = match.groups()
            for kind, call in (("acquire", "smp_store_release"), ("once", "WRITE_ONCE")):
                if kind in kinds:
                    return [f"{call}({loc}, {value});{rest}"]
    if line.role == "use" and "tryget" in kinds:
        obj = re.search(r"\(\s*(\w+)", code)
        if obj and code.startswith(("use(", "get(")):
            return [f"if (refcount_inc_not_zero({obj.group(1)})) {{ {code.split(';')[0]}; put({obj.group(1)}); }}"]
    if line.role == "free":
        obj = re.search(r"\(\s*(\w+)", code)
        if obj and code.startswith("kfree(") and "kfree_rcu" in kinds:
            return [f"kfree_rcu({obj.group(1)});"]
        if obj and code.startswith("kfree(") and "tryget" in kinds:
            return [f"put({obj.group(1)});"]
    return None
