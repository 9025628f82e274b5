"""Agreement between two independent labellers of the same threads, scored with the shared scorer.

    .venv/bin/python bench/labels_agreement.py \
        --pair data/labels/io-uring.jsonl data/labels/agreement/io-uring.h14a.jsonl /tmp/iou-cache.jsonl \
        --pair ... [--shared ../shared]

Each --pair is labeller A's pointer file, labeller B's pointer file and the label tool's message
cache for that list (`python -m ingest.labels index`). Only threads labelled by both are kept. Both
sets are materialised (every sha1 checked) into the gold schema, which is also the shape
`evaluate.py` reads as its EXPORT argument (it pairs threads by message-id, counts a thread as
predicted-race when `races` is non-empty, and matches fixes/objections by message-id and quote
overlap). Prints per-category P/R/F1 of B scored against A and of A against B, and the thread-level
agreement on is_race_discussion (raw and Cohen's kappa).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.labels.archive import load_cache  # noqa: E402
from ingest.labels.pointers import materialise_thread  # noqa: E402

CATEGORIES = ("race_detection", "fixes", "objections", "maintainers")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def materialise_common(pairs: list[tuple[str, str, str]]) -> tuple[list[dict], list[dict]]:
    """Gold-schema rows of A and B for the threads both labelled, in A's order."""
    rows_a, rows_b = [], []
    for path_a, path_b, cache in pairs:
        msgs = load_cache(Path(cache))
        by_b = {t["thread_id"]: t for t in read_jsonl(Path(path_b))}
        for thread in read_jsonl(Path(path_a)):
            other = by_b.get(thread["thread_id"])
            if other is not None:
                rows_a.append(materialise_thread(thread, msgs))
                rows_b.append(materialise_thread(other, msgs))
    return rows_a, rows_b


def score_against(gold: list[dict], export: list[dict], evaluate: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        g, e = Path(tmp, "gold.jsonl"), Path(tmp, "export.jsonl")
        for path, rows in ((g, gold), (e, export)):
            path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        out = subprocess.run([sys.executable, str(evaluate), str(g), str(e), "--json"],
                             capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def compute_kappa(a: list[bool], b: list[bool]) -> tuple[float, float]:
    """Raw agreement and Cohen's kappa of two boolean labellings."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else 1.0
    return observed, kappa


def print_scores(title: str, res: dict) -> None:
    print(f"{title}  (threads {res['threads']}, unpaired {res['unpaired']})")
    for cat in CATEGORIES:
        r = res[cat]
        print(f"  {cat:15s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}"
              f"  (tp {r['tp']}, predicted {r['predicted']}, reference {r['gold']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", nargs=3, action="append", required=True, metavar=("A", "B", "CACHE"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args(argv)
    evaluate = Path(args.shared, "gold", "evaluate.py")
    rows_a, rows_b = materialise_common([tuple(p) for p in args.pair])
    if not rows_a:
        print("kb: labels_agreement: no thread labelled by both", file=sys.stderr)
        return 2
    name_a, name_b = rows_label(rows_a, 0), rows_label(rows_b, 1)
    print_scores(f"{name_b} scored against {name_a}", score_against(rows_a, rows_b, evaluate))
    print_scores(f"{name_a} scored against {name_b}", score_against(rows_b, rows_a, evaluate))
    ra = [t["is_race_discussion"] for t in rows_a]
    rb = [t["is_race_discussion"] for t in rows_b]
    observed, kappa = compute_kappa(ra, rb)
    print(f"is_race_discussion: {sum(x == y for x, y in zip(ra, rb))}/{len(ra)} threads agree "
          f"({observed:.3f}), Cohen's kappa {kappa:.3f}; positives {name_a} {sum(ra)}, {name_b} {sum(rb)}")
    for ta, tb in zip(rows_a, rows_b):
        if ta["is_race_discussion"] != tb["is_race_discussion"]:
            print(f"  disagree: {ta['thread_id']} {name_a}={ta['is_race_discussion']} {name_b}={tb['is_race_discussion']}")
    return 0


def rows_label(rows: list[dict], side: int) -> str:
    """The labeller ids of the paired threads on one side, joined with '+' (A/B when none)."""
    return "+".join(sorted({row.get("labeller", "AB"[side]) for row in rows})) or "AB"[side]


if __name__ == "__main__":
    sys.exit(main())
