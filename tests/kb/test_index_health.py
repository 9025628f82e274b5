"""A damaged index is found by kb check and named by every command that meets it (exit 2, one
line, 'run kb reindex'); a failed reindex leaves no half-built copy; a full disk names the path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.index_health import verify_index
from kb.library import Library
from tests.conftest import ROOT

MAIL = b"From: A <a@x.org>\nSubject: lock %d\nMessage-ID: <h%d@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n%s\n"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    box = tmp_path / "a.mbox"
    box.write_bytes(b"".join(b"From x Mon Jan  1 00:00:00 2024\n" + MAIL % (i, i, b"spinlock word%d " % i * 50)
                             + b"\n" for i in range(30)))
    run(tmp_path, "ingest", "--workers", "0", str(box))
    return tmp_path


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", "--db", str(tmp_path / "kb.sqlite"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def segment_files(kb: Path) -> list[Path]:
    return sorted(p for p in (kb / "kb.index").iterdir() if p.suffix in (".seg", ".trm", ".pst", ".vps", ".fdt",
                                                                         ".sto", ".cmp"))


def test_sound_index_checks_clean(kb_dir: Path) -> None:
    assert verify_index(kb_dir / "kb.index") == []
    checked = run(kb_dir, "check")
    assert checked.returncode == 0 and checked.stdout.startswith("missing 0, stale 0")


def test_corrupted_segment_bytes_are_found_by_check(kb_dir: Path) -> None:
    for target in segment_files(kb_dir):  # the second half of every segment file overwritten
        data = bytearray(target.read_bytes())
        middle = len(data) // 2
        data[middle:] = b"\xa5" * (len(data) - middle)
        target.write_bytes(bytes(data))
    assert verify_index(kb_dir / "kb.index")
    checked = run(kb_dir, "check")
    assert checked.returncode == 2
    assert checked.stderr.startswith("kb: ") and "search index damaged: run kb reindex" in checked.stderr
    assert checked.stderr.count("\n") == 1
    assert run(kb_dir, "reindex").returncode == 0
    assert run(kb_dir, "check").returncode == 0


def test_deleted_segment_makes_search_say_reindex(kb_dir: Path) -> None:
    for path in segment_files(kb_dir):
        path.unlink()
    found = run(kb_dir, "search", "spinlock")
    assert found.returncode == 2, found.stderr
    assert "search index damaged: run kb reindex" in found.stderr and "Traceback" not in found.stderr


def test_failed_reindex_removes_its_copy(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.search

    def fail(path, docs, second=None):  # what a full disk does halfway through
        fresh = Path(path).with_name(Path(path).name + ".new")
        fresh.mkdir()
        (fresh / "part").write_bytes(b"x" * 1000)
        raise OSError(28, "No space left on device", str(fresh / "part"))

    monkeypatch.setattr(kb.search, "rebuild_index", fail)
    with pytest.raises(OSError):
        Library(load_settings(str(kb_dir / "kb.sqlite"))).reindex()
    assert not (kb_dir / "kb.index.new").exists()


def test_repair_completes_recorded_removals(kb_dir: Path) -> None:
    """An index entry whose message left the database (a recorded removal) is deleted by
    check --repair, and the removal is then done: nothing is left for the index stage."""
    from sqlalchemy import delete, select

    from kb.ledger import list_index_removals, record_index_removals
    from kb.models import Message
    from kb.search import list_indexed

    lib = Library(load_settings(str(kb_dir / "kb.sqlite")))
    with lib.factory() as s:
        s.execute(delete(Message).where(Message.message_id == "h3@x"))
        record_index_removals(s, ["h3@x"])
        s.commit()
    checked = run(kb_dir, "check", "--repair")
    assert checked.returncode == 0, checked.stderr
    assert "h3@x" not in list_indexed(kb_dir / "kb.index")
    with lib.factory() as s:
        assert list_index_removals(s) == ([], [])
        assert s.scalar(select(Message.message_id).where(Message.message_id == "h3@x")) is None
