"""Fidelity lints: each warning forced by a small model written here; --strict makes them errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.scenario import scenario as scenario_cli
from kb.scenarios import parse_scenario
from kb.scenarios.lints import find_warnings

CLEAN = """C clean
{
	int flag;
	spinlock_t lk;
}
P0(a)
{
	spin_lock(&lk);
	WRITE_ONCE(flag, 1);
	spin_unlock(&lk);
}
P1(b)
{
	int r;
	r = READ_ONCE(flag);
}
exists (1:r=1)
"""


@pytest.mark.parametrize("old,new,message", [
    ("r = READ_ONCE(flag);", "r = READ_ONCE(falg);", "falg is not declared in the init block, the parameters or the "
                                                      "registers (did you mean flag?)"),
    ("r = READ_ONCE(flag);", "r = 1;", "only P0 touches flag"),
    ("\tspin_unlock(&lk);\n", "", "P0 can end holding lk"),
    ("\tspin_lock(&lk);\n", "\tspin_lock(&lk);\n\tmutex_lock(&big);\n\tmutex_unlock(&big);\n",
     "sleeping in atomic context (under a spinlock): mutex_lock(&big);"),
    ("\tr = READ_ONCE(flag);\n", "\trcu_read_lock();\n\tsynchronize_rcu();\n\trcu_read_unlock();\n\tr = READ_ONCE(flag);\n",
     "sleeping in atomic context (in an RCU reader or with preemption off)"),
    ("\tint flag;\n", "\tint flag;\n\tobject node;\n", None),
    ("\tr = READ_ONCE(flag);\n", "\tr = READ_ONCE(flag);\n\talloc(node);\n", "alloc(node) in P1 while node is still alive"),
])
def test_each_lint(old: str, new: str, message: str | None) -> None:
    text = CLEAN.replace(old, new)
    if "alloc(node)" in text:
        text = text.replace("\tint flag;\n", "\tint flag;\n\tobject node;\n")
    warnings = find_warnings(parse_scenario(text, "t.kscen"))
    if message is None:
        assert warnings == []
    else:
        assert any(message in w for w in warnings), warnings


def test_a_clean_model_has_no_warning_and_strict_fails_a_warned_one(tmp_path: Path) -> None:
    assert find_warnings(parse_scenario(CLEAN, "clean.kscen")) == []
    path = tmp_path / "w.kscen"
    path.write_text(CLEAN.replace("r = READ_ONCE(flag);", "r = READ_ONCE(falg);"))
    loose = CliRunner().invoke(scenario_cli, ["check", "--no-witness", str(path)])
    assert loose.exit_code == 0 and "did you mean flag?" in loose.output
    strict = CliRunner().invoke(scenario_cli, ["check", "--strict", str(path)])
    assert strict.exit_code == 2 and "under --strict" in strict.output
