"""herd7 C-litmus shapes (fixtures written here, in the shapes of the kernel's litmus tests) and the
program-decided SC-only tag."""

from __future__ import annotations

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, compare_expectations, parse_scenario

# (name, text, LKMM verdict in the file, expected SC verdict, expected tag)
PUBLISH = """C publish-ptr
(*
 * Result: Never
 *)
{
int a = 1;
int *g = &a;
int b = 1;
}
P0(int *a, int *b, int **g)
{
	int *r0;
	int r1;
	rcu_read_lock();
	r0 = rcu_dereference(*g);
	r1 = READ_ONCE(*r0);
	rcu_read_unlock();
}
P1(int *a, int *b, int **g)
{
	rcu_assign_pointer(*g, b);
	synchronize_rcu();
	WRITE_ONCE(*a, 0);
}
exists (0:r0=a /\\ 0:r1=0)
"""
BARE_INIT = """C bare-init
(*
 * Result: Never
 *)
{
q=w;
w=0;
}
P0(int *v, int **q)
{
	WRITE_ONCE(*v, 3);
	rcu_assign_pointer(*q, v);
}
P1(int *v, int **q)
{
	int *r0;
	int r1;
	r0 = rcu_dereference(*q);
	r1 = READ_ONCE(*r0);
}
exists (1:r0=v /\\ 1:r1=0)
"""
TYPED_PTR = """C typed-ptr
(*
 * Result: Sometimes
 *)
{
	int *p=m;
}
P0(int *m, int **p)
{
	int *r2;
	r2 = READ_ONCE(*p);
	WRITE_ONCE(*r2, 5);
}
exists (m=5)
"""
SILSIL = """C silsil
(*
 * Result: Sometimes
 *)
{
	spinlock_t lk;
	int d;
}
P0(spinlock_t *lk, int *d)
{
	spin_lock(lk);
	WRITE_ONCE(*d, 1);
	spin_unlock(lk);
}
P1(spinlock_t *lk, int *d)
{
	int r1;
	int r2;
	int r3;
	r1 = smp_load_acquire(d);
	r2 = spin_is_locked(lk);
	r3 = spin_is_locked(lk);
}
exists (1:r1=1 /\\ 1:r2=0 /\\ 1:r3=1)
"""
ADD_UNLESS = """C add-unless
(*
 * Result: Never
 *)
{
	atomic_t cnt = ATOMIC_INIT(1);
}
P0(atomic_t *cnt)
{
	(void)atomic_add_unless(cnt, 1, 0);
}
P1(atomic_t *cnt)
{
	atomic_set(cnt, 0);
}
exists (cnt=2)
"""
ROACH = """C roach
(*
 * Result: DEADLOCK
 *)
{
	int f;
}
P0(int *f, spinlock_t *lk)
{
	spin_lock(lk);
	WRITE_ONCE(*f, 1);
	spin_unlock(lk);
}
P1(int *f, spinlock_t *lk)
{
	int r0;
	int r1;
	spin_lock(lk);
	r0 = READ_ONCE(*f);
	r1 = READ_ONCE(*f);
	spin_unlock(lk);
}
filter (1:r0=0 /\\ 1:r1=1)
exists (1:r0=0)
"""
SB = """C sb-plain-marked
(*
 * Result: Sometimes
 *)
{}
P0(int *u, int *t)
{
	int r0;
	WRITE_ONCE(*u, 1);
	r0 = READ_ONCE(*t);
}
P1(int *u, int *t)
{
	int r0;
	WRITE_ONCE(*t, 1);
	r0 = READ_ONCE(*u);
}
exists (0:r0=0 /\\ 1:r0=0)
"""
SB_LOCKED = SB.replace("sb-plain-marked", "sb-locked").replace("Result: Sometimes", "Result: Never").replace(
    "P0(int *u, int *t)\n{\n\tint r0;\n", "P0(int *u, int *t, spinlock_t *s)\n{\n\tint r0;\n\tspin_lock(s);\n").replace(
    "P1(int *u, int *t)\n{\n\tint r0;\n", "P1(int *u, int *t, spinlock_t *s)\n{\n\tint r0;\n\tspin_lock(s);\n").replace(
    "READ_ONCE(*t);\n}", "READ_ONCE(*t);\n\tspin_unlock(s);\n}").replace("READ_ONCE(*u);\n}", "READ_ONCE(*u);\n\tspin_unlock(s);\n}")
COHERENCE = """C one-location
(*
 * Result: Never
 *)
{}
P0(int *k)
{
	WRITE_ONCE(*k, 1);
}
P1(int *k)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*k);
	r1 = READ_ONCE(*k);
}
exists (1:r0=1 /\\ 1:r1=0)
"""
UNDECLARED = """C undeclared-regs
(*
 * Result: Sometimes
 *)
{}
P0(int *m, int *n)
{
	WRITE_ONCE(*m, 1);
	WRITE_ONCE(*n, 1);
}
P1(int *m, int *n)
{
	int r0;
	r1 = READ_ONCE(*n);
	r2 = READ_ONCE(*m);
}
exists (1:r1=1 /\\ 1:r2=0)
"""

CASES = [
    ("publish-ptr", PUBLISH, "Never", "Never", True),
    ("bare-init", BARE_INIT, "Never", "Never", True),
    ("typed-ptr", TYPED_PTR, "Sometimes", "Always", False),
    ("silsil", SILSIL, "Sometimes", "Never", True),
    ("add-unless", ADD_UNLESS, "Never", "Never", False),
    ("roach", ROACH, "DEADLOCK", "Never", False),
    ("sb", SB, "Sometimes", "Never", True),
    ("sb-locked", SB_LOCKED, "Never", "Never", False),
    ("coherence", COHERENCE, "Never", "Never", False),
    # herd7 reads an undeclared name assigned inside a litmus process as a register, not a location
    ("undeclared-regs", UNDECLARED, "Sometimes", "Never", True),
]


@pytest.mark.parametrize("name,text,lkmm,sc,tagged", CASES, ids=[c[0] for c in CASES])
def test_litmus_shapes_parse_and_agree_with_lkmm(name: str, text: str, lkmm: str, sc: str, tagged: bool) -> None:
    scen = parse_scenario(text, f"{name}.litmus")
    assert [(e.model, e.verdict) for e in scen.expectations] == [("LKMM", lkmm)]
    report = check_scenario(scen, witnesses=False)
    variant = report.variants[0]
    assert variant.conditions[0].verdict == sc
    assert variant.sc_only is tagged
    expected_mismatch = lkmm == "Sometimes" and sc == "Always"  # typed-ptr: SC says Always, herd7 Sometimes
    assert bool(compare_expectations(scen, report)) is expected_mismatch


def test_deadlock_result_means_no_final_state() -> None:
    scen = parse_scenario(ROACH, "roach.litmus")
    cond = check_scenario(scen, witnesses=False).variants[0].conditions[0]
    assert (cond.positive, cond.negative) == (0, 0)
    reachable = parse_scenario(ROACH.replace("filter (1:r0=0 /\\ 1:r1=1)", "filter (1:r0=1 /\\ 1:r1=1)"), "r.litmus")
    report = check_scenario(reachable, witnesses=False)
    assert compare_expectations(reachable, report)[0].expected == "DEADLOCK"


def test_lkmm_header_in_a_kscen_and_sc_result_stays_exact() -> None:
    text = SB.replace(" * Result: Sometimes", " * Result: Never\n * Result-LKMM: Sometimes")
    scen = parse_scenario(text, "sb.kscen")
    assert sorted((e.model, e.verdict) for e in scen.expectations) == [("LKMM", "Sometimes"), ("SC", "Never")]
    assert compare_expectations(scen, check_scenario(scen, witnesses=False)) == []
    # an untagged SC Never does not pass for an LKMM Sometimes
    single = parse_scenario(COHERENCE.replace("Result: Never", "Result-LKMM: Sometimes"), "c.kscen")
    assert len(compare_expectations(single, check_scenario(single, witnesses=False))) == 1


def test_tag_is_rendered_and_not_taken_from_words() -> None:
    from kb.scenarios import render_report

    scen = parse_scenario(SB, "sb.litmus")
    assert "SC verdict; LKMM may allow it" in render_report(check_scenario(scen, witnesses=False))
    words = COHERENCE.replace(" * Result: Never", " * Result: Never\n * smp_mb() acquire release ordering LKMM")
    assert check_scenario(parse_scenario(words, "w.litmus"), witnesses=False).variants[0].sc_only is False


@pytest.mark.parametrize("bad,message", [
    ("{\n\tint *y = &&;\n}", "expected"),
    ("{\n\tint y = ATOMIC_INIT(;\n}", "expected"),
])
def test_bad_initialisers_are_one_line_errors(bad: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(f"C bad\n{bad}\nP0(int *y)\n{{\n\tWRITE_ONCE(*y, 1);\n}}\nexists (y=1)\n", "bad.litmus")


def test_witness_shows_location_addresses() -> None:
    scen = parse_scenario(BARE_INIT.replace("Result: Never", "Result: Sometimes").replace(
        "exists (1:r0=v /\\ 1:r1=0)", "exists (1:r0=v /\\ 1:r1=3)"), "w.kscen")
    witness = check_scenario(scen).variants[0].conditions[0].witness
    assert witness is not None and "1:r0=&v" in witness.final


def test_an_undeclared_name_in_a_kscen_process_stays_a_location() -> None:
    text = "C loc\n{}\nP0(writer)\n{\n\tflag = 1;\n}\nP1(reader)\n{\n\tint r0;\n\tr0 = flag;\n}\nexists (flag=1 /\\ 1:r0=1)\n"
    cond = check_scenario(parse_scenario(text, "loc.kscen"), witnesses=False).variants[0].conditions[0]
    assert cond.verdict == "Sometimes"
