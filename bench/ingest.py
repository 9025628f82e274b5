"""Ingest benchmark: parse, thread and store a source into a fresh KB.

Prints one JSON object: messages, wall seconds, msgs/s, CPU seconds (this process and its
workers), peak RSS (largest of this process and its workers), and the ingest report counts.

    python bench/ingest.py [SOURCE] [--db URL] [--workers N] [--extract] [--no-anatomy]
    python bench/ingest.py [SOURCE] --compare-anatomy N

Run it with and without --no-anatomy (and --extract) in one session to get each stage's share.
--compare-anatomy runs N pairs (foundation alone, then with anatomy) back to back in this
process and prints every run and the median of the per-pair wall-time ratios.

SOURCE defaults to a bare clone of ../shared/corpus/cgroups-0.bundle at /tmp/cgroups-0.git.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ingest.prepare as prepare  # noqa: E402
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
    try:
        report = run_ingest(factory, [source], workers=workers, extract=extract)
        wall = time.perf_counter() - wall0
    finally:
        factory.kw["bind"].dispose()
        shutil.rmtree(tmp, ignore_errors=True)
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
    parser.add_argument("--compare-anatomy", type=int, metavar="N",
                        help="N alternating pairs of foundation-alone and anatomy runs; prints the ratios.")
    args = parser.parse_args()
    source = args.source or find_default_source()
    if args.compare_anatomy:
        print(json.dumps(compare_anatomy(source, args.db, args.workers, args.compare_anatomy)))
        return
    if args.no_anatomy:  # before the worker pool forks, so the workers inherit it
        prepare.find_anatomy = without_anatomy
    print(json.dumps(measure(source, args.db, args.workers, args.extract)))


def without_anatomy(body: str) -> prepare.Anatomy:
    return prepare.NO_ANATOMY


def compare_anatomy(source: str, db: str | None, workers: int, pairs: int) -> dict[str, object]:
    """Alternate foundation-alone and anatomy runs, so machine noise hits both alike."""
    real = prepare.find_anatomy
    runs, ratios = [], []
    for _ in range(pairs):
        prepare.find_anatomy = without_anatomy
        base = measure(source, db, workers, False)
        prepare.find_anatomy = real
        full = measure(source, db, workers, False)
        runs.append({"foundation_wall_s": base["wall_s"], "anatomy_wall_s": full["wall_s"],
                     "foundation_cpu_s": base["cpu_s"], "anatomy_cpu_s": full["cpu_s"]})
        ratios.append(float(full["wall_s"]) / float(base["wall_s"]))
    return {"source": source, "pairs": runs, "wall_ratios": [round(r, 3) for r in ratios],
            "median_wall_ratio": round(statistics.median(ratios), 3),
            "anatomy_added_pct": round((statistics.median(ratios) - 1) * 100, 1)}


if __name__ == "__main__":
    main()
