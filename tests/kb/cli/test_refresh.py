"""kb refresh, kb check's ledger view, kb maintainers load, and progress lines on a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, require_shared
from tests.ingest.test_ledger import MAINTAINERS
from tests.ingest.test_pipeline import mail, write_mbox
from tests.kb.cli.test_cli import run


def check(db: str) -> dict[str, object]:
    return json.loads(run(db, "check", "--json")[1])


PATCH = (b"\n---\ndiff --git a/kernel/cgroup/cgroup.c b/kernel/cgroup/cgroup.c\n--- a/kernel/cgroup/cgroup.c\n"
         b"+++ b/kernel/cgroup/cgroup.c\n@@ -1 +1 @@\n-old\n+new\n")


def test_maintainers_load_after_an_ingest_leaves_check_clean(tmp_path: Path) -> None:
    db = str(tmp_path / "kb.sqlite")
    # Ann, the section's maintainer, in a thread touching its files: her role changes, so that
    # thread (2 messages) is re-indexed; the other thread's findings stay as they were
    box = write_mbox(tmp_path / "a.mbox", [mail("1@x") + PATCH, mail("2@x", "1@x"), mail("3@x")])
    run(db, "ingest", str(box), "--quiet")
    (tmp_path / "MAINTAINERS").write_text(MAINTAINERS)
    _, out, _ = run(db, "maintainers", "load", str(tmp_path / "MAINTAINERS"))
    assert "re-extracted 2 threads" in out and "re-indexed 2 messages" in out
    hits = json.loads(run(db, "search", "maint:ann@example.org", "--json")[1])["hits"]
    assert {h["message_id"] for h in hits} == {"1@x", "2@x"}
    result = check(db)
    assert (result["missing"], result["stale"], result["extra"]) == ([], [], [])
    assert result["pending"] == {"extract": 0, "index": 0, "threads": 2}
    assert "all 2 threads extracted and indexed" in run(db, "check")[1]


def test_check_names_the_waiting_threads_and_refresh_completes_them(tmp_path: Path) -> None:
    db = str(tmp_path / "kb.sqlite")
    run(db, "ingest", str(write_mbox(tmp_path / "a.mbox", [mail("1@x"), mail("3@x")])), "--quiet")
    (tmp_path / "MAINTAINERS").write_text(MAINTAINERS)
    run(db, "maintainers", "load", "--no-reextract", str(tmp_path / "MAINTAINERS"))
    assert "2 threads wait for extraction; run kb refresh" in run(db, "check")[1]
    summary = json.loads(run(db, "refresh", "--json", "--quiet")[1])
    assert summary["read"] == 0 and summary["extracted"]["threads"] == 2
    assert [s["stage"] for s in summary["stages"]] == [
        "read", "parse", "store", "merge pages", "thread", "series", "extract", "link histories", "index"]
    assert all(s["wall_s"] >= 0 and s["cpu_s"] >= 0 for s in summary["stages"])
    assert check(db)["pending"] == {"extract": 0, "index": 0, "threads": 2}


def run_piped(tmp_path: Path, *args: str, interval: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KB_PROGRESS_INTERVAL=interval)
    return subprocess.run([sys.executable, "-m", "kb", "--db", str(tmp_path / "kb.sqlite"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True)


def test_piped_ingest_prints_progress_lines_on_stderr(tmp_path: Path) -> None:
    box = require_shared("corpus", "cgroups-2024.mbox.gz")
    done = run_piped(tmp_path, "ingest", str(box), "--json", interval="0.5")
    lines = [line for line in done.stderr.splitlines() if line.startswith("kb: ingest: ")]
    stages = {line.split()[2] for line in lines}
    assert len(lines) >= 2 and {"read", "extract"} & stages, done.stderr
    assert json.loads(done.stdout)["read"] == 4972   # stdout stays JSON only


def test_quiet_silences_progress(tmp_path: Path) -> None:
    box = write_mbox(tmp_path / "a.mbox", [mail(f"{i}@x") for i in range(50)])
    done = run_piped(tmp_path, "ingest", str(box), "--quiet", interval="0.05")
    assert "kb: ingest: " not in done.stderr
