"""Learning curve of the objection decider: its leave-one-list-out F1 when it is trained on k of
the other labelled lists, for several k. A curve that stays flat says that more labelled lists of
the same kind will not move the model; new features must.

    .venv/bin/python bench/labels_curve.py --archive cgroups=/work/kb-cgroups/cgroups-0.git \\
        --archive io-uring=PATH ... [--sizes 3 7 11] [--draws 2] [--cache DIR] [--jobs 2]

For each held-out list, each size k and each draw, the deciders are trained (learn.train_models)
on k other lists drawn at random (seeded: the same draws every run) and scored in process on the
held-out list (learn.score_deciders: the hand rules' objections plus the model's additions, by the
shared scorer's anchor rule). Size 0 is the hand rules alone. Per size it prints the mean per-list
F1 over lists and draws, and the pooled counts. The shared gold is never read here.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.extract import learn  # noqa: E402
from ingest.extract.evaluate import compute_prf  # noqa: E402
from ingest.extract.labelled import LabelledListError, add_corpus_arguments, load_labelled_lists  # noqa: E402
from ingest.extract.types import ThreadText  # noqa: E402

Pairs = list[tuple[ThreadText, dict]]
_PAIRS: Pairs = []      # the labelled threads, shared with forked workers


def draw_training_lists(lists: list[str], held_out: str, k: int, draw: int, seed: int = 0) -> tuple[str, ...]:
    """k lists other than `held_out` (all of them when there are fewer), the same for the same
    arguments in every run."""
    others = sorted(name for name in lists if name != held_out)
    rng = random.Random(f"{seed}:{held_out}:{k}:{draw}")
    return tuple(sorted(rng.sample(others, min(k, len(others)))))


def score_job(job: tuple[str, tuple[str, ...]]) -> list[int]:
    """Objection counts on the held-out list of the models trained on the job's lists (none:
    the hand rules)."""
    held_out, training = job
    deciders = learn.train_models([p for p in _PAIRS if p[1]["list"] in training]) if training else {}
    return learn.score_deciders([p for p in _PAIRS if p[1]["list"] == held_out], deciders)["objections"]


def summarise(results: list[tuple[int, list[int]]]) -> list[tuple[int, float, dict]]:
    """(size, mean per-list F1, pooled compute_prf) per size, from (size, counts) of every
    held-out list and draw."""
    rows = []
    for size in sorted({k for k, _ in results}):
        counts = [c for k, c in results if k == size]
        mean = sum(compute_prf(*c)["f1"] for c in counts) / len(counts)
        rows.append((size, mean, compute_prf(*(sum(c[i] for c in counts) for i in range(3)))))
    return rows


def measure_curve(pairs: Pairs, sizes: list[int], draws: int, jobs: int = 1, seed: int = 0) -> list[tuple[int, float, dict]]:
    global _PAIRS
    _PAIRS = pairs
    lists = sorted({g["list"] for _, g in pairs})
    plan = [(k, (name, draw_training_lists(lists, name, k, d, seed)))
            for k in sizes for name in lists for d in range(draws if 0 < k < len(lists) - 1 else 1)]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            counts = pool.map(score_job, [job for _, job in plan])
    else:
        counts = [score_job(job) for _, job in plan]
    return summarise([(k, c) for (k, _), c in zip(plan, counts)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(ap)
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 3, 7, 11], help="numbers of training lists (0: rules)")
    ap.add_argument("--draws", type=int, default=2, help="random draws of the training lists per size and list")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        pairs = [p for _, lst in load_labelled_lists(args.archive, args.labels, args.cache) for p in lst]
    except LabelledListError as err:
        raise SystemExit(f"kb: labels_curve: {err}") from None
    started = time.monotonic()
    rows = measure_curve(pairs, args.sizes, args.draws, args.jobs, args.seed)
    print("| training lists | mean F1 | pooled F1 | matched | predicted | labelled |\n|---|---|---|---|---|---|")
    for size, mean, pooled in rows:
        label = "rules only" if size == 0 else str(size)
        print(f"| {label} | {mean:.3f} | {pooled['f1']:.3f} | {pooled['tp']} | {pooled['pred']} | {pooled['gold']} |")
    print(f"\n{len({g['list'] for _, g in pairs})} lists, {args.draws} draws, {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
