"""Races of a thread: from sanitizer/lockdep reports, from prose and from interleaving diagrams.

Cheap regex cues (data/patterns/cues.json) reject almost every message before any sentence is
looked at; spaCy (the TextCategorizer and EntityRuler in nlp.py) only sees sentences with a cue.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.extract import nlp
from ingest.extract.changelog import is_page_opening, is_untitled_patch
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.diagrams import find_diagrams
from ingest.extract.gate import (
    MEMORY_SAFETY_RE, ThreadScan, has_subject_race, has_weak_race_cue, scan_message,
    scan_thread, shows_concurrency,
)
from ingest.extract.mailkind import is_backport_posting, is_machine_mail
from ingest.extract.outcomes import REPLY_RE, is_series_part, patch_title
from ingest.extract.reports import Report, find_reports
from ingest.extract.types import EvidenceSpan, MessageText, RaceFinding, ThreadText

__all__ = ["extract_races", "find_diagrams", "find_race_sentences", "make_evidence"]

VERSION = "0.1"
MAX_EVIDENCE_WORDS = 80

_FUNC_RE = re.compile(r"\b(_*[a-z][a-z0-9_]*[a-z0-9])\(\)")
_IDENT_RE = re.compile(r"\b(_*[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]|[a-z_][\w]*->[\w>.-]*\w|"
                       r"[A-Z][A-Z0-9]*_[A-Z0-9_]+)\b")
_BETWEEN_RE = re.compile(r"\brac\w*\s+(?:\w+\s+){0,3}?(?:between|of)\s+(.{3,80}?)\s+(?:and|vs\.?|with"
                         r"|against)\s+(.{3,80}?)(?:[,.;:?!]|\s+(?:on|in|where|when|which|that)\b|$)",
                         re.IGNORECASE)
_SUBJECT_KCSAN_RE = re.compile(r"(?:KCSAN: )?data-race in (\S+) / (\S+)")
_CODE_NAME_RE = re.compile(r"\w_\w|\w\(\)|->|\w\.\w")   # a side of "race between A and B" is code
# a patch title naming one racing path: "fix race in foo()", "fix race when skipping swapcache"
_SUBJECT_PATH_RE = re.compile(r"\brac(?:e|es|y|ing)\s+(?:condition\s+)?(?:in|when|while|during|with|at)\s+"
                              r"(?:the\s+)?([\w()>.-]+(?:\s+[\w()>.-]+){0,4}?)"
                              r"(?=\s*[,;:]|\s+(?:on|for|if|and|by|to|of)\b|\s*$)", re.IGNORECASE)
_STEP_LIST_RE = re.compile(r"^\s*(?:\d+[.)]|[a-z]\d+[.:)]?|[-*])\s+\S", re.MULTILINE)


@dataclass(frozen=True)
class RaceSentence:
    message: MessageText
    start: int
    end: int
    text: str
    strong: bool


def is_candidate_message(msg: MessageText) -> bool:
    """Cheap prefilter: a race or concurrency word in the message's own prose."""
    scan = scan_message(msg)
    return scan.strong_race_cue or has_weak_race_cue(scan)


def find_race_sentences(thread: ThreadText, use_model: bool = True,
                        scan: ThreadScan | None = None) -> list[RaceSentence]:
    """Own-text sentences that describe a race (strong cue, or weak cue + textcat says race)."""
    cues = load_cue_sets()
    strong, weak, neg = cues["race_strong"], cues["race_weak"], cues["race_negative"]
    scan = scan or scan_thread(thread)
    found: list[RaceSentence] = []
    pending: list[tuple[MessageText, int, int, str]] = []
    for ms in scan.messages:
        if not ms.strong_race_cue and not has_weak_race_cue(ms) or is_machine_mail(ms.message):
            continue        # a robot's, backport's or pull request's prose starts no race
        msg = ms.message
        for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
            low = fold_text(text)
            if neg.search_lower(low) and not strong.search_lower(neg.sub_lower(" ", low)):
                continue
            if strong.search_lower(low):
                if not strong.search_lower(MEMORY_SAFETY_RE.sub(" ", low)) and not scan.concurrent:
                    continue    # a use-after-free with nothing running concurrently is no race
                found.append(RaceSentence(msg, a, b, text, True))
            elif weak.search_lower(low):
                pending.append((msg, a, b, text))
    if pending and use_model:
        # a race named in the subject makes weak cues in the body more likely to be about it
        threshold = 0.3 if scan.subject_race else 0.5
        scores = nlp.classify_sentences([p[3] for p in pending])
        for (msg, a, b, text), sc in zip(pending, scores):
            if sc.get("race", 0.0) >= threshold:
                found.append(RaceSentence(msg, a, b, text, False))
    order = {m.message_id: i for i, m in enumerate(thread.messages)}
    found.sort(key=lambda r: (order[r.message.message_id], r.start))
    return found


def classify_consequence(texts: list[str], default: str = "other") -> str:
    cues = load_cue_sets()
    counts: Counter[str] = Counter()
    weights = {"use-after-free": 3, "deadlock": 3, "memory-leak": 3, "lost-update": 3,
               "other": 2, "wrong-result": 1, "data-race": 1}
    for text in texts:
        for cons, w in weights.items():
            if cues[f"consequence_{cons}"].search(text):
                counts[cons] += w
    return counts.most_common(1)[0][0] if counts else default


def find_symbols(texts: list[str], limit: int = 8) -> list[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        for m in _FUNC_RE.finditer(text):
            counts[m.group(1)] += 2
        for m in _IDENT_RE.finditer(text):
            counts[m.group(1).rstrip(".-")] += 1
    return [s for s, _ in counts.most_common(limit)]


def find_participants(texts: list[str], subject: str = "") -> list[str]:
    m = _SUBJECT_KCSAN_RE.search(subject)
    if m:
        return [m.group(1), m.group(2)]
    for text in [subject, *texts]:
        b = _BETWEEN_RE.search(text)
        if b and any(_CODE_NAME_RE.search(side) for side in b.groups()):
            return [b.group(1).strip(), b.group(2).strip()]
    funcs = Counter(f for t in texts for f in _FUNC_RE.findall(t))
    if funcs:
        return [f for f, _ in funcs.most_common(2)]
    path = _SUBJECT_PATH_RE.search(_SUBJECT_PREFIX.sub("", subject))
    return [path.group(1).strip()] if path else []


def find_object(texts: list[str], symbols: list[str]) -> str:
    for text in texts:
        m = re.search(r"\b(?:on|of|around|to|involving)(?: the)? \*?`?([a-z_][\w]*(?:->[\w.]+)+|"
                      r"[a-z_]+_[a-z_]+)`?\*?", text)
        if m and "(" not in m.group(1):
            return m.group(1)
    fields = [s for s in symbols if "->" in s]
    return fields[0] if fields else (symbols[0] if symbols else "")


def make_evidence(msg: MessageText, start: int, end: int, extractor: str, conf: float) -> EvidenceSpan:
    text = msg.body[start:end]
    words = text.split()
    if len(words) > MAX_EVIDENCE_WORDS:     # keep the first 80 words, still an exact substring
        cut = start
        for _ in range(MAX_EVIDENCE_WORDS):
            m = re.compile(r"\s*\S+").match(msg.body, cut)
            cut = m.end() if m else end
        end = cut
    return EvidenceSpan(msg.message_id, start, end, msg.body[start:end], extractor, VERSION, conf)


def race_from_report(msg: MessageText, report: Report) -> RaceFinding:
    start = report.start + max(0, msg.body[report.start:report.end].find(report.title[:10]))
    ev = EvidenceSpan(msg.message_id, start, report.end, msg.body[start:report.end].rstrip(),
                  f"reports.{report.kind}", VERSION, 0.95)
    summary = summarise_race(list(report.functions), report.object, report.consequence, "", [])
    summary = f"{report.kind.upper()}: {summary}" if summary != "race" else report.title
    return RaceFinding(summary, report.functions, report.symbols, report.object,
                       report.consequence, (ev,), report.steps, report.kind, 0.95)


def extract_races(thread: ThreadText, use_model: bool = True,
                  scan: ThreadScan | None = None) -> list[RaceFinding]:
    """All races of a thread: one per distinct report, plus prose/diagram races."""
    scan = scan or scan_thread(thread)
    races: list[RaceFinding] = []
    if not scan.is_candidate:
        return races
    seen_keys: set = set()
    for ms in scan.messages:
        if not ms.report_cue or is_backport_posting(ms.message):
            continue    # a backport restates an upstream changelog's report: nobody reports here
        msg = ms.message
        for rep in find_reports(msg.body):
            if rep.kind == "kasan" and len(rep.functions) < 2:
                continue    # one task's bad access: a race only once a second party is named
            if rep.is_race and rep.key not in seen_keys:
                seen_keys.add(rep.key)
                races.append(race_from_report(msg, rep))
    sentences = find_race_sentences(thread, use_model, scan)
    diagrams = [(ms.message, d) for ms in scan.messages
                if (ms.strong_race_cue or has_weak_race_cue(ms)) and not is_machine_mail(ms.message)
                for d in find_diagrams(ms.message)]
    subject_race = scan.subject_race
    strong = [s for s in sentences if s.strong]
    n_msgs = len({s.message.message_id for s in strong})
    if not sentences and not diagrams:
        return races or find_subject_race(thread, scan)
    if not races and not subject_race and n_msgs < 2 and not diagrams:
        if not strong or len(thread.messages) > 1 and len(strong) < 2 and not any(
                is_changelog_race(s) for s in strong):
            return races or find_subject_race(thread, scan)   # a patch titled "fix ... deadlock"
    texts = [s.text for s in sentences]
    evidence = [make_evidence(s.message, s.start, s.end, "races.prose", 0.8 if s.strong else 0.6)
                for s in sentences]
    steps: list[str] = []
    for msg, (start, end, dsteps) in diagrams:
        evidence.append(make_evidence(msg, start, end, "races.diagram", 0.7))
        steps += dsteps
    if races and not subject_race and not diagrams:
        # prose around a report: add its sentences as evidence of the first report race
        first = races[0]
        races[0] = RaceFinding(first.summary, first.participants, first.symbols, first.object,
                               first.consequence, first.evidence + tuple(evidence), first.steps,
                               first.source, first.confidence)
        return races
    symbols = find_symbols(texts + [thread.subject])
    participants = find_participants(texts, thread.subject)
    obj = find_object(texts, symbols)
    consequence = classify_consequence(texts + [thread.subject])
    if consequence == "other" and races:
        consequence = races[0].consequence
    summary = summarise_race(participants, obj, consequence, thread.subject, evidence)
    prose = RaceFinding(summary, tuple(participants), tuple(symbols), obj, consequence,
                        tuple(evidence), tuple(steps), "diagram" if diagrams else "prose",
                        0.8 if strong else 0.6)
    return [prose, *races]


_PATCH_TAG_RE = re.compile(r"\[[^\]]*\b(?:PATCH|RFC|RESEND)\b", re.IGNORECASE)
_RACE_TITLE_RE = re.compile(r"\brac(?:e|es|y|ing)\b|use-after-free|deadlock|\buaf\b|data-race",
                            re.IGNORECASE)
_TABLE_ROW_RE = re.compile(r"^\W*\d+\s+\d+\s|.*\|.*\|")


def is_changelog_race(sentence: RaceSentence) -> bool:
    """A race sentence in the changelog of a single posted patch (not a reply, not a series'
    cover letter or part, whose notes mention races in passing, unless the part's own title
    names a race), or in the deepest message of a page copied without its subject line (a patch
    or a report: is_page_opening), that names the racing code: the patch says what it fixes,
    one sentence is enough."""
    subject = sentence.message.subject or ""
    posted = bool(_PATCH_TAG_RE.search(subject)) and not REPLY_RE.match(subject) \
        and (not is_series_part(subject) or has_subject_race(patch_title(subject)))
    return (posted or is_page_opening(sentence.message) or is_untitled_patch(sentence.message)) \
        and len(_CODE_NAME_RE.findall(sentence.text)) >= 2


def find_subject_race(thread: ThreadText, scan: ThreadScan | None = None) -> list[RaceFinding]:
    """A posted patch whose title names a race ("mm: fix race when ...", "fix ... deadlock",
    "serialize A and B") is a race even when no sentence of the thread describes it; its
    evidence is that title (an empty span: subjects are not part of the body). A title naming
    only a use-after-free or double free counts when the thread shows concurrency somewhere."""
    first = thread.messages[0] if thread.messages else None
    if first is None or is_machine_mail(first) or not _PATCH_TAG_RE.search(first.subject or ""):
        return []
    title = _SUBJECT_PREFIX.sub("", first.subject).strip()
    low = fold_text(title)
    cues = load_cue_sets()
    if not (cues["race_strong"].search_lower(low) or has_subject_race(title)) or cues["race_negative"].search_lower(low):
        return []
    if MEMORY_SAFETY_RE.search(title) and not shows_concurrency(title) \
            and not (scan or scan_thread(thread)).concurrent:
        return []       # "fix use-after-free in X" with nothing concurrent in the thread
    ev = EvidenceSpan(first.message_id, 0, 0, title, "races.subject", VERSION, 0.6)
    symbols = find_symbols([title])
    return [RaceFinding(title, tuple(find_participants([], title)), tuple(symbols),
                        find_object([title], symbols), classify_consequence([title]), (ev,),
                        confidence=0.6)]


_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw)\s*:\s*|\s*\[[^\]]*\]\s*)+", re.IGNORECASE)


def summarise_race(participants: list[str], obj: str, consequence: str, subject: str,
                   evidence: list[EvidenceSpan]) -> str:
    """One line a reader can scan: "A races with B on OBJ, causing C" when both racing paths
    are known (no name twice: an object that is one of the paths is left out, one function on
    both sides is "concurrent A calls"), else the thread's (patch) title, else the first
    evidence sentence."""
    sides = list(dict.fromkeys(p for p in participants[:2] if p and p != "?"))
    same = len(participants) >= 2 and participants[0] == participants[1] and sides
    show_obj = obj and obj not in sides and obj.rstrip("()") not in {p.rstrip("()") for p in sides}
    tail = (f" on {obj}" if show_obj else "") + \
        (f", causing {consequence}" if consequence != "other" else "")
    if len(sides) == 2:
        return f"{sides[0]} races with {sides[1]}{tail}"
    if same:
        return f"concurrent {sides[0]} calls race{tail}"
    title = _SUBJECT_PREFIX.sub("", subject).strip()
    if title and not _TABLE_ROW_RE.match(title) and (
            _PATCH_TAG_RE.search(subject) or _RACE_TITLE_RE.search(title)):
        return title
    if evidence:
        words = " ".join(evidence[0].quote.replace(">", " ").split())
        return words if len(words) <= 120 else words[:117].rsplit(" ", 1)[0] + "..."
    return f"race{tail}" if tail else "race"
