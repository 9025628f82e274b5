"""Exploration: reference verdicts, reduction soundness (reduced == full), semantics of primitives."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.scenarios import check_scenario, compare_expectations, find_library_scenarios, load_scenario, parse_scenario
from kb.scenarios.explore import explore
from tests.conftest import require_shared

REFERENCE = ["SB+poonceonces.kscen", "lockdep_smc_abba.kscen", "swapoff_swapin.kscen", "truncate_isolate.kscen"]


@pytest.mark.parametrize("name", REFERENCE)
def test_reference_verdicts_match_result_headers(name: str) -> None:
    scen = load_scenario(require_shared("scenarios", name))
    report = check_scenario(scen)
    assert compare_expectations(scen, report) == []
    assert len(scen.expectations) >= 1
    checked = {(v.variant, c.name) for v in report.variants for c in v.conditions}
    assert {(e.variant, e.condition) for e in scen.expectations} <= checked


def all_scenario_files() -> list[Path]:
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "scenarios"
    return find_library_scenarios() + sorted(shared.glob("*.kscen"))


@pytest.mark.parametrize("path", all_scenario_files(), ids=lambda p: p.name)
def test_reduction_preserves_final_states_and_counts(path: Path) -> None:
    scen = load_scenario(path)
    for program in scen.programs:
        reduced = explore(program)
        full = explore(program, reduce=False)
        assert reduced.complete and full.complete
        assert reduced.counts == full.counts
        assert reduced.final_states == full.final_states
        assert reduced.states <= full.states


def run(body0: str, body1: str = "", init: str = "", clause: str = "exists (uaf)") -> tuple[str, int, int]:
    procs = f"P0(a)\n{{\n{body0}\n}}\n" + (f"P1(b)\n{{\n{body1}\n}}\n" if body1 else "")
    scen = parse_scenario(f"C t\n{{ {init} }}\n{procs}{clause}\n", "t.kscen")
    cond = check_scenario(scen).variants[0].conditions[0]
    return cond.verdict, cond.positive, cond.negative


SEMANTICS = [
    ("kfree(o); kfree(o);", "", "object o;", "exists (double_free)", "Always"),
    ("kfree(NULL);", "", "", "exists (double_free \\/ null_deref)", "Never"),
    ("int p; p = READ_ONCE(g); use(p);", "", "ptr g = NULL;", "exists (null_deref)", "Always"),
    ("put(o); put(o);", "", "object o;", "exists (uaf /\\ refcount_underflow)", "Always"),
    ("int r; r = get_page_unless_zero(o);", "", "object o = freed;", "exists (uaf \\/ 0:r=1)", "Never"),
    ("mutex_lock(&m); mutex_lock(&m);", "", "", "exists (deadlock)", "Always"),
    ("spin_unlock(&l);", "", "", "exists (bad_unlock)", "Always"),
    ("down_read(&s); WRITE_ONCE(x, 1); up_read(&s);", "down_read(&s); WRITE_ONCE(y, 1); up_read(&s);", "",
     "exists (deadlock)", "Never"),
    ("rcu_read_lock(); synchronize_rcu(); rcu_read_unlock();", "", "", "exists (bug)", "Always"),
    ("BUG_ON(READ_ONCE(x) == 0);", "WRITE_ONCE(x, 1);", "", "exists (bug)", "Sometimes"),
    ("int r; either { r = 1; } or { r = 2; }", "", "", "exists (0:r=2)", "Sometimes"),
    ("int r; r = atomic_dec_and_test(&v);", "", "v = 1;", "forall (0:r=1 /\\ v=0)", "Always"),
    ("int r; r = xchg(&v, 5);", "", "v = 3;", "exists (0:r=3 /\\ v=5)", "Always"),
    ("int r; r = READ_ONCE(x);", "WRITE_ONCE(x, 1);", "", "exists (0:r=1)", "Sometimes"),
]


@pytest.mark.parametrize("body0,body1,init,clause,verdict", SEMANTICS)
def test_primitive_semantics(body0: str, body1: str, init: str, clause: str, verdict: str) -> None:
    assert run(body0, body1, init, clause)[0] == verdict


def test_rcu_grace_period_waits_for_preexisting_readers_only() -> None:
    reader = "int p; rcu_read_lock(); p = READ_ONCE(g); if (p) use(p); rcu_read_unlock();"
    writer = "WRITE_ONCE(g, NULL); synchronize_rcu(); kfree(o);"
    assert run(reader, writer, "object o; ptr g = &o;")[0] == "Never"
    assert run(reader, "WRITE_ONCE(g, NULL); kfree_rcu(o);", "object o; ptr g = &o;")[0] == "Never"
    assert run(reader, "WRITE_ONCE(g, NULL); kfree(o);", "object o; ptr g = &o;")[0] == "Sometimes"


def test_filter_restricts_final_states() -> None:
    verdict, pos, neg = run("int r; r = READ_ONCE(x);", "WRITE_ONCE(x, 1);", "",
                            "filter (0:r=1)\nexists (x=1)")
    assert (verdict, pos, neg) == ("Always", 1, 0)
