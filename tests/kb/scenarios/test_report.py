"""Rendering: herd7-like text, SC note, witness columns, JSON."""

from __future__ import annotations

import json

from kb.scenarios import check_scenario, find_library_scenarios, load_scenario, render_report, report_to_json


def truncate_report():
    scen = load_scenario(next(p for p in find_library_scenarios() if p.name == "seed002_truncate_isolate.kscen"))
    return scen, check_scenario(scen)


def test_render_has_observation_lines_witness_and_sc_note() -> None:
    scen, report = truncate_report()
    text = render_report(report, list(scen.expectations))
    assert "Observation truncate-vs-__isolate_lru_page[base] Sometimes 1 2" in text
    assert "CPU0 (truncate_inode_page)" in text and "CPU1 (__isolate_lru_page)" in text
    assert "kfree(inode);" in text and "final: uaf" in text
    assert "sequential consistency only" in text
    assert "(expected Never: ok)" in text


def test_witness_is_shortest_and_has_source_lines() -> None:
    _, report = truncate_report()
    witness = report.variants[0].conditions[0].witness
    assert witness is not None
    lines = [s.line for s in witness.steps]
    assert all(line > 0 for line in lines)
    assert any("kfree(inode)" in s.text for s in witness.steps)
    assert len(witness.steps) <= 20


def test_json_round_trips() -> None:
    _, report = truncate_report()
    data = json.loads(json.dumps(report_to_json(report)))
    assert data["scenario"] == "truncate-vs-__isolate_lru_page"
    assert data["variants"][0]["conditions"][0]["verdict"] == "Sometimes"
    assert "sequential consistency" in data["note"]


def test_sc_only_marks_never_verdicts_that_weak_memory_could_overturn() -> None:
    scen = load_scenario(next(p for p in find_library_scenarios() if p.name == "seed002_swapoff_swap_ops.kscen"))
    report = check_scenario(scen)
    flags = {v.variant: v.sc_only for v in report.variants}
    assert flags == {"base": False, "get_swap_device": True}
    assert "SC verdict; LKMM may allow it" in render_report(report)
