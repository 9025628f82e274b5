"""Ingest benchmark: the whole `kb ingest` (every stage, the index included) into a fresh KB.

Runs `python -m kb --db FRESH ingest SOURCE --json` as a child process, samples the resident
memory of its whole process tree (workers and whoosh sub-writers included) every 0.1 s, and
prints one JSON object: messages, wall and CPU seconds of the whole tree, the peak RSS of the
tree and the stage it was reached in, the peak PSS of the tree (shared pages counted once), and every stage's wall and CPU seconds and share of the
run's wall time (from the report's `stages`).

    python bench/ingest.py [SOURCE] [--workers N] [--kb-root DIR] [--keep NEW_DIR]
    python bench/ingest.py [SOURCE] --partial [--extract] [--no-anatomy]   # opt-in: no index
    python bench/ingest.py [SOURCE] --compare-anatomy N                    # opt-in: no index

`--partial` runs read/parse/store/thread (and extraction with --extract) in this process,
without the index, as the old benchmark did. `--compare-anatomy` runs N pairs (foundation
alone, then with anatomy) back to back and prints the median of the per-pair wall ratios.
`--kb-root DIR` runs another checkout's code (e.g. a `git archive` of the baseline commit).

SOURCE defaults to a bare clone of ../shared/corpus/cgroups-0.bundle at /tmp/cgroups-0.git.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")


def find_default_source() -> str:
    epoch = Path("/tmp/cgroups-0.git")
    if not epoch.exists():
        bundle = ROOT.parent / "shared" / "corpus" / "cgroups-0.bundle"
        subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(epoch)], check=True)
    return str(epoch)


def list_children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def measure_tree_memory(pid: int) -> tuple[int, int]:
    """(resident, proportional) bytes of `pid` and all its descendants now.

    Resident sums each process's RSS, so pages a forked worker shares with its parent count
    twice; proportional (PSS, /proc/PID/smaps_rollup) splits each shared page among its users.
    """
    children = list_children()
    rss = pss = 0
    stack = [pid]
    while stack:
        node = stack.pop()
        stack.extend(children.get(node, ()))
        try:
            with open(f"/proc/{node}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{node}/smaps_rollup") as f:
                pss += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return rss, pss


def measure_tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants now (bench/batch_growth.py)."""
    return measure_tree_memory(pid)[0]


def run_whole(source: str, workers: int, kb_root: Path, keep: Path | None = None) -> dict[str, object]:
    if keep is not None and keep.exists():
        raise SystemExit(f"--keep {keep}: already exists")
    tmp = keep or Path(tempfile.mkdtemp(prefix="kb-ingest-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(kb_root), KB_INDEX=str(tmp / "kb.index"))
    args = [sys.executable, "-m", "kb", "--db", str(tmp / "kb.sqlite"), "ingest", source, "--json",
            "--workers", str(workers)]
    peak, peak_at, peak_pss = 0, 0.0, 0
    try:
        wall0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=kb_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out: dict[str, bytes] = {}
        readers = [threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()))
                   for k, s in (("out", proc.stdout), ("err", proc.stderr))]
        for reader in readers:
            reader.start()
        while proc.poll() is None:
            rss, pss = measure_tree_memory(proc.pid)
            peak_pss = max(peak_pss, pss)
            if rss > peak:
                peak, peak_at = rss, time.perf_counter() - wall0
            time.sleep(0.1)
        wall = time.perf_counter() - wall0
        for reader in readers:
            reader.join()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode:
        raise SystemExit(f"kb ingest failed ({proc.returncode}): {out.get('err', b'').decode()[-2000:]}")
    report = json.loads(out["out"])
    stages = report.get("stages") or []
    return {
        "source": source, "code": str(kb_root), "workers": workers, "messages": report["read"],
        "threads": report["threads"], "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_tree_rss_mb": round(peak / 2**20, 1),
        "peak_tree_pss_mb": round(peak_pss / 2**20, 1),
        "largest_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_at_s": round(peak_at, 1), "peak_rss_stage": find_stage_at(stages, peak_at, wall),
        "stages": [dict(s, share=round(s["wall_s"] / wall, 3)) for s in stages],
        "extracted": report.get("extracted"),
    }


def find_stage_at(stages: list[dict[str, object]], at: float, wall: float) -> str:
    """The stage running `at` seconds into the run.

    read, parse and store stream together: their window is the sum of their walls. The stages
    run after the interpreter starts; start-up is what the stages leave of the whole wall time.
    """
    walls = {str(s["stage"]): float(s["wall_s"]) for s in stages}
    timed = [("read+parse+store", sum(walls.get(name, 0.0) for name in ("read", "parse", "store")))]
    timed += [(name, spent) for name, spent in walls.items() if name not in ("read", "parse", "store")]
    clock = wall - sum(spent for _, spent in timed)
    if at < clock:
        return "start-up"
    for name, spent in timed:
        clock += spent
        if at <= clock:
            return name
    return "exit"


def measure_partial(source: str, db: str | None, workers: int, extract: bool) -> dict[str, object]:
    from ingest.pipeline import run_ingest
    from kb.config import load_settings
    from kb.db import open_database

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
    return {
        "source": source, "db": url, "workers": workers, "extract": extract, "index": False,
        "messages": report.read, "stored": report.stored, "present": report.present,
        "skipped": len(report.skipped), "threads": report.threads, "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2), "peak_rss_mb": round(max(peak_self, child.ru_maxrss / 1024), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kb-root", type=Path, default=ROOT, help="Checkout whose code runs (whole runs).")
    parser.add_argument("--keep", type=Path, help="Whole runs: build the KB in this new directory and keep it.")
    parser.add_argument("--partial", action="store_true", help="Opt-in: no index, in this process.")
    parser.add_argument("--db", help="With --partial: the database URL (default: a fresh SQLite file).")
    parser.add_argument("--extract", action="store_true", help="With --partial: also run extraction.")
    parser.add_argument("--no-anatomy", action="store_true",
                        help="With --partial: segments/patches/trailers replaced by an empty anatomy.")
    parser.add_argument("--compare-anatomy", type=int, metavar="N",
                        help="Opt-in: N alternating pairs of foundation-alone and anatomy runs (no index).")
    args = parser.parse_args()
    source = args.source or find_default_source()
    if args.compare_anatomy:
        print(json.dumps(compare_anatomy(source, args.db, args.workers, args.compare_anatomy)))
    elif args.partial:
        if args.no_anatomy:  # before the worker pool forks, so the workers inherit it
            import ingest.prepare as prepare

            prepare.find_anatomy = without_anatomy
        print(json.dumps(measure_partial(source, args.db, args.workers, args.extract)))
    else:
        print(json.dumps(run_whole(source, args.workers, args.kb_root.resolve(), args.keep)))


def without_anatomy(body: str) -> object:
    import ingest.prepare as prepare

    return prepare.NO_ANATOMY


def compare_anatomy(source: str, db: str | None, workers: int, pairs: int) -> dict[str, object]:
    """Alternate foundation-alone and anatomy runs, so machine noise hits both alike."""
    import ingest.prepare as prepare

    real = prepare.find_anatomy
    runs, ratios = [], []
    for _ in range(pairs):
        prepare.find_anatomy = without_anatomy
        base = measure_partial(source, db, workers, False)
        prepare.find_anatomy = real
        full = measure_partial(source, db, workers, False)
        runs.append({"foundation_wall_s": base["wall_s"], "anatomy_wall_s": full["wall_s"],
                     "foundation_cpu_s": base["cpu_s"], "anatomy_cpu_s": full["cpu_s"]})
        ratios.append(float(full["wall_s"]) / float(base["wall_s"]))
    return {"source": source, "pairs": runs, "wall_ratios": [round(r, 3) for r in ratios],
            "median_wall_ratio": round(statistics.median(ratios), 3),
            "anatomy_added_pct": round((statistics.median(ratios) - 1) * 100, 1)}


if __name__ == "__main__":
    main()
