"""Search benchmark over a real KB: per-query latency in process, after one warm-up.

    python bench/search.py --db URL [--queries bench/queries.txt] [--runs 5] [--limit 20]

Prints one JSON object: p50_ms, p95_ms, index size on disk, and per query its hits and ms
(the median of the runs). Queries go through kb.library.Library.search, the same call the
CLI and the TUI make: parse, match, rank and snippets for the shown hits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import load_settings  # noqa: E402
from kb.library import Library  # noqa: E402


def measure_directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--index")
    parser.add_argument("--queries", default=str(Path(__file__).with_name("queries.txt")))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    library = Library(load_settings(args.db, args.index))
    queries = [q.strip() for q in Path(args.queries).read_text().splitlines() if q.strip()]
    for query in queries:  # warm-up: opens the searcher and the column caches
        library.search(query, limit=args.limit)
    results = []
    for query in queries:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = library.search(query, limit=args.limit)
            times.append((time.perf_counter() - started) * 1000)
        results.append({"query": query, "hits": result.total, "shown": len(result.hits),
                        "ms": round(statistics.median(times), 2)})
    ms = [r["ms"] for r in results]
    print(json.dumps({"p50_ms": round(percentile(ms, 0.5), 2), "p95_ms": round(percentile(ms, 0.95), 2),
                      "index_mb": round(measure_directory_size(Path(library.settings.index_dir)) / 1e6, 1),
                      "runs": args.runs, "queries": results}))


if __name__ == "__main__":
    main()
