"""JWZ threading with ghosts, the way public-inbox and notmuch count threads.

A thread is a connected component of the graph Message-ID -- References/In-Reply-To (ghosts,
ids referenced but not present, connect their replies). There is no subject merging: notmuch
and public-inbox do not merge by subject either, and kb's thread count must match theirs.

Inside a component the tree follows JWZ (https://www.jwz.org/doc/threading.html) as
public-inbox's SearchThread.pm applies it:
  * a message's reference chain is References followed by In-Reply-To (first occurrence of an
    id wins, self-references dropped); its parent is the last id of the chain;
  * consecutive ids of a chain link a container to its predecessor only when that container
    has no parent yet and is not a present message with references of its own (its own
    headers win); the first chain (in input order) wins;
  * loops are broken afterwards: in each cycle the present message with the earliest date
    (then input order) becomes parentless;
  * when a component still has several tops, the top with the earliest date is the main one
    and the others holding present messages hang below it; ghost-only tops stay parentless.
Siblings are ordered by date (a ghost by the earliest date below it; undated after dated, then
input order). `members` lists the present messages depth-first in that order and
`root_id == members[0]`: the top message, or - when the top is a ghost - its earliest
present descendant reached through ghosts only.
Everything is iterative: 10,000-long reference chains need no recursion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

_NO_DATE = float("inf")


@dataclass(frozen=True)
class ThreadLink:
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    date: datetime | None


@dataclass(frozen=True)
class ThreadTree:
    root_id: str
    members: tuple[str, ...]                 # present messages, depth-first reply order
    parents: Mapping[str, str | None]        # members and ghosts -> parent (maybe a ghost)
    ghosts: frozenset[str]                   # referenced, not present, in this thread


def build_chain(link: ThreadLink) -> list[str]:
    """References then In-Reply-To, first occurrence kept, own id and empties dropped."""
    ids = list(link.references)
    if link.in_reply_to:
        ids.append(link.in_reply_to)
    own = link.message_id
    return [mid for mid in dict.fromkeys(ids) if mid and mid != own]


def find_root(parent: list[int], node: int) -> int:
    """Union-find root with path halving."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def thread_messages(links: Iterable[ThreadLink]) -> tuple[ThreadTree, ...]:
    """Group links into threads; every distinct input id is a member of exactly one tree."""
    index: dict[str, int] = {}
    ids: list[str] = []
    keys: list[float] = []          # own date as timestamp (inf: none / ghost)
    real: list[bool] = []
    chains: list[list[int]] = []    # per real message, in input order

    def intern(mid: str) -> int:
        node = index.get(mid)
        if node is None:
            node = index[mid] = len(ids)
            ids.append(mid)
            keys.append(_NO_DATE)
            real.append(False)
        return node

    real_nodes: list[int] = []
    for link in links:
        node = intern(link.message_id)
        if real[node]:
            continue  # duplicate id: the first link wins
        real[node] = True
        keys[node] = _timestamp(link.date)
        real_nodes.append(node)
        chains.append([intern(mid) for mid in build_chain(link)])
    count = len(ids)
    parent = [-1] * count
    has_own = [False] * count
    for node, chain in zip(real_nodes, chains):
        if chain:
            parent[node] = chain[-1]
            has_own[node] = True
    for chain in chains:
        for prev, ref in zip(chain, chain[1:]):
            if parent[ref] == -1 and not has_own[ref]:
                parent[ref] = prev
    order = [count] * count
    for position, node in enumerate(real_nodes):
        order[node] = position
    break_cycles(parent, real, keys, order)
    return tuple(assemble_trees(ids, parent, real, keys, order, chains, real_nodes))



def _timestamp(date: datetime | None) -> float:
    if date is None:
        return _NO_DATE
    try:
        return date.timestamp()
    except (OverflowError, ValueError, OSError):
        return _NO_DATE


def break_cycles(parent: list[int], real: list[bool], keys: list[float],
                 order: list[int]) -> None:
    """Cut every cycle of the parent graph (each node has at most one parent)."""
    state = [0] * len(parent)  # 0 new, 1 on current path, 2 done
    for start in range(len(parent)):
        if state[start]:
            continue
        path = []
        node = start
        while node != -1 and state[node] == 0:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node != -1 and state[node] == 1:
            cycle = path[path.index(node):]
            cut = min(cycle, key=lambda n: (not real[n], keys[n], order[n], n))
            parent[cut] = -1
        for member in path:
            state[member] = 2


def assemble_trees(ids: list[str], parent: list[int], real: list[bool], keys: list[float],
                   order: list[int], chains: list[list[int]], real_nodes: list[int]
                   ) -> list[ThreadTree]:
    count = len(ids)
    union = list(range(count))
    for node in range(count):
        if parent[node] != -1:
            union[find_root(union, node)] = find_root(union, parent[node])
    for node, chain in zip(real_nodes, chains):
        for ref in chain:
            a, b = find_root(union, node), find_root(union, ref)
            if a != b:
                union[a] = b
    children: list[list[int]] = [[] for _ in range(count)]
    for node in range(count):
        if parent[node] != -1:
            children[parent[node]].append(node)
    sort_key = compute_sort_keys(parent, children, real, keys, order)
    tops: dict[int, list[int]] = {}
    for node in range(count):
        if parent[node] == -1:
            tops.setdefault(find_root(union, node), []).append(node)
    trees: list[tuple[int, ThreadTree]] = []
    for component_tops in tops.values():
        component_tops.sort(key=sort_key.__getitem__)
        main = component_tops[0]
        for other in component_tops[1:]:
            if sort_key[other][1] < count:
                parent[other] = main  # holds present messages: hang below the main top
                children[main].append(other)
        trees.append(walk_tree(main, component_tops[1:], ids, parent, children, real, sort_key))
    trees.sort(key=lambda pair: pair[0])
    return [tree for _, tree in trees]


def compute_sort_keys(parent: list[int], children: list[list[int]], real: list[bool],
                      keys: list[float], order: list[int]) -> list[tuple[float, int]]:
    """(date, input order) per node; a ghost takes the minimum over its subtree."""
    key = [(keys[n], order[n]) if real[n] else (_NO_DATE, len(parent)) for n in range(len(parent))]
    postorder: list[int] = []
    stack = [n for n in range(len(parent)) if parent[n] == -1]
    while stack:
        node = stack.pop()
        postorder.append(node)
        stack.extend(children[node])
    for node in reversed(postorder):
        up = parent[node]
        if up != -1 and not real[up] and key[node] < key[up]:
            key[up] = key[node]
    return key


def walk_tree(top: int, loose_tops: list[int], ids: list[str], parent: list[int],
              children: list[list[int]], real: list[bool], sort_key: list[tuple[float, int]]
              ) -> tuple[int, ThreadTree]:
    """Depth-first walk from the main top; returns (input order of the root, tree)."""
    members: list[str] = []
    first_order = -1
    parents: dict[str, str | None] = {}
    ghosts: set[str] = set()
    roots = [top] + [t for t in loose_tops if parent[t] == -1]
    for start in roots:
        stack = [start]
        while stack:
            node = stack.pop()
            mid = ids[node]
            up = parent[node]
            parents[mid] = ids[up] if up != -1 else None
            if real[node]:
                if not members:
                    first_order = sort_key[node][1]
                members.append(mid)
            else:
                ghosts.add(mid)
            kids = children[node]
            if kids:
                kids.sort(key=sort_key.__getitem__, reverse=True)
                stack.extend(kids)
    return first_order, ThreadTree(root_id=members[0], members=tuple(members),
                                   parents=MappingProxyType(parents), ghosts=frozenset(ghosts))


def group_components(parents: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The present messages grouped into connected components over their parent ids (a ghost
    parent joins its children), each component in the order of `parents`: what the gold's and
    the label tool's union-find threading gives."""
    up: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while up.get(root, root) != root:
            root = up[root]
        while up.get(x, x) != root:
            up[x], x = root, up[x]
        return root

    for mid, ps in parents.items():
        up.setdefault(mid, mid)
        for p in ps:
            up.setdefault(p, p)
            ra, rb = find(p), find(mid)
            if ra != rb:
                up[rb] = ra
    groups: dict[str, list[str]] = {}
    for mid in parents:
        groups.setdefault(find(mid), []).append(mid)
    return list(groups.values())
