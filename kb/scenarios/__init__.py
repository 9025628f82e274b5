"""Runnable model scenarios (.kscen): parse, compile, explore under SC, render, export Promela.

Public API (the CLI, DB and TUI layers call only these):

    parse_scenario(text, filename) -> ParsedScenario
    load_scenario(path) -> ParsedScenario
    check_scenario(scenario, variant=None, max_states=..., timeout=...) -> CheckReport
    render_report(report, expectations=None) -> str
    report_to_json(report) -> dict
    compare_expectations(scenario, report) -> list[Mismatch]
    export_promela(scenario, variant="base", condition=None, check_always=False) -> str
    export_litmus(scenario, variant="base", condition=None) -> str
    find_library_scenarios() -> list[Path]
    draft_scenario(name, participants, steps, source="") -> str
"""

from kb.scenarios.library import draft_scenario, find_library_scenarios
from kb.scenarios.model import Expectation, ParsedScenario
from kb.scenarios.litmus import export_litmus
from kb.scenarios.promela import export_promela
from kb.scenarios.report import (
    CheckReport, ConditionResult, Mismatch, VariantResult, check_scenario, compare_expectations, render_report,
    report_to_json,
)
from kb.scenarios.scenario import load_scenario, parse_scenario
from kb.scenarios.witness import Witness, WitnessStep

__all__ = [
    "CheckReport", "ConditionResult", "Expectation", "Mismatch", "ParsedScenario", "VariantResult", "Witness",
    "WitnessStep", "check_scenario", "compare_expectations", "draft_scenario", "export_litmus", "export_promela",
    "find_library_scenarios", "load_scenario", "parse_scenario", "render_report", "report_to_json",
]
