"""Search benchmark over a real KB: per-query latency in process, after one warm-up.

    python bench/search.py --db URL [--queries bench/queries.txt] [--runs 5] [--limit 20] [--verify]

Prints one JSON object: p50_ms, p95_ms, index size on disk, and per query its hits and ms
(the median of the runs). Queries go through kb.library.Library.search, the same call the
CLI and the TUI make: parse, match, rank and snippets for the shown hits.

--verify recounts the queries made only of s:, f:, b: and d: terms independently: each stored
message's raw bytes are parsed again with Python's own email package (policy.default, not
kb's parser) and matched word by word, and the JSON gets each query's independent count.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import load_settings  # noqa: E402
from kb.library import Library  # noqa: E402


def measure_directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def has_phrase(words: list[str], phrase: str) -> bool:
    want = words_of(phrase)
    return any(words[i:i + len(want)] == want for i in range(len(words) - len(want) + 1))


def parse_terms(query: str) -> list[tuple[str, str]] | None:
    """(prefix, value) of a query made only of s: f: b: d: terms (ANDed), else None."""
    terms = re.findall(r'(\w+):("[^"]*"|\S+)', query)
    if not terms or " ".join(f"{p}:{v}" for p, v in terms) != query or any(p not in "sfbd" for p, _ in terms):
        return None
    return [(p, v.strip('"')) for p, v in terms]


def read_raw_messages(db: str) -> list[dict[str, object]]:
    """subject words, from words, body words and date of each stored message, via the stdlib."""
    import email
    import email.policy
    import email.utils

    from sqlalchemy import create_engine, text

    from kb.blobs import unpack_blob

    rows = []
    with create_engine(load_settings(db).db_url).connect() as conn:
        for (raw,) in conn.execute(text("SELECT raw FROM messages WHERE recovered = false")):
            msg = email.message_from_bytes(unpack_blob(raw), policy=email.policy.default)
            try:
                part = msg.get_body(preferencelist=("plain",))
                body = part.get_content() if part is not None else ""
            except Exception:  # noqa: BLE001 - the stdlib gives up on some broken mail
                body = ""
            try:
                date = email.utils.parsedate_to_datetime(str(msg["date"]))
                date = date.astimezone(timezone.utc).replace(tzinfo=None) if date.tzinfo else date
            except Exception:  # noqa: BLE001
                date = None
            rows.append({"s": words_of(str(msg["subject"] or "")), "f": words_of(str(msg["from"] or "")),
                         "b": words_of(body), "d": date})
    return rows


def count_independently(rows: list[dict[str, object]], terms: list[tuple[str, str]]) -> int:
    def matches(row: dict[str, object], prefix: str, value: str) -> bool:
        if prefix == "d":
            start, _, end = value.partition("..")
            date = row["d"]
            return date is not None and (not start or date >= datetime.fromisoformat(start)) and (
                not end or date < datetime.fromisoformat(end) + timedelta(days=1))
        return has_phrase(row[prefix], value)  # type: ignore[arg-type]

    return sum(all(matches(row, p, v) for p, v in terms) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--index")
    parser.add_argument("--queries", default=str(Path(__file__).with_name("queries.txt")))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--verify", action="store_true", help="Recount s:/f:/b:/d: queries independently.")
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
    if args.verify:
        rows = read_raw_messages(args.db)
        for result in results:
            terms = parse_terms(result["query"])
            if terms:
                result["independent"] = count_independently(rows, terms)
    ms = [r["ms"] for r in results]
    print(json.dumps({"p50_ms": round(percentile(ms, 0.5), 2), "p95_ms": round(percentile(ms, 0.95), 2),
                      "index_mb": round(measure_directory_size(Path(library.settings.index_dir)) / 1e6, 1),
                      "runs": args.runs, "queries": results}))


if __name__ == "__main__":
    main()
