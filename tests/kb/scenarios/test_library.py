"""The bundled library: every file parses, matches its Result headers, and covers the gold races."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.scenarios import (
    check_scenario, compare_expectations, draft_scenario, find_library_scenarios, load_scenario, parse_scenario,
)
from tests.conftest import require_shared

LIBRARY = find_library_scenarios()
# gold race (thread_id, race index) -> library file covering it
COVERAGE = {
    ("000_04549a968bee6e93.txt", 0): "seed000_swapcache_index.kscen",
    ("000_04549a968bee6e93.txt", 1): "seed000_swap_relocation.kscen",
    ("001_e5779e28165e000f.txt", 0): "seed001_shmem_unuse_evict.kscen",
    ("001_e5779e28165e000f.txt", 1): "seed001_try_to_unuse_replaced.kscen",
    ("002_724bcb3cc4354858.txt", 0): "seed002_truncate_isolate.kscen",
    ("002_724bcb3cc4354858.txt", 1): "seed002_swapoff_swap_ops.kscen",
    ("003_8985432c2770a4f4.txt", 0): "seed003_swapin_skip_swapcache.kscen",
    ("004_e2d0a14b533089af.txt", 0): "seed004_gup_swapout_cow.kscen",
}


def test_library_is_found() -> None:
    assert len(LIBRARY) >= 10
    assert all(p.suffix == ".kscen" for p in LIBRARY)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_library_verdicts_match_result_headers(path: Path) -> None:
    scen = load_scenario(path)
    report = check_scenario(scen)
    assert not report.inconclusive
    assert compare_expectations(scen, report) == []
    assert {e.variant for e in scen.expectations} == set(scen.variants), "a Result header per variant"
    assert scen.find_metadata("Source"), "Source: provenance"
    for variant in scen.variants[1:]:
        assert scen.find_metadata(f"Variant-{variant}"), f"Variant-{variant}: provenance"


def test_every_gold_race_has_a_scenario() -> None:
    gold = require_shared("gold", "seeds.jsonl")
    names = {p.name for p in LIBRARY}
    for line in gold.read_text().splitlines():
        record = json.loads(line)
        for index, _ in enumerate(record["races"]):
            target = COVERAGE[(record["thread_id"], index)]
            assert target in names
            scen = load_scenario(next(p for p in LIBRARY if p.name == target))
            assert record["thread_id"] in " ".join(scen.find_metadata("Source"))


def test_report_scenarios_cite_message_ids() -> None:
    kcsan = load_scenario(next(p for p in LIBRARY if p.name.startswith("kcsan_")))
    lockdep = load_scenario(next(p for p in LIBRARY if p.name.startswith("lockdep_")))
    assert "@" in kcsan.find_metadata("Source")[0] and "KCSAN" in kcsan.description
    assert "@" in lockdep.find_metadata("Source")[0]


def test_draft_scenario_from_a_diagram_parses() -> None:
    steps = [(0, "spin_lock_irqsave(&mapping->tree_lock, flags);"), (1, "mapping = page_mapping(page);"),
             (0, "page->mapping = NULL;"), (0, "..."), (1, "if (mapping && !mapping->a_ops->migratepage)")]
    text = draft_scenario("truncate vs isolate", ["truncate", "__isolate_lru_page"], steps, source="<x@y>")
    assert "P0(truncate)" in text and "P1(__isolate_lru_page)" in text and "Source: <x@y>" in text
    assert "// TODO: page->mapping = NULL" in text
    assert "\tspin_lock_irqsave(&mapping->tree_lock, flags);\t// TODO check" in text
    scen = parse_scenario(text, "d.kscen")
    assert scen.name == "truncate-vs-isolate" and len(scen.programs[0].threads) == 2
