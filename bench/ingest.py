"""Ingest benchmark: parse, thread and store a source into a fresh KB.

Prints one JSON object: messages, wall seconds, msgs/s, CPU seconds (this process and its
workers), peak RSS (largest of this process and its workers), and the ingest report counts.

    python bench/ingest.py [SOURCE] [--db URL] [--workers N] [--extract] [--no-anatomy]

Run it with and without --no-anatomy (and --extract) in one session to get each stage's share.

SOURCE defaults to a bare clone of ../shared/corpus/cgroups-0.bundle at /tmp/cgroups-0.git.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import run_ingest  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.db import open_database  # noqa: E402


def find_default_source() -> str:
    epoch = Path("/tmp/cgroups-0.git")
    if not epoch.exists():
        bundle = ROOT.parent / "shared" / "corpus" / "cgroups-0.bundle"
        subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(epoch)], check=True)
    return str(epoch)


def measure(source: str, db: str | None, workers: int, extract: bool) -> dict[str, object]:
    tmp = tempfile.mkdtemp(prefix="kb-ingest-bench-")
    url = db or f"sqlite:///{tmp}/kb.sqlite"
    factory = open_database(load_settings(url, f"{tmp}/index"))
    cpu0 = time.process_time()
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    report = run_ingest(factory, [source], workers=workers, extract=extract)
    wall = time.perf_counter() - wall0
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + (child.ru_utime - child0.ru_utime) + (child.ru_stime - child0.ru_stime)
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = child.ru_maxrss / 1024
    return {
        "source": source, "db": url, "workers": workers, "extract": extract, "messages": report.read,
        "stored": report.stored, "present": report.present, "skipped": len(report.skipped),
        "threads": report.threads, "wall_s": round(wall, 2), "msgs_per_s": round(report.read / wall, 1),
        "cpu_s": round(cpu, 2), "msgs_per_cpu_s": round(report.read / cpu, 1) if cpu else None,
        "peak_rss_mb": round(max(peak_self, peak_child), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?")
    parser.add_argument("--db")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--extract", action="store_true", help="Also run extraction (off: parse, thread, store).")
    parser.add_argument("--no-anatomy", action="store_true",
                        help="Measure the foundation alone: segments/patches/trailers replaced by an empty anatomy.")
    args = parser.parse_args()
    if args.no_anatomy:  # before the worker pool forks, so the workers inherit it
        import ingest.prepare as prepare

        empty = prepare.Anatomy((), (), None, ())
        prepare.find_anatomy = lambda body: empty
    print(json.dumps(measure(args.source or find_default_source(), args.db, args.workers, args.extract)))


if __name__ == "__main__":
    main()
