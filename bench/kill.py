"""Kill bench: stop `kb ingest` at random moments in every stage, re-run, compare with a clean run.

One clean `kb ingest SOURCE --json` gives the reference KB and each stage's wall time. Then for
each of N moments (one inside each stage's time window in turn, the rest anywhere), a fresh
ingest is sent SIGKILL or SIGINT (alternating) at that moment, then `kb ingest SOURCE` runs
again. Messages, threads, races, fixes, objections and index documents must equal the clean
run's, `kb check` must report nothing missing, stale or waiting, and a SIGINT must end in one
line, exit 130, no traceback. A moment that comes after the interrupted ingest has ended (a run
quicker than the clean one) is tried once more at the same share of that run's time; `landed`
says whether the signal met a running ingest. Prints one JSON object; exit 1 when any moment
differs.

    python bench/kill.py [SOURCE] [--moments 10] [--seed 1]

SOURCE defaults to ../shared/corpus/cgroups-2024.mbox.gz (4,972 messages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FACTS = {
    "messages": "select message_id from messages",
    "threads": "select root_message_id || ' ' || message_count from threads",
    "races": "select t.root_message_id || ' ' || r.summary from races r join threads t on t.id = r.thread_id",
    "fixes": "select t.root_message_id || ' ' || f.summary from fixes f join threads t on t.id = f.thread_id",
    "objections": "select t.root_message_id || ' ' || o.reason from objections o join threads t on t.id = o.thread_id",
}


def kb_args(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kb", "--db", str(db), *args]


def snapshot(db: Path) -> dict[str, list[str]]:
    """What the KB holds, as sorted lists (ids of rows left out: they depend on the order of work)."""
    from kb.search import list_indexed

    with sqlite3.connect(db) as conn:
        out = {name: sorted(str(row[0]) for row in conn.execute(sql)) for name, sql in FACTS.items()}
    out["index"] = sorted(f"{mid} {digest}" for mid, digest in list_indexed(db.with_suffix(".index")).items())
    return out


def check_clean(db: Path) -> dict[str, object]:
    done = subprocess.run(kb_args(db, "check", "--json"), cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    pending = result["pending"]
    return {"missing": len(result["missing"]), "stale": len(result["stale"]), "extra": len(result["extra"]),
            "waiting": pending["extract"] + pending["index"]}


def run_clean(source: str, work: Path) -> tuple[dict[str, list[str]], list[tuple[str, float, float]]]:
    db = work / "clean.sqlite"
    done = subprocess.run(kb_args(db, "ingest", source, "--json", "--quiet"), cwd=ROOT, capture_output=True,
                          text=True, check=True)
    windows, start = [], 0.0
    for stage in json.loads(done.stdout)["stages"]:
        if stage["stage"] in ("read", "parse"):   # streaming: read and parse run inside store's window
            continue
        windows.append((stage["stage"], start, start + stage["wall_s"]))
        start += stage["wall_s"]
    return snapshot(db), windows


def interrupt(source: str, db: Path, at: float, sig: int) -> dict[str, object]:
    """Send `sig` `at` seconds into an ingest; `landed` False when the ingest had already ended."""
    started = time.monotonic()
    proc = subprocess.Popen(kb_args(db, "ingest", source, "--quiet"), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,   # SIGINT as a terminal sends it, even if ignored here
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        proc.wait(timeout=at)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, sig)
    landed = proc.returncode is None
    _, err = proc.communicate()
    if sig == signal.SIGKILL:   # its workers are orphans now: let them notice and go
        time.sleep(1)
    return {"exit": proc.returncode, "traceback": "Traceback" in err, "stderr_lines": len(err.splitlines()),
            "landed": landed, "ran_s": round(time.monotonic() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "cgroups-2024.mbox.gz"))
    parser.add_argument("--moments", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kb-kill-bench-"))
    results, failed = [], False
    try:
        clean, windows = run_clean(args.source, work)
        total = windows[-1][2]
        for n in range(args.moments):
            stage, lo, hi = windows[n] if n < len(windows) else ("any", 0.0, total)
            at = rng.uniform(lo, hi)
            sig = signal.SIGKILL if n % 2 == 0 else signal.SIGINT
            db = work / f"run{n}.sqlite"
            stopped = interrupt(args.source, db, at, sig)
            if not stopped["landed"]:   # this run was quicker than the clean one: same share of its time
                db = work / f"run{n}-again.sqlite"
                at *= float(stopped["ran_s"]) / total
                stopped = interrupt(args.source, db, at, sig)
            subprocess.run(kb_args(db, "ingest", args.source, "--quiet"), cwd=ROOT, capture_output=True, check=True)
            got = snapshot(db)
            differs = sorted(name for name in clean if clean[name] != got[name])
            check = check_clean(db)
            ok = not differs and not any(check.values()) and bool(stopped["landed"]) and (
                sig == signal.SIGKILL or stopped["exit"] in (0, 130) and not stopped["traceback"])
            failed |= not ok
            results.append({"moment": n, "stage": stage, "at_s": round(at, 2), "signal": signal.Signals(sig).name,
                            **stopped, "differs": differs, "check": check, "ok": ok})
            shutil.rmtree(db.with_suffix(".index"), ignore_errors=True)
            db.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"source": args.source, "stages": [w[0] for w in windows], "clean_wall_s": round(total, 1),
                      "moments": results, "all_ok": not failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
