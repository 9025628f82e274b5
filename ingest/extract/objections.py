"""Objections: sentences that push back on a specific proposed fix (NAK, overkill, counter-
example, cost, stable backport, changelog style ...), linked to the fix and to the objector."""

from __future__ import annotations

import re

from ingest.extract import nlp
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.fixes import is_suggestion
from ingest.extract.gate import ThreadScan, scan_thread
from ingest.extract.linking import find_quoted_fix
from ingest.extract.objection_features import (
    build_context, find_objection_features, is_addressed, is_first_under_quote, is_objection, rank_objection,
)
from ingest.extract.races import make_evidence
from ingest.extract.types import FixFinding, MessageText, ObjectionFinding, ThreadText

VERSION = "0.2"   # 0.2: a reason without a cue is "correctness" ("other" only for a counter-proposal)
MAX_PER_MESSAGE = 2     # no message of the labelled corpus holds more than two objections
SENTENCE_CUES = ("objection", "objection_challenge", "objection_review")   # a sentence needs one
_QUOTE_LINE_RE = re.compile(r"^[ \t]*>", re.MULTILINE)
REASON_ORDER = ("stable-backport", "style", "scalability", "performance", "complexity",
                "correctness")


def classify_reason(text: str) -> str:
    """The schema's reason class of an objection sentence: the first of REASON_ORDER whose cues
    it has; else "other" when it puts another fix forward (a proposal frame: "why not ...",
    "how about ...", "I'd prefer ..."); else "correctness", that the fix is wrong or not enough.
    Correctness is what most pushback is about: on each of the 15 labelled lists it is the
    commonest reason (325 of 629 objections, "other" 115), and on those lists this order
    classifies 60% of the labelled sentences as labelled, against 31% when "other" was the
    default; 63% with the style cues of how a patch is submitted (Fixes tag, subject, a
    separate patch, nit, sparse), 37 of the 86 style objections against 19; 64% with the
    complexity cues of a mess, a hack or code hard to follow (14 of 47 against 7)."""
    cues = load_cue_sets()
    for reason in REASON_ORDER:
        if cues[f"reason_{reason}"].search(text):
            return reason
    return "other" if is_suggestion(fold_text(text)) else "correctness"


def find_target_fix(msg: MessageText, thread: ThreadText, fixes: list[FixFinding],
                    text: str, start: int | None = None,
                    folded: dict[str, str] | None = None) -> tuple[int | None, bool]:
    """(the fix an objection is about, whether the quote above the sentence names it): the fix
    of the message the quote block above the sentence comes from, else an earlier fix named in
    the sentence, else the latest fix of the message replied to (its patch before an alternative
    its changelog names), else the latest earlier fix by someone else, else the latest earlier
    one, else the message's own fix (a page held as one message); never the fix the sentence at
    `start` states itself (a counter-proposal objects to another fix)."""
    order = {m.message_id: i for i, m in enumerate(thread.messages)}
    here = order[msg.message_id]
    earlier = [i for i, f in enumerate(fixes) if order.get(f.message_id, 0) < here]
    # a counter-proposal's own sentence is a fix too: it objects to another one, never to itself
    same = [i for i, f in enumerate(fixes) if f.message_id == msg.message_id
            and (start is None or f.evidence[0].start != start)]
    if start is not None and earlier and len(thread.messages) > 1:
        quoted = find_quoted_fix(msg, start, thread, fixes, earlier,
                                 folded if folded is not None else {})
        if quoted is not None:
            return quoted, True
    lowered = text.lower()
    named = []
    for i in earlier + same:
        words = {w for w in re.findall(r"[a-z_]{5,}\w*(?:\(\))?", fixes[i].quote.lower())
                 if "_" in w or w.endswith("()")}
        if words and any(w in lowered for w in words):
            named.append(i)
    named_earlier = [i for i in named if i in earlier]
    if named_earlier:
        return named_earlier[-1], False
    parent = [i for i in earlier if fixes[i].message_id == msg.in_reply_to]
    if parent:      # a reply to a posted patch answers the patch, not an alternative its changelog names
        return ([i for i in parent if fixes[i].kind == "patch"] or parent)[-1], False
    others = [i for i in earlier if fixes[i].proposed_by != msg.author]
    if others:
        return others[-1], False
    if earlier:
        return earlier[-1], False
    # the message's own counter-proposal only when nothing came before (a page held as one message)
    return (named[-1] if named else same[0] if same else None), False


def extract_objections(thread: ThreadText, fixes: list[FixFinding],
                       scan: ThreadScan | None = None) -> list[ObjectionFinding]:
    """Own sentences of replies with an objection or challenge cue, and each reply's opening
    sentence, each scored by its features (objection_features) against the fix it targets; at
    most `per_message` per message."""
    if not fixes:
        return []
    folded: dict[str, str] = {}      # fold_text of earlier bodies, for quote lookups
    scan = scan or scan_thread(thread)
    cues = load_cue_sets()
    ctx = build_context(thread, scan)
    first_fix = min(ctx.order.get(f.message_id, 0) for f in fixes)
    # a patch's changelog is no objection; a prose counter-proposal ("rather than X, ...") can be
    fix_spans = {(f.message_id, e.start) for f in fixes if f.kind == "patch" for e in f.evidence}
    out: list[ObjectionFinding] = []
    # a web page holding a whole quoted discussion is one "message": more per message
    per_message = MAX_PER_MESSAGE if len(thread.messages) > 1 else 3 * MAX_PER_MESSAGE
    reviewable = any(f.kind == "patch" for f in fixes)   # an opening remark objects to a patch only
    for ms in scan.messages:
        msg = ms.message
        own = fold_text(msg.own_text())
        if ctx.order[msg.message_id] < first_fix:
            continue
        cued = any(cues[name].may_match_lower(own) for name in SENTENCE_CUES)
        opening = reviewable and msg.in_reply_to is not None and ">" in msg.body
        if not cued and not opening:
            continue
        decided: list[tuple[int, int, str, int, dict]] = []
        limit = nlp.find_patch_start(msg.body)
        whole = msg.in_reply_to is not None and not _QUOTE_LINE_RE.search(msg.body)
        for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
            first, opening = opening, False     # only the reply's first own sentence opens it
            if not cued and not first:
                break       # no cue anywhere in the message: only its opening remark can object
            if a >= limit or (msg.message_id, a) in fix_spans:
                continue
            low = fold_text(text) if cued else ""
            if not cues["objection"].search_lower(low) and not cues["objection_review"].search_lower(low) \
                    and not (text.rstrip().endswith("?") and cues["objection_challenge"].search_lower(low)) \
                    and not (first and is_first_under_quote(msg.body, a)):
                continue    # no pushback word, no challenging question, not the reply's opening remark
            target, quoted = find_target_fix(msg, thread, fixes, text, a, folded)
            if target is None:
                continue
            answers = whole and fixes[target].message_id == msg.in_reply_to
            features = find_objection_features(ctx, msg, a, text, fixes[target], quoted or answers, first,
                                               answers)
            if is_objection(features):
                decided.append((a, b, text, target, features))
        decided.sort(key=lambda d: (rank_objection(d[4]), d[0]))
        for a, b, text, target, features in sorted(decided[:per_message]):
            conf = 0.7 if features["cue_strong"] else 0.5
            ev = make_evidence(msg, a, b, "objections", conf)
            out.append(ObjectionFinding(msg.author, target, msg.message_id, ev.quote,
                                        classify_reason(text), (ev,), conf,
                                        is_addressed(features, fixes[target])))
    return out
