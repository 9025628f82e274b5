"""Batch growth: N batches of M epoch messages ingested one after another into one KB.

Each batch is one `kb ingest SLICE.mbox --json` (slices of the cgroups epoch in commit order,
written outside the repository). Prints each batch's wall and CPU seconds (the whole process
tree), the peak RSS of the tree, each stage's CPU and the main process's peak RSS when each
stage ended (a high-water mark: the stage that raises it is the one that grew), then the last
batch's CPU and RSS as ratios of the first's (the bar: at most 1.3). Exit 1 above the bar.
With --alone, the last and the first slice are also each ingested into an empty KB: the ratio of
the two is what their content costs (later mail is longer), the ratio of the last batch in the
grown KB to the same slice alone is what the KB's size costs.

    python bench/batch_growth.py [--batches 20] [--size 1000] [--epoch /work/kb-cgroups/cgroups-0.git] [--alone]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package

from mail_files import EPOCH, iter_epoch_mails, write_mbox  # noqa: E402

BAR = 1.3


def load_tree_rss():
    """bench/ingest.py's sampler of a process tree's resident memory."""
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure_tree_rss


def ingest_batch(db: Path, path: Path, measure_tree_rss) -> dict[str, object]:
    """One `kb ingest` of `path`: wall, CPU of the tree, peak tree RSS, stage CPU."""
    env = dict(os.environ, KB_INDEX=str(db.with_suffix(".index")))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kb", "--db", str(db), "ingest", str(path), "--json", "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()))
               for k, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    peak = 0
    while proc.poll() is None:
        peak = max(peak, measure_tree_rss(proc.pid))
        time.sleep(0.1)
    for reader in readers:
        reader.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"kb ingest {path} failed ({proc.returncode}): {out['err'].decode()[-2000:]}")
    report = json.loads(out["out"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    extracted = report.get("extracted") or {}
    return {"batch": path.stem, "stored": report["stored"], "threads": report["threads"],
            "extracted_threads": extracted.get("threads"), "indexed": report.get("indexed"), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "peak_tree_rss_mb": round(peak / 2**20),
            "stage_cpu_s": {s["stage"]: round(s["cpu_s"], 1) for s in report.get("stages", [])},
            "stage_max_rss_mb": {s["stage"]: s.get("max_rss_mb") for s in report.get("stages", [])}}


def compare_costs(batch: dict[str, object], base: dict[str, object]) -> dict[str, float]:
    return {"cpu": round(float(batch["cpu_s"]) / max(float(base["cpu_s"]), 0.1), 2),   # type: ignore[arg-type]
            "rss": round(float(batch["peak_tree_rss_mb"]) / max(float(base["peak_tree_rss_mb"]), 1.0), 2)}  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--epoch", type=Path, default=EPOCH)
    parser.add_argument("--alone", action="store_true",
                        help="also ingest the first and the last slice each into an empty KB (content vs KB size)")
    args = parser.parse_args()
    measure_tree_rss = load_tree_rss()
    work = Path(tempfile.mkdtemp(prefix="kb-batch-growth-"))
    rows = []
    try:
        mails = iter_epoch_mails(args.epoch, args.batches * args.size)
        paths = [write_mbox(work / f"batch-{n:02d}.mbox", itertools.islice(mails, args.size))
                 for n in range(args.batches)]
        for path in paths:
            rows.append(ingest_batch(work / "kb.sqlite", path, measure_tree_rss))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        alone = [ingest_batch(work / f"alone-{path.stem}.sqlite", path, measure_tree_rss)
                 for path in (paths[-1], paths[0])] if args.alone else []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios = compare_costs(rows[-1], rows[0])
    ok = max(ratios.values()) <= BAR
    result: dict[str, object] = {"epoch": str(args.epoch), "size": args.size, "batches": rows,
                                 "last_over_first": ratios, "bar": BAR, "ok": ok}
    if alone:
        # the same two slices each into an empty KB: what their content costs, without the KB
        result["alone"] = {"last": alone[0], "first": alone[1], "content": compare_costs(alone[0], alone[1]),
                           "kb_size": compare_costs(rows[-1], alone[0])}
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
