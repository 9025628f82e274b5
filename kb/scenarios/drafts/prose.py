"""Drafts from a race told in prose ("the inode ... has gone through shmem_evict_inode() ... it could
go away at any moment"; "address_space destroying when race happens between inode truncation and
__isolate_lru_page").

A column diagram in the evidence is drafted as a diagram. Otherwise only one shape is drafted, the
one the words make explicit: an object the text says is freed (destroyed, evicted), and the two sides
of the race, one of which frees it (its name says so: evict, truncate, destroy, release...) while the
other uses it. The draft is a template of that claim, P0 frees and P1 uses, and says so; nothing else
of the code is modelled. Without a freed object or without a freeing side the draft stays incomplete.
"""

from __future__ import annotations

import re

from kb.scenarios.drafts.diagram import draft_diagram, split_columns
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
