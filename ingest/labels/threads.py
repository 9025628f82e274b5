"""Threads of a message cache: union-find over Message-ID, In-Reply-To and References.

thread_id is the root: a present message none of whose parents is present; with several
candidates, the one most members reference (then the earliest date string, then the id).
message_ids is every member in reply order (depth-first).
"""

from __future__ import annotations

from collections import defaultdict

from ingest.thread import group_components


def group_threads(msgs: dict[str, dict]) -> dict[str, list[str]]:
    """{root message-id: [member message-ids in reply order]} for every component."""
    groups = group_components({mid: rec["refs"] + rec["irt"] for mid, rec in msgs.items()})
    out = {}
    for members in groups:
        root = choose_root(msgs, members)
        out[root] = [m for m, _ in order_thread(msgs, members)]
    return out


def choose_root(msgs: dict[str, dict], members: list[str]) -> str:
    mset = set(members)
    roots = [m for m in members if not any(p in mset for p in msgs[m]["refs"] + msgs[m]["irt"])]

    def cited(m: str) -> int:
        return sum(1 for o in members if m in msgs[o]["refs"] or m in msgs[o]["irt"])

    roots.sort(key=lambda m: (-cited(m), msgs[m]["date"], m))
    return roots[0] if roots else sorted(members)[0]


def find_parent(msgs: dict[str, dict], mid: str, mset: set[str]) -> str | None:
    """The nearest present parent: In-Reply-To first, then References from the end."""
    rec = msgs[mid]
    for p in rec["irt"]:
        if p in mset and p != mid:
            return p
    for p in reversed(rec["refs"]):
        if p in mset and p != mid:
            return p
    return None


def order_thread(msgs: dict[str, dict], members: list[str]) -> list[tuple[str, int]]:
    """(message-id, depth) depth-first, parents before children, siblings in member order."""
    mset = set(members)
    kids: dict[str, list[str]] = defaultdict(list)
    tops = []
    for m in members:
        par = find_parent(msgs, m, mset)
        (kids[par] if par else tops).append(m)
    root = choose_root(msgs, members)
    tops.sort(key=lambda m: m != root)
    res: list[tuple[str, int]] = []
    seen: set[str] = set()
    stack = [(t, 0) for t in reversed(tops)]
    while stack:
        m, d = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        res.append((m, d))
        stack.extend((k, d + 1) for k in reversed(kids[m]))
    res.extend((m, 0) for m in members if m not in seen)  # reply cycles: keep every member
    return res
