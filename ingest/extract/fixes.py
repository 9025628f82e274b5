"""Fixes of a thread: posted patches / draft diffs (kind=patch) and prose proposals
(kind=prose), each linked to the race it addresses, with what became of it (status)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract import nlp
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.gate import MessageScan, ThreadScan, scan_thread
from ingest.extract.races import make_evidence
from ingest.extract.types import FixFinding, MessageText, RaceFinding, ThreadText

VERSION = "0.1"
MAX_PROSE_PER_MESSAGE = 3

_PATCH_SUBJECT_RE = re.compile(r"^\s*\[(?:[^\]]*\s)?(?:PATCH|RFC)[^\]]*\]\s*(.*)$", re.IGNORECASE)
_REPLY_RE = re.compile(r"^\s*(?:re|aw|sv)\s*:", re.IGNORECASE)
_VERSION_RE = re.compile(r"\bv(\d+)\b", re.IGNORECASE)
_DIFF_RE = re.compile(r"^(?:diff --git |--- a/|@@ -\d)", re.MULTILINE)
_BULLET_HEAD_RE = re.compile(r"(?:solutions?|options?|alternatives?|approaches|ideas)\s*:\s*",
                             re.IGNORECASE)
_BULLET_RE = re.compile(r"(?:^|\s)-\s+([A-Z][^\n]*?)(?=\s+-\s+[A-Z]|\n\s*\n|$)", re.DOTALL)
_WITHDRAW_WORDS = ("withdraw", "drop", "scrap", "starting over", "please ignore")
_APPLIED_WORDS = ("applied", "queued", "picked up", "merged")
_ACK_RE = re.compile(r"^\s*(?:Acked|Reviewed)-by:", re.MULTILINE)
_APPLIED_RE = re.compile(r"\b(?:applied|queued|picked up|merged)\b(?! (?:to|on) top)",
                         re.IGNORECASE)
_WITHDRAW_RE = re.compile(r"\b(?:withdraw\w*|drop (?:this|the) patch|scrap|starting over|"
                          r"please ignore)\b", re.IGNORECASE)
_DIFF_INTRO_FOLLOW_RE = re.compile(r"\s*\n(?:\s*\n)?(?:diff --git|---|Index:|@@|\+\+\+)")
_DIFF_INTRO_TEXT_RE = re.compile(r"\b(?:following|below|this|something like|how about|patch)\b",
                                 re.IGNORECASE)
_CODE_FIX_RE = re.compile(r"^\+\s*(.*(?:READ_ONCE|WRITE_ONCE|data_race|spin_lock|mutex_lock|"
                          r"rcu_|atomic_|DEFINE_SPINLOCK|cmpxchg|barrier|smp_).*)$", re.MULTILINE)


def is_patch_posting(msg: MessageText) -> bool:
    """A formal patch mail ([PATCH ...] subject, not a reply) or any mail carrying a diff."""
    subject = msg.subject or ""
    if _PATCH_SUBJECT_RE.match(subject) and not _REPLY_RE.match(subject):
        return True
    own = msg.own_text()
    return bool(_DIFF_RE.search(own))


def patch_title(subject: str) -> str:
    m = _PATCH_SUBJECT_RE.match(_REPLY_RE.sub("", subject or ""))
    return (m.group(1) if m else subject).strip()


def _changelog_quote(msg: MessageText) -> tuple[int, int] | None:
    """The changelog sentence that says how the patch fixes the problem."""
    cues = load_cue_sets()
    limit = nlp.find_patch_start(msg.body)
    sentences = [s for s in nlp.iter_own_sentences(msg.body, msg.own_spans) if s[1] <= limit]
    for a, b, text in sentences:
        if cues["patch_changelog_fix"].search(text) and cues["fix_mechanism"].search(text):
            return a, b
    for a, b, text in sentences:
        if cues["fix_prose"].search(text):
            return a, b
    m = _CODE_FIX_RE.search(msg.body, limit)
    if m:
        return m.start(1), m.end(1)
    return None


def find_race_index(text: str, races: list[RaceFinding]) -> int | None:
    """The race a fix sentence is about: most shared symbols, else the first (main) race."""
    if not races:
        return None
    best, best_score = 0, 0
    lowered = text.lower()
    for i, race in enumerate(races):
        score = sum(1 for s in race.symbols if s and s.lower() in lowered)
        if score > best_score:
            best, best_score = i, score
    return best


def find_prose_fixes(msg: MessageText, skip: set[int]) -> list[tuple[int, int]]:
    """Sentences of a message proposing a fix, plus bullet items of 'solutions:' lists."""
    cues = load_cue_sets()
    out: list[tuple[int, int]] = []
    low_body = msg.body.lower()
    has_list = ":" in msg.body and any(w in low_body for w in (
        "solution", "option", "alternative", "approaches", "ideas"))
    if not has_list and not _may_precede_diff(msg.body) and \
            not cues["fix_prose"].may_match_lower(fold_text(msg.own_text())):
        return out      # no proposal cue anywhere in the own text: no sentence can be one
    for m in (_BULLET_HEAD_RE.finditer(msg.body) if has_list else ()):
        region_end = msg.body.find("\n\n", m.end())
        region_end = len(msg.body) if region_end < 0 else region_end
        for b in _BULLET_RE.finditer(msg.body, m.end() - 1, region_end):
            out.append((b.start(1), b.end(1)))
    limit = nlp.find_diff_start(msg.body)
    posting = limit < len(msg.body) and is_patch_posting(msg)
    candidates = []
    for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
        if a in skip or a >= limit and posting:
            continue
        if out and any(a <= s < b or s <= a < e for s, e in out):
            continue
        low = fold_text(text)
        if cues["fix_negative"].search_lower(low):
            continue        # an ack or an aside ("feel free to add my ack"), not a proposal
        if cues["fix_prose"].search_lower(low) and cues["fix_mechanism"].search_lower(low) \
                and (not text.rstrip().endswith(":") or _precedes_code(msg.body, b)) \
                or _is_diff_intro(msg, b, text):
            candidates.append((a, b, text))
    # a sentence that reads as pushback is not a proposal (TextCategorizer decides on overlap)
    contested = [c for c in candidates if cues["objection"].search(c[2])]
    if contested:
        scores = dict(zip((c[0] for c in contested),
                          nlp.classify_sentences([c[2] for c in contested])))
        candidates = [c for c in candidates if c[0] not in scores
                      or scores[c[0]]["fix"] >= scores[c[0]]["objection"]]
    out += [(a, b) for a, b, _ in candidates]
    return out[:MAX_PROSE_PER_MESSAGE + 3]


def _precedes_code(body: str, end: int) -> bool:
    """The next non-blank line after offset `end` is code (a sketch follows the sentence)."""
    for line in body[end:end + 400].splitlines()[1:4]:
        if line.strip():
            return nlp.classify_line(line) == "code"
    return False


def _may_precede_diff(body: str) -> bool:
    return "---" in body or "@@" in body or "+++" in body or "Index:" in body


def _is_diff_intro(msg: MessageText, end: int, text: str) -> bool:
    """A sentence right before a diff / code block ('would the following work?')."""
    return bool(_DIFF_INTRO_FOLLOW_RE.match(msg.body, end, end + 300)) and \
        bool(_DIFF_INTRO_TEXT_RE.search(text))


@dataclass(frozen=True)
class StatusCues:
    """What one message can say about earlier patches (computed once per message)."""

    author_email: str
    subject: str
    title: str
    withdraws: bool
    applies: bool
    acks: bool


def find_status_cues(scan: MessageScan) -> StatusCues:
    msg, own, low = scan.message, scan.prose, scan.low
    withdraws = any(w in low for w in _WITHDRAW_WORDS) and bool(_WITHDRAW_RE.search(own))
    applies = any(w in low for w in _APPLIED_WORDS) and bool(_APPLIED_RE.search(own))
    acks = "ed-by:" in own and bool(_ACK_RE.search(own))
    return StatusCues(msg.author_email, msg.subject or "", patch_title(msg.subject), withdraws,
                      applies, acks)


def find_status(thread: ThreadText, index: int, author: str,
                cues: list[StatusCues] | None = None) -> str:
    """What later messages say about the fix posted in message `index`."""
    if cues is None:
        cues = [find_status_cues(s) for s in scan_thread(thread).messages]
    msg = cues[index]
    status = "proposed"
    title = msg.title
    for later in cues[index + 1:]:
        same_author = later.author_email == msg.author_email
        if same_author and later.withdraws:
            return "withdrawn"
        if same_author and title and later.title == title and \
                _VERSION_RE.search(later.subject) and later.subject != msg.subject and \
                not _REPLY_RE.match(later.subject):
            status = "revised"
        elif not same_author and later.applies:
            status = "applied"
        elif not same_author and later.acks and status == "proposed":
            status = "acked"
    return status


def extract_fixes(thread: ThreadText, races: list[RaceFinding],
                  scan: ThreadScan | None = None) -> list[FixFinding]:
    """Patch fixes (one per patch posting or draft diff) and prose proposals, in thread order."""
    if not races:
        return []
    scan = scan or scan_thread(thread)
    status_cues = [find_status_cues(s) for s in scan.messages]
    fixes: list[FixFinding] = []
    for i, msg in enumerate(thread.messages):
        skip: set[int] = set()
        if is_patch_posting(msg):
            span = _changelog_quote(msg)
            title = patch_title(msg.subject)
            if span:
                ev = make_evidence(msg, span[0], span[1], "fixes.patch", 0.8)
                quote = ev.quote
                skip.add(span[0])
            else:
                ev, quote = None, title
            summary = title if not _REPLY_RE.match(msg.subject or "") else shorten_summary(quote)
            fixes.append(FixFinding(summary, find_race_index(quote + " " + title, races),
                                    msg.author, msg.message_id, quote, "patch",
                                    (ev,) if ev else (), find_status(thread, i, msg.author, status_cues), 0.8))
        count = 0
        for a, b in find_prose_fixes(msg, skip):
            if count >= MAX_PROSE_PER_MESSAGE:
                break
            ev = make_evidence(msg, a, b, "fixes.prose", 0.6)
            summary = shorten_summary(ev.quote)
            fixes.append(FixFinding(summary, find_race_index(ev.quote, races), msg.author,
                                    msg.message_id, ev.quote, "prose", (ev,), "proposed", 0.6))
            count += 1
    return fixes


def shorten_summary(text: str, limit: int = 120) -> str:
    """One line of at most `limit` characters, cut at a word boundary with an ellipsis."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
