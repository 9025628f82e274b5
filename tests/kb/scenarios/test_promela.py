"""SPIN cross-check: every bundled scenario and the reference files give the same verdicts in SPIN."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, export_promela, find_library_scenarios, load_scenario
from kb.scenarios.spin import check_condition_with_spin, check_variant_with_spin, find_spin, run_pan
from tests.conftest import IN_CI, require_shared

needs_spin = pytest.mark.skipif(find_spin() is None and not IN_CI, reason="spin/gcc not installed")


def test_export_has_readable_defines_and_source_comments() -> None:
    scen = load_scenario(find_library_scenarios()[0])
    text = export_promela(scen, scen.variants[0])
    assert "proctype monitor()" in text and "#define" in text and "assert(" in text
    assert "/* " in text and "done++" in text


def scenario_files() -> list[Path]:
    shared = require_shared("scenarios")
    return find_library_scenarios() + sorted(shared.glob("*.kscen"))


@needs_spin
def test_spin_agrees_on_every_variant_and_condition() -> None:
    jobs = []
    for path in scenario_files():
        scen = load_scenario(path)
        report = check_scenario(scen, witnesses=False)
        for v in report.variants:
            jobs.append((scen, v.variant, {c.name: c.verdict for c in v.conditions}))
    with ThreadPoolExecutor(max_workers=3) as pool:
        spin_verdicts = list(pool.map(lambda job: check_variant_with_spin(job[0], job[1], timeout=120), jobs))
    disagreements = [(scen.filename, variant, ours, theirs)
                     for (scen, variant, ours), theirs in zip(jobs, spin_verdicts) if ours != theirs]
    assert disagreements == []
    assert len(jobs) >= 25


@needs_spin
@pytest.mark.parametrize("name,variant,expected", [("swapoff_swapin.kscen", "base", "Sometimes"),
                                                    ("SB+poonceonces.kscen", "base", "Never")])
def test_assertion_mode_standalone_model(name: str, variant: str, expected: str) -> None:
    scen = load_scenario(require_shared("scenarios", name))
    assert check_condition_with_spin(scen, variant) == expected


@needs_spin
def test_spin_failure_raises_never_a_verdict() -> None:
    with pytest.raises(ScenarioError, match="spin -a failed|pan.c"):
        run_pan("proctype broken( { this is not promela }\n")
