"""Score kb's web-page path list by list: labelled threads rendered as web-archive pages.

    .venv/bin/python bench/labels_pages.py --archive io-uring=/path/to/io-uring.git ... \
        [--style hypermail|collapsed] [--models rules|shipped|loo] [--work /tmp/kb-pages] [--json]

The shared seeds are the only pages kb is scored on, and they are a test set. This builds
development pages instead: for each thread of data/labels/<list>.jsonl, the message whose page
shows the most labels is rendered the way a web archive shows it (ingest.labels.pages: hypermail's
subject/From/Date layout, or the body with newlines collapsed), addresses obfuscated, with the
thread's labels that the page shows as its gold (seed convention). The pages of each list are
ingested alone into a fresh KB (the real pipeline), exported and scored with the shared scorer.
Maintainers are not labelled on pages (their column is not meaningful here). Pages and gold stay
in --work (mail text: never in the repository).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/ingest.py must not shadow the package

from ingest.extract.labelled import load_labelled_list, load_records, read_labels  # noqa: E402
from ingest.labels.pages import STYLES, build_page  # noqa: E402
from ingest.labels.pointers import materialise_thread  # noqa: E402
from labels_loo import ITEMS, SCORER_KEYS, choose_models, ingest_and_score, make_parser, print_table  # noqa: E402


def write_pages(name: str, archive: Path, labels: Path, work: Path, style: str) -> tuple[Path, Path, int]:
    """The list's pages in a fresh directory and their gold file; returns (dir, gold, count)."""
    msgs = load_records(read_labels(labels), archive, work / f"{name}.labelled.jsonl")
    out = work / f"pages-{style}" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    golds = []
    for i, thread in enumerate(read_labels(labels)):
        page = build_page(materialise_thread(thread, msgs), msgs, style, f"{i:03d}_{name}.txt")
        if page is not None:
            (out / page.name).write_text(page.text, encoding="utf-8")
            golds.append(page.gold)
    gold_path = work / f"pages-{style}" / f"{name}.gold.jsonl"
    gold_path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in golds), encoding="utf-8")
    return out, gold_path, len(golds)


def main() -> None:
    ap = make_parser(__doc__, "/tmp/kb-pages", "rules")
    ap.add_argument("--style", choices=STYLES, default="hypermail")
    args = ap.parse_args()
    archives = dict(a.split("=", 1) for a in args.archive)
    wanted = set(args.lists.split(",")) if args.lists else None
    if not (args.shared / "gold" / "evaluate.py").exists():
        raise SystemExit(f"kb: labels_pages: {args.shared / 'gold' / 'evaluate.py'}: no shared scorer")
    args.work.mkdir(parents=True, exist_ok=True)
    present = [p for p in sorted(args.labels.glob("*.jsonl")) if p.stem in archives]
    training = [(p.stem, load_labelled_list(p, Path(archives[p.stem]), args.work / f"{p.stem}.labelled.jsonl"))
                for p in present] if args.models == "loo" else []
    rows, totals = [], {}
    for labels in present:
        name = labels.stem
        if wanted and name not in wanted:
            continue
        pages, gold, n = write_pages(name, Path(archives[name]), labels, args.work, args.style)
        models = choose_models(args.models, args.work, name, training)
        scores = ingest_and_score(args.work, f"pages-{args.style}-{name}", [pages], gold, args.shared, models)
        rows.append({"list": name, "threads": n,
                     **{k: scores.get(SCORER_KEYS.get(k, k), {}).get("f1") for k in ITEMS}, "raw": scores})
        for k in ITEMS:
            raw = scores.get(SCORER_KEYS.get(k, k), {})
            t = totals.setdefault(k, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + raw.get("tp", 0), t[1] + raw.get("predicted", 0), t[2] + raw.get("gold", 0)
        print(f"{name}: {n} pages scored", file=sys.stderr)
    print(f"models: {args.models}, style: {args.style}")
    print_table(rows)
    print("pooled tp/predicted/gold: " + ", ".join(f"{k} {'/'.join(map(str, v))}" for k, v in totals.items()))
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "raw"} for r in rows]))


if __name__ == "__main__":
    main()
