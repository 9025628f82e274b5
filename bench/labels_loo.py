"""Score kb list by list on the labelled corpus (data/labels/<list>.jsonl) with the shared scorer,
leave-one-list-out.

    .venv/bin/python bench/labels_loo.py --archive io-uring=/path/to/io-uring.git \
        --archive linux-block=/path/to/linux-block.git --archive cgroups=/path/to/cgroups-0.git \
        [--work /tmp/kb-labels] [--shared ../shared] [--lists io-uring,cgroups] \
        [--models loo|shipped|rules] [--gold [--gold-archive EPOCH]]

For each list with labels and an archive: read the labelled messages from the archive (a cache of
just those is kept in --work and reused), materialise the pointer labels into the gold schema
(every sha1 checked), and with `--models loo` (the default) train the models kb uses by default
(learned.DEFAULT_KINDS: the objection model; fixes stay with the hand rules) on every other list's
labels (ingest.extract.learn, written to --work/models-<list>). Then write the
labelled threads' raw messages into an mbox, ingest that mbox into a fresh KB with the real
pipeline (`kb maintainers load` with ../shared/data/MAINTAINERS, then `kb ingest`, with
KB_EXTRACT_MODELS pointing at the held-out models), export it (`kb export`) and score the export
with `../shared/gold/evaluate.py`. Prints one row per list and the mean.

`--models shipped` scores every model under data/models/learned, the opt-in fix model included
(trained on every list: not a held-out score), `--models rules` the hand rules (no learned
model). `--gold` also scores the chosen models on the shared gold (seeds + cgroups gold threads),
a test set nothing is trained on (`loo` runs kb as installed there: the shipped objection
model). With `--gold-archive` (the cgroups epoch) the gold threads
are scored inside a KB of the whole list, as a user holds it: the list's MAINTAINERS patches date
who was a maintainer when.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.extract.labelled import load_labelled_list, load_records, read_labels  # noqa: E402
from ingest.extract.learn import train_models  # noqa: E402
from ingest.extract.learned import DEFAULT_KINDS, MODELS_ENV, SHIPPED_DIR  # noqa: E402
from ingest.labels.archive import iter_blobs  # noqa: E402
from ingest.labels.pointers import materialise_thread  # noqa: E402

ITEMS = ("races", "fixes", "objections", "maintainers")
SCORER_KEYS = {"races": "race_detection"}  # evaluate.py's name for the thread-level race score


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


def run_kb(work: Path, name: str, *args: str, models: Path | None = None) -> str:
    kb = ROOT / ".venv" / "bin" / "kb"
    cmd = [str(kb) if kb.exists() else "kb", "--db", str(work / f"{name}.sqlite"), "--index", str(work / f"{name}.index"),
           *args]
    env = dict(os.environ)
    env.pop(MODELS_ENV, None)
    if models is not None:
        env[MODELS_ENV] = str(models)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise SystemExit(f"kb: labels_loo: {' '.join(args[:1])} failed for {name}: {res.stderr.strip()[-300:]}")
    return res.stdout


def ingest_and_score(work: Path, name: str, sources: list[Path], gold_path: Path, shared: Path,
                     models: Path | None, list_name: str | None = None) -> dict:
    """A fresh KB of `sources` (the real pipeline), exported and scored against `gold_path`."""
    evaluate, maintainers = shared / "gold" / "evaluate.py", shared / "data" / "MAINTAINERS"
    (work / f"{name}.sqlite").unlink(missing_ok=True)
    shutil.rmtree(work / f"{name}.index", ignore_errors=True)
    run_kb(work, name, "maintainers", "load", str(maintainers))
    run_kb(work, name, "ingest", *map(str, sources), *(["--list", list_name] if list_name else []), "--json",
           models=models)
    export = work / f"{name}.export.jsonl"
    export.write_text(run_kb(work, name, "export", "--format", "jsonl"), encoding="utf-8")
    res = subprocess.run([sys.executable, str(evaluate), str(gold_path), str(export), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def choose_models(mode: str, work: Path, held_out: str | None, training: list) -> Path | None:
    """The models directory a run uses: the models kb uses by default trained without
    `held_out` (loo; None for the shared gold: kb's own defaults), every shipped model, or an
    empty directory (rules: no learned model)."""
    if mode == "loo" and held_out is None:
        return None
    if mode == "shipped":
        return SHIPPED_DIR
    if mode == "rules":
        empty = work / "models-none"
        empty.mkdir(parents=True, exist_ok=True)
        return empty
    out = work / f"models-{held_out}"
    train_models([p for name, pairs in training if name != held_out for p in pairs], out,
                 kinds=tuple(sorted(DEFAULT_KINDS)))     # what kb decides by default: the rest by the rules
    return out


def score_list(name: str, archive: Path, labels: Path, work: Path, shared: Path, models: Path | None) -> dict:
    msgs = load_records(read_labels(labels), archive, work / f"{name}.labelled.jsonl")
    gold = [materialise_thread(t, msgs) for t in read_labels(labels)]
    gold_path = work / f"{name}.gold.jsonl"
    gold_path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in gold), encoding="utf-8")
    mbox = work / f"{name}.mbox"
    n = write_thread_mbox(archive, msgs, gold, mbox)
    t0 = time.perf_counter()
    scores = ingest_and_score(work, name, [mbox], gold_path, shared, models, name)
    return {"list": name, "threads": len(gold), "messages": n, "wall_s": round(time.perf_counter() - t0, 1),
            **{k: scores.get(SCORER_KEYS.get(k, k), {}).get("f1") for k in ITEMS}, "raw": scores}


def score_gold(work: Path, shared: Path, models: Path | None, archive: Path | None = None) -> dict:
    """The shared gold (cgroups gold threads + seed pages) through the real pipeline; with
    `archive` (the cgroups epoch), its threads are scored inside a KB of the whole list."""
    gold_path = work / "shared-gold.jsonl"
    gold_path.write_text("".join((shared / "gold" / f).read_text() for f in ("cgroups.jsonl", "seeds.jsonl")))
    sources = [archive or shared / "corpus" / "cgroups-gold-threads.mbox", ROOT / "data" / "seeds"]
    scores = ingest_and_score(work, "shared-gold", sources, gold_path, shared, models)
    return {"list": "shared gold", "threads": scores["threads"], "messages": 0, "wall_s": 0,
            **{k: scores.get(SCORER_KEYS.get(k, k), {}).get("f1") for k in ITEMS}, "raw": scores}


def print_table(rows: list[dict]) -> None:
    print(f"{'list':14s} {'threads':>7s} " + " ".join(f"{k:>12s}" for k in ITEMS))
    for r in rows:
        print(f"{r['list']:14s} {r['threads']:7d} " + " ".join(f"{r[k] if r[k] is not None else '-':>12}" for k in ITEMS))
    if rows:
        means = {k: round(sum(r[k] or 0 for r in rows) / len(rows), 3) for k in ITEMS}
        print(f"{'mean':14s} {sum(r['threads'] for r in rows):7d} " + " ".join(f"{means[k]:>12}" for k in ITEMS))


def make_parser(doc: str, work: str, models: str) -> argparse.ArgumentParser:
    """The options every labelled-list bench takes."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", action="append", default=[], help="LIST=PATH (public-inbox epoch git dir)")
    ap.add_argument("--labels", type=Path, default=ROOT / "data" / "labels")
    ap.add_argument("--work", type=Path, default=Path(work))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--lists", help="comma-separated subset of lists")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    ap.add_argument("--models", choices=("loo", "shipped", "rules"), default=models)
    return ap


def main() -> None:
    ap = make_parser(__doc__, "/tmp/kb-labels", "loo")
    ap.add_argument("--gold", action="store_true", help="also score the shared gold (a test set)")
    ap.add_argument("--gold-archive", type=Path, help="score the shared gold inside a KB of this whole cgroups "
                    "epoch (its dated MAINTAINERS patches and later replies included), not of the gold mbox alone")
    args = ap.parse_args()
    archives = dict(a.split("=", 1) for a in args.archive)
    wanted = set(args.lists.split(",")) if args.lists else None
    evaluate = args.shared / "gold" / "evaluate.py"
    if not evaluate.exists():
        raise SystemExit(f"kb: labels_loo: {evaluate}: no shared scorer")
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    present = [p for p in sorted(args.labels.glob("*.jsonl")) if p.stem in archives]
    for p in sorted(args.labels.glob("*.jsonl")):
        if p.stem not in archives:
            print(f"skip {p.stem}: no --archive {p.stem}=PATH", file=sys.stderr)
    training = [(p.stem, load_labelled_list(p, Path(archives[p.stem]), args.work / f"{p.stem}.labelled.jsonl"))
                for p in present] if args.models == "loo" else []
    for labels in present:
        name = labels.stem
        if wanted and name not in wanted:
            continue
        models = choose_models(args.models, args.work, name, training)
        rows.append(score_list(name, Path(archives[name]), labels, args.work, args.shared, models))
        print(f"{name}: {rows[-1]['threads']} threads, {rows[-1]['messages']} messages scored", file=sys.stderr)
    print(f"models: {args.models}")
    print_table(rows)
    if args.gold:
        row = score_gold(args.work, args.shared, choose_models(args.models, args.work, None, training),
                         args.gold_archive)
        print(f"{'shared gold':14s} {row['threads']:7d} " + " ".join(f"{row[k]:>12}" for k in ITEMS))
        rows.append(row)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "raw"} for r in rows]))


if __name__ == "__main__":
    main()
