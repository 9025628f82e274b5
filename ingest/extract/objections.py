"""Objections: sentences that push back on a specific proposed fix (NAK, overkill, counter-
example, cost, stable backport, changelog style ...), linked to the fix and to the objector."""

from __future__ import annotations

import re

from ingest.extract import nlp
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.gate import ThreadScan, scan_thread
from ingest.extract.linking import find_quoted_fix
from ingest.extract.races import make_evidence
from ingest.extract.types import FixFinding, MessageText, ObjectionFinding, ThreadText

VERSION = "0.1"
MAX_PER_MESSAGE = 3
WEAK_THRESHOLD = 0.35
REASON_ORDER = ("stable-backport", "style", "scalability", "performance", "complexity",
                "correctness")


def classify_reason(text: str) -> str:
    cues = load_cue_sets()
    for reason in REASON_ORDER:
        if cues[f"reason_{reason}"].search(text):
            return reason
    return "other"


def find_target_fix(msg: MessageText, thread: ThreadText, fixes: list[FixFinding],
                    text: str, start: int | None = None,
                    folded: dict[str, str] | None = None) -> int | None:
    """The fix an objection is about: the fix of the message the quote block above the
    sentence comes from, else a fix named in the sentence, else the latest fix of the
    message replied to, else the latest earlier fix by someone else, else the latest."""
    order = {m.message_id: i for i, m in enumerate(thread.messages)}
    here = order[msg.message_id]
    earlier = [i for i, f in enumerate(fixes) if order.get(f.message_id, 0) < here]
    same = [i for i, f in enumerate(fixes) if f.message_id == msg.message_id]
    if start is not None and earlier and len(thread.messages) > 1:
        quoted = find_quoted_fix(msg, start, thread, fixes, earlier,
                                 folded if folded is not None else {})
        if quoted is not None:
            return quoted
    lowered = text.lower()
    named = []
    for i in earlier + same:
        words = {w for w in re.findall(r"[a-z_]{5,}\w*(?:\(\))?", fixes[i].quote.lower())
                 if "_" in w or w.endswith("()")}
        if words and any(w in lowered for w in words):
            named.append(i)
    if named:
        return named[-1]
    parent = [i for i in earlier if fixes[i].message_id == msg.in_reply_to]
    if parent:
        return parent[-1]
    others = [i for i in earlier if fixes[i].proposed_by != msg.author]
    if others:
        return others[-1]
    if earlier:
        return earlier[-1]
    return same[0] if same else None


def extract_objections(thread: ThreadText, fixes: list[FixFinding],
                       scan: ThreadScan | None = None) -> list[ObjectionFinding]:
    if not fixes:
        return []
    folded: dict[str, str] = {}      # fold_text of earlier bodies, for quote lookups
    scan = scan or scan_thread(thread)
    cues = load_cue_sets()
    order = {m.message_id: i for i, m in enumerate(thread.messages)}
    first_fix = min(order.get(f.message_id, 0) for f in fixes)
    fix_spans = {(f.message_id, e.start) for f in fixes for e in f.evidence}
    out: list[ObjectionFinding] = []
    # a web page holding a whole quoted discussion is one "message": more per message
    per_message = MAX_PER_MESSAGE if len(thread.messages) > 1 else 3 * MAX_PER_MESSAGE
    for ms in scan.messages:
        msg = ms.message
        if order[msg.message_id] < first_fix or not cues["objection"].may_match_lower(fold_text(msg.own_text())):
            continue
        count = 0
        weak: list[tuple[int, int, str]] = []
        limit = nlp.find_patch_start(msg.body)
        for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
            if a >= limit or (msg.message_id, a) in fix_spans:
                continue
            if not cues["objection"].search(text) or cues["objection_negative"].search(text):
                continue
            if not cues["objection_strong"].search(text):
                weak.append((a, b, text))
                continue
            count += _add(out, thread, fixes, folded, msg, a, b, text, 0.7)
            if count >= per_message:
                break
        if weak and count < per_message:
            for (a, b, text), sc in zip(weak, nlp.classify_sentences([w[2] for w in weak])):
                if sc["objection"] >= WEAK_THRESHOLD and count < per_message:
                    count += _add(out, thread, fixes, folded, msg, a, b, text, 0.5)
    return out


def _add(out, thread, fixes, folded, msg, a, b, text, conf) -> int:
    target = find_target_fix(msg, thread, fixes, text, a, folded)
    if target is None:
        return 0
    if len(thread.messages) > 1 and fixes[target].proposed_by == msg.author and not re.search(
            r"\b(?:heavy|avoid|too costly|however|prefer)\b", text, re.IGNORECASE):
        return 0
    ev = make_evidence(msg, a, b, "objections", conf)
    out.append(ObjectionFinding(msg.author, target, msg.message_id, ev.quote,
                                classify_reason(text), (ev,), conf))
    return 1
