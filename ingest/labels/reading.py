"""Finding and reading candidate threads: regex search over unquoted text, thread display."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from ingest.labels.threads import order_thread

_DIFF_START_RE = re.compile(r"^(diff --git |--- a/|Index: )")
_DIFF_LINE_RE = re.compile(r"^([-+ @\\]|diff |index |new file|deleted file|similarity|rename |old mode|new mode|$)")
_TERMINAL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def strip_controls(text: str) -> str:
    """Mail text made safe for a terminal: control characters shown as '?'."""
    return _TERMINAL_RE.sub("?", text)


def find_unquoted(body: str) -> str:
    """The message's own text: lines not starting with '>'."""
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))


def load_excluded(gold_lines: Iterable[dict]) -> set[str]:
    """Every thread and message id of gold threads (to keep them out of the corpus)."""
    ids: set[str] = set()
    for t in gold_lines:
        ids.add(t["thread_id"])
        ids.update(t.get("message_ids", []))
    return ids


def grep_threads(msgs: dict[str, dict], threads: dict[str, list[str]], regex: str, *,
                 min_msgs: int = 1, min_hits: int = 1, also: str | None = None,
                 excluded: set[str] = frozenset()) -> Iterator[tuple[str, int, int, int]]:
    """(root, members, messages matching regex, replies matching `also`) for candidate threads."""
    rx = re.compile(regex, re.I)
    rx_also = re.compile(also, re.I) if also else None
    for root, members in threads.items():
        if len(members) < min_msgs or excluded.intersection(members):
            continue
        texts = {m: find_unquoted(msgs[m]["body"]) for m in members}
        hits = sum(1 for m in members if rx.search(texts[m]) or (m == root and rx.search(msgs[m]["subject"])))
        if hits < min_hits:
            continue
        cues = sum(1 for m in members if m != root and rx_also.search(texts[m])) if rx_also else 0
        if rx_also and not cues:
            continue
        yield root, len(members), hits, cues


def collapse_diffs(body: str) -> str:
    """Diff blocks replaced by one line naming their files and size."""
    out, block = [], []

    def flush() -> None:
        if block:
            files = sorted({ln.split()[-1][2:] for ln in block if ln.startswith("+++ b/")})
            out.append(f"[diff: {len(block)} lines{': ' + ', '.join(files) if files else ''}]")
            block.clear()

    in_diff = False
    for line in body.splitlines():
        if in_diff and (line == "-- " or not _DIFF_LINE_RE.match(line)):
            flush()
            in_diff = False
        if not in_diff and _DIFF_START_RE.match(line):
            in_diff = True
        (block if in_diff else out).append(line)
    flush()
    return "\n".join(out)


def collapse_quotes(body: str, keep: int = 4) -> str:
    """Runs of '>' lines cut to their last `keep` lines."""
    out, run = [], []

    def flush() -> None:
        if len(run) > keep:
            out.append(f"> [... {len(run) - keep} quoted lines]")
        out.extend(run[-keep:])
        run.clear()

    for line in body.splitlines():
        if line.lstrip().startswith(">"):
            run.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def render_thread(msgs: dict[str, dict], members: list[str], *, diffs: bool = False,
                  quotes: int = 4) -> str:
    """A thread as text, depth-first, with diffs and quoted runs collapsed unless asked."""
    parts = [f"THREAD {members[0]} ({len(members)} msgs)"]
    for mid, depth in order_thread(msgs, members):
        rec = msgs[mid]
        body = rec["body"] if diffs else collapse_diffs(rec["body"])
        if quotes >= 0:
            body = collapse_quotes(body, quotes)
        parts.append("=" * 90)
        parts.append(f"{'  ' * depth}[{depth}] {mid}\n    From: {rec['from']}\n    Date: {rec['date']}\n"
                     f"    Subject: {rec['subject']}")
        parts.append("-" * 90)
        parts.append(body)
    return strip_controls("\n".join(parts))
