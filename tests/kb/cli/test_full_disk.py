"""A full disk (a file-size limit: writes fail with EFBIG) ends an ingest with one line naming the
path; the next run, with room again, completes the work."""

from __future__ import annotations

import functools
import hashlib
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT



def write_mbox(path: Path, count: int) -> Path:
    """Messages of about 20 KB that do not compress well."""
    body = "".join(f"{hashlib.sha256(str(n).encode()).hexdigest()} race with the free path\n" for n in range(220))
    path.write_text("".join(
        f"From x Mon Jan  1 00:00:00 2024\nFrom: Ann <ann@example.org>\nSubject: race {n}\n"
        f"Message-ID: <{n}@full.example>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n{body}\n" for n in range(count)))
    return path


def limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def kb(db: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", "--db", str(db), *args], cwd=ROOT, capture_output=True,
                          text=True, preexec_fn=functools.partial(limit_file_size, limit) if limit else None)


# while the schema is created (it must not be left half made), and while messages are stored
@pytest.mark.parametrize("limit", [48 * 1024, 600 * 1024])
def test_full_disk_is_one_line_and_the_next_run_completes(tmp_path: Path, limit: int) -> None:
    box, db = write_mbox(tmp_path / "big.mbox", 40), tmp_path / "kb.sqlite"
    full = kb(db, "ingest", str(box), "--quiet", limit=limit)
    assert full.returncode == 2, full.stderr
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kb: ") and "Traceback" not in full.stderr, full.stderr
    assert str(tmp_path) in lines[0] or "disk" in lines[0], lines
    again = kb(db, "ingest", str(box), "--json", "--quiet")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["stored"] + report["present"] == 40
    stats = json.loads(kb(db, "stats", "--json").stdout)
    assert stats["messages"] == 40
    check = json.loads(kb(db, "check", "--json").stdout)
    assert (check["missing"], check["stale"], check["pending"]["extract"], check["pending"]["index"]) == ([], [], 0, 0)
