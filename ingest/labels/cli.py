"""`python -m ingest.labels COMMAND ...`: the label corpus tool (see data/labels/README.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from ingest.labels.archive import ArchiveError, load_cache, write_cache
from ingest.labels.pointers import LabelError, check_thread, materialise_thread, point_thread
from ingest.labels.reading import grep_threads, load_excluded, render_thread, strip_controls
from ingest.labels.threads import group_threads


class UsageError(Exception):
    """Bad input named by the user: a missing file, an unknown thread, unreadable JSON."""


def read_jsonl(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON lines ({exc.msg} at line {exc.lineno})") from None


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def open_cache(path: Path) -> tuple[dict[str, dict], dict[str, list[str]]]:
    if not path.is_file():
        raise UsageError(f"{path}: no such cache (run index first)")
    msgs = load_cache(path)
    return msgs, group_threads(msgs)


def run_index(args) -> int:
    written, skipped = write_cache(Path(args.archive), Path(args.out))
    print(f"{written} messages -> {args.out} ({skipped} without a Message-ID skipped)", file=sys.stderr)
    return 0


def run_grep(args) -> int:
    msgs, threads = open_cache(Path(args.cache))
    excluded = set()
    for gold in args.exclude or []:
        excluded |= load_excluded(read_jsonl(Path(gold)))
    for root, n, hits, cues in grep_threads(msgs, threads, args.regex, min_msgs=args.min,
                                            min_hits=args.hits, also=args.also, excluded=excluded):
        rec = msgs[root]
        print(strip_controls(f"{n:4d} {hits:3d} {cues:3d} {rec['date'][5:16]:11s} {root} | {rec['subject'][:90]}"))
    return 0


def run_show(args) -> int:
    msgs, threads = open_cache(Path(args.cache))
    members = threads.get(args.id) or next((m for m in threads.values() if args.id in m), None)
    if members is None:
        raise UsageError(f"{args.id}: no such thread or message in {args.cache}")
    print(render_thread(msgs, members, diffs=args.diffs, quotes=-1 if args.all_quotes else args.quotes))
    return 0


def run_point(args) -> int:
    msgs, _ = open_cache(Path(args.cache))
    extra = {k: v for k, v in (("archive", args.archive), ("labeller", args.labeller),
                               ("labelled_from", "reading")) if v}
    return convert_threads("point", Path(args.goldlike), Path(args.out), lambda t: point_thread(t, msgs, extra))


def run_materialise(args) -> int:
    msgs, _ = open_cache(Path(args.cache))
    return convert_threads("materialise", Path(args.labels), Path(args.out), lambda t: materialise_thread(t, msgs))


def convert_threads(command: str, source: Path, out: Path, convert: Callable[[dict], dict]) -> int:
    """Convert every thread of `source` into `out`; a thread that fails is one line, and then
    nothing is written."""
    converted, failures = [], 0
    for thread in read_jsonl(source):
        try:
            converted.append(convert(thread))
        except LabelError as exc:
            print(f"kb: {command}: {exc}", file=sys.stderr)
            failures += 1
    if failures:
        print(f"kb: {command}: {failures} thread(s) failed; nothing written", file=sys.stderr)
        return 2
    write_jsonl(out, converted)
    print(f"{len(converted)} threads -> {out}", file=sys.stderr)
    return 0


def run_verify(args) -> int:
    msgs, threads = open_cache(Path(args.cache))
    excluded = set()
    for gold in args.exclude or []:
        excluded |= load_excluded(read_jsonl(Path(gold)))
    labels = read_jsonl(Path(args.labels))
    problems = []
    seen: Counter[str] = Counter(t.get("thread_id") for t in labels)
    problems += [f"{tid}: labelled {n} times" for tid, n in seen.items() if n > 1]
    for thread in labels:
        problems += check_thread(thread, msgs, threads)
        if excluded.intersection([thread.get("thread_id")] + thread.get("message_ids", [])):
            problems.append(f"{thread.get('thread_id')}: overlaps an excluded gold thread")
    for p in problems:
        print(f"kb: verify: {p}", file=sys.stderr)
    print(f"{len(labels)} threads checked, {len(problems)} problem(s)", file=sys.stderr)
    return 2 if problems else 0


def count_lists(rows: list[dict]) -> dict[str, Counter]:
    """Per-list counts: threads, positives, negatives, races, fixes, objections, with-objection."""
    per: dict[str, Counter] = defaultdict(Counter)
    for t in rows:
        c = per[t.get("list", "?")]
        c["threads"] += 1
        c["positives" if t.get("is_race_discussion") else "negatives"] += 1
        c["races"] += len(t.get("races", []))
        c["fixes"] += len(t.get("fixes", []))
        c["objections"] += len(t.get("objections", []))
        c["with_objection"] += bool(t.get("objections"))
    return per


def run_stats(args) -> int:
    rows = [t for path in args.labels for t in read_jsonl(Path(path))]
    per = count_lists(rows)
    cols = ("threads", "positives", "negatives", "races", "fixes", "objections", "with_objection")
    print(f"{'list':14s} " + " ".join(f"{c:>14s}" for c in cols))
    total: Counter = Counter()
    for name in sorted(per):
        total.update(per[name])
        print(f"{name:14s} " + " ".join(f"{per[name][c]:14d}" for c in cols))
    print(f"{'total':14s} " + " ".join(f"{total[c]:14d}" for c in cols))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest.labels", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("index", help="archive (public-inbox epoch git dir or mbox) -> message cache")
    s.add_argument("archive"); s.add_argument("out"); s.set_defaults(run=run_index)
    s = sub.add_parser("grep", help="candidate threads whose unquoted text matches REGEX")
    s.add_argument("cache"); s.add_argument("regex")
    s.add_argument("--min", type=int, default=1, help="at least N messages")
    s.add_argument("--hits", type=int, default=1, help="at least N matching messages")
    s.add_argument("--also", help="a reply must also match this regex (e.g. objection cues)")
    s.add_argument("--exclude", action="append", help="gold JSONL whose threads are left out")
    s.set_defaults(run=run_grep)
    s = sub.add_parser("show", help="print a thread (by root or any member id)")
    s.add_argument("cache"); s.add_argument("id")
    s.add_argument("--diffs", action="store_true", help="show diffs instead of collapsing them")
    s.add_argument("--quotes", type=int, default=4, help="keep the last N lines of each quoted run")
    s.add_argument("--all-quotes", action="store_true", help="keep every quoted line")
    s.set_defaults(run=run_show)
    s = sub.add_parser("point", help="gold-schema labels with quotes -> pointer form")
    s.add_argument("goldlike"); s.add_argument("cache"); s.add_argument("out")
    s.add_argument("--archive", help="value of the archive key"); s.add_argument("--labeller")
    s.set_defaults(run=run_point)
    s = sub.add_parser("materialise", help="pointer labels -> gold schema with quotes and subject")
    s.add_argument("labels"); s.add_argument("cache"); s.add_argument("out")
    s.set_defaults(run=run_materialise)
    s = sub.add_parser("verify", help="check every pointer, sha1 and thread against a cache")
    s.add_argument("labels"); s.add_argument("cache")
    s.add_argument("--exclude", action="append", help="gold JSONL that must not overlap")
    s.set_defaults(run=run_verify)
    s = sub.add_parser("stats", help="threads/positives/negatives/objections per list")
    s.add_argument("labels", nargs="+"); s.set_defaults(run=run_stats)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, ArchiveError) as exc:
        print(f"kb: {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: one line in kb's words, exit 3 (KB_DEBUG=1: traceback)
        if os.environ.get("KB_DEBUG") == "1":
            raise
        first = (str(exc).strip().splitlines() or ["unexpected failure"])[0]
        print(f"kb: {args.command}: internal error: {first}", file=sys.stderr)
        return 3
