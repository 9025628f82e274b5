"""Candidates of the learned deciders: which sentences, with which feature tokens."""

import pytest

from ingest.extract.gate import scan_thread
from ingest.extract.learned_findings import (
    RULE, find_thread_fix_candidates, find_thread_objection_candidates,
)
from ingest.extract.candidates import find_position_tokens
from ingest.extract.fixes import extract_fixes
from ingest.extract.races import extract_races
from tests.ingest.extract.helpers import make_message, make_thread
from tests.ingest.extract.test_objections import ANN, BOB, PATCH_BODY, QUOTED_HUNK, patch_thread


def fix_candidates(thread):
    scan = scan_thread(thread)
    return find_thread_fix_candidates(thread, extract_races(thread, scan=scan), scan)


def objection_candidates(thread):
    scan = scan_thread(thread)
    fixes = extract_fixes(thread, extract_races(thread, scan=scan), scan)
    return find_thread_objection_candidates(thread, fixes, scan)


def find(cands, fragment):
    (cand,) = [c for c in cands if fragment in c.quote]
    return cand


@pytest.mark.parametrize(("k", "n", "tokens"), [
    (0, 1, ["__s0", "__e0"]),
    (0, 3, ["__s0", "__e2"]),
    (2, 3, ["__s2", "__e0"]),
    (9, 20, ["__s5", "__e2"]),     # both ends are capped
])
def test_position_tokens(k, n, tokens):
    assert find_position_tokens(k, n) == tokens


@pytest.mark.parametrize(("fragment", "present", "absent"), [
    ("foo: fix race", {"__title", "__root", "__formal", "__diff", "__addresses", "__branch"}, {"__reply"}),
    ("There is a race", {"__root", "__formal", "__s0", "__e1", "__cue_race_strong"}, {"__title"}),
    ("Fix this by", {"__s1", "__e0", "__cue_fix_prose", RULE}, set()),
])
def test_fix_candidate_features(fragment, present, absent):
    cand = find(fix_candidates(patch_thread("Looks fine.")), fragment)
    assert present <= set(cand.features) and not absent & set(cand.features)


def test_fix_candidates_skip_robots_and_diff_lines():
    t = patch_thread("Overkill, I think.", ("syzbot", "syzbot+0a1b@example.com"))
    cands = fix_candidates(t)
    assert all(t.messages[c.index].message_id == "p@x" for c in cands)
    assert not any("spin_lock" in c.quote for c in cands)


def test_no_race_no_fix_candidates():
    t = make_thread("[PATCH] foo: tidy", make_message("p@x", "Rename foo to bar.\n", subject="[PATCH] foo: tidy"))
    assert fix_candidates(t) == []


@pytest.mark.parametrize(("reply", "who", "later", "present", "absent"), [
    (QUOTED_HUNK + "Don't we also need a WRITE_ONCE here?", BOB, (),
     {"__reply", "__under_quoted_hunk", "__under_quoted_fix", "__fix_is_patch", "__question"},
     {"__sender_is_author", "__revised_after", "__root_author"}),
    ("Is foo_put() really reachable there?", ("Ann Dev", "ann.dev@corp.example"), (),
     {"__sender_is_author", "__root_author", "__question"}, {"__under_quoted_hunk"}),
    (QUOTED_HUNK + "Taking the lock is overkill.", BOB, [(ANN, "[PATCH v2] foo: fix race", PATCH_BODY, "r@x")],
     {"__revised_after", "__author_replied", "__cue_objection"}, set()),    # v2 answers r@x
    ("Taking the lock is overkill.", BOB, [(ANN, "Re: [PATCH] foo: fix race", "Fair, will redo.", "r@x")],
     {"__author_replied"}, {"__revised_after"}),
    ("Applied to for-6.1, thanks. Taking the lock is overkill though.", BOB, (), {"__message_applies"}, set()),
])
def test_objection_candidate_features(reply, who, later, present, absent):
    fragment = next(w for w in ("WRITE_ONCE", "really", "overkill") if w in reply)
    cand = find(objection_candidates(patch_thread(reply, who, later=later)), fragment)
    assert present <= set(cand.features) and not absent & set(cand.features)
    assert cand.target == 0


@pytest.mark.parametrize(("reply", "who"), [
    ("Please do not send HTML mail, the list drops it.", BOB),          # etiquette
    ("Overkill, I think.", ("syzbot", "syzbot+0a1b@example.com")),      # a robot
])
def test_objection_candidates_leave_out(reply, who):
    assert [c for c in objection_candidates(patch_thread(reply, who)) if c.index == 1] == []


def test_objection_candidates_marked_by_rules():
    cands = objection_candidates(patch_thread("NAK, that doesn't fix the race: foo_put() still runs unlocked."))
    assert RULE in find(cands, "NAK").features


def test_prose_counter_proposal_is_an_objection_candidate():
    """A reply's prose fix ("rather than X, do Y") can object to the patch: it stays a candidate,
    against the patch, never against itself; the patch's own changelog never is one."""
    reply = "Rather than taking the lock, I think we should use RCU in foo_get() instead."
    thread = patch_thread(reply)
    scan = scan_thread(thread)
    fixes = extract_fixes(thread, extract_races(thread, scan=scan), scan)
    assert any(f.kind == "prose" and f.message_id == "r@x" for f in fixes)     # the premise
    cand = find(objection_candidates(thread), "Rather than")
    assert fixes[cand.target].message_id == "p@x"
    assert not [c for c in objection_candidates(thread) if c.index == 0]


@pytest.mark.parametrize(("reply", "gated_in"), [
    ("Taking the lock is overkill.", True),                  # an objection cue
    ("Is foo_put() really reachable there?", True),          # a question
    ("I ran the reproducer for a whole night on arm64.", False),
])
def test_objection_candidates_gate(reply, gated_in):
    """Extraction looks a sentence up only with a cue or a question; training reads them all."""
    thread = patch_thread(reply)
    scan = scan_thread(thread)
    fixes = extract_fixes(thread, extract_races(thread, scan=scan), scan)
    fragment = reply[:12]
    gated = [c for c in find_thread_objection_candidates(thread, fixes, scan) if fragment in c.quote]
    whole = [c for c in find_thread_objection_candidates(thread, fixes, scan, gated=False) if fragment in c.quote]
    assert len(whole) == 1 and len(gated) == int(gated_in)
