"""Fixes and objections decided by the learned models: the cheap candidates (candidates.py),
each also marked "__rule" when the hand rules (fixes.extract_fixes, objections.
extract_objections) pick the same sentence, scored by the decider (learned.py). The rules'
cue lists are one feature among the rest, not the whole model.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.extract import learned
from ingest.extract.candidates import Candidate, find_fix_candidates, find_objection_candidates
from ingest.extract.evaluate import anchor_score
from ingest.extract.fixes import (
    VERSION, extract_fixes, find_addressing_postings, find_race_branch, find_race_index,
    is_patch_posting, shorten_summary,
)
from ingest.extract.gate import ThreadScan
from ingest.extract.objection_features import build_context, find_objection_features
from ingest.extract.objections import classify_reason, extract_objections, find_target_fix
from ingest.extract.outcomes import find_status, find_status_cues, is_formal_posting, patch_title
from ingest.extract.races import make_evidence
from ingest.extract.types import EvidenceSpan, FixFinding, ObjectionFinding, RaceFinding, ThreadText

RULE = "__rule"


def mark_rule_picks(thread: ThreadText, candidates: list[Candidate],
                    picks: list[tuple[str, str]]) -> list[Candidate]:
    """Candidates with RULE added where a rule pick (message id, quote) anchors to them."""
    ids = [m.message_id for m in thread.messages]
    return [replace(c, features=c.features + (RULE,))
            if any(anchor_score(ids[c.index], c.quote, mid, quote) for mid, quote in picks) else c
            for c in candidates]


def find_thread_fix_candidates(thread: ThreadText, races: list[RaceFinding], scan: ThreadScan) -> list[Candidate]:
    if not races:
        return []
    candidates = find_fix_candidates(thread, scan, find_race_branch(thread, scan, races),
                                     find_addressing_postings(thread, races, scan))
    rule = [(e.message_id, e.quote) for f in extract_fixes(thread, races, scan) for e in f.evidence]
    return mark_rule_picks(thread, candidates, rule)


def find_thread_objection_candidates(thread: ThreadText, fixes: list[FixFinding], scan: ThreadScan,
                                     rule: list[ObjectionFinding] | None = None,
                                     gated: bool = True) -> list[Candidate]:
    """Objection candidates (`gated`: only the cued ones and questions, candidates.
    find_objection_candidates), marked RULE where the hand rules' objections (`rule`, computed
    when not given) pick the same sentence."""
    if not fixes:
        return []
    ctx = build_context(thread, scan)
    folded: dict[str, str] = {}

    def target_of(msg, text, start):
        target, quoted = find_target_fix(msg, thread, fixes, text, start, folded)
        return None if target is None else (target, quoted)

    def features_of(msg, start, text, target, quoted, searched):
        return find_objection_features(ctx, msg, start, text, fixes[target], quoted, searched=searched)

    candidates = find_objection_candidates(thread, scan, fixes, ctx, target_of, features_of, gated)
    rule = extract_objections(thread, fixes, scan) if rule is None else rule
    return mark_rule_picks(thread, candidates, [(o.message_id, o.quote) for o in rule])


def extract_learned_fixes(thread: ThreadText, races: list[RaceFinding], scan: ThreadScan,
                          decider: learned.Decider) -> list[FixFinding]:
    """One fix per candidate the decider keeps: a patch posting's changelog sentence or title
    is kind patch with the posting's status; any other sentence is a prose proposal."""
    candidates = find_thread_fix_candidates(thread, races, scan)
    cues = [find_status_cues(s) for s in scan.messages]
    ids = [m.message_id for m in thread.messages]
    fixes = []
    for cand, score in learned.decide(decider, candidates):
        msg = thread.messages[cand.index]
        conf = round(score, 2)
        if cand.start == cand.end:
            ev = EvidenceSpan(msg.message_id, 0, 0, cand.quote, "fixes.subject", VERSION, conf)
        else:
            ev = make_evidence(msg, cand.start, cand.end, "fixes.learned", conf)
        patch = is_patch_posting(msg)
        title = patch_title(msg.subject) if is_formal_posting(msg) else ""
        fixes.append(FixFinding(
            title or shorten_summary(ev.quote), find_race_index(ev.quote + " " + title, races),
            msg.author, msg.message_id, ev.quote, "patch" if patch else "prose", (ev,),
            find_status(cues, cand.index, ids) if patch else "proposed", conf))
    return fixes


def extract_learned_objections(thread: ThreadText, fixes: list[FixFinding], scan: ThreadScan,
                               decider: learned.Decider) -> list[ObjectionFinding]:
    """The hand rules' objections, and one more per candidate the decider adds (learned.
    select_additions: at or above its threshold, while the message holds fewer than its cap),
    against the fix it targets; an addition is addressed when the fix was revised after it, its
    author answered it, or the fix was withdrawn."""
    rule = extract_objections(thread, fixes, scan)
    candidates = find_thread_objection_candidates(thread, fixes, scan, rule)
    if not candidates:
        return rule
    index = {m.message_id: i for i, m in enumerate(thread.messages)}
    taken: dict[int, int] = {}
    for o in rule:
        taken[index[o.message_id]] = taken.get(index[o.message_id], 0) + 1
    scores = learned.score_candidates(decider, candidates)
    out = list(rule)
    for cand, score in learned.select_additions(candidates, scores, decider.threshold,
                                                decider.per_message, taken, RULE):
        msg = thread.messages[cand.index]
        fix = fixes[cand.target]
        conf = round(score, 2)
        ev = make_evidence(msg, cand.start, cand.end, "objections.learned", conf)
        addressed = "__revised_after" in cand.features or "__author_replied" in cand.features \
            or fix.status == "withdrawn"
        out.append(ObjectionFinding(msg.author, cand.target, msg.message_id, ev.quote,
                                    classify_reason(cand.quote), (ev,), conf, addressed))
    out.sort(key=lambda o: (index[o.message_id], o.evidence[0].start))
    return out
