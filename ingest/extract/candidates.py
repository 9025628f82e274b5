"""Cheap, rule-based candidates for the learned fix and objection classifiers (learned.py).

A candidate is one own sentence of a message (or a patch posting's title) with feature tokens
from cue words and thread structure. The classifier reads the feature tokens
("__formal", "__under_quoted_hunk" ...), their pairs and the sentence's words
(learned.find_candidate_features).

- Fix candidates: in a thread with a race, every own prose sentence before the diff of every
  human message (at most MAX_SENTENCES per message), and the title of every posted patch.
- Objection candidates: every own prose sentence before the diff of a reply that comes after
  the first fix, from someone who is not a robot, outside the author's own postings, that has
  an objection or fix cue or asks a question (all of them for training); each with the fix it
  targets (objections.find_target_fix) and objection_features' structure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.extract import nlp
from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.fixes import COVER_RE, carries_diff
from ingest.extract.gate import ThreadScan
from ingest.extract.mailkind import is_machine_mail
from ingest.extract.outcomes import (
    REPLY_RE, find_person_key, is_formal_posting, is_same_person, is_series_part, patch_title,
)
from ingest.extract.types import MessageText, ThreadText

MAX_SENTENCES = 40
PAGE_SENTENCES = 400    # a web page holding a whole quoted discussion is one "message"
MAX_WORDS = 80          # a longer quote never anchors (the scorer's rule): no candidate
FIX_CUES = ("fix_prose", "fix_mechanism", "patch_changelog_fix", "fix_negative", "objection",
            "objection_strong", "race_strong", "race_weak")


@dataclass(frozen=True)
class Candidate:
    index: int              # message index in the thread
    start: int              # span in the message body (0, 0 for a title)
    end: int
    quote: str
    features: tuple[str, ...]
    target: int | None = None   # objections: the fix it targets


def find_cue_tokens(low: str, names: tuple[str, ...]) -> list[str]:
    cues = load_cue_sets()
    return [f"__cue_{n}" for n in names if cues[n].search_lower(low)]


def list_sentences(msg: MessageText, formal: bool, bound: int = MAX_SENTENCES) -> list[tuple[int, int, str]]:
    """Own prose sentences before the diff (before the '---' of a posted patch), bounded."""
    limit = nlp.find_patch_start(msg.body) if formal else nlp.find_diff_start(msg.body)
    out = [s for s in nlp.iter_own_sentences(msg.body, msg.own_spans)
           if s[0] < limit and len(s[2].split()) <= MAX_WORDS]
    return out[:bound]


def find_position_tokens(k: int, n: int) -> list[str]:
    """Where sentence k of n sits: from the start (__s0..__s5) and from the end (__e0..__e2)."""
    return [f"__s{min(k, 5)}", f"__e{min(n - 1 - k, 2)}"]


def describe_message(thread: ThreadText, i: int, root_author: tuple[str, str]) -> list[str]:
    """Feature tokens of a message's place in the thread."""
    msg = thread.messages[i]
    subject = msg.subject or ""
    formal = is_formal_posting(msg)
    tokens = ["__root" if i == 0 else "__reply" if REPLY_RE.match(subject) else "__later"]
    if formal:
        tokens.append("__formal")
        tokens += ["__cover"] if COVER_RE.search(subject) else []
        tokens += ["__series"] if is_series_part(subject) else []
    if carries_diff(msg):
        tokens.append("__diff")
    if i and is_same_person(find_person_key(msg), root_author):
        tokens.append("__root_author")
    return tokens


def find_fix_candidates(thread: ThreadText, scan: ThreadScan, branch: set[str],
                        addressing: set[int]) -> list[Candidate]:
    """Fix candidates of a race thread (`branch`: message ids on the race's branch;
    `addressing`: indexes of patch postings that address the race)."""
    out: list[Candidate] = []
    root_author = find_person_key(thread.messages[0]) if thread.messages else ("", "")
    bound = MAX_SENTENCES if len(thread.messages) > 1 else PAGE_SENTENCES
    for i, ms in enumerate(scan.messages):
        msg = ms.message
        if is_machine_mail(msg):
            continue
        base = describe_message(thread, i, root_author)
        base += ["__branch"] if msg.message_id in branch else []
        base += ["__addresses"] if i in addressing else []
        if "__formal" in base:
            title = patch_title(msg.subject)
            if title:
                out.append(Candidate(i, 0, 0, title, tuple(
                    ["__title", *base, *find_cue_tokens(fold_text(title), FIX_CUES)])))
        sentences = list_sentences(msg, "__formal" in base, bound)
        for k, (a, b, text) in enumerate(sentences):
            tokens = [*base, *find_position_tokens(k, len(sentences))]
            tokens += ["__question"] if text.rstrip().endswith("?") else []
            tokens += ["__colon"] if text.rstrip().endswith(":") else []
            out.append(Candidate(i, a, b, text, tuple(tokens + find_cue_tokens(fold_text(text), FIX_CUES))))
    return out


# extraction looks a sentence's target and structure up only when it has one of these cues or
# asks a question (the cheap gate: on the labelled lists it keeps half the sentences and every
# one the model, trained on all of them, added); training reads every sentence
OBJECTION_CUES = ("objection", "objection_strong", "objection_challenge", "objection_review",
                  "objection_negative", "fix_prose", "fix_mechanism")
_STRUCTURE_KEYS = ("under_quoted_hunk", "under_quoted_fix", "sender_is_author", "fix_is_patch",
                   "message_acks", "message_applies", "revised_after", "author_replied")


def find_objection_candidates(thread: ThreadText, scan: ThreadScan, fixes, ctx,
                              target_of, features_of, gated: bool = True) -> list[Candidate]:
    """Objection candidates: own sentences of replies after the first fix, with a cue or a
    question unless not `gated` (`target_of(msg, text, start)` -> (fix index, quoted) or None;
    `features_of(msg, start, text, fix_index, quoted, searched cue sets)` -> objection_features
    dict)."""
    cues = load_cue_sets()
    out: list[Candidate] = []
    first_fix = min(ctx.order.get(f.message_id, 0) for f in fixes)
    # a patch's changelog is no objection; a prose counter-proposal ("rather than X, ...") can be
    fix_spans = {(f.message_id, e.start) for f in fixes if f.kind == "patch" for e in f.evidence}
    root_author = find_person_key(thread.messages[0]) if thread.messages else ("", "")
    for i, ms in enumerate(scan.messages):
        msg = ms.message
        if i < first_fix or is_machine_mail(msg) or (is_formal_posting(msg) and len(thread.messages) > 1):
            continue
        base = describe_message(thread, i, root_author)
        bound = MAX_SENTENCES if len(thread.messages) > 1 else PAGE_SENTENCES
        sentences = [s for s in list_sentences(msg, True, bound) if (msg.message_id, s[0]) not in fix_spans]
        for k, (a, b, text) in enumerate(sentences):
            low = fold_text(text)
            searched = {name: bool(cues[name].search_lower(low)) for name in OBJECTION_CUES}
            cued = [f"__cue_{name}" for name, hit in searched.items() if hit]
            question = text.rstrip().endswith("?")
            found = target_of(msg, text, a) if cued or question or not gated else None
            if found is None:
                continue
            target, quoted = found
            f = features_of(msg, a, text, target, quoted, searched)
            if f["sender_is_robot"] or f["cue_etiquette"]:
                continue
            tokens = [*base, *find_position_tokens(k, len(sentences)), *(f"__{key}" for key in _STRUCTURE_KEYS if f[key])]
            tokens += ["__question"] if question else []
            out.append(Candidate(i, a, b, text, tuple(tokens + cued), target))
    return out
