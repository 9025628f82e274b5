"""`kb reindex` cost: CPU seconds of the whole process tree, its peak summed RSS, index size.

    python bench/search_reindex.py --db KB.sqlite [--kb "python -m kb"] [--interval 0.2]

Runs the command under /usr/bin/time -v (user+sys of the process and its waited-for
children, max RSS of the largest single process) and samples /proc every `interval` seconds
for the summed RSS of the whole tree (whoosh's multi-process writer forks sub-writers).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import find_default_index_dir  # noqa: E402


def list_tree(root: int) -> list[int]:
    """root and its descendants, from /proc/*/stat parent links."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def measure_rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--kb", default=f"{sys.executable} -m kb")
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        command = ["/usr/bin/time", "-v", "-o", report.name, *shlex.split(args.kb), "--db", args.db, "reindex"]
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, measure_rss_kb(list_tree(proc.pid)))
            time.sleep(args.interval)
        text = Path(report.name).read_text()
    grab = {key: float(re.search(rf"{key}[^:]*: ([\d.]+)", text).group(1))
            for key in ("User time", "System time", "Maximum resident set size")}
    index = find_default_index_dir(args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}")
    print(json.dumps({
        "exit": proc.returncode, "wall_s": round(time.monotonic() - started, 1),
        "cpu_s": round(grab["User time"] + grab["System time"], 1),
        "max_rss_one_process_mb": round(grab["Maximum resident set size"] / 1024),
        "peak_rss_tree_mb": round(peak / 1024),
        "index_mb": round(sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 1e6, 1),
    }))


if __name__ == "__main__":
    main()
