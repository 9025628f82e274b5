"""Benchmark the search index on the cgroups epoch: build rate and query latency, as JSON.

    .venv/bin/python bench/search_index.py [--mbox PATH] [--limit N]
        [--queries bench/queries.txt] [--repeat 5] [--index-dir DIR]

IndexDocs come straight from the mbox (Python's email package; crude split: lines starting
with '>' are quoted, diff +/- lines are added/removed, `+++ b/` names files), so this measures
the index alone, without the database.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.search import IndexDoc, IndexSearcher, rebuild_index  # noqa: E402

MBOX = ROOT.parent / "shared" / "corpus" / "cgroups-2024.mbox.gz"
EPOCH = ROOT.parent / "shared" / "corpus" / "cgroups-0.bundle"
_MID = re.compile(r"<([^<>\s]+)>")
_HUNK = re.compile(r"^@@ [^@]* @@ ?(.*)")


def iter_raw(path: Path) -> Iterator[bytes]:
    """Raw messages of an mbox(.gz), split on `From ` lines."""
    opener = gzip.open if path.suffix == ".gz" else open
    lines: list[bytes] = []
    with opener(path, "rb") as f:
        for line in f:
            if line.startswith(b"From ") and lines:
                yield b"".join(lines)
                lines = []
            elif line.startswith(b"From "):
                continue
            else:
                lines.append(line)
    if lines:
        yield b"".join(lines)


def iter_epoch(git_dir: Path) -> Iterator[bytes]:
    """Raw messages of a public-inbox v2 epoch (bare git dir), via `git cat-file --batch`."""
    log = subprocess.run(["git", "-C", str(git_dir), "log", "--all", "--reverse", "--format=",
                          "--raw", "--no-abbrev", "-r"], check=True, capture_output=True, text=True)
    blobs = [parts[3] for line in log.stdout.splitlines()
             if len(parts := line.split()) == 6 and parts[4] in ("A", "M") and parts[5] == "m"]
    with subprocess.Popen(["git", "-C", str(git_dir), "cat-file", "--batch"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as proc:
        assert proc.stdin and proc.stdout
        def feed() -> None:  # in a thread: cat-file's output would fill the pipe and deadlock
            proc.stdin.write("".join(f"{blob}\n" for blob in blobs).encode())
            proc.stdin.close()

        threading.Thread(target=feed, daemon=True).start()
        for _ in blobs:
            size = int(proc.stdout.readline().split()[2])
            yield proc.stdout.read(size)
            proc.stdout.read(1)


def open_epoch(bundle: Path, workdir: Path) -> Path:
    """A bare clone of an epoch bundle (or the bare git dir itself)."""
    if bundle.is_dir():
        return bundle
    target = workdir / "epoch.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(target)], check=True)
    return target


def decode(value: object) -> str:
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # noqa: BLE001 - a bench: keep the raw header
        return str(value)


def find_body(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            try:
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
            except LookupError:
                return payload.decode("utf-8", "replace")
    return ""


def build_doc(raw: bytes) -> IndexDoc | None:
    msg = message_from_bytes(raw)
    mids = _MID.findall(msg.get("Message-ID", ""))
    if not mids:
        return None
    try:
        date = parsedate_to_datetime(msg.get("Date"))
    except (TypeError, ValueError, IndexError):
        return None
    refs = _MID.findall(msg.get("References", "")) or _MID.findall(msg.get("In-Reply-To", ""))
    name, email = parseaddr(decode(msg.get("From")))
    new, quoted, added, removed, files, hunks = [], [], [], [], [], []
    in_diff = False
    for line in find_body(msg).splitlines():
        if line.startswith("diff --git "):
            in_diff = True
        elif line.startswith(">"):
            quoted.append(line.lstrip("> "))
        elif in_diff and line.startswith("+++ "):
            files.append(line[4:].strip())
        elif in_diff and line.startswith("--- "):
            continue
        elif in_diff and line.startswith("@@"):
            match = _HUNK.match(line)
            if match and match.group(1):
                hunks.append(match.group(1))
        elif in_diff and line.startswith("+"):
            added.append(line[1:])
        elif in_diff and line.startswith("-"):
            removed.append(line[1:])
        elif in_diff and line.startswith(" "):
            continue
        else:
            in_diff = False if line.startswith("-- ") else in_diff
            new.append(line)
    return IndexDoc(
        message_id=mids[0], thread_id=refs[0] if refs else mids[0], subject=decode(msg.get("Subject")),
        author_name=name, author_email=email, date=date,
        list_ids=tuple(_MID.findall(msg.get("List-Id", ""))),
        to_addrs=tuple(f"{n} <{a}>" for n, a in getaddresses([decode(msg.get("To"))])),
        cc_addrs=tuple(f"{n} <{a}>" for n, a in getaddresses([decode(msg.get("Cc"))])),
        body_new="\n".join(new), body_quoted="\n".join(quoted), diff_files=tuple(files),
        diff_hunks=tuple(hunks), diff_added="\n".join(added), diff_removed="\n".join(removed),
    )


def find_cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def find_percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))], 2),
            "max_ms": round(values[-1], 2)}


def measure_queries(index_dir: Path, queries: list[str], repeat: int) -> dict[str, object]:
    """Per sort: the first (cold) run of each query on a fresh searcher, then `repeat` runs."""
    report: dict[str, object] = {}
    per_query: dict[str, dict[str, object]] = {}
    for sort in ("relevance", "date"):
        start = time.perf_counter()
        searcher = IndexSearcher(index_dir)
        report["open_s"] = round(time.perf_counter() - start, 3)
        cold: list[float] = []
        warm: list[float] = []
        for text in queries:
            times = []
            for _ in range(repeat + 1):
                start = time.perf_counter()
                result = searcher.search(text, limit=20, sort=sort)
                times.append((time.perf_counter() - start) * 1000)
            cold.append(times[0])
            warm.extend(times[1:])
            entry = per_query.setdefault(text, {"total": result.total})
            entry[f"{sort}_ms"] = round(statistics.median(times[1:]), 2)
        searcher.close()
        report[sort] = {**find_percentiles(warm), "cold": find_percentiles(cold)}
    report["queries"] = per_query
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbox", type=Path, default=MBOX)
    parser.add_argument("--epoch", type=Path,
                        help="a public-inbox v2 epoch (.bundle or bare git dir) instead of --mbox, "
                             f"e.g. {EPOCH}")
    parser.add_argument("--limit", type=int, default=0, help="first N messages only")
    parser.add_argument("--queries", type=Path, default=ROOT / "bench" / "queries.txt")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--index-dir", type=Path, help="keep the index here (default: a temp dir)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    start = time.perf_counter()
    docs = []
    raws = iter_epoch(open_epoch(args.epoch, workdir)) if args.epoch else iter_raw(args.mbox)
    for raw in raws:
        doc = build_doc(raw)
        if doc is not None:
            docs.append(doc)
        if args.limit and len(docs) >= args.limit:
            break
    parsed_s = time.perf_counter() - start

    index_dir = args.index_dir or workdir / "index"
    cpu_before = find_cpu_seconds()
    start = time.perf_counter()
    count = rebuild_index(index_dir, docs)
    build_s = time.perf_counter() - start
    build_cpu_s = find_cpu_seconds() - cpu_before
    size = sum(p.stat().st_size for p in index_dir.iterdir())
    queries = [line.strip() for line in args.queries.read_text().splitlines() if line.strip()]
    report = {
        "source": str(args.epoch or args.mbox),
        "messages": count,
        "parse_s": round(parsed_s, 2),
        "build_s": round(build_s, 2),
        "build_msgs_per_s": round(count / build_s, 1),
        "build_cpu_s": round(build_cpu_s, 1),  # user+sys of this process
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "index_mb": round(size / 1e6, 1),
        **measure_queries(index_dir, queries, args.repeat),
    }
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
