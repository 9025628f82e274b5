"""Hostile scenarios: one-line errors or bounded inconclusive verdicts; never a hang or code execution."""

from __future__ import annotations

import time

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, parse_scenario


def test_deep_nesting_is_an_error_not_a_recursion_crash() -> None:
    body = "{" * 5000 + "}" * 5000
    with pytest.raises(ScenarioError, match="nesting deeper than"):
        parse_scenario(f"C x\n{{}}\nP0(f)\n{{\n{body}\n}}\nexists (uaf)\n", "deep.kscen")


def test_deep_expression_is_an_error() -> None:
    expr = "(" * 3000 + "1" + ")" * 3000
    with pytest.raises(ScenarioError, match="nested deeper than"):
        parse_scenario(f"C x\n{{}}\nP0(f)\n{{\nint r; r = {expr};\n}}\nexists (uaf)\n", "deep.kscen")


def test_deep_condition_is_an_error() -> None:
    prop = "~" * 3000 + "uaf"
    with pytest.raises(ScenarioError, match="nested deeper than"):
        parse_scenario(f"C x\n{{}}\nP0(f)\n{{\n}}\nexists ({prop})\n", "deep.kscen")


def test_nested_repeats_hit_the_step_budget() -> None:
    text = "C x\n{}\nP0(f)\n{\nrepeat (1000) repeat (1000) repeat (1000) WRITE_ONCE(x, 1);\n}\nexists (uaf)\n"
    started = time.monotonic()
    with pytest.raises(ScenarioError, match="model too large") as info:
        parse_scenario(text, "big.kscen")
    assert str(info.value).startswith("big.kscen:5:")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("call", ["__import__('os')", "os.system(1)", "exec(1)", "open(1)", "getattr(x, y)"])
def test_no_code_execution(call: str) -> None:
    with pytest.raises(ScenarioError):
        parse_scenario(f"C x\n{{}}\nP0(f)\n{{\n{call};\n}}\nexists (uaf)\n", "evil.kscen")


def test_binary_and_garbage_input() -> None:
    with pytest.raises(ScenarioError, match="NUL"):
        parse_scenario("C x\x00", "bin.kscen")
    with pytest.raises(ScenarioError):
        parse_scenario("\u202e\u0007 \ud7ff", "junk.kscen")
    with pytest.raises(ScenarioError, match="too many processes"):
        procs = "".join(f"P{i}(f) {{ }}\n" for i in range(40))
        parse_scenario(f"C x\n{{}}\n{procs}exists (uaf)\n", "many.kscen")


def explosion(threads: int = 6, steps: int = 12) -> str:
    procs = "".join(
        f"P{i}(t{i})\n{{\n" + "".join(f"\tatomic_inc(&c{(i + k) % 3});\n" for k in range(steps)) + "}\n"
        for i in range(threads))
    return f"C boom\n{{}}\n{procs}exists (c0=0)\n"


def test_state_explosion_is_bounded_by_max_states() -> None:
    scen = parse_scenario(explosion(), "boom.kscen")
    started = time.monotonic()
    report = check_scenario(scen, max_states=20_000, timeout=30)
    assert time.monotonic() - started < 10
    variant = report.variants[0]
    assert variant.inconclusive and "more than 20000 states" in variant.reason
    assert variant.conditions[0].verdict == "Inconclusive"
    assert variant.conditions[0].passed is None


def test_state_explosion_is_bounded_by_timeout() -> None:
    scen = parse_scenario(explosion(), "boom.kscen")
    started = time.monotonic()
    report = check_scenario(scen, max_states=10**9, timeout=0.3)
    assert time.monotonic() - started < 5
    assert report.inconclusive and "timeout" in report.variants[0].reason
