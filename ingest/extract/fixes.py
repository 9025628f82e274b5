"""Fixes of a thread: posted patches / draft diffs (kind=patch) and prose proposals
(kind=prose), each linked to the race it addresses, with what became of it (status)."""

from __future__ import annotations

import re

from ingest.extract import nlp
from ingest.extract.changelog import (
    MIN_SCORE, find_diff_intro, find_fix_statement, find_title_restatement, is_earlier_attempt, is_prose_statement,
    is_untitled_patch, rank_fix_statement,
)
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.gate import ThreadScan, has_subject_race, scan_thread
from ingest.extract.mailkind import is_machine_mail
from ingest.extract.outcomes import (
    PATCH_TAG_RE, REPLY_RE, StatusCues, find_status, find_status_cues, is_formal_posting, is_revision_of, is_series_part,
    patch_title,
)
from ingest.extract.races import make_evidence
from ingest.extract.types import EvidenceSpan, FixFinding, MessageText, RaceFinding, ThreadText

VERSION = "0.2"   # 0.2: subjects reach the extractor without a list tag before the patch tag
MAX_PROSE_PER_MESSAGE = 3
MAX_PROSE_PER_AUTHOR = 3     # per thread
MAX_BRANCH_HOPS = 2

_DIFF_RE = re.compile(r"^(?:diff --git |--- a/|@@ -\d)", re.MULTILINE)
_BULLET_HEAD_RE = re.compile(r"(?:solutions?|options?|alternatives?|approaches|ideas)\s*:\s*",
                             re.IGNORECASE)
_BULLET_RE = re.compile(r"(?:^|\s)-\s+([A-Z][^\n]*?)(?=\s+-\s+[A-Z]|\n\s*\n|$)", re.DOTALL)
_DIFF_INTRO_FOLLOW_RE = re.compile(r"\s*\n(?:\s*\n)?(?:diff --git|---|Index:|@@|\+\+\+)")
_DIFF_INTRO_TEXT_RE = re.compile(r"\b(?:following|below|this|something like|how about|patch)\b",
                                 re.IGNORECASE)
_HUNK_FUNC_RE = re.compile(r"^@@ [^@\n]*@@[ \t]*([^\n]*)$", re.MULTILINE)
_CHANGED_LINE_RE = re.compile(r"^[+-](?![+-]{2} )([^\n]*)$", re.MULTILINE)
COVER_RE = re.compile(r"\[[^\]]*\b0+/\d+\b[^\]]*\]")   # "[PATCH 0/3]", "[PATCH 0/9 v3]"
_SYNC_RE = re.compile(r"lock|_once|atomic|rcu|barrier|refcount|smp_|xchg|seq|percpu_ref|kref|"
                      r"synchroni|completion|mutex|sem\b|rwsem|data_race")
_FIX_WORD_RE = re.compile(r"\bfix\w*")
_CODE_RE = re.compile(r"\w_\w|\w\(\)|->")
_DOC_RE = re.compile(r"\b(?:comments?|kdoc|kernel-doc|documentation|changelog|commit message)\b")
_TERM_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:->[A-Za-z0-9_]+)*")


def is_patch_posting(msg: MessageText) -> bool:
    """A formal patch mail ([PATCH ...] subject, not a reply, not a series' cover letter
    '0/N'), a patch whose title was lost, or any mail carrying a diff."""
    if is_formal_posting(msg) and not COVER_RE.search(msg.subject):
        return True
    return carries_diff(msg) or is_untitled_patch(msg)


def carries_diff(msg: MessageText) -> bool:
    """A diff header at the start of a body line (a quoted diff's lines start with '>'). The
    body, not the own text: the parse stage stores a diff as a patch segment, outside the
    author's own text, so own-text checks never see one in a stored message."""
    return bool(_DIFF_RE.search(msg.body))


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


def find_prose_fixes(msg: MessageText, skip: set[int], posted: bool = False) -> list[tuple[int, int]]:
    """Sentences of a message proposing a fix, plus bullet items of 'solutions:' lists. A
    proposal names the code it changes (names_code), or a change (names_change) outside a
    `posted` patch or cover letter (its changelog explains its own patch), or it sketches code."""
    cues = load_cue_sets()
    out: list[tuple[int, int]] = []
    low_body = msg.body.lower()
    has_list = ":" in msg.body and any(w in low_body for w in (
        "solution", "option", "alternative", "approaches", "ideas"))
    own_low = fold_text(msg.own_text())
    if not has_list and not _may_precede_diff(msg.body) and not cues["fix_prose"].may_match_lower(own_low) \
            and not cues["fix_suggestion"].may_match_lower(own_low):
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
        if cues["fix_negative"].search_lower(low) or not is_prose_statement(text) or is_earlier_attempt(text):
            continue        # an ack, an aside ("feel free to add my ack") or a failed try, not a proposal
        if is_suggestion(low) and cues["fix_mechanism"].search_lower(low) \
                and (_precedes_code(msg.body, b) if text.rstrip().endswith(":") else
                     names_code(text) or not posted and names_change(low)) \
                or not posted and _is_diff_intro(msg, b, text) \
                or not posted and is_code_question(text, low):
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


def is_code_question(text: str, low: str) -> bool:
    """A question in a suggestion's frame that names the code it would change ("Couldn't we just
    call foo_get() in there?", "How about an extra count before adding it to foo->list?"): a
    proposal even without a mechanism word, unless it asks about a comment or the changelog."""
    return text.rstrip().endswith("?") and is_suggestion(low) and names_code(text) \
        and not _DOC_RE.search(low)


def is_suggestion(low: str) -> bool:
    """A proposal's frame (`low`: folded text): a fix_prose cue ("we could take the lock", "how
    about ...") or a suggestion (fix_suggestion): a question that proposes a change ("Can't it be
    solved by ...?", "Why not ...?", "Shouldn't it just be removed?", "Has it been considered to
    ...?"), "I'd suggest/prefer", "my proposal", "it needs a ...", "let's just replace ...", "I'd
    use ...". On cgroups/io-uring/linux-block/linux-nfs/linux-xfs, in process, these frames
    added 9 labelled fixes and 5 unlabelled ones (held-out linux-btrfs/linux-raid: 0 and 3)."""
    cues = load_cue_sets()
    return bool(cues["fix_prose"].search_lower(low) or cues["fix_suggestion"].search_lower(low))


def names_code(text: str) -> bool:
    """The sentence names code: an identifier with '_', a call 'foo()', a member 'a->b'."""
    return bool(_CODE_RE.search(text))


def names_change(low: str) -> bool:
    """A mechanism word other than 'fix' itself ("take the lock", "use RCU"): a sentence whose
    only mechanism is fixing talks about fixing ("I don't know if this is the correct fix",
    "let me go write a patch to fix this") and proposes no change. On the labelled lists
    (cgroups, io-uring, linux-block, linux-nfs, linux-xfs) this and the posting rule above
    dropped 22 of 97 unlabelled prose fixes and no labelled one."""
    return load_cue_sets()["fix_mechanism"].search_lower(_FIX_WORD_RE.sub(" ", low))


def _precedes_code(body: str, end: int) -> bool:
    """The next non-blank line after offset `end` is code (a sketch follows the sentence)."""
    for line in body[end:end + 400].splitlines()[1:4]:
        if line.strip():
            return nlp.classify_line(line) == "code"
    return False


def _may_precede_diff(body: str) -> bool:
    return "---" in body or "@@" in body or "+++" in body or "Index:" in body


def _is_diff_intro(msg: MessageText, end: int, text: str) -> bool:
    """A sentence right before a diff ('would the following work?'): a diff header follows
    (a '---' line before a config file or a log is no diff)."""
    m = _DIFF_INTRO_FOLLOW_RE.match(msg.body, end, end + 300)
    if not m or not _DIFF_INTRO_TEXT_RE.search(text):
        return False
    window = msg.body[m.start():m.start() + 2000]
    return not m.group(0).endswith("---") or nlp.find_diff_start(window) < len(window)


def find_racing_functions(races: list[RaceFinding]) -> set[str]:
    """The functions on either side of the races (lower-cased, without '()')."""
    return {t.lower() for race in races for p in race.participants
            for t in _TERM_RE.findall(p or "") if len(t) >= 4 and "_" in t}


def touches_racing_code(msg: MessageText, functions: set[str]) -> bool:
    """The message's diff changes synchronisation in a racing function: a hunk header names
    one, or the changed lines name two of them."""
    start = nlp.find_diff_start(msg.body)
    if start >= len(msg.body) or not functions:
        return False
    diff = msg.body[start:]
    changed = " ".join(m.group(1) for m in _CHANGED_LINE_RE.finditer(diff)).lower()
    if not _SYNC_RE.search(changed):
        return False        # a race fix changes synchronisation: locks, _ONCE, atomics, RCU ...
    for m in _HUNK_FUNC_RE.finditer(diff):
        if {t.lower() for t in _TERM_RE.findall(m.group(1))} & functions:
            return True
    return sum(1 for t in functions if t in changed) >= 2


def find_race_branch(thread: ThreadText, scan: ThreadScan, races: list[RaceFinding]) -> set[str]:
    """Message ids on the race's branch of the thread: messages that describe a race (race
    evidence or a race word in their own prose) and the replies up to MAX_BRANCH_HOPS below
    them; so is the root or a posted patch whose subject names a race ("Re:" copies of the
    subject do not count). A thread whose root describes the race (not the cover letter of a
    series) is all branch. A proposal elsewhere in a long thread is about something else."""
    bearing = {e.message_id for r in races for e in r.evidence}
    bearing.update(ms.message.message_id for i, ms in enumerate(scan.messages) if ms.strong_race_cue or (
        (i == 0 or not REPLY_RE.match(ms.message.subject or "")) and has_subject_race(ms.message.subject)))
    root = thread.messages[0] if thread.messages else None
    if root is not None and root.message_id in bearing and not is_series_part(root.subject):
        return {m.message_id for m in thread.messages}     # the whole thread is about the race
    parent = {m.message_id: m.in_reply_to for m in thread.messages}
    branch = set()
    for m in thread.messages:
        mid: str | None = m.message_id
        for _ in range(MAX_BRANCH_HOPS + 1):
            if mid is None:
                break
            if mid in bearing:
                branch.add(m.message_id)
                break
            mid = parent.get(mid)
    return branch


def names_race(msg: MessageText, prose_low: str, race_messages: set[str], is_root: bool = False) -> bool:
    """A patch posting says it is about the thread's race: race evidence in it, a race word in
    its subject or changelog, or it is the single patch a race thread starts with (the race is
    found in its review)."""
    if msg.message_id in race_messages:
        return True
    if has_subject_race(patch_title(msg.subject)) and not REPLY_RE.match(msg.subject or ""):
        return True         # a reply's subject is the thread's, not its draft's title
    if is_root and not is_series_part(msg.subject):
        return True
    return bool(load_cue_sets()["race_strong"].search_lower(prose_low))


def is_proposing(msg: MessageText) -> bool:
    """A posted patch proposes itself; a reply's diff is a proposal when the reply offers it
    (the sentence before it: "Something like this?"), states a fix or says nothing else, not
    when it comes after "Thank you!" or a note on the patch's tags."""
    if not REPLY_RE.match(msg.subject or "") or find_fix_statement(msg):
        return True
    limit = nlp.find_diff_start(msg.body)
    if not any(b <= limit for _, b, _ in nlp.iter_own_sentences(msg.body, msg.own_spans)):
        return True         # a bare diff
    intro = find_diff_intro(msg)
    return intro is not None and bool(_DIFF_INTRO_TEXT_RE.search(msg.body[intro[0]:intro[1]]))


def find_patch_evidence(msg: MessageText) -> tuple[str, EvidenceSpan] | None:
    """(quote, evidence) of a patch fix: the changelog sentence that states the fix, else (a
    diff in a reply) the sentence offering the diff, else the changelog sentence restating the
    patch's title, else one stating the fix weakly (WEAK_SCORE: a lone "we must ensure that ..."),
    else the patch subject (an empty span: the subject is not part of the body; a
    reply's subject names the patch it answers). None when nothing names the patch: no such
    sentence, and no title of its own (find_patch_title)."""
    ranked = rank_fix_statement(msg)
    span = ranked[0] if ranked and ranked[1] >= MIN_SCORE else None
    span = span or (find_diff_intro(msg) if REPLY_RE.match(msg.subject or "") else None)
    if span:
        ev = make_evidence(msg, span[0], span[1], "fixes.patch", 0.8)
        return ev.quote, ev
    title = find_patch_title(msg)
    if not title:
        return None
    span = find_title_restatement(msg, title) or (ranked[0] if ranked else None)
    if span:
        ev = make_evidence(msg, span[0], span[1], "fixes.patch", 0.7)
        return ev.quote, ev
    return title, EvidenceSpan(msg.message_id, 0, 0, title, "fixes.subject", VERSION, 0.7)


def find_patch_title(msg: MessageText) -> str:
    """The title a patch mail gives itself: its subject without Re: and the [PATCH] tag. A message
    cut out of a web page has one only when the subject it was given names a patch: a page
    without a subject line gives its messages a subject made up of its first words."""
    if msg.recovered and not PATCH_TAG_RE.search(REPLY_RE.sub("", msg.subject or "")):
        return ""
    return patch_title(msg.subject) or (msg.subject or "").strip()


def group_revisions(postings: list[int], cues: list[StatusCues]) -> list[list[int]]:
    """Patch postings (message indexes) grouped into revisions v1..vN of one patch."""
    groups: list[list[int]] = []
    for i in postings:
        for group in groups:
            if is_revision_of(cues[i], cues[group[-1]]):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def find_patch_fixes(thread: ThreadText, races: list[RaceFinding], scan: ThreadScan,
                     cues: list[StatusCues]) -> list[tuple[int, FixFinding]]:
    """(message index, fix) of every patch that addresses a race; the revisions of one patch
    are one fix whose evidence runs v1..vN and whose status is the last revision's."""
    postings = sorted(find_addressing_postings(thread, races, scan))
    ids = [m.message_id for m in thread.messages]
    out = []
    quotes: set[str] = set()
    for group in group_revisions(postings, cues):
        stated = [(i, e) for i in group if (e := find_patch_evidence(thread.messages[i])) is not None]
        if not stated:
            continue        # no sentence states it and it has no title: nothing to show it by
        first = thread.messages[stated[0][0]]
        evidence = [e for _, e in stated]
        quote = evidence[0][0]
        if fold_spaces(quote) in quotes and REPLY_RE.match(first.subject or ""):
            continue        # the same draft sent again (a resent mail): one fix
        quotes.add(fold_spaces(quote))
        title = find_patch_title(first)
        summary = title if title and not REPLY_RE.match(first.subject or "") else shorten_summary(quote)
        status = find_status(cues, group[-1], ids)
        out.append((stated[0][0], FixFinding(
            summary, find_race_index(quote + " " + title, races), first.author, first.message_id, quote,
            "patch", tuple(e for _, e in evidence), status, 0.8)))
    return out


def extract_fixes(thread: ThreadText, races: list[RaceFinding],
                  scan: ThreadScan | None = None) -> list[FixFinding]:
    """Patch fixes (one per patch that addresses a race, revisions merged) and prose
    proposals, in thread order."""
    if not races:
        return []
    scan = scan or scan_thread(thread)
    cues = [find_status_cues(s) for s in scan.messages]
    patches = dict(find_patch_fixes(thread, races, scan, cues))
    stated = {(e.message_id, e.start) for f in patches.values() for e in f.evidence}
    branch = find_race_branch(thread, scan, races)
    fixes: list[FixFinding] = []
    proposed: set[str] = set()      # prose quotes so far, whitespace folded
    by_author: dict[str, int] = {}  # prose proposals so far per author
    for i, msg in enumerate(thread.messages):
        if i in patches:
            fixes.append(patches[i])
        if msg.message_id not in branch:
            continue    # a proposal off the race's branch is about something else
        if is_patch_posting(msg) and not REPLY_RE.match(msg.subject or "") and \
                not any(mid == msg.message_id for mid, _ in stated):
            continue    # a posted patch that does not address the race proposes nothing here
        skip = {a for mid, a in stated if mid == msg.message_id}
        posted = is_formal_posting(msg)
        count = 0
        for a, b in find_prose_fixes(msg, skip, posted):
            if count >= (1 if posted else MAX_PROSE_PER_MESSAGE):
                break       # a posting or cover letter explains its patch: one alternative at most
            if by_author.get(msg.author, 0) >= MAX_PROSE_PER_AUTHOR:
                break       # a long discussion: a reviewer's later remarks refine the proposals made
            ev = make_evidence(msg, a, b, "fixes.prose", 0.6)
            if fold_spaces(ev.quote) in proposed:
                continue    # a resent message repeats its proposal: one fix
            proposed.add(fold_spaces(ev.quote))
            summary = shorten_summary(ev.quote)
            fixes.append(FixFinding(summary, find_race_index(ev.quote, races), msg.author,
                                    msg.message_id, ev.quote, "prose", (ev,), "proposed", 0.6))
            count += 1
            by_author[msg.author] = by_author.get(msg.author, 0) + 1
    return fixes


def find_addressing_postings(thread: ThreadText, races: list[RaceFinding], scan: ThreadScan) -> set[int]:
    """Indexes of the patch postings that address a race: those that name it (names_race) and
    those that touch the racing code (touches_racing_code). In a series the parts that fix the
    race say so: where some part's title names the race, the parts titled otherwise are
    groundwork or follow-ups (a refactoring, a helper, a test), even when their changelogs
    mention it; where only changelogs name it, a part that just touches the racing code is."""
    functions = find_racing_functions(races)
    race_messages = {e.message_id for r in races for e in r.evidence}
    postings = [i for i, ms in enumerate(scan.messages) if is_patch_posting(ms.message)
                and not is_machine_mail(ms.message) and is_proposing(ms.message)]
    part = {i for i in postings if is_series_part(scan.messages[i].message.subject)}
    naming = {i for i in postings if names_race(scan.messages[i].message, scan.messages[i].low,
                                                race_messages, i == 0)}
    titled = {i for i in naming & part if has_subject_race(patch_title(scan.messages[i].message.subject))}
    if titled:
        naming -= part - titled
    return naming | {i for i in postings if i not in naming and not (naming & part and i in part)
                     and touches_racing_code(scan.messages[i].message, functions)}


def fold_spaces(text: str) -> str:
    return " ".join(text.split())


def shorten_summary(text: str, limit: int = 120) -> str:
    """One line of at most `limit` characters, cut at a word boundary with an ellipsis."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
