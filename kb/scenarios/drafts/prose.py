"""Drafts from a race told in prose ("the inode ... has gone through shmem_evict_inode() ... it could
go away at any moment"; "address_space destroying when race happens between inode truncation and
__isolate_lru_page").

A column diagram in the evidence is drafted as a diagram. Otherwise two shapes are drafted, the ones
the words make explicit:
- an interleaving with explicit steps ("the page is looked up on one CPU, while another CPU removes it
  from one swap file then moves it to a different location"): one thread per side, each step mapped by
  its verb (look up/read/check: a read; remove/clear/move/set: a write; free: kfree; use: use); the
  condition is the other side's free, or a read that sees the state between two writes of the other side;
- an object the text says is freed (destroyed, evicted), and the two sides of the race, one of which
  frees it (its name says so: evict, truncate, destroy, release...) while the other uses it: a template
  of that claim, P0 frees and P1 uses, and the draft says so.
Nothing else of the code is modelled; anything less explicit stays incomplete.
"""

from __future__ import annotations

import re

from kb.scenarios.drafts.columns import split_columns
from kb.scenarios.drafts.diagram import draft_diagram
from kb.scenarios.drafts.model import DraftModel, DraftThread, Line, RaceFacts, make_ident, make_label
from kb.scenarios.drafts.text import clean_report

NOUN = r"([A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)*)"
FREED = (r"(?:freed|evicted|destroyed|released|torn down|gone away|go away|goes away|free(?:d)? already)")
FREED_AFTER = re.compile(NOUN + r"(?:\s*\([^)]*\))?(?:\s+(?:we're|we are|is|was|were|gets?|got|has|have|had|been|being|can|"
                         r"could|would|will|may|might|be|already|potentially|now|just|dealing|with)\b)*\s+" + FREED + r"\b")
FREED_BEFORE = re.compile(r"\b(?:freeing|destroying|evicting|kfree\(|use[- ]after[- ]free (?:of|on)|UAF (?:of|on))\s*"
                          r"(?:the\s+|a\s+|an\s+|that\s+)?" + NOUN)
NOUN_GERUND = re.compile(NOUN + r"\s+(?:destroying|destruction|freeing|teardown|eviction)\b")
GONE_THROUGH = re.compile(r"(?=\b" + NOUN + r"(?:\s+[\w']+){0,4}?\s+(?:has\s+|have\s+|had\s+)?(?:gone|went|goes)\s+through\b)")
FREE_SIDE = re.compile(r"free|evict|destroy|\btr\w{0,2}unc|release|exit|remov|delet|teardown|unregister|offline|kill|"
                       r"u(?:n)?mount|close|_put\b|\bput_", re.I)
# a freed object is a kernel identifier (`shmem_swaplist`, `q->elevator`) or one of the kernel's common object nouns
KERNEL_NOUNS = {"inode", "dentry", "page", "folio", "memcg", "css", "cgroup", "blkg", "blkcg", "bdi", "sb", "superblock",
                "task", "mm", "vma", "file", "sk", "skb", "request", "bio", "queue", "device", "dev", "disk", "mapping",
                "node", "entry", "work", "timer", "buffer", "object", "ctx", "context", "ns", "namespace", "cred",
                "pid", "kobj", "kobject", "ioc", "iocg", "tg", "lruvec", "mount", "mnt", "net", "socket", "event"}


UNIT = r"(?:CPU|cpu|thread|task|core|context)"
SIDES_RE = re.compile(r"(?P<a>[^.;:?!]*?)\s+on one " + UNIT + r",?\s+while\s+(?:another|the other|a second)\s+" + UNIT
                      + r"\s+(?P<b>[^.;:?!]*)")
STEP_SPLIT = re.compile(r",?\s+(?:and then|then|after that)\s+|,\s+|\s+and\s+(?=\w+s\b)")
VERBS = [("free", re.compile(r"\b(?:frees?|freed|freeing|destroys?|destroyed)\b")),
         ("use", re.compile(r"\b(?:uses?|used|accesse[sd]|access|dereferences?|dereferenced)\b")),
         ("read", re.compile(r"\b(?:looked up|looks? up|looking up|finds?|found|reads?|checks?|checked|sees?|saw|tests?)\b")),
         ("clear", re.compile(r"\b(?:removes?|removed|deletes?|deleted|clears?|cleared|unlinks?|unlinked)\b")),
         ("write", re.compile(r"\b(?:moves?|moved|sets?|changes?|changed|updates?|updated|replaces?|replaced|"
                              r"reuses?|reused|inserts?|inserted|adds?|added)\b"))]
THE_NOUN = re.compile(r"\b(?:the|a|an|this|that)\s+([A-Za-z_][\w]*)")


def map_step(step: str, obj: str, thread: DraftThread, written: list[int]) -> Line:
    """One prose step by its verb: a read, a write (a cleared state is 0, each other write a new value),
    a free or a use of the object; a step with no such verb is kept as a comment."""
    kind = next((name for name, regex in VERBS if regex.search(step)), "")
    if kind in ("free", "use"):
        return Line(f"{'kfree' if kind == 'free' else 'use'}({obj});   // {step}", True, kind)
    if kind == "read":
        reg = f"r{len(thread.registers)}"
        thread.registers.append(reg)
        return Line(f"{reg} = READ_ONCE({obj}.state);   // {step}", True, "read")
    if kind in ("clear", "write"):
        written.append(0 if kind == "clear" else sum(1 for value in written if value) + 2)
        return Line(f"WRITE_ONCE({obj}.state, {written[-1]});   // {step}", True, "write")
    return Line(f"// {step}", False)


def draft_steps(facts: RaceFacts, sides: re.Match) -> DraftModel:
    """Two sides told step by step; the object is the last noun the first side names (`the page`)."""
    model = DraftModel(f"prose-race-{facts.race_id}", "an interleaving told in prose (its steps mapped by their verbs)")
    nouns = [n for n in THE_NOUN.findall(sides.group("a")) if n.lower() not in ("same", "other", "one", "first")]
    obj = make_ident(nouns[-1] if nouns else facts.object, "obj")
    threads = [DraftThread("one_side"), DraftThread("other_side")]
    writes: list[list[int]] = [[], []]
    for thread, text, written in zip(threads, (sides.group("a"), sides.group("b")), writes):
        thread.lines = [map_step(step.strip(), obj, thread, written) for step in STEP_SPLIT.split(text) if step.strip()]
    model.threads = threads
    roles = [{line.role for line in t.lines if line.mapped} for t in threads]
    if any("free" in r for r in roles):
        model.init.append(f"object {obj};")
        model.condition = "uaf"
    else:
        model.init.append(f"{obj}.state = 1;   // where {obj} is before either side runs")
        for index, (thread, written) in enumerate(zip(threads, reversed(writes))):
            if thread.registers and len(written) >= 2:  # the other side's state between its writes
                model.condition = f"{index}:{thread.registers[0]}={written[0]}"
                break
    model.abstraction = (f"{obj}.state stands for where {obj} is; each side's steps are the sentence's, in order; "
                         "nothing else of the code is modelled.")
    return model


def find_freed_object(text: str, hint: str) -> str:
    """The object the text says is freed: the race's own object when the text frees it, else the first
    noun the text pairs with freeing."""
    names = []
    for regex in (FREED_AFTER, FREED_BEFORE, NOUN_GERUND, GONE_THROUGH):
        names += [(m.start(), m.group(1)) for m in regex.finditer(text)]
    names = [(pos, name) for pos, name in sorted(names) if is_object_name(name)]
    if hint and any(name == hint or name.endswith(("->" + hint, "." + hint)) for _, name in names):
        return hint
    return names[0][1] if names else ""


def is_object_name(name: str) -> bool:
    return bool(re.search(r"_|->|\.", name)) and not name[0].isdigit() or name.lower() in KERNEL_NOUNS


def split_sides(participants: tuple[str, ...]) -> tuple[str, str]:
    """(freeing side, using side): exactly one participant's name must say it frees."""
    freers = [p for p in participants if FREE_SIDE.search(p)]
    users = [p for p in participants if not FREE_SIDE.search(p)]
    if len(freers) == 1 and len(users) <= 1:
        return freers[0], users[0] if users else ""
    return "", ""


def name_side(participant: str, fallback: str) -> str:
    """A thread label: the function's own name (`__isolate_lru_page`), or the words joined (`inode_truncation`)."""
    if re.fullmatch(r"[A-Za-z_]\w*(?:\(\))?", participant):
        return make_label(participant, fallback)
    return make_ident(participant, fallback) if participant else fallback


def draft_prose(facts: RaceFacts) -> DraftModel:
    if split_columns(clean_report(facts.report))[0]:
        return draft_diagram(facts)
    sides = SIDES_RE.search(" ".join(clean_report(facts.report)))
    if sides:
        return draft_steps(facts, sides)
    model = DraftModel(f"prose-race-{facts.race_id}", "the race's sentences (a template of their claim)")
    text = " ".join(clean_report(facts.report))
    obj_text = find_freed_object(text, facts.object)
    freer, user = split_sides(facts.participants)
    if not obj_text:
        model.missing.append("the text names no object that is freed")
    if not freer:
        model.missing.append("no participant of the race is the side that frees")
    if model.missing:
        return model
    obj = make_ident(obj_text.replace("->", ".").split(".")[-1], "obj")
    model.init.append(f"object {obj};   // {obj_text}, which the text says is freed")
    free_thread = DraftThread(name_side(freer, "freer"))
    free_thread.lines += [Line(f"// {freer}", False), Line(f"kfree({obj});", True, "free")]
    use_thread = DraftThread(name_side(user, "other_side"))
    use_thread.lines += [Line(f"// {user or 'the other side of the race'} still holds {obj_text}", False),
                         Line(f"use({obj});", True, "use")]
    model.threads += [free_thread, use_thread]
    model.condition = "uaf"
    model.abstraction = (f"a template of the sentence's claim: {freer} frees {obj_text} while "
                         f"{user or 'the other side'} uses it; no lock, reference or window of the code is modelled.")
    return model
