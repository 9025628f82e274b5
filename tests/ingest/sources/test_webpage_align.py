"""Quote extents on a web page fixed by the real quoted messages (webpage_align.align_page)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.sources.webpage import parse_page
from ingest.sources.webpage_align import Original, align_page
from tests.ingest.seed_originals import ORIGINALS
from tests.ingest.sources.test_webpage import SEED_NAMES, first_tokens, load_seed_gold, read_seed

# Flattened (newlines collapsed), and the quote's last line is short: the heuristic cannot see
# that "Yes, take the lock in foo_open()." is Bob's answer, not Ann's words.
FLAT = ("On Mon, Jan 1, 2024 at 10:00:00AM +0000, Ann Author wrote: > Hi, > > I think there is a race between "
        "foo_release() and foo_open() here, > the refcount can drop to zero while we still use it, and then "
        "> foo_open() touches freed memory. Yes, take the lock in foo_open(). > > Also, who frees bar in "
        "the error path of foo_probe()? Nobody, it leaks. I will send a patch for both. Thanks, Bob")
ANN = ("Hi,\n\nI think there is a race between foo_release() and foo_open() here,\n"
       "the refcount can drop to zero while we still use it, and then\nfoo_open() touches freed memory.\n\n"
       "Also, who frees bar in the error path of foo_probe()?\n\nAnn\n")


def body_of(mail: str) -> str:
    return mail.split("\n\n", 1)[1]


def test_reply_words_the_heuristic_gave_the_quote_go_back_to_the_reply() -> None:
    page = parse_page(FLAT, "flat")
    bob, ann = page.messages
    assert "Yes, take the lock" in ann.text and "Yes, take the lock" not in bob.text   # the heuristic's cut
    fixed = align_page(page, FLAT, {1: Original("ann-1@example.org", ANN)})
    bob, ann = fixed.messages
    assert bob.text == "Yes, take the lock in foo_open(). Nobody, it leaks. I will send a patch for both."
    assert ann.text.endswith("touches freed memory. Also, who frees bar in the error path of foo_probe()?")
    assert (bob.extent, ann.extent) == ("aligned", "aligned")
    assert bob.aligned_with == ("ann-1@example.org",)
    assert bob.first_words == "Yes, take the lock in foo_open(). Nobody, it"
    assert [FLAT[a:b] for a, b in bob.spans] == ["Yes, take the lock in foo_open().",
                                                 "Nobody, it leaks. I will send a patch for both."]
    assert [m.message_id for m in fixed.messages] == [m.message_id for m in page.messages]


def test_an_original_that_does_not_align_changes_nothing() -> None:
    page = parse_page(FLAT, "flat")
    unrelated = "Completely different words about a scheduler regression in v6.8 and nothing else.\n"
    assert align_page(page, FLAT, {1: Original("other@x", unrelated)}) == page
    assert align_page(page, FLAT, {}) == page
    assert align_page(page, FLAT, {7: Original("ann-1@example.org", ANN)}) == page   # no such message


@pytest.mark.shared
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_pages_align_with_the_message_they_answer(name: str) -> None:
    """With the answered message's real body every extent on the page is fixed, and the gold
    messages (depth, author, first words) still match."""
    text = read_seed(name)
    page = parse_page(text, name)
    fixed = align_page(page, text, {1: Original("answered@x", body_of(ORIGINALS[name][1]))})
    assert [m.extent for m in fixed.messages] == ["aligned"] * len(page.messages)
    gold = {g["thread_id"]: g for g in load_seed_gold()}[name]
    for got, want in zip(fixed.messages, gold["messages"]):
        assert (got.quote_depth, got.author) == (want["quote_depth"], want["author"])
        wanted = first_tokens(want["first_words"])
        assert first_tokens(got.first_words)[:len(wanted)] == wanted


@pytest.mark.shared
def test_seed_004_sentence_after_the_quote_moves_to_the_page_author() -> None:
    name = "004_e2d0a14b533089af.txt"
    text = read_seed(name)
    page = parse_page(text, name)
    assert "Patch #1 contains" in page.messages[1].text           # heuristic: Jason's
    fixed = align_page(page, text, {1: Original("jason@x", body_of(ORIGINALS[name][1]))})
    david, jason = fixed.messages[0], fixed.messages[1]
    assert "Patch #1 contains some additional information." in david.text
    assert "Patch #1" not in jason.text
    assert jason.text.endswith("eg the exclusive bit is missing when the page is recreated?")


@pytest.mark.shared
@pytest.mark.parametrize("name, depth, extents", [
    ("000_04549a968bee6e93.txt", 2, ["heuristic", "heuristic", "aligned"]),
    ("001_e5779e28165e000f.txt", 2, ["heuristic", "heuristic", "aligned"]),
    ("002_724bcb3cc4354858.txt", 3, ["heuristic"] * 3 + ["aligned"] * 4),
    ("004_e2d0a14b533089af.txt", 2, ["heuristic", "heuristic", "aligned"]),
])
def test_a_deeper_original_fixes_only_what_it_quotes(name: str, depth: int, extents: list[str]) -> None:
    text = read_seed(name)
    page = parse_page(text, name)
    fixed = align_page(page, text, {depth: Original("deep@x", body_of(ORIGINALS[name][depth]))})
    assert [m.extent for m in fixed.messages] == extents
    assert all(m.aligned_with == ("deep@x",) for m in fixed.messages[depth - 1:])
    assert all(m.aligned_with == () for m in fixed.messages[:depth - 1])


@pytest.mark.parametrize("page_text, body", [
    ("On Mon, 1 Jan 2024, A B wrote: > " + "a " * 500_000, "a " * 500_000),
    ("On Mon, 1 Jan 2024, A B wrote: > " + "x y z " * 160_000, "x y z " * 160_000),
    ("\n".join("> " * (i % 7) + f"w{i % 13} w{i % 7} w{i % 5} w{i % 3}" for i in range(60_000)),
     "\n".join(f"> w{i % 13} w{i % 7} w{i % 5} w{i % 3}" for i in range(60_000))),
], ids=["one-word", "three-words", "deep-lines"])
def test_alignment_is_bounded_on_a_megabyte_page(page_text: str, body: str) -> None:
    page = parse_page(page_text, "big")
    started = time.monotonic()
    fixed = align_page(page, page_text, {i: Original(f"r{i}@x", body) for i in range(len(page.messages))})
    assert time.monotonic() - started < 20
    assert len(fixed.messages) == len(page.messages)


@pytest.mark.shared
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SEED_NAMES), depth=st.sampled_from([1, 2]), data=st.data())
def test_fuzzed_pages_and_originals_never_break_alignment(name: str, depth: int, data: st.DataObject) -> None:
    """Pages and originals cut, spliced and sprinkled with markers: alignment keeps the page's
    messages (ids, order) and every text it writes comes from the page."""
    text = read_seed(name)
    original = body_of(ORIGINALS[name].get(depth, ORIGINALS[name][1]))
    for _ in range(data.draw(st.integers(0, 6))):
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(st.sampled_from([" > ", " > > ", "\n> ", "", " wrote: ", "\n", "x"]))
        text = text[:at] + junk + text[at + data.draw(st.integers(0, 40)):]
        cut = data.draw(st.integers(0, len(original)))
        original = original[:cut] + data.draw(st.sampled_from(["", "\n> ", " >> ", "\n\n"])) + original[cut + 30:]
    page = parse_page(text, name)
    fixed = align_page(page, text, {i: Original(f"r{i}@x", original) for i in range(1, len(page.messages))})
    assert [m.message_id for m in fixed.messages] == [m.message_id for m in page.messages]
    for message in fixed.messages:
        assert message.extent in ("aligned", "heuristic")
        if message.text != next(m.text for m in page.messages if m.message_id == message.message_id):
            assert all(text[a:b] in message.text for a, b in message.spans)
