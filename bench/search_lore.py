"""kb's hit counts beside public-inbox's (Xapian) for the same lore-prefix queries.

    python bench/search_lore.py --db KB.sqlite --epoch cgroups-0.git [--work DIR] [--queries FILE]

Installs Debian's `public-inbox` when `public-inbox-index` is missing (apt-get, as root),
copies the public-inbox v2 epoch into an inbox under --work, indexes it with
`public-inbox-index` (skipped when already indexed there), then counts each query's matches
with PublicInbox::Search (Perl) and with kb (Library.search). Prints one JSON object with
both counts, their difference in percent and the CPU seconds of the index build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import load_settings  # noqa: E402
from kb.library import Library  # noqa: E402

QUERIES = Path(__file__).with_name("queries_lore.txt")
COUNT_PERL = r"""
use strict; use PublicInbox::Inbox;
my ($dir, @queries) = @ARGV;
my $ibx = PublicInbox::Inbox->new({inboxdir => $dir, name => 'bench', address => ['bench@example.org']});
my $srch = $ibx->search or die "no search index in $dir\n";
for my $q (@queries) {
    my $mset = $srch->mset($q, {limit => 1000000, relevance => -1});
    print $mset->size, "\n";
}
"""


def ensure_public_inbox() -> None:
    if shutil.which("public-inbox-index"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "public-inbox"], check=True, env=env)


def build_inbox(epoch: Path, work: Path) -> float | None:
    """Index the epoch under work/inbox; returns CPU seconds, None when already built."""
    inbox = work / "inbox"
    if (inbox / "xap15").exists():
        return None
    shutil.rmtree(inbox, ignore_errors=True)
    (inbox / "git").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--mirror", str(epoch), str(inbox / "git" / "0.git")], check=True)
    env = {**os.environ, "PI_CONFIG": str(work / "pi-config")}
    subprocess.run(["public-inbox-init", "-V2", "-L", "full", "bench", str(inbox), "http://localhost/bench",
                    "bench@example.org"], check=True, env=env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["public-inbox-index", str(inbox)], check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)


def to_public_inbox_dates(query: str) -> str:
    """public-inbox's d: ranges take YYYYMMDD (or git's approxidate), not ISO dates with dashes."""
    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\1\2\3", query)


def count_public_inbox(inbox: Path, queries: list[str]) -> list[int]:
    done = subprocess.run(["perl", "-e", COUNT_PERL, str(inbox), *map(to_public_inbox_dates, queries)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"search_lore: public-inbox's search failed: {done.stderr.strip().splitlines()[-1:]}")
    return [int(line) for line in done.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--epoch", required=True, type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench-lore"))
    parser.add_argument("--queries", type=Path, default=QUERIES)
    args = parser.parse_args()
    queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip()]
    ensure_public_inbox()
    args.work.mkdir(parents=True, exist_ok=True)
    index_cpu_s = build_inbox(args.epoch, args.work)
    theirs = count_public_inbox(args.work / "inbox", queries)
    library = Library(load_settings(args.db))
    rows = []
    for query, other in zip(queries, theirs):
        ours = library.search(query, limit=1).total
        diff = round(100 * (ours - other) / other, 1) if other else (0.0 if not ours else None)
        rows.append({"query": query, "kb": ours, "public_inbox": other, "diff_pct": diff})
    print(json.dumps({"public_inbox_index_cpu_s": index_cpu_s, "queries": rows}, indent=1))


if __name__ == "__main__":
    main()
