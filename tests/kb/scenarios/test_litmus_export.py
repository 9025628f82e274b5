"""export_litmus: herd7 C-litmus that kb reads back with the same SC verdicts (the round trip)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.scenario import scenario as scenario_cli
from kb.errors import ScenarioError
from kb.scenarios import check_scenario, export_litmus, find_library_scenarios, parse_scenario

FREE_VS_READER = """C free-vs-reader

(*
 * Result: Sometimes
 * Result[locked]: Never
 * Result[counted]: Never
 *)

{
	object node;
	node.val = 7;
	spinlock_t lk;
	live.flag = 1;
}

P0(reader)
{
	int on, v;

+locked	spin_lock(&lk);
+counted	on = refcount_inc_not_zero(node);
-counted	on = READ_ONCE(live.flag);
	if (on) v = READ_ONCE(node->val);
+counted	if (on) put(node);
+locked	spin_unlock(&lk);
}

P1(releaser)
{
+locked	mutex_lock(&lk);
	WRITE_ONCE(live.flag, 0);
+locked	mutex_unlock(&lk);
-counted	kfree(node);
+counted	put(node);
	atomic_inc(&stats.frees);
	smp_mb();
}

exists (uaf)
exists old-value (0:v=7 /\\ stats.frees=1)
"""


def verdict(text: str, filename: str, variant: str = "base", condition: str = "") -> str:
    report = check_scenario(parse_scenario(text, filename), variant=variant, witnesses=False)
    return next(c.verdict for c in report.variants[0].conditions if c.name == condition)


@pytest.mark.parametrize("variant", ["base", "locked", "counted"])
@pytest.mark.parametrize("condition", ["", "old-value"])
def test_round_trip_keeps_every_sc_verdict(variant: str, condition: str) -> None:
    scen = parse_scenario(FREE_VS_READER, "free.kscen")
    text = export_litmus(scen, variant, condition)
    assert "+locked" not in text and "object" not in text and text.count("exists") == 1
    assert verdict(text, "free.litmus") == verdict(FREE_VS_READER, "free.kscen", variant, condition)
    if variant == "locked":
        assert "spinlock_t lk;" in text and "spin_lock(lk);" in text and "mutex" not in text


def test_plain_litmus_round_trips_unchanged_in_meaning() -> None:
    sb = """C sb\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*y);\n}\n""" \
         """P1(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*y, 1);\n\tr0 = READ_ONCE(*x);\n}\nexists (0:r0=0 /\\ 1:r0=0)\n"""
    text = export_litmus(parse_scenario(sb, "sb.litmus"))
    assert "WRITE_ONCE(*x, 1);" in text and "exists (0:r0=0 /\\ 1:r0=0)" in text.replace("((", "(").replace("))", ")")
    assert verdict(text, "sb2.litmus") == verdict(sb, "sb.litmus") == "Never"


@pytest.mark.parametrize("name", ["lockdep_cpuset_threadgroup.kscen", "seed002_truncate_isolate.kscen",
                                  "kcsan_cgroup_rstat.kscen"])
def test_what_litmus_cannot_say_is_refused_with_a_reason(name: str) -> None:
    from kb.scenarios import load_scenario

    scen = load_scenario(next(p for p in find_library_scenarios() if p.name == name))
    with pytest.raises(ScenarioError, match="not exportable to C-litmus: "):
        export_litmus(scen)


def test_cli_export_litmus(tmp_path: Path) -> None:
    src = tmp_path / "f.kscen"
    src.write_text(FREE_VS_READER)
    out = tmp_path / "f.litmus"
    result = CliRunner().invoke(scenario_cli, ["export", "--litmus", str(src), "-v", "locked", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("C free-vs-reader")
    both = CliRunner().invoke(scenario_cli, ["export", "--litmus", "--promela", str(src)])
    assert both.exit_code == 2


def test_refcounts_start_at_the_declared_count() -> None:
    text = FREE_VS_READER.replace("object node;", "object node refcount 2;")
    exported = export_litmus(parse_scenario(text, "f.kscen"), "counted")
    assert "atomic_t node_refs = ATOMIC_INIT(2);" in exported
    assert verdict(exported, "f.litmus") == verdict(text, "f.kscen", "counted")
