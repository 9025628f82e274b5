"""Draft coverage by race source on a KB (e.g. the cgroups epoch): how many races get a complete,
linked draft whose base verdict reproduces the race ("Sometimes"), and how many fixes became
variants with a verdict. Works on a copy: the KB given is never written.

    .venv/bin/python bench/scenarios_drafts.py /work/kb-cgroups/kb.sqlite
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from kb.scenario_drafts import draft_all_races  # noqa: E402

TARGETS = {"kcsan": 0.70, "lockdep": 0.70, "kasan": 0.70, "diagram": 0.40}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kb", type=Path, help="a kb.sqlite (copied before anything is written)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-drafts-") as tmp:
        copy = Path(tmp) / "kb.sqlite"
        shutil.copyfile(args.kb, copy)
        engine = create_engine(f"sqlite:///{copy}")
        started = time.perf_counter()
        with Session(engine) as s:
            coverage = draft_all_races(s)
            s.commit()
        seconds = time.perf_counter() - started
        engine.dispose()
    rows = {kind: vars(cov) for kind, cov in sorted(coverage.by_source.items())}
    print(f"{'source':<9} {'races':>6} {'complete':>9} {'linked':>7} {'Sometimes':>10} {'share':>6} {'target':>7} "
          f"{'fixes':>6} {'variants':>9}")
    reports = [0, 0]
    for kind, row in rows.items():
        share = row["reproduced"] / row["races"] if row["races"] else 0.0
        target = TARGETS.get(kind)
        if kind in ("kcsan", "lockdep", "kasan"):
            reports[0] += row["races"]
            reports[1] += row["reproduced"]
        print(f"{kind:<9} {row['races']:>6} {row['complete']:>9} {row['linked']:>7} {row['reproduced']:>10} "
              f"{share:>6.0%} {f'{target:.0%}' if target else '-':>7} {row['fixes']:>6} {row['variants']:>9}")
    print(json.dumps({"seconds": round(seconds, 1), "skipped_with_scenario": coverage.skipped,
                      "report_races": reports[0], "report_reproduced": reports[1],
                      "report_share": round(reports[1] / reports[0], 3) if reports[0] else None,
                      "by_source": rows}, indent=2))


if __name__ == "__main__":
    main()
