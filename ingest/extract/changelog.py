"""The sentence of a patch's changelog that states the fix ("Fix this by ...", "So add ...",
"To solve this, we take ..."), chosen by a score over cue sets, not by the first cue hit.

A changelog first describes the problem and then says what the patch does; the sentence that
says it carries a fix verb in the imperative, "this patch", "to fix/avoid ...", "instead", or a
"should/need to" remedy, and names a mechanism (lock, barrier, reference ...). Report lines,
questions, version notes ("v1->v2: ...") and code never state the fix. Without a sentence that
scores at least MIN_SCORE the caller takes the sentence that restates the patch's title, then
the best sentence scoring WEAK_SCORE (a lone remedy: "we must ensure that ..."), and only failing
those the title itself: a reader (and nearly every label on the development lists) wants the
changelog's own words, and the title is the fix's summary already.
"""

from __future__ import annotations

import re

from ingest.extract import nlp
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.outcomes import PATCH_TAG_RE, REPLY_RE
from ingest.extract.types import MessageText

MIN_SCORE = 3
WEAK_SCORE = 2          # one remedy or proposal cue ("we must ensure ..."): said before falling back to the title
RESTATE_SHARE = 0.5     # of a title's content words a sentence restating it says
MIN_WORDS, MAX_WORDS = 4, 60     # "Add it." names nothing; a paragraph is not one statement
# (cue set, weight): the evidence that a sentence says what the patch does
WEIGHTS = (("patch_changelog_fix", 3), ("fix_prose", 2), ("changelog_fix_verb", 3),
           ("changelog_fix_remedy", 2), ("fix_mechanism", 1))
_NOT_PROSE_RE = re.compile(r"^\s*(?:\[\s*\d+\.\d+\]|\[[A-Z]+\]\s*$|v\d+\s*(?:->|:|-)|changes? (?:in|since)\b|"
                           r"call trace|[A-Z]+:\s+\S+\+0x)", re.IGNORECASE)
_TOOL_LINE_RE = re.compile(r"^\s*(?:commit [0-9a-f]{7,}\b|(?:author|date|subject|from):\s|\S*\$ |--\s?\w*\.?\s*$|"
                           r"\S+\s+\|\s+\d+ [+-]*|\d+ files? changed)", re.IGNORECASE)   # ... a diffstat
_SIGNED_OFF_RE = re.compile(r"^Signed-off-by: ", re.MULTILINE)   # a formal patch, also inside a reply
# a letter's closing before a diff: "Thanks, Bob", "Best regards! Bob Dev", "-Dave.", a bare name
_CLOSING_RE = re.compile(r"^\W*(?:thanks|thank you|thx|regards|best regards|kind regards|cheers)\b|"
                         r"^\W*-{0,2}\s*[A-Z][a-z]+\.?\s*$", re.IGNORECASE)
IMPERATIVE_WEIGHT = 3   # as a fix verb in the imperative (changelog_fix_verb)
RACE_WEIGHT = 1         # a statement that names the race it closes ("... so that it won't race")
_RACE_WORD_RE = re.compile(r"\brac(?:e|es|ing|y)\b", re.IGNORECASE)
_IMPERATIVE_RE = re.compile(r"^\W*(?:(?:so|thus|therefore|hence|instead|now|then),?\s+)?([A-Za-z][a-z]+)\s+"
                            r"(?:the|a|an|this|these|that|those|it|them|both|all|its|their)\b", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    "the a an this these that those it its we i you they he she there here if when while since as "
    "in on at for with by from of to into but and or so because after before however also all both "
    "each some any no not only then thus hence now once until unless whether what which who why how "
    "is are was were be been has have had do does did can could should would will may might must "
    "let one see note between during without within under over through against among about above "
    "below across along around behind beyond despite except inside outside per via like unlike upon "
    "toward towards regarding following given".split())
# a sentence that sets the problem up: a scenario ("Consider this scenario:", "Imagine ..."), what
# happens without the fix ("Otherwise a cache can be put twice ..."), the state before the patch
# ("Currently the lookup ...", "Previously ...", 'Commit 25266128fe16 ("...") tries to ...')
_PROBLEM_OPENER_RE = re.compile(r"^\W*(?:consider|imagine|suppose|assume|otherwise|although|even though|currently|"
                                r"previously|commit [0-9a-f]{7,})\b",
                                re.IGNORECASE)   # ... or concedes a point first ("Although X is checked again, ...")
# an earlier attempt, not what this patch does: "I tried to fix it by X, however ...", "We have sent two
# commits to fix this before" ("I tried fixing this by checking ..." alone may well be what the patch does)
_ATTEMPT_RE = re.compile(r"^\W*(?:(?:first|initially|previously|earlier),?\s+)?(?:I|we)\s+(?:have\s+|had\s+)?"
                         r"(?:already\s+)?(?:(sent|posted)|tried|attempted)\b", re.IGNORECASE)
_FAILED_RE = re.compile(r"\b(?:however|but|unfortunately|though|didn'?t|did not|doesn'?t|does not|wasn'?t|"
                        r"not enough|failed)\b", re.IGNORECASE)
# a kernel log line: an address, a symbol+offset/size, a timestamp (report text states no fix)
_LOG_LINE_RE = re.compile(r"\b0x[0-9a-f]{8,}\b|\+0x[0-9a-f]+/0x[0-9a-f]+|^\s*\[\s*\d+\.\d+\]", re.IGNORECASE)


def is_prose_statement(text: str) -> bool:
    """Words a person wrote, not a log line, a version note, a git or shell line or a sign-off
    ("--b.", "commit 1234abcd Author: ...", "user@host:~/linux$ git diff")."""
    return len(text.split()) >= 2 and not _NOT_PROSE_RE.match(text) and not _LOG_LINE_RE.search(text) \
        and not _TOOL_LINE_RE.match(text)


def is_earlier_attempt(text: str) -> bool:
    """The sentence tells an earlier attempt rather than the fix: a submission sent before ("We have
    sent two patches for this"), or a try that failed ("I tried to fix it by X, however ...")."""
    m = _ATTEMPT_RE.match(text)
    return bool(m) and (bool(m.group(1)) or bool(_FAILED_RE.search(text)))


def is_imperative_shape(text: str) -> bool:
    """The sentence has the shape of an instruction: a word that is no function word, then a
    determiner or pronoun ("Delete the code ...", "Thus, allocate a WQ ...", "Adds a lock
    ...", "Fixed it using ..."): a changelog says what the patch does this way, whatever the verb."""
    m = _IMPERATIVE_RE.match(text)
    return bool(m) and m.group(1).lower() not in _FUNCTION_WORDS


def may_state_change(text: str) -> bool:
    """A changelog sentence that could say what the patch does: no question, version note, log
    or code line, no problem set-up ("Consider ...", "Otherwise ..."), MIN_WORDS to MAX_WORDS."""
    return not (text.rstrip().endswith("?") or _NOT_PROSE_RE.match(text) or _LOG_LINE_RE.search(text)
                or _PROBLEM_OPENER_RE.match(text) or not MIN_WORDS <= len(text.split()) <= MAX_WORDS
                or nlp.classify_line(text.splitlines()[0]) == "code")


def score_fix_statement(text: str, posting: bool = False) -> int:
    """How strongly one changelog sentence states the fix (0: not at all); in a `posting`'s
    changelog (not a reply's draft) a sentence of imperative shape counts as a fix verb."""
    if not may_state_change(text) or is_earlier_attempt(text):
        return 0
    cues = load_cue_sets()
    low = fold_text(text)
    hits = [w for name, w in WEIGHTS if cues[name].search_lower(low)]
    if posting and IMPERATIVE_WEIGHT not in hits and is_imperative_shape(text):
        hits.append(IMPERATIVE_WEIGHT)
    if not hits or hits == [1]:
        return 0        # a mechanism word alone describes the problem as often as the fix
    return sum(hits)


def rank_fix_statement(msg: MessageText) -> tuple[tuple[int, int], int] | None:
    """((start, end), score) of the own changelog sentence (before the diff) that best states the
    fix, the later one on a tie (changelogs state the problem first); None when none scores
    WEAK_SCORE. A statement that names the race scores RACE_WEIGHT more ("Serialise this with the
    sb lock so that the state change won't race" over "Move the state changes to the shutdown
    path")."""
    limit = nlp.find_patch_start(msg.body)
    best, best_score = None, WEAK_SCORE
    posting = not REPLY_RE.match(msg.subject or "") or bool(_SIGNED_OFF_RE.search(msg.body, 0, limit + 1))
    for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
        if b > limit:
            break
        score = score_fix_statement(text, posting)
        if score and _RACE_WORD_RE.search(text):
            score += RACE_WEIGHT
        if score >= best_score:
            best, best_score = (a, b), score
    return None if best is None else (best, best_score)


def find_fix_statement(msg: MessageText) -> tuple[int, int] | None:
    """(start, end) of the sentence that states the fix (rank_fix_statement), None below MIN_SCORE."""
    ranked = rank_fix_statement(msg)
    return ranked[0] if ranked and ranked[1] >= MIN_SCORE else None


_WORD_RE = re.compile(r"[a-z_][a-z0-9_]*(?:->\w+)*")
_RESTATE_START_RE = re.compile(r"^\s*(?:[-*]\s+|\d+[.)]\s+)?[A-Za-z]")   # words, a bullet or a numbered item
_WITHOUT_RE = re.compile(r"^\W*without\b", re.IGNORECASE)      # what goes wrong without the fix
_ENDING_RE = re.compile(r"(?<=\w{3})(?:ing|ed|s)$")


def find_content_words(text: str) -> set[str]:
    """Lower-cased words of a title or sentence that are no function words, a plural, past or
    -ing ending cut from a plain word ("locks", "locked", "locking" -> "lock"; not "dying")."""
    words = (w for w in _WORD_RE.findall(text.lower()) if w not in _FUNCTION_WORDS and len(w) > 2)
    return {w if "_" in w else _ENDING_RE.sub("", w) for w in words}


def find_title_restatement(msg: MessageText, title: str) -> tuple[int, int] | None:
    """(start, end) of the own changelog sentence (before the diff) that says most of what the
    patch's title says ("md: don't unregister sync_thread with reconfig_mutex held": "Unregister
    sync_thread doesn't need to hold reconfig_mutex since ..."): at least RESTATE_SHARE of the
    title's content words past its subsystem prefix, the later one on a tie (changelogs state the
    problem first). Questions, diagram and code lines, and what goes wrong ("Without ...",
    "Consider ...") restate nothing. None when no sentence does: the title is then the evidence."""
    words = find_content_words(title.rsplit(": ", 1)[-1])
    if len(words) < 2:
        return None
    limit = nlp.find_patch_start(msg.body)
    best, best_share = None, RESTATE_SHARE
    for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans):
        if b > limit:
            break
        if not may_state_change(text) or not _RESTATE_START_RE.match(text) or _TOOL_LINE_RE.match(text) \
                or _WITHOUT_RE.match(text):
            continue
        share = len(words & find_content_words(text)) / len(words)
        if share >= best_share:
            best, best_share = (a, b), share
    return best


def find_diff_intro(msg: MessageText) -> tuple[int, int] | None:
    """(start, end) of the last own sentence before a reply's diff, a letter's closing ("Thanks,
    Bob") aside: the sentence that offers it ("Something like this (untested):"). None when the
    diff comes first or there is no diff header (an inline hunk: the last sentence is then a
    sign-off, not an offer)."""
    limit = nlp.find_diff_start(msg.body)
    if limit >= len(msg.body):
        return None
    before = [(a, b) for a, b, text in nlp.iter_own_sentences(msg.body, msg.own_spans)
              if b <= limit and is_prose_statement(text) and not _CLOSING_RE.match(text)]
    return before[-1] if before else None


def is_untitled_patch(msg: MessageText) -> bool:
    """A patch whose title was lost (a web page copied without its subject line): a thread's
    first mail, its subject neither a [PATCH] tag nor a reply, signed off (or the deepest message
    of such a page, whose sign-off the replies that quote it trim), with a changelog sentence that
    states the fix."""
    return (is_page_opening(msg) or is_untitled_root(msg) and bool(_SIGNED_OFF_RE.search(msg.body))) \
        and find_fix_statement(msg) is not None


def is_untitled_root(msg: MessageText) -> bool:
    """A thread's first mail whose subject is neither a [PATCH] tag nor a reply."""
    subject = msg.subject or ""
    return msg.in_reply_to is None and not PATCH_TAG_RE.match(subject) and not REPLY_RE.match(subject)


def is_page_opening(msg: MessageText) -> bool:
    """The deepest message quoted on a page copied without its subject line: where the
    discussion starts (a patch or a report), though whether it was a posted patch is lost."""
    return msg.recovered and is_untitled_root(msg)
