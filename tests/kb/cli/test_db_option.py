"""--db: a read command never creates a KB; a path that cannot be created is one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_postgres_url

READ_COMMANDS = [["threads"], ["races"], ["stats"], ["series"], ["search", "b:race"], ["show", "1"],
                 ["race", "1"], ["export"], ["scenario", "list"], ["fix-fact", "race", "1", "--delete"]]


def run_kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_command_on_missing_kb_says_so_and_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "typo" / "kb.sqlite"
    proc = run_kb("--db", str(db), *args)
    assert proc.returncode == 2
    assert proc.stderr == f"kb: no KB at {db}; run kb ingest first\n"
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_read_command_on_missing_postgresql_kb_says_so() -> None:
    url = make_postgres_url()
    proc = run_kb("--db", url, "threads")
    assert proc.returncode == 2 and proc.stderr == f"kb: no KB at {url}; run kb ingest first\n"


@pytest.mark.parametrize("db, reason", [("file/kb.sqlite", "is not a directory"),
                                        ("file/sub/kb.sqlite", "Not a directory")])
def test_uncreatable_path_is_one_line(tmp_path: Path, db: str, reason: str) -> None:
    (tmp_path / "file").write_text("not a directory\n")
    proc = run_kb("--db", str(tmp_path / db), "ingest", str(ROOT / "data" / "seeds" / "000_04549a968bee6e93.txt"))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"kb: --db: cannot create {tmp_path / db}: ") and reason in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Error" not in proc.stderr


def test_ingest_creates_the_kb_a_read_command_then_opens(tmp_path: Path) -> None:
    db = tmp_path / "new" / "kb.sqlite"
    assert run_kb("--db", str(db), "ingest", str(ROOT / "data" / "seeds" / "000_04549a968bee6e93.txt")).returncode == 0
    proc = run_kb("--db", str(db), "threads")
    assert proc.returncode == 0 and "(1 of 1 thread)" in proc.stdout


def test_ingest_names_the_files_of_a_directory_it_could_not_read(tmp_path: Path) -> None:
    """A directory's file that is no mail archive is named, not silently passed over; the rest is read."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("Remember to ask about the lock order.\n")
    (inbox / "one.eml").write_text("From: Ann <ann@example.org>\nSubject: hi\nMessage-ID: <1@x>\n\nHello.\n")
    proc = run_kb("--db", str(tmp_path / "kb.sqlite"), "ingest", str(inbox))
    assert proc.returncode == 0 and "read 1, stored 1" in proc.stdout
    assert f"  not read {inbox / 'notes.txt'}: not a mail archive (mbox, .eml, Maildir, public-inbox or web page)\n" \
        in proc.stdout
    proc = run_kb("--db", str(tmp_path / "kb.sqlite"), "ingest", str(inbox), "--json")
    assert json.loads(proc.stdout)["unread"] == [str(inbox / "notes.txt")]
