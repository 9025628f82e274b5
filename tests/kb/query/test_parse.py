"""Table-driven tests of the query parser: the tree of each query, the column of each error."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import QueryError
from kb.query.ast import DateRange, Term, format_node, iter_leaves
from kb.query.parse import MAX_QUERY_LENGTH, parse_query, tokenize_query

NOW = datetime(2026, 3, 15, 12, 30)

PARSES = [
    # lore prefixes
    ("s:race", "s:race"),
    ("f:hannes", "f:hannes"),
    ("t:linux-mm@kvack.org", "t:linux-mm@kvack.org"),
    ("c:tj", "c:tj"),
    ("a:tj", "a:tj"),
    ("b:deadlock", "b:deadlock"),
    ("bs:memcg", "bs:memcg"),
    ("nq:lockdep", "nq:lockdep"),
    ("q:lockdep", "q:lockdep"),
    ("m:<20220101.abc@x.org>", "m:20220101.abc@x.org"),
    ("l:cgroups.vger.kernel.org", "l:cgroups.vger.kernel.org"),
    ("dfn:mm/memcontrol.c", "dfn:mm/memcontrol.c"),
    ("dfn:memcontrol.c", "dfn:memcontrol.c"),
    ("dfhh:mem_cgroup_charge", "dfhh:mem_cgroup_charge"),
    ("dfa:spin_lock", "dfa:spin_lock"),
    ("dfb:rcu_read_lock", "dfb:rcu_read_lock"),
    ("patchid:deadbeef", "patchid:deadbeef"),
    # kb prefixes
    ("race:refcount", "race:refcount"),
    ("fix:READ_ONCE", "fix:READ_ONCE"),
    ("objection:barrier", "objection:barrier"),
    ("sym:css_put", "sym:css_put"),
    ("person:tj", "person:tj"),
    ("maint:hannes", "maint:hannes"),
    ("has:race", "has:race"),
    ("has:Scenario", "has:scenario"),
    ("verdict:confirmed", "verdict:confirmed"),
    # phrases
    ('b:"data race"', 'b:"data race"'),
    ('"memcg race"', '"memcg race"'),
    ('s:"memory.high"', 's:"memory.high"'),
    ("\u201cmemcg race\u201d", '"memcg race"'),
    ('b:"Acked-by: Tejun Heo"', 'b:"Acked-by: Tejun Heo"'),
    # bare words, and words that only look like prefixes
    ("use-after-free", "use-after-free"),
    ("Acked-by: Tejun", "(Acked-by: AND Tejun)"),
    ("http://lore.kernel.org/x", "http://lore.kernel.org/x"),
    ("and or not", "(and AND or AND not)"),
    # boolean structure
    ("oom killer", "(oom AND killer)"),
    ("a AND b", "(a AND b)"),
    ("a OR b c", "(a OR (b AND c))"),
    ("a b OR c", "((a AND b) OR c)"),
    ("(a OR b) c", "((a OR b) AND c)"),
    ("NOT a", "NOT a"),
    ("-s:race b:race", "(NOT s:race AND b:race)"),
    ("+a -b", "(a AND NOT b)"),
    ("NOT NOT a", "NOT NOT a"),
    ("s:(race OR deadlock) f:tj", "((s:race OR s:deadlock) AND f:tj)"),
    ("s:PATCH f:longman", "(s:PATCH AND f:longman)"),
    ("s:foo-bar", "s:foo-bar"),
    ("s:OR", "s:OR"),
    # dates: half-open ranges, end dates include their whole day (lore: YYYYMMDD)
    ("d:2022-01-01..2022-12-31", "d:[2022-01-01T00:00:00..2023-01-01T00:00:00)"),
    ("d:2022..", "d:[2022-01-01T00:00:00..)"),
    ("d:..2019-06-30", "d:[..2019-07-01T00:00:00)"),
    ("d:20220101..", "d:[2022-01-01T00:00:00..)"),
    ("d:20220101..20220131", "d:[2022-01-01T00:00:00..2022-02-01T00:00:00)"),
    ("d:2022-06", "d:[2022-06-01T00:00:00..2022-07-01T00:00:00)"),
    ("d:2022-06-30", "d:[2022-06-30T00:00:00..2022-07-01T00:00:00)"),
    ("d:2.weeks.ago..", "d:[2026-03-01T00:00:00..)"),
    ("d:3.days.ago..yesterday", "d:[2026-03-12T00:00:00..2026-03-15T00:00:00)"),
    ("d:last.week..", "d:[2026-03-08T00:00:00..)"),
    ("d:yesterday..", "d:[2026-03-14T00:00:00..)"),
    ("d:1.month.ago..", "d:[2026-02-15T00:00:00..)"),
    ("d:1.year.ago..", "d:[2025-03-15T00:00:00..)"),
    ("rt:2.hours.ago..", "rt:[2026-03-15T10:30:00..)"),
    ("rt:1700000000..", "rt:[2023-11-14T22:13:20..)"),
    ("rt:2022-01-01T10:00..2022-01-01T11:00", "rt:[2022-01-01T10:00:00..2022-01-01T11:00:01)"),
    ("(d:2022.. OR d:..2019)", "(d:[2022-01-01T00:00:00..) OR d:[..2020-01-01T00:00:00))"),
]


@pytest.mark.parametrize(("text", "expected"), PARSES, ids=[p[0] for p in PARSES])
def test_parse(text: str, expected: str) -> None:
    assert format_node(parse_query(text, now=NOW).root) == expected


ERRORS = [
    # (query, 0-based column, words of the reason)
    ("", 0, "empty query"),
    ("   ", 0, "empty query"),
    ("(a", 0, "missing ')'"),
    ("a (b OR (c)", 2, "missing ')'"),
    ("a)", 1, "unbalanced ')'"),
    ("a AND", 5, "ends where a term"),
    ("OR a", 0, "unexpected 'OR'"),
    ("a OR OR b", 5, "unexpected 'OR'"),
    ("a AND ) b", 6, "unexpected ')'"),
    ("()", 0, "empty parentheses"),
    ('b:"data race', 2, "unterminated quote"),
    ('x "', 2, "unterminated quote"),
    ('""', 0, "empty phrase"),
    ("subj:race", 0, "unknown prefix subj:"),
    ('foo bar:"x"', 4, "unknown prefix bar:"),
    ("s: race", 0, "missing value after s:"),
    ("a s:", 2, "missing value after s:"),
    ("has:patch", 4, "has: takes one of"),
    ("d:2022-13-01..", 2, "bad date"),
    ("d:2022..soon", 8, "bad date"),
    ("d:..", 2, "empty date range"),
    ("d:2023..2022", 2, "ends before it starts"),
    ("d:(2022)", 2, "takes a date range"),
    ("s:(f:x)", 3, "prefix f: inside s:( )"),
    ("(" * 17 + "a" + ")" * 17, 16, "nested deeper"),
    ("NOT " * 17 + "a", 64, "nested deeper"),
    ("x " * 65, 128, "more than 64 terms"),
    ("x" * (MAX_QUERY_LENGTH + 1), MAX_QUERY_LENGTH, "longer than"),
]


@pytest.mark.parametrize(("text", "position", "reason"), ERRORS, ids=[e[0][:30] or "empty" for e in ERRORS])
def test_parse_error(text: str, position: int, reason: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text, now=NOW)
    assert caught.value.position == position
    assert reason in caught.value.reason
    assert f"column {position + 1}" in str(caught.value)


def test_leaves_carry_their_column() -> None:
    leaves = list(iter_leaves(parse_query('s:race -b:"data race" d:2022..', now=NOW).root))
    assert [(type(leaf), leaf.position) for leaf in leaves] == [(Term, 2), (Term, 11), (DateRange, 24)]


def test_tokens() -> None:
    kinds = [(t.kind, t.text) for t in tokenize_query('-s:"a b" (x OR +y)')]
    assert kinds == [("minus", "-"), ("prefix", "s"), ("phrase", "a b"), ("lparen", "("), ("word", "x"),
                     ("op", "OR"), ("plus", "+"), ("word", "y"), ("rparen", ")"), ("end", "")]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab:s"()-+ .ORANDTd2019\u201c')), max_size=60))
def test_any_input_parses_or_raises_query_error(text: str) -> None:
    try:
        parse_query(text, now=NOW)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_parses_or_raises_query_error(text: str) -> None:
    try:
        parse_query(text, now=NOW)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
