"""Score kb list by list on the labelled corpus (data/labels/<list>.jsonl) with the shared scorer.

    .venv/bin/python bench/labels_loo.py --archive io-uring=/path/to/io-uring.git \
        --archive linux-block=/path/to/linux-block.git --archive cgroups=/path/to/cgroups-0.git \
        [--work /tmp/kb-labels] [--shared ../shared] [--lists io-uring,cgroups]

For each list with labels and an archive: index the archive into a message cache (kept in --work
and reused), materialise the pointer labels into the gold schema (every sha1 checked), write the
labelled threads' raw messages into an mbox, ingest that mbox into a fresh KB with the real
pipeline (`kb maintainers load` with ../shared/data/MAINTAINERS, then `kb ingest`), export it (`kb export`) and score the export with
`../shared/gold/evaluate.py`. Prints one row per list and the mean.

Leave-one-list-out training is not wired in yet: today every list is scored with the current
extractor (trained on nothing from these labels), so each row already is an out-of-list score.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.labels.archive import iter_blobs, load_cache, write_cache  # noqa: E402
from ingest.labels.pointers import materialise_thread  # noqa: E402

ITEMS = ("races", "fixes", "objections", "maintainers")
SCORER_KEYS = {"races": "race_detection"}  # evaluate.py's name for the thread-level race score


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_thread_mbox(archive: Path, msgs: dict[str, dict], gold: list[dict], out: Path) -> int:
    """An mbox holding every message of the labelled threads; returns the message count."""
    mids = [m for t in gold for m in t["message_ids"]]
    commits = [msgs[m]["pos"] for m in mids]
    if out.exists():
        out.unlink()
    box = mailbox.mbox(str(out), create=True)
    for commit, raw in zip(commits, iter_blobs(archive, [f"{c}:m" for c in commits])):
        if raw is None:
            raise SystemExit(f"kb: labels_loo: {commit}:m missing from {archive}")
        box.add(raw)
    box.flush()
    box.close()
    return len(mids)


def run_kb(work: Path, name: str, *args: str) -> str:
    kb = ROOT / ".venv" / "bin" / "kb"
    cmd = [str(kb) if kb.exists() else "kb", "--db", str(work / f"{name}.sqlite"), "--index", str(work / f"{name}.index"),
           *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"kb: labels_loo: {' '.join(args[:1])} failed for {name}: {res.stderr.strip()[-300:]}")
    return res.stdout


def score_list(name: str, archive: Path, labels: Path, work: Path, shared: Path) -> dict:
    evaluate, maintainers = shared / "gold" / "evaluate.py", shared / "data" / "MAINTAINERS"
    cache = work / f"{name}.cache.jsonl"
    if not cache.exists():
        write_cache(archive, cache)
    msgs = load_cache(cache)
    gold = [materialise_thread(t, msgs) for t in read_jsonl(labels)]
    gold_path = work / f"{name}.gold.jsonl"
    gold_path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in gold), encoding="utf-8")
    mbox = work / f"{name}.mbox"
    n = write_thread_mbox(archive, msgs, gold, mbox)
    (work / f"{name}.sqlite").unlink(missing_ok=True)
    shutil.rmtree(work / f"{name}.index", ignore_errors=True)
    t0 = time.perf_counter()
    run_kb(work, name, "maintainers", "load", str(maintainers))
    run_kb(work, name, "ingest", str(mbox), "--list", name, "--json")
    export = work / f"{name}.export.jsonl"
    export.write_text(run_kb(work, name, "export", "--format", "jsonl"), encoding="utf-8")
    res = subprocess.run([sys.executable, str(evaluate), str(gold_path), str(export), "--json"],
                         capture_output=True, text=True, check=True)
    scores = json.loads(res.stdout)
    return {"list": name, "threads": len(gold), "messages": n, "wall_s": round(time.perf_counter() - t0, 1),
            **{k: scores.get(SCORER_KEYS.get(k, k), {}).get("f1") for k in ITEMS}, "raw": scores}


def print_table(rows: list[dict]) -> None:
    print(f"{'list':14s} {'threads':>7s} " + " ".join(f"{k:>12s}" for k in ITEMS))
    for r in rows:
        print(f"{r['list']:14s} {r['threads']:7d} " + " ".join(f"{r[k] if r[k] is not None else '-':>12}" for k in ITEMS))
    if rows:
        means = {k: round(sum(r[k] or 0 for r in rows) / len(rows), 3) for k in ITEMS}
        print(f"{'mean':14s} {sum(r['threads'] for r in rows):7d} " + " ".join(f"{means[k]:>12}" for k in ITEMS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", action="append", default=[], help="LIST=PATH (public-inbox epoch git dir)")
    ap.add_argument("--labels", type=Path, default=ROOT / "data" / "labels")
    ap.add_argument("--work", type=Path, default=Path("/tmp/kb-labels"))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--lists", help="comma-separated subset of lists")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = ap.parse_args()
    archives = dict(a.split("=", 1) for a in args.archive)
    wanted = set(args.lists.split(",")) if args.lists else None
    evaluate = args.shared / "gold" / "evaluate.py"
    if not evaluate.exists():
        raise SystemExit(f"kb: labels_loo: {evaluate}: no shared scorer")
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for labels in sorted(args.labels.glob("*.jsonl")):
        name = labels.stem
        if (wanted and name not in wanted) or name not in archives:
            print(f"skip {name}: no --archive {name}=PATH", file=sys.stderr)
            continue
        rows.append(score_list(name, Path(archives[name]), labels, args.work, args.shared))
        print(f"{name}: {rows[-1]['threads']} threads, {rows[-1]['messages']} messages scored", file=sys.stderr)
    print_table(rows)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "raw"} for r in rows]))


if __name__ == "__main__":
    main()
