"""Features of an objection candidate (one own sentence of a reply, with the fix it targets):
cue words and thread structure. `find_objection_features` returns a flat dict a classifier
can take as is (once a labelled corpus exists); `is_objection` is the hand-set rule over the
same dict that kb uses until then.

Structure features:
- under_quoted_hunk: the quote block right above the sentence holds diff lines of a patch;
- under_quoted_fix: that quote block comes from the targeted fix's message;
- first_under_quote: the sentence is the first own line after a quote block (the reply answers
  the quoted text right there);
- opens_reply: the sentence is the reply's first own sentence and a remark (is_remark);
- sender_is_author: the sender is the fix's proposer (one person across address variants);
- fix_is_patch: the targeted fix is a posted patch (else a prose proposal);
- sender_is_robot, own_posting: a robot's mail, or the author's own patch/cover letter;
- message_acks / message_applies: the message carries Acked-by/Reviewed-by, or "Applied";
- revised_after / author_replied: the fix's author posted a later revision of the patch,
  or answered this message (the objection was addressed later).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.gate import ThreadScan
from ingest.extract.linking import find_quoted_context
from ingest.extract.mailkind import is_robot_sender
from ingest.extract.outcomes import (
    REPLY_RE, StatusCues, find_person_key, find_status_cues, is_formal_posting, is_same_person,
)
from ingest.extract.types import FixFinding, MessageText, ThreadText

_HUNK_LINE_RE = re.compile(r"^(?:@@ |\+(?!\+\+ )|-(?!-- )[\t\S])")   # '- ' is a bullet, not a hunk
_GREETING_RE = re.compile(r"\s*(?:hi|hello|hey|dear)\b", re.IGNORECASE)
MIN_REMARK_WORDS = 5    # "Yes.", "Ok, will do.", "Same here." answer without remarking
_TURN_RE = re.compile(r"\b(?:but|however|though|although|except|unless)\b")


@dataclass(frozen=True)
class ThreadContext:
    """Per-thread facts the features need, computed once per thread."""

    thread: ThreadText
    order: dict[str, int]
    cues: tuple[StatusCues, ...]
    replies_to: dict[str, tuple[int, ...]]    # message id -> indexes of its direct replies
    followed: dict[tuple[int, int], tuple[bool, bool]] = field(default_factory=dict)   # find_follow_up's memo


def build_context(thread: ThreadText, scan: ThreadScan) -> ThreadContext:
    replies: dict[str, list[int]] = {}
    for i, m in enumerate(thread.messages):
        if m.in_reply_to:
            replies.setdefault(m.in_reply_to, []).append(i)
    return ThreadContext(thread, {m.message_id: i for i, m in enumerate(thread.messages)},
                         tuple(find_status_cues(s) for s in scan.messages),
                         {k: tuple(v) for k, v in replies.items()})


def find_objection_features(ctx: ThreadContext, msg: MessageText, start: int, text: str,
                            fix: FixFinding, quoted_fix: bool, opening: bool = False,
                            answers_fix: bool = False, searched: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """`opening`: the sentence is the reply's first own sentence; `answers_fix`: the reply
    quotes nothing and answers the fix's message as a whole (a page's recovered message);
    `searched`: cue sets already searched in this sentence (name -> hit), not searched again."""
    cues = load_cue_sets()
    low = fold_text(text)

    def has(name: str) -> bool:
        if searched is not None and name in searched:
            return searched[name]
        return bool(cues[name].search_lower(low))

    here = ctx.order[msg.message_id]
    fix_at = ctx.order.get(fix.message_id, 0)
    author = ctx.cues[fix_at].person
    sender = find_person_key(msg)
    block = find_quoted_context(msg.body, start)
    revised, replied = find_follow_up(ctx, here, fix_at)
    page = len(ctx.thread.messages) == 1    # a web page quoting a whole discussion: senders unknown
    return {
        "cue_strong": has("objection_strong"),
        "cue_any": has("objection"),
        "cue_challenge": has("objection_challenge"),
        "cue_review": has("objection_review"),
        "cue_negative": has("objection_negative"),
        "cue_etiquette": has("objection_etiquette"),
        "agrees": is_agreement(low),
        "question": text.rstrip().endswith("?"),
        "under_quoted_hunk": any(_HUNK_LINE_RE.match(line) for line in block),
        "under_quoted_fix": quoted_fix,
        "first_under_quote": answers_fix or is_first_under_quote(msg.body, start),
        "opens_reply": opening and is_remark(text),
        "sender_is_author": not page and is_same_person(sender, author),
        "fix_is_patch": fix.kind == "patch",
        "sender_is_robot": is_robot_sender(msg.author_name, msg.author_email),
        "own_posting": is_formal_posting(msg),
        "message_acks": ctx.cues[here].acks,
        "message_applies": ctx.cues[here].applies,
        "revised_after": revised,
        "author_replied": replied,
    }


def find_follow_up(ctx: ThreadContext, here: int, fix_at: int) -> tuple[bool, bool]:
    """(the fix's author posted a later revision of it after message `here`, the fix's author
    answered message `here`), once per message and fix."""
    known = ctx.followed.get((here, fix_at))
    if known is None:
        author, fix_cue = ctx.cues[fix_at].person, ctx.cues[fix_at]
        revised = bool(fix_cue.title) and any(
            is_same_person(c.person, author) and c.title == fix_cue.title and not REPLY_RE.match(c.subject)
            and c.subject != fix_cue.subject for c in ctx.cues[here + 1:])
        replied = any(is_same_person(ctx.cues[i].person, author)
                      for i in ctx.replies_to.get(ctx.thread.messages[here].message_id, ()))
        known = ctx.followed[(here, fix_at)] = (revised, replied)
    return known


def is_agreement(low: str) -> bool:
    """A folded sentence that agrees, thanks, accepts or reports the fix working ("That sounds
    reasonable to me", "Thank you, I will apply this", "This fixes the crashes I was seeing"),
    without a turn ("Patch looks fine to me, but ...")."""
    return bool(load_cue_sets()["objection_agreement"].search_lower(low)) and not _TURN_RE.search(low)


def is_remark(text: str) -> bool:
    """A sentence that can say something about the quoted text: at least MIN_REMARK_WORDS
    words, not a greeting ("Hi Jens,") and not an announcement of code (ends with ':')."""
    return len(text.split()) >= MIN_REMARK_WORDS and not text.rstrip().endswith(":") \
        and not _GREETING_RE.match(text)


def is_first_under_quote(body: str, start: int) -> bool:
    """The text before `start` ends with a quoted line ('>'), blank lines aside (looked up in
    place: no copy of the body before each candidate sentence)."""
    end = start
    while end and body[end - 1].isspace():
        end -= 1
    line = body[body.rfind("\n", 0, end) + 1:end]
    return line.lstrip().startswith(">")


def is_objection(f: dict[str, bool]) -> bool:
    """The hand-set rule: never a robot, the author's own posting, list etiquette or a message
    that applies the patch; the fix's own author only with a strong cue against a prose
    alternative (never against his patch); a strong cue is enough; an ack's weak cues
    count only under the quoted patch; a challenging question counts under the quoted patch or
    with another cue; review pushback ("only hides the race", "still hangs", "rather than")
    counts anywhere in a reply about a posted patch (not in a discussion of prose ideas;
    labelled lists: 6 of 16 such sentences away from the quoted patch were labelled) or as the
    reply's opening remark (5 of 7 such unplaced openings were labelled); a review's opening
    remark right under a quoted hunk or changelog line of a posted patch counts without a cue
    when the patch's author answered it and it does not agree (is_agreement; on the labelled
    lists about two in five such remarks are labelled objections, and about half of the missed
    objections carry no cue word). A weak cue elsewhere is not enough: the text classifier's
    objection score did not tell those apart (on the labelled lists about one in five it passed
    was labelled an objection)."""
    if f["sender_is_robot"] or f["own_posting"] or f["cue_etiquette"] or f["message_applies"] \
            or f["cue_negative"]:
        return False
    if f["sender_is_author"] and (f["fix_is_patch"] or not f["cue_strong"]):
        return False        # only a strong word against one's own prose alternative counts
    if f["cue_strong"]:
        return True
    placed = f["under_quoted_hunk"] or f["under_quoted_fix"]
    if f["message_acks"] and not placed:
        return False        # an ack's asides are not objections unless aimed at the patch text
    if f["opens_reply"] and f["first_under_quote"] and placed and f["fix_is_patch"] \
            and f["author_replied"] and not f["message_acks"] and not f["agrees"]:
        return True         # a review's first remark on the quoted patch, answered by its author
    challenge = f["cue_challenge"] and f["question"]
    if challenge and (placed or f["cue_any"]):
        return True
    if f["cue_review"] and (f["fix_is_patch"] or f["opens_reply"]):
        return True
    # pushback as the direct answer to the quoted text
    return (f["cue_any"] or f["cue_review"]) and f["first_under_quote"] and placed


def rank_objection(f: dict[str, bool]) -> int:
    """Order of preference among one message's objections: strong cues, then challenging
    questions placed under the patch, then other cued sentences, then a remark without a cue."""
    placed = f["under_quoted_hunk"] or f["under_quoted_fix"]
    cued = f["cue_any"] or f["cue_review"] or f["cue_challenge"]
    return 0 if f["cue_strong"] else 1 if f["cue_challenge"] and placed else 2 if cued else 3


def is_addressed(f: dict[str, bool], fix: FixFinding) -> bool:
    """A later revision, the author's answer, or the fix's withdrawal addressed it."""
    return f["revised_after"] or f["author_replied"] or fix.status == "withdrawn"
