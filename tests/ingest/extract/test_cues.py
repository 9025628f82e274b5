"""Cue sets: lower-cased, literal-gated patterns behave exactly like the IGNORECASE regexes;
the thread gate keeps race-free threads away from the sentence extractors."""

import re

import pytest

from ingest.extract.cues import compile_cue_set, find_required_literals, fold_text, \
    load_cue_sets, lower_pattern
from ingest.extract.gate import scan_thread
from ingest.extract.linking import find_quoted_context
from ingest.extract.nlp import load_cues
from tests.ingest.extract.helpers import make_message, make_thread


@pytest.mark.parametrize("pattern,lowered,literals", [
    (r"\bNAK\b|\bnack\b", r"\bnak\b|\bnack\b", {"na"}),   # re factors the prefix
    (r"\bCPU ?[0-9AB]\b", r"\bcpu ?[0-9ab]\b", {"cpu"}),
    (r"\S+ (?:is|are) lost", r"\S+ (?:is|are) lost", {" lost"}),
    (r"go(?:es)? away", r"go(?:es)? away", {" away"}),
    (r"[a-z]+", r"[a-z]+", None),
])
def test_lower_pattern_and_literals(pattern, lowered, literals):
    assert lower_pattern(pattern) == lowered
    lits = find_required_literals(lowered)
    assert (set(lits) if lits else None) == literals


@pytest.mark.parametrize("text", [
    "There is a race between foo() and bar().", "This is a trace point, not a race.",
    "NAK, this is overkill.", "I don't\nthink this is the right fix.", "CPU0 frees it",
    "Acked-by: Ann <a@b>", "we could take the lock instead", "nothing to see here",
    "Please don't backport this", "The grace period ends.", "Racy? No."])
def test_cue_sets_agree_with_ignorecase_regexes(text):
    old, new = load_cues(), load_cue_sets()
    for key, regex in old.items():
        assert new[key].search(text) == bool(regex.search(fold_text(text))), key


def test_leading_word_boundary_is_verified():
    cue = compile_cue_set("t", [r"\brace\b"])
    assert not cue.search("a trace and embrace")
    assert cue.search("a trace and a race")
    assert cue.may_match_lower("a trace")          # literal gate only: a superset


@pytest.mark.parametrize("subject,body,candidate", [
    ("mm: add tracepoints", "This adds a tracepoint for reclaim.", False),
    ("memcg: cleanup", "Nothing concurrent here, just renames.", False),
    ("memcg: cleanup", "This races with the flusher and can use-after-free.", True),
    ("Re: fix race in foo", "Thanks, applied.", True),
    ("report", "BUG: KCSAN: data-race in a / b\n", True),
])
def test_thread_gate(subject, body, candidate):
    assert scan_thread(make_thread(subject, make_message("m@x", body))).is_candidate == candidate


def test_quoted_context_is_the_block_above():
    body = ("On Mon, Bob wrote:\n> first idea\n\nok\n\n> we could take the lock in foo()\n"
            "> and drop it later\n\nThat is overkill.\n")
    start = body.index("That is")
    assert find_quoted_context(body, start) == ("and drop it later",
                                                "we could take the lock in foo()")
    assert re.search("overkill", body[start:])


@pytest.mark.parametrize("window", [1, 5, 12, 30, 200])
def test_quoted_context_window_reads_further_when_needed(monkeypatch, window):
    """A window cut inside the quote block, inside its first line or in the blank lines below it
    gives what the whole text before the sentence gives."""
    from ingest.extract import linking
    body = ("> we could take the lock in foo()\n> and drop it later\n\n\n\nThat is overkill.\n"
            "> an unrelated second quote\nAnother remark.\n")
    starts = [body.index("That is"), body.index("Another")]
    whole = [find_quoted_context.__wrapped__(body, s) for s in starts]
    monkeypatch.setattr(linking, "CONTEXT_WINDOW", window)
    find_quoted_context.cache_clear()
    assert [find_quoted_context(body, s) for s in starts] == whole
    assert whole == [("and drop it later", "we could take the lock in foo()"), ("an unrelated second quote",)]
