"""Race histories: races of different threads that are the same bug.

Two races are one history when they share a bug identity:
- a syzbot bug (`Reported-by: syzbot+HASH@...`, `...appspot.com/bug?extid=HASH`);
- a bugzilla bug or a `Closes:` URL (a `Closes:` link to a lore message names the report's
  thread, whose root message id every race of that thread carries as a key);
- a `Fixes:` commit id (the bug a commit introduced);
- a patch series (v1..vN of one series share its revision key, from the series table);
- or the same two racing functions on the same object.
Shared words alone (symbols, titles) never link races. A key that more than MAX_KEY_RACES races
share says nothing about one bug (a big refactoring named by many Fixes: tags) and is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.extract.types import EvidenceSpan, MessageText, RaceFinding, ThreadText

VERSION = "0.2"
EXTRACTOR = "races.identity"
MAX_KEY_RACES = 30
MAX_IDENTITY_LINES = 8

_IDENTITY_LINE_RE = re.compile(
    r"^[ \t]*(?:(?:Reported(?:-and-tested)?-by|Closes|Fixes|Link|BugLink|Bugzilla)[ \t]*:[^\n]*|"
    r"[^\n]*(?:syzkaller\.appspot\.com/bug|bugzilla\.[a-z.]+/)[^\n]*)$",
    re.IGNORECASE | re.MULTILINE)
_SYZBOT_RE = re.compile(r"syzbot\+([0-9a-f]{8,40})@|[?&]extid=([0-9a-f]{8,40})", re.IGNORECASE)
_BUGZILLA_RE = re.compile(r"bugzilla\.([a-z0-9.-]+?)\.(?:org|com|net)/(?:show_bug\.cgi\?id=)?(\d+)",
                          re.IGNORECASE)
_FIXES_RE = re.compile(r"^\s*Fixes:\s*(?:commit\s+)?([0-9a-f]{8,40})\b", re.IGNORECASE)
_CLOSES_RE = re.compile(r"^\s*Closes:\s*<?(\S+?)>?\s*$", re.IGNORECASE)
_LORE_ID_RE = re.compile(r"https?://(?:lore\.kernel\.org|lkml\.kernel\.org|patch\.msgid\.link)"
                         r"/(?:[^/\s]+/)?(?:r/)?([^/\s]+@[^/\s]+?)/?$", re.IGNORECASE)
_IDENT_RE = re.compile(r"^_*[A-Za-z][A-Za-z0-9_]*(?:(?:->|\.)[A-Za-z0-9_]+)*$")


def find_identity_keys(line: str) -> list[str]:
    """Bug identity keys one line names (syzbot hash, bugzilla id, Fixes: commit, Closes:)."""
    keys = [f"syzbot:{(a or b).lower()}" for a, b in _SYZBOT_RE.findall(line)]
    keys += [f"bugzilla:{host.lower()}:{n}" for host, n in _BUGZILLA_RE.findall(line)]
    m = _FIXES_RE.match(line)
    if m:
        keys.append(f"commit:{m.group(1)[:8].lower()}")
    m = _CLOSES_RE.match(line)
    if m and not keys:
        url = m.group(1).rstrip(".,;)")
        lore = _LORE_ID_RE.match(url)
        keys.append(f"msgid:{lore.group(1).lower()}" if lore else f"url:{url.lower()}")
    return keys


def find_identity_evidence(thread: ThreadText) -> tuple[EvidenceSpan, ...]:
    """The lines of the thread's own text that name a bug identity, as race evidence (the
    first occurrence of each key; at most MAX_IDENTITY_LINES)."""
    seen: set[str] = set()
    out: list[EvidenceSpan] = []
    for msg in thread.messages:
        for start, end in msg.own_spans:
            if not _may_name_identity(msg, start, end):
                continue
            for m in _IDENTITY_LINE_RE.finditer(msg.body, start, end):
                keys = [k for k in find_identity_keys(m.group(0)) if k not in seen]
                if not keys:
                    continue
                seen.update(keys)
                a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                out.append(EvidenceSpan(msg.message_id, a, m.end(), msg.body[a:m.end()], EXTRACTOR,
                                    VERSION, 0.9))
                if len(out) >= MAX_IDENTITY_LINES:
                    return tuple(out)
    return tuple(out)


def _may_name_identity(msg: MessageText, start: int, end: int) -> bool:
    text = msg.body[start:end]
    return ":" in text and ("syz" in text or "ugzilla" in text or "ixes:" in text
                            or "loses:" in text)


def find_race_keys(race: RaceFinding) -> set[str]:
    """Identity keys of a race: from its identity evidence, plus its two racing functions on
    its object when all three are known identifiers."""
    keys = {k for e in race.evidence if e.extractor == EXTRACTOR for k in find_identity_keys(e.quote)}
    pair = [p.strip().rstrip("()") for p in race.participants[:2]]
    obj = (race.object or "").strip()
    if len(pair) == 2 and pair[0] != pair[1] and all(_IDENT_RE.match(p) for p in pair) \
            and obj and _IDENT_RE.match(obj) and obj not in pair:
        keys.add("pair:" + "|".join(sorted(p.lower() for p in pair)) + "@" + obj.lower())
    return keys


def link_race_histories(races: Sequence[RaceFinding],
                        extra_keys: Sequence[Sequence[str]] = ()) -> list[list[int]]:
    """Groups of race indexes sharing a bug identity key (union-find); `extra_keys[i]` adds keys
    the caller knows for race i (its thread's root message id, its series' revision key)."""
    parent = list(range(len(races)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key: dict[str, list[int]] = {}
    for i, race in enumerate(races):
        keys = find_race_keys(race)
        if i < len(extra_keys):
            keys.update(extra_keys[i])
        for k in keys:
            by_key.setdefault(k, []).append(i)
    for members in by_key.values():
        if 1 < len(members) <= MAX_KEY_RACES:
            root = find(members[0])
            for j in members[1:]:
                parent[find(j)] = root
    groups: dict[int, list[int]] = {}
    for i in range(len(races)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
