"""Fault bench: kills, concurrent ingests, an ingest in two halves; each KB must equal a clean one.

On SQLite and on a real PostgreSQL (a throw-away server started as scripts/run-tests starts one,
unless KB_TEST_PG_URL names one), against a clean serial `kb ingest SOURCE`:
- kills: N ingests of SOURCE, each killed at a random moment (SIGKILL to the main process alone
  and to the whole process group, alternately), then run again. No process of the killed run may
  be left after 10 s, the re-run must exit 0 without a lock error.
- concurrent: the two halves of SOURCE ingested at once into one fresh KB (both exit 0).
- halves: the first half, then two `kb link`s and a `kb fix-fact` on races of it (those whose
  thread the second half re-roots first), then the second half; the clean KB gets the same links
  and correction.
Each KB is compared with the clean one (messages, threads, races, fixes, objections, evidence,
index documents, links, corrections) and `kb check` must report nothing missing, stale, extra or
waiting. With both backends, their clean KBs are compared too ("parity"), beside each clean
ingest's wall and CPU seconds. Prints one JSON object; exit 1 when anything differs.

    python bench/faults.py [SOURCE] [--kills 20] [--db sqlite,postgresql] [--only kills,concurrent,halves]

`--only none` runs the clean ingests alone (the PostgreSQL = SQLite comparison on a whole epoch:
`python bench/faults.py /work/kb-cgroups/cgroups-0.git --only none`).

SOURCE defaults to ../shared/corpus/cgroups-2024.mbox.gz (4,972 messages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package

from mail_files import MBOX_2024, iter_mails, write_mbox  # noqa: E402

SCENARIOS = ("seed002_truncate_isolate", "seed002_swapoff_swap_ops")
CORRECTION = "summary=corrected by the fault bench"
FACTS = {
    "messages": "select message_id from messages",
    "threads": "select root_message_id, message_count from threads",
    "races": "select t.root_message_id, r.summary, r.object, r.consequence"
             " from races r join threads t on t.id = r.thread_id",
    "fixes": "select t.root_message_id, f.summary, f.kind, f.status from fixes f join threads t on t.id = f.thread_id",
    "objections": "select t.root_message_id, o.reason, o.by from objections o join threads t on t.id = o.thread_id",
    "evidence": "select e.fact_kind, coalesce(tr.root_message_id, tf.root_message_id, tob.root_message_id, 'ORPHAN'),"
                " e.message_id, e.start, e.\"end\", e.quote from evidence e"
                " left join races r on e.fact_kind = 'race' and r.id = e.fact_id"
                " left join threads tr on tr.id = r.thread_id"
                " left join fixes f on e.fact_kind = 'fix' and f.id = e.fact_id"
                " left join threads tf on tf.id = f.thread_id"
                " left join objections o on e.fact_kind = 'objection' and o.id = e.fact_id"
                " left join threads tob on tob.id = o.thread_id",
    "links": "select s.name, l.target_kind, coalesce(t.root_message_id || ' ' || r.summary, l.target)"
             " from scenario_links l join scenarios s on s.id = l.scenario_id"
             " left join races r on l.target_kind = 'race' and cast(r.id as varchar) = l.target"
             " left join threads t on t.id = r.thread_id",
    "corrections": "select fact_kind, thread_root, key, action, changes from corrections",
}
# a race named by what survives any re-extraction: its first evidence (kb's own key for facts)
RACE_KEYS = ("select r.id, t.root_message_id, e.message_id, e.quote from races r join threads t on t.id = r.thread_id"
             " join evidence e on e.fact_kind = 'race' and e.fact_id = r.id order by e.id")


@dataclass(frozen=True)
class Kb:
    """One KB: its database URL and its index directory."""

    url: str
    index: Path

    def args(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kb", "--db", self.url, *args]

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, KB_INDEX=str(self.index))


def run_kb(kb: Kb, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kb.args(*args), cwd=ROOT, env=kb.env, capture_output=True, text=True, check=check)


def split_halves(source: Path, work: Path) -> tuple[Path, Path]:
    mails = list(iter_mails(source))
    half = len(mails) // 2
    return write_mbox(work / "first.mbox", mails[:half]), write_mbox(work / "second.mbox", mails[half:])


def snapshot(kb: Kb) -> dict[str, list[str]]:
    """What the KB holds, as sorted lists (row ids left out: they depend on the order of work)."""
    from sqlalchemy import create_engine, text

    from kb.search import list_indexed

    engine = create_engine(kb.url)
    try:
        with engine.connect() as conn:
            out = {name: sorted(" | ".join(json.dumps(c, sort_keys=True) if isinstance(c, dict) else str(c)
                                           for c in row) for row in conn.execute(text(sql)))
                   for name, sql in FACTS.items()}
    finally:
        engine.dispose()
    out["index"] = sorted(f"{mid} {digest}" for mid, digest in list_indexed(kb.index).items())
    return out


def digest_doc_fields(kb: Kb) -> dict[str, dict[str, str]]:
    """message_id -> index document field -> a hash of its value (names what differs)."""
    import dataclasses
    import hashlib

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from kb.indexing import iter_index_docs

    engine = create_engine(kb.url)
    try:
        with Session(engine) as s:
            return {doc.message_id: {name: hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).hexdigest()[:12]
                                     for name, value in dataclasses.asdict(doc).items()}
                    for doc in iter_index_docs(s)}
    finally:
        engine.dispose()


def name_differing_fields(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """For up to 20 messages whose documents differ: the fields that differ."""
    out = {}
    for message_id in sorted(a.keys() & b.keys()):
        fields = [name for name in a[message_id] if a[message_id][name] != b[message_id].get(name)]
        if fields:
            out[message_id] = fields
            if len(out) == 20:
                break
    return out


def compare(want: dict[str, list[str]], got: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Per differing table: how many rows only the clean KB has, and how many only the other."""
    out = {}
    for name in want:
        lost, extra = set(want[name]) - set(got[name]), set(got[name]) - set(want[name])
        if lost or extra or len(want[name]) != len(got[name]):
            out[name] = {"lost": len(lost), "extra": len(extra), "rows": len(got[name]), "want": len(want[name])}
    return out


def check_kb(kb: Kb) -> dict[str, int]:
    result = json.loads(run_kb(kb, "check", "--json").stdout)
    pending = result["pending"]
    return {"missing": len(result["missing"]), "stale": len(result["stale"]), "extra": len(result["extra"]),
            "waiting": pending["extract"] + pending["index"]}


def ingest(kb: Kb, *sources: Path | str) -> dict[str, object]:
    done = run_kb(kb, "ingest", *map(str, sources), "--json", "--quiet")
    return json.loads(done.stdout)


def lock_trouble(stderr: str) -> bool:
    return "lockerror" in stderr.lower() or "locked" in stderr.lower()


def wait_for_group(pgid: int, seconds: float = 10.0) -> bool:
    """Is the process group gone within `seconds`?"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def kill_and_rerun(kb: Kb, source: Path | str, at: float | str, group: bool) -> dict[str, object]:
    """Start an ingest in its own process group, SIGKILL it (or its group) after `at` seconds or
    when its progress names the stage `at`, then run it again."""
    quiet = () if isinstance(at, str) else ("--quiet",)   # progress lines only when they are read
    env = dict(kb.env, KB_PROGRESS_INTERVAL="0.05")
    proc = subprocess.Popen(kb.args("ingest", str(source), *quiet), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    seen = ""
    if isinstance(at, str):
        for line in proc.stderr:
            seen += line
            if line.startswith(f"kb: ingest: {at} "):
                break
    else:
        time.sleep(at)
    finished = proc.poll() is not None
    if not finished:
        (os.killpg if group else os.kill)(proc.pid, signal.SIGKILL)
    err = seen + proc.communicate()[1]
    gone = wait_for_group(proc.pid)
    if not gone:   # the bench must not leave them either
        os.killpg(proc.pid, signal.SIGKILL)
    rerun = run_kb(kb, "ingest", str(source), "--quiet", check=False)
    return {"at": at if isinstance(at, str) else round(at, 2), "target": "group" if group else "main",
            "finished_first": finished, "left_over": not gone, "rerun_exit": rerun.returncode,
            "lock_error": lock_trouble(err + rerun.stderr), "rerun_stderr": rerun.stderr.strip()[-300:]}


def run_concurrently(kb: Kb, first: Path, second: Path) -> dict[str, object]:
    procs = [subprocess.Popen(kb.args("ingest", str(path), "--quiet"), cwd=ROOT, env=kb.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for path in (first, second)]
    errs = [p.communicate()[1] for p in procs]
    return {"exits": [p.returncode for p in procs], "lock_error": any(lock_trouble(e) for e in errs),
            "stderr": [e.strip()[-300:] for e in errs if e.strip()]}


def load_race_keys(kb: Kb) -> dict[tuple[str, str], tuple[int, str]]:
    """(first evidence message, quote) -> (race id, thread root) of every race."""
    from sqlalchemy import create_engine, text

    engine = create_engine(kb.url)
    try:
        with engine.connect() as conn:
            out: dict[tuple[str, str], tuple[int, str]] = {}
            seen: set[int] = set()
            for race_id, root, message_id, quote in conn.execute(text(RACE_KEYS)):
                if race_id not in seen:
                    seen.add(race_id)
                    out.setdefault((message_id, " ".join(quote.split())), (race_id, root))
            return out
    finally:
        engine.dispose()


def pick_races(before: dict[tuple[str, str], tuple[int, str]],
               after: dict[tuple[str, str], tuple[int, str]]) -> list[tuple[str, str]]:
    """Races of the first half that the clean KB also has: re-rooted ones first."""
    common = sorted(key for key in before if key in after)
    moved = [key for key in common if before[key][1] != after[key][1]]
    return moved + [key for key in common if key not in moved]


def annotate(kb: Kb, keys: list[tuple[str, str]]) -> None:
    """Two links and a correction on the races `keys` names (by their evidence)."""
    ids = load_race_keys(kb)
    for key, scenario in zip(keys, SCENARIOS):
        run_kb(kb, "link", str(ids[key][0]), scenario)
    run_kb(kb, "fix-fact", "race", str(ids[keys[-1]][0]), "--set", CORRECTION, "--note", "fault bench")


def verdict(want: dict[str, list[str]], kb: Kb, **facts: object) -> dict[str, object]:
    bad = bool(facts.pop("bad", False))
    differs = compare(want, snapshot(kb))
    check = check_kb(kb)
    ok = not differs and not any(check.values()) and not bad
    return {**facts, "differs": differs, "check": check, "ok": ok}


def run_kills(source: Path, clean: dict[str, list[str]], wall: float, new_kb, kills: int,
              rng: random.Random) -> list[dict[str, object]]:
    out = []
    for n in range(kills):
        kb = new_kb(f"kill{n}")
        stopped = kill_and_rerun(kb, source, rng.uniform(0.5, wall), group=n % 2 == 1)
        bad = stopped["left_over"] or stopped["rerun_exit"] != 0 or stopped["lock_error"]
        out.append(verdict(clean, kb, kill=n, **stopped, bad=bad))
    return out


def run_concurrent(halves: tuple[Path, Path], clean: dict[str, list[str]], new_kb) -> dict[str, object]:
    kb = new_kb("concurrent")
    ran = run_concurrently(kb, *halves)
    return verdict(clean, kb, **ran, bad=ran["exits"] != [0, 0] or ran["lock_error"])


def run_halves(halves: tuple[Path, Path], clean_kb: Kb, new_kb) -> dict[str, object]:
    """The clean KB gets the same annotations: call this last."""
    kb = new_kb("halves")
    ingest(kb, halves[0])
    before, after = load_race_keys(kb), load_race_keys(clean_kb)
    keys = pick_races(before, after)[:2]
    if len(keys) < 2:
        return {"ok": False, "reason": "fewer than 2 races in the first half"}
    annotate(kb, keys)
    ingest(kb, halves[1])
    annotate(clean_kb, keys)
    moved = sum(before[key][1] != after[key][1] for key in before if key in after)
    return verdict(snapshot(clean_kb), kb, races_annotated=len(keys), races_rerooted=moved,
                   annotated_rerooted=sum(before[key][1] != after[key][1] for key in keys))


class Backend:
    """Fresh KBs on one database kind, under `work`."""

    def __init__(self, kind: str, work: Path, pg_base: str | None) -> None:
        self.kind, self.work, self.pg_base = kind, work, pg_base

    def new_kb(self, name: str) -> Kb:
        index = self.work / f"{self.kind}-{name}.index"
        if self.kind == "sqlite":
            return Kb(f"sqlite:///{self.work / f'{self.kind}-{name}.sqlite'}", index)
        assert self.pg_base is not None
        return Kb(create_database(self.pg_base), index)


def create_database(base: str) -> str:
    import psycopg

    name = f"kb_faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def postgres_server() -> Iterator[str]:
    """KB_TEST_PG_URL, or a throw-away server started by scripts/pg-server for the run."""
    if os.environ.get("KB_TEST_PG_URL"):
        yield os.environ["KB_TEST_PG_URL"]
        return
    script = ROOT / "scripts" / "pg-server"
    started = subprocess.run(["bash", "-c", f'source "{script}" && start_pg_server && echo "$KB_TEST_PG_URL $PG_DIR"'],
                             capture_output=True, text=True, check=True).stdout.split()
    try:
        yield started[0]
    finally:
        subprocess.run(["bash", "-c", f'source "{script}" && PG_DIR="{started[1]}" && stop_pg_server'], check=False)


def run_backend(kind: str, source: Path, work: Path, pg_base: str | None, args: argparse.Namespace,
                halves: tuple[Path, Path] | None) -> dict[str, object]:
    backend = Backend(kind, work, pg_base)
    clean_kb = backend.new_kb("clean")
    started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    ingest(clean_kb, source)
    wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    clean = snapshot(clean_kb)
    out: dict[str, object] = {"clean_wall_s": round(wall, 1), "clean_counts": {k: len(v) for k, v in clean.items()},
                              "clean_cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
                              "clean_check": check_kb(clean_kb), "clean": clean}
    if args.fields:
        out["fields"] = digest_doc_fields(clean_kb)
    rng = random.Random(args.seed)
    if "kills" in args.only:
        out["kills"] = run_kills(source, clean, wall, backend.new_kb, args.kills, rng)
    if "concurrent" in args.only:
        out["concurrent"] = run_concurrent(halves, clean, backend.new_kb)   # type: ignore[arg-type]
    if "halves" in args.only:
        out["halves"] = run_halves(halves, clean_kb, backend.new_kb)   # type: ignore[arg-type]
    return out


def all_ok(result: dict[str, object]) -> bool:
    parts = [*result.get("kills", []), result.get("concurrent"), result.get("halves")]   # type: ignore[list-item]
    return all(part["ok"] for part in parts if part is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path,
                        default=MBOX_2024)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--only", default="kills,concurrent,halves")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fields", action="store_true",
                        help="with both backends, name the index-document fields that differ between them")
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="kb-faults-bench-"))
    results: dict[str, object] = {"source": str(args.source)}
    try:
        halves = split_halves(args.source, work) if args.only & {"concurrent", "halves"} else None
        for kind in args.db.split(","):
            if kind == "postgresql":
                with postgres_server() as base:
                    results[kind] = run_backend(kind, args.source, work, base, args, halves)
            else:
                results[kind] = run_backend(kind, args.source, work, None, args, halves)
            print(json.dumps({kind: {k: v for k, v in results[kind].items() if k not in ("clean", "fields")}}),   # type: ignore[union-attr]
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cleans = [results[kind].pop("clean") for kind in args.db.split(",")]   # type: ignore[union-attr]
    fields = [results[kind].pop("fields", None) for kind in args.db.split(",")]   # type: ignore[union-attr]
    ok = all(all_ok(results[kind]) for kind in args.db.split(","))   # type: ignore[arg-type]
    if len(cleans) == 2:   # the clean ingests of both backends hold the same facts and index documents
        results["parity"] = compare(cleans[0], cleans[1])
        if fields[0] is not None and fields[1] is not None:
            results["parity_fields"] = name_differing_fields(fields[0], fields[1])
        ok = ok and not results["parity"]
    print(json.dumps({**results, "all_ok": ok}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
