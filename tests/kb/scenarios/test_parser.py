"""Table-driven parser and compiler cases: what compiles to which steps, and one-line errors."""

from __future__ import annotations

import re

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, parse_scenario


def wrap(body: str, init: str = "", clause: str = "exists (uaf)", header: str = "") -> str:
    return f"C t\n(*\n{header}\n*)\n{{ {init} }}\nP0(f)\n{{\n{body}\n}}\n{clause}\n"


def ops(text: str, variant: str = "base") -> list[str]:
    scen = parse_scenario(text, "t.kscen")
    return [i.op for i in scen.find_program(variant).threads[0].instrs]


OK_CASES = [
    ("int r; r = READ_ONCE(x);", ["load"]),
    ("WRITE_ONCE(*x, 1);", ["store"]),
    ("int r; r = x;", ["load"]),
    ("x = 1;", ["store"]),
    ("spin_lock(&l); spin_unlock(&l);", ["lock", "unlock"]),
    ("int r; r = trylock_page(page);", ["trylock"]),
    ("down_read(&sem); up_read(&sem);", ["rlock", "runlock"]),
    ("rcu_read_lock(); rcu_read_unlock(); synchronize_rcu();", ["rcu_lock", "rcu_unlock", "sync_start", "sync_wait"]),
    ("int r; r = atomic_inc_return(&v); r = cmpxchg(&v, 1, 2);", ["rmw", "rmw"]),
    ("smp_mb(); barrier();", ["nop", "nop"]),
    ("int r; if (READ_ONCE(x) == 1) r = 2; else r = 3;", ["load", "branch", "set", "set"]),
    ("int r; repeat (3) atomic_inc(&v);", ["rmw", "rmw", "rmw"]),
    ("either { WRITE_ONCE(x, 1); } or { WRITE_ONCE(x, 2); }", ["choose", "store", "store"]),
    ("BUG_ON(1); assert(1);", ["check", "check"]),
    ("int r; r = data_race(READ_ONCE(x));", ["load"]),
]


@pytest.mark.parametrize("body,expected", OK_CASES)
def test_compiles_to_steps(body: str, expected: list[str]) -> None:
    assert ops(wrap(body, init="object page; object obj;")) == expected


def test_object_primitives_and_refcounts() -> None:
    body = "int p, ok; get_page(page); put_page(page); ok = get_page_unless_zero(page); p = READ_ONCE(g); use(p); kfree(p); kfree_rcu(page);"
    assert ops(wrap(body, init="object page refcount 2; ptr g = &page;")) == [
        "get", "put", "get_unless_zero", "load", "use", "free", "free_rcu"]


def test_variant_tags_patch_lines() -> None:
    text = wrap("int r;\n+fix\tspin_lock(&l);\n-fix\tr = 1;\n+fix\tspin_unlock(&l);")
    scen = parse_scenario(text, "t.kscen")
    assert scen.variants == ("base", "fix")
    assert ops(text, "base") == ["set"]
    assert ops(text, "fix") == ["lock", "unlock"]


def test_metadata_results_and_continuations() -> None:
    header = " * Result: Sometimes\n * Result[fix]: Never\n * Source: <a@b>\n * Variant-fix: one\n *   two\n * Some prose."
    scen = parse_scenario(wrap("+fix\tuse(o);", init="object o;", header=header), "t.kscen")
    assert [(e.variant, e.verdict) for e in scen.expectations] == [("base", "Sometimes"), ("fix", "Never")]
    assert scen.find_metadata("Source") == ["<a@b>"]
    assert scen.find_metadata("Variant-fix") == ["one two"]
    assert "Some prose." in scen.description


def test_litmus_file_unchanged() -> None:
    text = "C SB\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*y);\n}\nexists (0:r0=0)\n"
    scen = parse_scenario(text, "sb.litmus")
    assert scen.name == "SB" and scen.programs[0].threads[0].label == ""


ERROR_CASES = [
    ("__import__(1);", "t.kscen:8:1: unknown primitive __import__()"),
    ("eval(x);", "unknown primitive eval()"),
    ("WRITE_ONCE(x 1);", "expected ','"),
    ("int r; r = ;", "expected an expression"),
    ("repeat (100000) WRITE_ONCE(x, 1);", "repeat count 100000 out of range"),
    ("WRITE_ONCE(x, 1)", "expected ';'"),
    ("spin_lock();", "spin_lock() takes 1 argument(s), got 0"),
    ("int r; r = smp_mb();", "smp_mb() has no value"),
    ("int r; r = p[3];", "array indexing is not supported"),
    ("\"", "unterminated string"),
    ("`", "unexpected character"),
]


@pytest.mark.parametrize("body,message", ERROR_CASES)
def test_errors_are_one_line_with_place(body: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(wrap(body), "t.kscen")
    text = str(info.value)
    assert message in text and "\n" not in text
    assert text.startswith("t.kscen:")


@pytest.mark.parametrize("text,message", [
    ("", "a scenario starts with 'C <name>'"),
    ("C x\n{}\nexists (uaf)\n", "expected at least one process"),
    ("C x\n{}\nP0(f) { }\n", "expected a final condition"),
    ("C x\n{}\nP1(f) { }\nexists (uaf)\n", "expected P0"),
    ("C x\n(*\n * Result: Maybe\n*)\n{}\nP0(f) { }\nexists (uaf)\n", "Result must be Never, Sometimes, Always or DEADLOCK"),
    ("C x\n(*\n * Result[nope]: Never\n*)\n{}\nP0(f) { }\nexists (uaf)\n", "unknown variant 'nope'"),
    ("C x\n{}\nP0(f) { }\nexists (1:r=1)\n", "unknown register 1:r"),
    ("C x\n{}\nP0(f) { }\nexists (zz=1)\n", "unknown location 'zz'"),
    ("C x\n{ object o; object o; }\nP0(f) { }\nexists (uaf)\n", "declared twice"),
])
def test_file_level_errors(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_scenario(text, "x.kscen")


@pytest.mark.parametrize("statement,message", [
    ("cnt++;", "'++' is not supported: write x = x + 1"),
    ("cnt -= 1;", "'-=' is not supported: write x = x - 1"),
    ("while (cnt) cnt = 0;", "'while' loops are not supported: loops are bounded, write repeat (N)"),
])
def test_helpful_messages_for_increments_and_loops(statement: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario(f"C x\n{{}}\nP0(f)\n{{\n\t{statement}\n}}\nexists (cnt=1)\n", "x.kscen")


def test_a_minus_minus_with_a_space_is_subtraction() -> None:
    scen = parse_scenario("C x\n{}\nP0(f)\n{\n\tint r;\n\tr = 1 - -1;\n}\nexists (0:r=2)\n", "x.kscen")
    assert check_scenario(scen, witnesses=False).variants[0].conditions[0].verdict == "Always"
