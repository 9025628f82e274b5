"""Share of quoted segments attributed to a person, over a whole KB (e.g. the cgroups epoch).

    python bench/attribution.py --db URL

Prints one JSON object: quote segments, attributed, share, and the same by quote depth.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import case, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import load_settings  # noqa: E402
from kb.db import open_database  # noqa: E402
from kb.models import Segment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    factory = open_database(load_settings(args.db))
    attributed = func.sum(case(((Segment.person_name != "") | (Segment.person_email != ""), 1), else_=0))
    with factory() as s:
        rows = s.execute(select(Segment.depth, func.count(Segment.id), attributed)
                         .where(Segment.kind == "quote").group_by(Segment.depth).order_by(Segment.depth)).all()
    total = sum(r[1] for r in rows)
    done = sum(r[2] or 0 for r in rows)
    print(json.dumps({"quote_segments": total, "attributed": done, "share": round(done / total, 4) if total else None,
                      "by_depth": {str(d): {"segments": n, "share": round((a or 0) / n, 4)} for d, n, a in rows}}))


if __name__ == "__main__":
    main()
