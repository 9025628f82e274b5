"""One writer at a time: a second writer waits (saying for whom) or refuses with --no-wait; a
dead holder never blocks; two processes opening a fresh KB both get a migrated one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from kb.config import load_settings
from kb.db import find_head_revision, find_revision, open_database
from tests.conftest import ROOT

HOLDER = textwrap.dedent("""
    import sys, time
    from kb.config import load_settings
    from kb.db import open_database
    from kb.writer_lock import hold_writer_lock
    url = sys.argv[1]
    factory = open_database(load_settings(url))
    with hold_writer_lock(url, factory.kw["bind"], "ingest"):
        print("held", flush=True)
        sys.stdin.readline()
""")


def start_holder(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def run_kb(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kb", "--db", url, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_second_writer_refuses_with_no_wait_and_waits_without(db_url: str, tmp_path: Path) -> None:
    open_database(load_settings(db_url))
    box = tmp_path / "one.eml"
    box.write_bytes(b"From: A <a@x.org>\nSubject: s\nMessage-ID: <w@x>\n\nbody\n")
    holder = start_holder(db_url)
    try:
        refused = run_kb(db_url, "ingest", "--no-wait", str(box))
        _, err = refused.communicate(timeout=120)
        assert refused.returncode == 2
        assert re.fullmatch(rf"kb: .*the ingest started at \d\d:\d\d \(pid {holder.pid}\) is writing to this KB "
                            r"\(--no-wait given\)\n", err)
        waiting = run_kb(db_url, "ingest", str(box))
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert re.fullmatch(rf"kb: waiting for the ingest started at \d\d:\d\d \(pid {holder.pid}\)\n", line)
        assert waiting.poll() is None
    finally:
        holder.communicate("go\n", timeout=60)
    out, _ = waiting.communicate(timeout=300)
    assert waiting.returncode == 0 and "stored 1" in out


def test_a_dead_holder_never_blocks(sqlite_url: str, tmp_path: Path) -> None:
    holder = start_holder(sqlite_url)
    holder.kill()
    holder.wait()
    lock = tmp_path / "kb.sqlite.lock"
    assert f"(pid {holder.pid})" in lock.read_text()   # its description is left behind, its flock is not
    done = run_kb(sqlite_url, "reindex", "--no-wait")
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err


def test_two_processes_opening_a_fresh_kb_both_migrate_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    maintainers = tmp_path / "MAINTAINERS"
    maintainers.write_text("FOO DRIVER\nM:\tAnn <ann@example.org>\nF:\tdrivers/foo/\n")
    # a command that may create a KB (read commands refuse a missing one); both open it at once
    procs = [run_kb(url, "maintainers", "load", str(maintainers), "--no-reextract") for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    engine = open_database(load_settings(url)).kw["bind"]
    assert find_revision(engine) == find_head_revision()
    assert os.path.exists(tmp_path / "fresh.sqlite.migrate.lock")
