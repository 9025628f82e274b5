"""Corrections and links are user data: they survive re-extraction, and facts keep their ids."""

from __future__ import annotations

from pathlib import Path

from ingest.extract_stage import run_extraction
from ingest.pipeline import run_ingest
from ingest.store.findings import list_thread_ids
from kb.config import load_settings
from kb.library import Library
from tests.conftest import require_shared


def test_corrections_and_ids_survive_reextraction(tmp_path: Path) -> None:
    library = Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    run_ingest(library.factory, [str(require_shared("corpus", "cgroups-gold-threads.mbox"))], workers=0)
    races = library.list_races()
    race = next(r for r in races if r.fixes >= 2)
    view = library.show_race(race.id)
    deleted, kept = view.fixes[0].id, view.fixes[1].id
    library.correct_fact("race", race.id, "set", {"consequence": "deadlock"}, "checked by hand")
    library.correct_fact("fix", deleted, "delete", {})
    linked = library.link_scenario(str(race.id), "seed002_swapoff_swap_ops")
    with library.factory() as s:
        ids = list_thread_ids(s)
    run_extraction(library.factory, ids, workers=0)
    after = library.show_race(race.id)
    assert after.summary.consequence == "deadlock"
    assert [f.id for f in after.fixes if f.id == deleted] == []
    assert kept in [f.id for f in after.fixes]
    assert [link.scenario_id for link in after.scenarios] == [linked.scenario_id]
