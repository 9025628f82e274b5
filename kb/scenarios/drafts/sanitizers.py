"""Drafts from sanitizer reports: KCSAN (two accesses, a data race) and KASAN use-after-free
(one object; one thread frees it, another accesses it)."""

from __future__ import annotations

import re

from kb.scenarios.drafts.model import DraftModel, DraftThread, Line, RaceFacts, make_ident, make_label
from kb.scenarios.drafts.text import clean_report, find_frames, pick_function

KCSAN_TITLE = re.compile(r"BUG: KCSAN: (data-race|assert: race) in (\S+)(?: / (\S+))?")
KCSAN_ACCESS = re.compile(r"^\s*(?:race at unknown origin, with )?(read-write|read|write|assert no (?:writes|accesses))"
                          r"(?: \(([a-z, ]+)\))? to (0x[0-9a-f]+) of (\d+) bytes by (?:task (\d+)|(interrupt))")
KCSAN_CHANGED = re.compile(r"^\s*value changed: (0x[0-9a-f]+) -> (0x[0-9a-f]+)")
KASAN_TITLE = re.compile(r"BUG: KASAN: ([\w-]+) in (\S+)")
KASAN_ACCESS = re.compile(r"^\s*(Read|Write) of size (\d+) at addr ([0-9a-f]+) by task (\S+)")
KASAN_SECTION = re.compile(r"^\s*(Allocated|Freed) by task (\d+)")
KASAN_CACHE = re.compile(r"which belongs to the cache (\S+)")
PATH_RE = re.compile(r"^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+$")


def find_title(lines: list[str], pattern: re.Pattern) -> int:
    return next((i for i, line in enumerate(lines) if pattern.search(line)), -1)


def draft_kcsan(facts: RaceFacts) -> DraftModel:
    lines = clean_report(facts.report)
    model = DraftModel(f"kcsan-race-{facts.race_id}", "a KCSAN report")
    start = find_title(lines, KCSAN_TITLE)
    if start < 0:
        model.missing.append("no 'BUG: KCSAN:' title in the evidence")
        return model
    model.drafted_from = f'a KCSAN report: "{lines[start].strip()}"'
    accesses = []
    changed = ""
    for i in range(start + 1, min(len(lines), start + 400)):
        match = KCSAN_ACCESS.match(lines[i])
        if match and len(accesses) < 2:
            frames = find_frames(lines, i + 1)
            accesses.append((match.group(1), match.group(2) or "", int(match.group(4)), pick_function(frames)))
        changed_match = KCSAN_CHANGED.match(lines[i])
        if changed_match:
            changed = f"{changed_match.group(1)} -> {changed_match.group(2)}"
        if lines[i].strip().startswith("Reported by Kernel Concurrency Sanitizer") or lines[i].startswith("====") \
                and len(accesses) == 2:
            break
    if len(accesses) < 2:
        title = KCSAN_TITLE.search(lines[start])
        model.missing.append(f"found {len(accesses)} of the 2 accesses of the report")
        names = [title.group(2), title.group(3) or ""] if title else []
        for name in names[len(accesses):]:
            model.threads.append(DraftThread(make_label(name, "task"), [Line(f"// {name}: access not reported", False)]))
        return model
    loc = pick_location(facts, accesses)
    model.init.append(f"{loc} = 0;")
    model.abstraction = (f"{loc} stands for the {accesses[0][2]}-byte word both accesses touch"
                         + (f" (value changed: {changed})" if changed else "") + ".")
    for index, (kind, marks, size, function) in enumerate(accesses):
        thread = DraftThread(make_label(function, f"task{index}"), note=f"{kind}{f' ({marks})' if marks else ''} of {size} bytes")
        thread.registers.append("entered = 1")
        thread.lines.append(Line(f"// {function}(): the reported {kind}", False))
        marked = "marked" in marks
        if kind.startswith("assert"):
            thread.lines.append(Line(f"// ASSERT_EXCLUSIVE: {kind}", False))
            thread.lines.append(Line(f"r{index} = READ_ONCE({loc});", True, "read"))
            thread.registers.append(f"r{index}")
            continue
        if kind in ("read", "read-write"):
            thread.registers.append(f"r{index}")
            thread.lines.append(Line(f"r{index} = {'READ_ONCE(' + loc + ')' if marked else loc};", True, "read"))
        if kind in ("write", "read-write"):
            value = f"r{index} + 1" if kind == "read-write" else "1"
            thread.lines.append(Line(f"WRITE_ONCE({loc}, {value});" if marked else f"{loc} = {value};", True, "write"))
        model.threads.append(thread)
    model.condition = "data_race"
    return model


def pick_location(facts: RaceFacts, accesses: list) -> str:
    """The variable or object when the thread names one, else a word named after the writer."""
    obj = facts.object.strip().replace("&", "")
    if PATH_RE.match(obj):
        return obj.replace("->", ".")
    writer = next((f for kind, _, _, f in accesses if "write" in kind), accesses[0][3])
    return f"{make_ident(writer, 'shared')}_data.word"


def draft_kasan(facts: RaceFacts) -> DraftModel:
    lines = clean_report(facts.report)
    model = DraftModel(f"kasan-race-{facts.race_id}", "a KASAN report")
    start = find_title(lines, KASAN_TITLE)
    if start < 0:
        model.missing.append("no 'BUG: KASAN:' title in the evidence")
        return model
    title = KASAN_TITLE.search(lines[start])
    kind = title.group(1)
    model.drafted_from = f'a KASAN report: "{lines[start].strip()}"'
    if "use-after-free" not in kind and kind != "double-free":
        model.missing.append(f"KASAN {kind} is not a use-after-free")
        return model
    access = ("Read", 0)
    sections: dict[str, str] = {}
    cache = ""
    accessor = title.group(2).split("+")[0]
    for i in range(start, min(len(lines), start + 600)):
        line = lines[i]
        match = KASAN_ACCESS.match(line)
        if match and access[1] == 0:
            access = (match.group(1), int(match.group(2)))
        section = KASAN_SECTION.match(line)
        if section and section.group(1) not in sections:
            sections[section.group(1)] = pick_function(find_frames(lines, i + 1))
        cache_match = KASAN_CACHE.search(line)
        if cache_match and not cache:
            cache = cache_match.group(1)
    trace = next((i for i in range(start, min(len(lines), start + 80)) if "Call Trace" in lines[i]), -1)
    if trace >= 0:
        accessor = pick_function(find_frames(lines, trace + 1)) or accessor
    freer = sections.get("Freed", "")
    if not freer:
        model.missing.append("the report has no 'Freed by task' stack")
        freer = "the freeing path"
    obj = "obj"
    model.init.append(f"object {obj};" + (f"  // an object of cache {cache}" if cache else ""))
    allocated = sections.get("Allocated", "")
    model.abstraction = (f"{obj} is the object KASAN reports" + (f" (cache {cache})" if cache else "")
                         + (f", allocated in {allocated}()" if allocated else "") + ".")
    free_thread = DraftThread(make_label(freer, "freer"))
    free_thread.lines.append(Line(f"// {freer}(): Freed by task", False))
    free_thread.lines.append(Line(f"kfree({obj});", True, "free"))
    use_thread = DraftThread(make_label(accessor, "accessor"))
    use_thread.lines.append(Line(f"// {accessor}(): {access[0]} of size {access[1]}", False))
    if kind == "double-free":
        use_thread.lines.append(Line(f"kfree({obj});", True, "free"))
        model.condition = "double_free"
    else:
        use_thread.lines.append(Line(f"use({obj});", True, "use"))
        model.condition = "uaf"
    model.threads += [free_thread, use_thread]
    return model
