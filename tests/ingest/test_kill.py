"""SIGKILL or Ctrl-C in the middle of a stage, then the run again: the KB equals a clean run's.

(bench/kill.py does the same at 10 random moments on cgroups-2024.mbox.gz.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_shared

sys.path.insert(0, str(ROOT / "bench"))
from kill import check_clean, kb_args, snapshot  # noqa: E402


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, list[str]]]:
    source = str(require_shared("corpus", "cgroups-gold-threads.mbox"))
    db = tmp_path_factory.mktemp("clean") / "kb.sqlite"
    subprocess.run(kb_args(db, "ingest", source, "--quiet"), cwd=ROOT, check=True, capture_output=True)
    return source, snapshot(db)


def restore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def stop_in(source: str, db: Path, stage: str, sig: int) -> tuple[int, str]:
    """Start an ingest, send `sig` once its progress names `stage`; (exit status, stderr)."""
    env = dict(os.environ, KB_PROGRESS_INTERVAL="0.05")
    # a pytest-xdist worker ignores SIGINT and a child would inherit that: give it Python's default
    proc = subprocess.Popen(kb_args(db, "ingest", source), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=restore_interrupts)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(f"kb: ingest: {stage} "):
            proc.send_signal(sig)
            break
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    time.sleep(0.5 if sig == signal.SIGKILL else 0)   # the orphaned workers die with their parent
    return proc.returncode, "".join(seen) + rest


@pytest.mark.parametrize(("stage", "sig"), [("parse", signal.SIGKILL), ("extract", signal.SIGINT),
                                            ("index", signal.SIGINT)])
def test_a_stopped_ingest_run_again_equals_a_clean_one(clean: tuple[str, dict[str, list[str]]], tmp_path: Path,
                                                       stage: str, sig: int) -> None:
    source, want = clean
    db = tmp_path / "kb.sqlite"
    status, err = stop_in(source, db, stage, sig)
    if sig == signal.SIGINT:
        assert status == 130 and "Traceback" not in err, err
        assert err.strip().splitlines()[-1].startswith("kb: interrupted")
    else:
        assert status == -signal.SIGKILL
    subprocess.run(kb_args(db, "ingest", source, "--quiet"), cwd=ROOT, check=True, capture_output=True)
    assert snapshot(db) == want
    assert check_clean(db) == {"missing": 0, "stale": 0, "extra": 0, "waiting": 0}


def test_refresh_after_a_stop_completes_without_reading(clean: tuple[str, dict[str, list[str]]],
                                                        tmp_path: Path) -> None:
    source, want = clean
    db = tmp_path / "kb.sqlite"
    stop_in(source, db, "index", signal.SIGKILL)   # its orphaned sub-writers must not keep the index locked
    done = subprocess.run(kb_args(db, "refresh", "--json", "--quiet"), cwd=ROOT, check=True, capture_output=True,
                          text=True)
    assert json.loads(done.stdout)["read"] == 0
    assert snapshot(db) == want
