"""Score ingest.extract against the shared gold set.

    .venv/bin/python bench/extract_eval.py [--shared ../shared] [--verbose] [--dump out.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.extract import extract_thread  # noqa: E402
from ingest.extract.devcorpus import load_mbox_threads, load_seed_threads  # noqa: E402
from ingest.extract.evaluate import evaluate  # noqa: E402
from ingest.extract.maintainers import load_maintainers  # noqa: E402


def run(shared: Path) -> tuple[list[dict], list[dict], float]:
    mt = load_maintainers(str(shared / "data" / "MAINTAINERS"))
    threads = load_mbox_threads(shared / "corpus" / "cgroups-gold-threads.mbox", "cgroups")
    threads += load_seed_threads(shared / "corpus" / "seeds")
    t0 = time.perf_counter()
    pred = [extract_thread(t, maintainers=mt).to_gold() for t in threads]
    elapsed = time.perf_counter() - t0
    gold = []
    for name in ("cgroups.jsonl", "seeds.jsonl"):
        gold += [json.loads(x) for x in (shared / "gold" / name).read_text().splitlines() if x]
    return pred, gold, elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--dump", type=Path)
    args = ap.parse_args()
    pred, gold, elapsed = run(args.shared)
    if args.dump:
        args.dump.write_text("".join(json.dumps(p) + "\n" for p in pred))
    scores = evaluate(pred, gold)
    per_thread = scores.pop("per_thread")
    if args.verbose:
        for row in per_thread:
            flag = "" if row["gold"] == row["pred"] else "  <-- label"
            print(f"{row['thread_id'][:48]:50} gold={row['gold']!s:5} pred={row['pred']!s:5} "
                  f"races={row['races']:7} fixes={row['fixes']:7} obj={row['objections']}{flag}")
        print("(races/fixes/obj: matched/gold/predicted)")
    for key in ("threads", "races", "fixes", "objections", "roles"):
        s = scores[key]
        print(f"{key:11} P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f} "
              f"(tp={s['tp']} pred={s['pred']} gold={s['gold']})")
    for key, value in scores.items():
        if key not in ("threads", "races", "fixes", "objections", "roles"):
            print(f"{key}: {value}")
    print(f"extraction time: {elapsed:.2f}s for {len(pred)} threads")


if __name__ == "__main__":
    main()
