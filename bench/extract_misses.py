"""Where extraction loses the labelled fixes and objections of the development lists: for each
labelled item, the stage that missed it, and for each unmatched prediction, where it sits.

    .venv/bin/python bench/extract_misses.py --archive cgroups=/work/kb-cgroups/cgroups-0.git \\
        --archive io-uring=PATH ... [--cache DIR] [--examples N]

Runs the whole extractor in process (`extract_thread`, with the models in use: KB_EXTRACT_MODELS
as for `kb ingest`) on the labelled threads of every list given an archive (data/labels/<list>.jsonl,
read as `python -m ingest.extract.learn` reads them), and matches items by the shared scorer's
rule (same message, word overlap >= 0.5, any evidence quote of a prediction, one to one).

Labelled items missed, by the first reason that applies:
- `no race`: the thread is not flagged, so nothing in it is extracted;
- `no fix` (objections): kb found no fix to object to;
- `other sentence`: kb holds an item of the kind in the same message, quoting another sentence;
- `candidate` (objections): a candidate of the learned model (ungated) quotes it, but neither
  the rules nor the model kept it;
- `none`: kb holds nothing of the kind in that message.
Unmatched predictions: in the message of a labelled item (`same message`), in a thread labelled
negative (`negative thread`), or `elsewhere`.

The shared gold is a test set and is never read here.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.extract import extract_thread  # noqa: E402
from ingest.extract.evaluate import anchor_score, match_greedy  # noqa: E402
from ingest.extract.gate import scan_thread  # noqa: E402
from ingest.extract.labelled import LabelledListError, add_corpus_arguments, load_labelled_lists  # noqa: E402
from ingest.extract.learned_findings import find_thread_objection_candidates  # noqa: E402
from ingest.extract.types import ThreadFindings, ThreadText  # noqa: E402
from kb.render import clean_terminal_text  # noqa: E402

KINDS = ("fixes", "objections")
MISSES = {"fixes": ("no race", "other sentence", "none"),
          "objections": ("no race", "no fix", "other sentence", "candidate", "none")}
EXTRAS = ("same message", "negative thread", "elsewhere")


def match_items(preds: list, golds: list[dict]) -> dict[int, int]:
    """Prediction index -> labelled item index, greedy by overlap over every evidence quote."""
    scores = {(i, j): max(anchor_score(e.message_id, e.quote, g["message_id"], g["quote"]) for e in p.evidence)
              for i, p in enumerate(preds) for j, g in enumerate(golds)}
    return match_greedy({k: v for k, v in scores.items() if v > 0})


def find_candidate_quotes(thread: ThreadText, found: ThreadFindings) -> list[tuple[str, str]]:
    """(message id, quote) of every objection candidate the learned model could score (ungated)."""
    if not found.fixes:
        return []
    cands = find_thread_objection_candidates(thread, list(found.fixes), scan_thread(thread), gated=False)
    return [(thread.messages[c.index].message_id, c.quote) for c in cands]


def classify_thread(thread: ThreadText, gold: dict, found: ThreadFindings) -> list[tuple[str, str, str, str]]:
    """(kind, "miss" or "extra", reason, quote) of every missed labelled item and unmatched prediction."""
    out = []
    for kind in KINDS:
        preds, golds = list(getattr(found, kind)), gold.get(kind, [])
        matched = match_items(preds, golds)
        hit = set(matched.values())
        held = {e.message_id for p in preds for e in p.evidence}
        cands = find_candidate_quotes(thread, found) if kind == "objections" and len(hit) < len(golds) else []
        for j, g in enumerate(golds):
            if j in hit:
                continue
            if not found.races:
                reason = "no race"
            elif kind == "objections" and not found.fixes:
                reason = "no fix"
            elif g["message_id"] in held:
                reason = "other sentence"
            elif any(anchor_score(mid, quote, g["message_id"], g["quote"]) for mid, quote in cands):
                reason = "candidate"
            else:
                reason = "none"
            out.append((kind, "miss", reason, g["quote"]))
        labelled = {g["message_id"] for g in golds}
        for i, p in enumerate(preds):
            if i in matched:
                continue
            reason = "same message" if any(e.message_id in labelled for e in p.evidence) else \
                "negative thread" if not gold["is_race_discussion"] else "elsewhere"
            out.append((kind, "extra", reason, p.evidence[0].quote if p.evidence else ""))
    return out


def count_list(pairs: list[tuple[ThreadText, dict]]) -> tuple[Counter, list[tuple[str, str, str, str]]]:
    counts: Counter = Counter()
    rows = []
    for thread, gold in pairs:
        found = extract_thread(thread)
        for kind in KINDS:
            counts[(kind, "labelled")] += len(gold.get(kind, []))
            counts[(kind, "predicted")] += len(getattr(found, kind))
        for row in classify_thread(thread, gold, found):
            counts[row[:3]] += 1
            rows.append(row)
    return counts, rows


def print_table(kind: str, per_list: dict[str, Counter]) -> None:
    heads = ["labelled", "found", *(f"miss: {m}" for m in MISSES[kind]), "predicted", *(f"extra: {e}" for e in EXTRAS)]
    print(f"\n{kind}\n| list | " + " | ".join(heads) + " |\n|---|" + "---|" * len(heads))
    total = sum(per_list.values(), Counter())
    for name, c in [*per_list.items(), ("total", total)]:
        missed = sum(c[(kind, "miss", m)] for m in MISSES[kind])
        cells = [c[(kind, "labelled")], c[(kind, "labelled")] - missed, *(c[(kind, "miss", m)] for m in MISSES[kind]),
                 c[(kind, "predicted")], *(c[(kind, "extra", e)] for e in EXTRAS)]
        print(f"| {name} | " + " | ".join(str(x) for x in cells) + " |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(ap)
    ap.add_argument("--examples", type=int, default=0, help="print this many quotes of each reason")
    args = ap.parse_args(argv)
    per_list: dict[str, Counter] = {}
    examples: dict[tuple[str, str, str], list[str]] = {}
    try:
        for name, pairs in load_labelled_lists(args.archive, args.labels, args.cache):
            counts, rows = count_list(pairs)
            per_list[name] = counts
            for kind, side, reason, quote in rows:
                examples.setdefault((kind, side, reason), []).append(f"{name}: {' '.join(quote.split())[:140]}")
    except LabelledListError as err:
        raise SystemExit(f"kb: extract_misses: {err}") from None
    for kind in KINDS:
        print_table(kind, per_list)
    if not args.examples:
        return
    for key, quotes in sorted(examples.items()):
        print(f"\n{' / '.join(key)}")
        for quote in quotes[:args.examples]:
            print("  " + clean_terminal_text(quote))


if __name__ == "__main__":
    main()
