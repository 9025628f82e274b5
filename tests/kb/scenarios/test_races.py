"""Data races by LKMM's rule: plain vs marked accesses, the data_race flag, and SPIN agreement."""

from __future__ import annotations

import pytest

from kb.scenarios import check_scenario, parse_scenario
from kb.scenarios.spin import check_variant_with_spin, find_spin
from tests.conftest import IN_CI

needs_spin = pytest.mark.skipif(find_spin() is None and not IN_CI, reason="spin/gcc not installed")

COUNTER = """C counter-race
(*
 * Result: Sometimes
 * Result[once]: Never
 * Result[locked]: Sometimes
 * Result[annotated]: Never
 *)
{
	spinlock_t lk;
}
P0(updater)
{
+locked	spin_lock(&lk);
-once,annotated	st.hits = 1;
+once,annotated	WRITE_ONCE(st.hits, 1);
+locked	spin_unlock(&lk);
}
P1(sampler)
{
	int seen;
	seen = 0;
+locked	spin_lock(&lk);
-once,annotated	if (flag.on) seen = st.hits;
+once	if (READ_ONCE(flag.on)) seen = READ_ONCE(st.hits);
+annotated	if (data_race(flag.on)) seen = data_race(st.hits);
+locked	spin_unlock(&lk);
}
P2(enabler)
{
	WRITE_ONCE(flag.on, 1);
}
exists (data_race)
"""


def verdicts(text: str) -> dict[str, str]:
    report = check_scenario(parse_scenario(text, "counter.kscen"), witnesses=False)
    return {v.variant: v.conditions[0].verdict for v in report.variants}


def test_a_data_race_is_found_and_removed_by_marking_the_accesses() -> None:
    # locked: st.hits is now accessed under a common lock, but the plain read of flag.on still races
    # with the enabler's unlocked WRITE_ONCE
    assert verdicts(COUNTER) == {"base": "Sometimes", "once": "Never", "locked": "Sometimes", "annotated": "Never"}


def test_two_marked_accesses_or_two_reads_never_race() -> None:
    reads = """C reads\n{}\nP0(a)\n{\n\tint r;\n\tr = z.v;\n}\nP1(b)\n{\n\tint q;\n\tq = z.v;\n}\nexists (data_race)\n"""
    assert verdicts(reads) == {"base": "Never"}
    plain_vs_marked = reads.replace("r = z.v;", "WRITE_ONCE(z.v, 2);")
    assert verdicts(plain_vs_marked) == {"base": "Always"}


def test_data_race_flag_needs_both_accesses_enabled_at_once() -> None:
    ordered = """C ordered
{}
P0(a)
{
	z.v = 1;
	WRITE_ONCE(go, 1);
}
P1(b)
{
	int r, g;
	g = READ_ONCE(go);
	if (g) r = z.v;
}
exists (data_race)
"""
    # under SC the read of z.v happens only after go=1, i.e. after the plain write: no two accesses at
    # once. LKMM would call it a race (no release/acquire): the Never carries the SC-only tag.
    report = check_scenario(parse_scenario(ordered, "ordered.kscen"), witnesses=False)
    assert report.variants[0].conditions[0].verdict == "Never" and report.variants[0].sc_only


@needs_spin
def test_spin_agrees_on_data_races() -> None:
    scen = parse_scenario(COUNTER, "counter.kscen")
    report = check_scenario(scen, witnesses=False)
    for v in report.variants:
        assert check_variant_with_spin(scen, v.variant, timeout=120) == {c.name: c.verdict for c in v.conditions}


def test_witness_shows_the_value_each_load_returned() -> None:
    from kb.scenarios.witness import render_witness

    report = check_scenario(parse_scenario(COUNTER, "counter.kscen"), variant="once")
    assert report.variants[0].conditions[0].witness is None  # Never: nothing to draw
    base = check_scenario(parse_scenario(COUNTER, "counter.kscen"), variant="base").variants[0].conditions[0]
    loads = [s for s in base.witness.steps if s.text.startswith("if (flag.on)")]
    assert loads and loads[0].value in ("0", "1")
    assert all(s.value == "" for s in base.witness.steps if s.text.startswith("WRITE_ONCE"))
    assert f"=> {loads[0].value}" in render_witness(base.witness)
