"""Spilled pool runs: what a killed build left is removed (merging: tests/kb/search/test_adapter.py
and test_codec.py)."""

from __future__ import annotations

from pathlib import Path

from kb.search.runs import remove_stale_runs


def test_a_killed_builds_runs_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "kb-runs-abc"
    stale.mkdir()
    (stale / "0.run").write_bytes(b"partial")
    (tmp_path / "MAIN_x.seg").write_bytes(b"")
    remove_stale_runs(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["MAIN_x.seg"]
