"""Train the learned fix and objection deciders (learned.py) from the labelled corpus.

    python -m ingest.extract.learn --archive cgroups=/work/kb-cgroups/cgroups-0.git \\
        --archive io-uring=PATH ... [--exclude LIST] [--out data/models/learned] [--cache DIR]

Each labelled thread (data/labels/<list>.jsonl, materialised from its archive) runs through
the real race extractor; its fix candidates (candidates.find_fix_candidates) are labelled by
the shared scorer's anchor rule (same message, word overlap >= 0.5 with a labelled fix quote)
and a logistic regression (linear.py) learns them. The objection candidates are generated
against the fixes the hand rules find (what kb uses by default), labelled the same way against
the labelled objections, and learned likewise. Deterministic (fixed order, full-batch
training); offline. The shared gold is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.extract import learned, nlp
from ingest.extract.fixes import extract_fixes
from ingest.extract.linear import save_linear, train_linear
from ingest.extract.candidates import Candidate
from ingest.extract.evaluate import anchor_score, compute_prf, match_greedy
from ingest.extract.gate import scan_thread
from ingest.extract.learned_findings import (
    extract_learned_fixes, extract_learned_objections, find_thread_fix_candidates,
    find_thread_objection_candidates,
)
from ingest.extract.objections import extract_objections
from ingest.extract.races import extract_races
from ingest.extract.types import ThreadText

MIN_LISTS = 3               # a word is read when candidates of this many lists use it
# threshold and per-message cap: the best mean F1 of in-process leave-one-list-out runs over the
# labelled lists (never the shared gold); "force": a posted patch that addresses the race keeps its
# best sentence; "keep": what the hand rules pick stays (the model adds to it). The objection
# decider reads neither: the rules' objections always stay and it only adds
# (learned_findings.extract_learned_objections)
DEFAULTS = {"fixes": {"threshold": 0.3, "per_message": 1, "force": "__addresses", "keep": "__rule"},
            "objections": {"threshold": 0.4, "per_message": 2, "force": "", "keep": ""}}


def label_candidates(thread: ThreadText, candidates: list[Candidate], gold_items: list[dict]) -> list[bool]:
    """A candidate is positive when it anchors to a labelled item (the scorer's rule)."""
    ids = [m.message_id for m in thread.messages]
    return [any(anchor_score(ids[c.index], c.quote, g["message_id"], g["quote"]) for g in gold_items)
            for c in candidates]


def build_vocabulary(examples: list[tuple[str, Candidate, bool]], min_lists: int) -> frozenset[str]:
    """Words used by the candidates of at least `min_lists` lists ((list, candidate, label))."""
    lists: dict[str, set[str]] = {}
    for name, cand, _ in examples:
        for word in set(learned.split_words(cand.quote)):
            lists.setdefault(word, set()).add(name)
    return frozenset(w for w, names in lists.items() if len(names) >= min_lists)


def train_decider(examples: list[tuple[str, Candidate, bool]], kind: str, params: dict | None = None) -> learned.Decider:
    """The decider trained on labelled candidates ((list, candidate, label))."""
    params = {**DEFAULTS[kind], **(params or {})}
    n_lists = len({name for name, _, _ in examples})
    vocabulary = build_vocabulary(examples, min(MIN_LISTS, n_lists))
    model = train_linear([learned.find_candidate_features(c, vocabulary) for _, c, _ in examples],
                         [p for _, _, p in examples])
    return learned.Decider(model, float(params["threshold"]), int(params["per_message"]),
                           vocabulary, params["force"], params["keep"])


def train_models(pairs: list[tuple[ThreadText, dict]], out: Path | None = None,
                 params: dict | None = None, kinds: tuple[str, ...] = learned.KINDS) -> dict[str, learned.Decider]:
    """Train both deciders on (thread, gold) pairs; write those of `kinds` under `out` when given."""
    params = params or {}
    staged = []
    for thread, gold in pairs:
        scan = scan_thread(thread)
        races = extract_races(thread, scan=scan)
        staged.append((thread, gold, races, find_thread_fix_candidates(thread, races, scan), scan))
    fix_examples = [(gold["list"], c, p) for thread, gold, _, cands, _ in staged
                    for c, p in zip(cands, label_candidates(thread, cands, gold.get("fixes", [])))]
    fix_decider = train_decider(fix_examples, "fixes", params.get("fixes"))
    obj_examples = []
    for thread, gold, races, _, scan in staged:
        fixes = extract_fixes(thread, races, scan) if races else []
        cands = find_thread_objection_candidates(thread, fixes, scan, gated=False)
        obj_examples += [(gold["list"], c, p) for c, p in
                         zip(cands, label_candidates(thread, cands, gold.get("objections", [])))]
    obj_decider = train_decider(obj_examples, "objections", params.get("objections"))
    deciders = {"fixes": fix_decider, "objections": obj_decider}
    if out is not None:
        for kind, examples in (("fixes", fix_examples), ("objections", obj_examples)):
            if kind not in kinds:
                continue
            dec = deciders[kind]
            save_linear(dec.model, out / kind / learned.WEIGHTS_FILE)
            info = {"threshold": dec.threshold, "per_message": dec.per_message, "force": dec.force, "keep": dec.keep,
                    "vocabulary": sorted(dec.vocabulary),
                    "examples": len(examples), "positives": sum(p for _, _, p in examples),
                    "lists": sorted({g["list"] for _, g in pairs}), "threads": len(pairs)}
            (out / kind / learned.META_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return deciders


def count_matches(preds: list[tuple[str, str]], golds: list[dict]) -> int:
    """One-to-one anchors between (message id, quote) predictions and labelled items, greedy by
    overlap (the shared scorer's rule)."""
    scores = {(i, j): anchor_score(mid, quote, g["message_id"], g["quote"])
              for i, (mid, quote) in enumerate(preds) for j, g in enumerate(golds)}
    return len(match_greedy(scores))


def score_deciders(pairs: list[tuple[ThreadText, dict]], deciders: dict[str, learned.Decider]) -> dict:
    """{kind: [matched, predicted, labelled]} of the deciders' fixes and objections, in process;
    a kind without a decider is the hand rules' ({}: the rules alone)."""
    counts = {kind: [0, 0, 0] for kind in learned.KINDS}
    for thread, gold in pairs:
        scan = scan_thread(thread)
        races = extract_races(thread, scan=scan)
        rule_fixes = extract_fixes(thread, races, scan) if races else []    # what objections use by default
        fixes = extract_learned_fixes(thread, races, scan, deciders["fixes"]) \
            if races and deciders.get("fixes") else rule_fixes
        objections = extract_learned_objections(thread, rule_fixes, scan, deciders["objections"]) \
            if rule_fixes and deciders.get("objections") else extract_objections(thread, rule_fixes, scan)
        for kind, found in (("fixes", fixes), ("objections", objections)):
            preds = [(f.message_id, f.quote) for f in found]
            c = counts[kind]
            c[0] += count_matches(preds, gold.get(kind, []))
            c[1] += len(preds)
            c[2] += len(gold.get(kind, []))
    return counts


def run_leave_one_out(pairs: list[tuple[ThreadText, dict]], params: dict | None = None) -> dict[str, dict]:
    """{list: score_deciders counts} with the deciders trained on every other list, in process
    (how DEFAULTS' thresholds were chosen: `--loo`)."""
    lists = sorted({g["list"] for _, g in pairs})
    return {name: score_deciders([p for p in pairs if p[1]["list"] == name],
                                 train_models([p for p in pairs if p[1]["list"] != name], params=params))
            for name in lists}


def run_reference(pairs: list[tuple[ThreadText, dict]]) -> dict:
    """Train on the first two thirds of the threads (in label order), score the rest: the
    record a test reproduces (training is deterministic)."""
    cut = len(pairs) * 2 // 3
    deciders = train_models(pairs[:cut])
    return {"train": [g["thread_id"] for _, g in pairs[:cut]], "test": [g["thread_id"] for _, g in pairs[cut:]],
            "scores": score_deciders(pairs[cut:], deciders)}


def main(argv: list[str] | None = None) -> None:
    from ingest.extract.labelled import LabelledListError, load_labelled_lists
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", action="append", default=[],
                    help="LIST=PATH (public-inbox epoch); the lists given an archive are used")
    ap.add_argument("--labels", type=Path, default=nlp.DATA_DIR / "labels")
    ap.add_argument("--exclude", action="append", default=[], help="a list left out of training")
    ap.add_argument("--cache", type=Path, help="directory for the labelled messages' caches")
    ap.add_argument("--out", type=Path, default=learned.SHIPPED_DIR)
    ap.add_argument("--record", type=Path, help="write run_reference's record here instead of training models")
    ap.add_argument("--loo", type=float, nargs="*", metavar="THRESHOLD",
                    help="print in-process leave-one-list-out objection F1 per list at each threshold")
    args = ap.parse_args(argv)
    archives = dict(a.split("=", 1) for a in args.archive)
    specs = [f"{p.stem}={archives[p.stem]}" for p in sorted(args.labels.glob("*.jsonl"))
             if p.stem in archives and p.stem not in args.exclude]
    try:
        pairs = [p for _, lst in load_labelled_lists(specs, args.labels, args.cache) for p in lst]
    except LabelledListError as err:     # a label or mail the archive does not hold
        print(f"kb: learn: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if not pairs:
        print("kb: learn: no labelled threads (give --archive LIST=PATH for a list of --labels)", file=sys.stderr)
        raise SystemExit(2)
    if args.loo is not None:
        for threshold in args.loo or [DEFAULTS["objections"]["threshold"]]:
            scores = run_leave_one_out(pairs, {"objections": {"threshold": threshold}})
            f1 = {name: compute_prf(*counts["objections"])["f1"] for name, counts in scores.items()}
            print(f"objections threshold {threshold}: " + " ".join(f"{k}={v:.3f}" for k, v in f1.items())
                  + f" mean={sum(f1.values()) / len(f1):.3f}")
        return
    if args.record:
        args.record.write_text(json.dumps(run_reference(pairs), indent=1) + "\n")
        print(f"wrote {args.record}")
        return
    train_models(pairs, args.out)
    print(f"wrote {args.out}/fixes and {args.out}/objections ({len(pairs)} threads)")


if __name__ == "__main__":
    main()
