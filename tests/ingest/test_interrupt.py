"""kill -9 in the middle of an ingest, then re-run: nothing duplicated, nothing half-threaded."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

COUNT = 4000


def write_big_mbox(path: Path) -> None:
    parts = []
    for i in range(COUNT):
        parent = f"In-Reply-To: <{i - 1}@x>\nReferences: <{i - 1}@x>\n" if i % 10 else ""
        parts.append(f"From x Mon Jan  1 00:00:00 2024\nFrom: P{i % 7} <p{i % 7}@example.org>\n"
                     f"Subject: thread {i // 10}\nMessage-ID: <{i}@x>\n{parent}"
                     f"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody {i}\n> quoted\n\n")
    path.write_text("".join(parts))


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_killed_ingest_resumes_without_duplicates(tmp_path: Path) -> None:
    box, db = tmp_path / "big.mbox", tmp_path / "kb.sqlite"
    write_big_mbox(box)
    args = [sys.executable, "-m", "kb", "--db", str(db), "ingest", str(box), "--workers", "0"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and count(db, "select count(*) from sqlite_master where name='messages'"):
            if count(db, "select count(*) from messages") > 0:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = count(db, "select count(*) from messages")
    assert 0 < partial <= COUNT
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    assert count(db, "select count(*) from messages") == COUNT
    assert count(db, "select count(distinct message_id) from messages") == COUNT
    assert count(db, "select count(*) from messages where thread_id is null") == 0
    assert count(db, "select count(*) from threads") == COUNT // 10
    assert count(db, "select sum(message_count) from threads") == COUNT
