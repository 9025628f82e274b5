"""The shape of extraction on a whole KB: fixes per race, race histories, extraction CPU.

    .venv/bin/python bench/extract_shape.py KB.sqlite [--stored] [--limit N]

Default: every thread of the KB is loaded (not timed) and extracted again with the current
code in this one process (timed: CPU seconds of extract_thread alone), then races are linked
into histories as `kb ingest` does. --stored reads the races, fixes and histories the KB holds
instead (no extraction). The KB is opened read-only.

Prints: races and fixes; fixes per race (max, p99, races with more than 10 fixes); the largest
history (races, threads) and the size distribution of histories; extraction CPU seconds.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ingest.extract.cues import load_cue_sets  # noqa: E402
from ingest.extract.nlp import get_nlp  # noqa: E402
from ingest.extract.thread import extract_thread  # noqa: E402
from ingest.store.findings import iter_chunks, link_stored_histories, load_thread_texts  # noqa: E402
from ingest.store.maintainers import load_stored_maintainers  # noqa: E402
from kb.models import Fix, Race, Thread  # noqa: E402

SIZE_BINS = ((1, 1), (2, 2), (3, 5), (6, 10), (11, 30), (31, 100), (101, 10**9))


def percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def format_bins(sizes: list[int]) -> str:
    parts = []
    for lo, hi in SIZE_BINS:
        n = sum(1 for s in sizes if lo <= s <= hi)
        label = str(lo) if lo == hi else (f"{lo}-{hi}" if hi < 10**9 else f">{lo - 1}")
        parts.append(f"{label}:{n}")
    return " ".join(parts)


def print_shape(fix_counts: list[int], histories: list[tuple[int, int]], cpu: float | None,
                threads: int) -> None:
    """fix_counts: fixes of every race; histories: (races, threads) of every history."""
    print(f"threads: {threads}; races: {len(fix_counts)}; fixes linked to a race: {sum(fix_counts)}")
    print(f"fixes per race: max {max(fix_counts, default=0)}, p99 {percentile(fix_counts, 0.99)}, "
          f"races with >10 fixes: {sum(1 for c in fix_counts if c > 10)}")
    largest = max(histories, default=(0, 0))
    print(f"histories: {len(histories)}; largest: {largest[0]} races in {largest[1]} threads")
    print(f"history sizes (races): {format_bins([h[0] for h in histories])}")
    if cpu is not None:
        print(f"extraction CPU s: {cpu:.2f}")


def measure_stored(session: Session) -> None:
    counts = dict(session.execute(select(Fix.race_id, func.count(Fix.id))
                                  .where(Fix.race_id.is_not(None)).group_by(Fix.race_id)).all())
    races = session.execute(select(Race.id, Race.thread_id, Race.history_id)).all()
    groups: dict[int, list] = {}
    for race in races:
        groups.setdefault(race.history_id if race.history_id is not None else -race.id, []).append(race)
    histories = [(len(g), len({r.thread_id for r in g})) for g in groups.values()]
    threads = session.scalar(select(func.count(Thread.id))) or 0
    print_shape([counts.get(r.id, 0) for r in races], histories, None, threads)


def measure_fresh(session: Session, limit: int) -> None:
    ids = list(session.scalars(select(Thread.id).order_by(Thread.id)))
    if limit:
        ids = ids[:limit]
    maintainers = load_stored_maintainers(session)
    get_nlp()
    load_cue_sets()
    cpu = 0.0
    found = {}
    for chunk in iter_chunks(ids, 500):
        texts = load_thread_texts(session, chunk)
        c0 = time.process_time()
        for thread_id, text in texts.items():
            found[thread_id] = extract_thread(text, maintainers)
        cpu += time.process_time() - c0
    fix_counts = []
    for f in found.values():
        per_race = Counter(x.race for x in f.fixes if x.race is not None)
        fix_counts += [per_race.get(i, 0) for i in range(len(f.races))]
    owners = [(thread_id, race) for thread_id, f in found.items() for race in f.races]
    ordinals = [n for f in found.values() for n in range(len(f.races))]
    groups = link_stored_histories(session, owners, ordinals)
    histories = [(len(g), len({owners[i][0] for i in g})) for g in groups]
    print_shape(fix_counts, histories, cpu, len(ids))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kb", type=Path, help="a SQLite KB (opened read-only)")
    ap.add_argument("--stored", action="store_true", help="figures of the stored findings")
    ap.add_argument("--limit", type=int, default=0, help="only the first N threads")
    args = ap.parse_args()
    engine = create_engine(f"sqlite:///file:{args.kb.resolve()}?mode=ro&uri=true")
    with Session(engine) as session:
        if args.stored:
            measure_stored(session)
        else:
            measure_fresh(session, args.limit)


if __name__ == "__main__":
    main()
