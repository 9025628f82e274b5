"""What became of a posted patch, from the thread's later messages: acked, applied (a
maintainer's "Applied"/"queued"), revised in vN+1, withdrawn, NAKed, or still open
("proposed").

Only what the later message's own text says counts (quoted text is somebody else's), and only
from the right person: the patch's author withdraws or revises it, anybody else acks, NAKs or
applies it (one person across address variants: same address, or same name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.extract.gate import MessageScan
from ingest.extract.names import normalise_email, normalise_name
from ingest.extract.types import MessageText

PATCH_TAG_RE = re.compile(r"^\s*\[(?:[^\]]*\s)?(?:PATCH|RFC|RESEND)[^\]]*\]", re.IGNORECASE)   # [PATCH v2 3/7]
_PATCH_SUBJECT_RE = re.compile(PATCH_TAG_RE.pattern + r"\s*(.*)$", re.IGNORECASE)
REPLY_RE = re.compile(r"^\s*(?:re|aw|sv)\s*:", re.IGNORECASE)
_SERIES_PART_RE = re.compile(r"\[[^\]]*\b\d+/(\d+)\b[^\]]*\]")     # [PATCH 3/7], [PATCH 0/9 v3]
_VERSION_RE = re.compile(r"\bv(\d+)\b", re.IGNORECASE)
_WITHDRAW_WORDS = ("withdraw", "drop", "scrap", "starting over", "please ignore")
# what a message must hold (folded) for _APPLIED_RE to match it: its verbs, and 'queue'/'pick' only as
# 'queue it', 'pick th(is)' (a bare 'queue' is in every request_queue and workqueue of a block or
# cgroup thread, and the regex, case-insensitive at every line, is the cost)
_APPLIED_WORDS = ("applied", "queued", "picked", "merged", "queue it", "queue th", "pick it", "pick th")
_ACK_RE = re.compile(r"^\s*(?:Acked|Reviewed)-by:", re.MULTILINE)
# "Applied, thanks." / "Queued to for-6.1" / "I've picked it up" -- not "it is applied to a", nor
# a line of an indented (pasted, quoted) commit message that goes on with "applied at the moment"
_APPLIED_RE = re.compile(r"^[^\w\s]*(?:thanks[,!.]?\s*)?(?:applied|queued|picked up|merged)\b(?! on top)|"
                         r"\b(?:I|we)(?:'ve| have)? (?:just )?(?:applied|queued|picked (?:it |this |them )?up|merged)\b|"
                         # "I'll queue this up for 5.11", "we will pick it up" -- not "I'll queue this work"
                         r"\b(?:I|we)(?:'ll| will) (?:go ahead and )?(?:queue|pick) (?:it|this|them|these|this one)"
                         r"(?= up\b| for\b| to\b| in\b|[,.!]|$)",
                         re.IGNORECASE | re.MULTILINE)
# "I applied this series on v5.12-rc4 and ran blktests", "I applied this patch series, and
# confirmed the failure disappears": a tester's local tree, not a maintainer taking the patch
_TEST_APPLY_RE = re.compile(r"\b(?:I|we)(?:'ve| have)? (?:just |also |then )?applied(?: [\w'-]+){0,3}?"
                            r"(?: (?:on|onto|against)|,? and (?:I |we )?(?:ran|run|tested|tried|booted|saw|"
                            r"got|hit|still|confirmed|verified|checked|observed))\b", re.IGNORECASE)
_WITHDRAW_RE = re.compile(r"\b(?:withdraw\w*|drop (?:this|the) patch|scrap|starting over|"
                          r"please ignore)\b", re.IGNORECASE)
_NAK_RE = re.compile(r"(?:^|[\s,.(])(?:NAK|NACK|Nacked-by:)(?:[\s,.:!)]|$)")


def is_formal_posting(msg: MessageText) -> bool:
    """A mail posted with a [PATCH ...] / [RFC ...] / [RESEND ...] subject, not a reply to one."""
    subject = msg.subject or ""
    return bool(PATCH_TAG_RE.match(subject)) and not REPLY_RE.match(subject)


def patch_title(subject: str) -> str:
    """The subject without Re: and its [PATCH vN m/n] tag."""
    m = _PATCH_SUBJECT_RE.match(REPLY_RE.sub("", subject or ""))
    return (m.group(1) if m else subject or "").strip()


def is_series_part(subject: str) -> bool:
    """'[PATCH v2 3/7] ...' (part of a series of more than one patch, or its cover letter)."""
    m = _SERIES_PART_RE.search(subject or "")
    return bool(m) and int(m.group(1)) > 1


def find_person_key(msg: MessageText) -> tuple[str, str]:
    """(normalised address, normalised name): two messages are by one person when either
    part is equal (an author writing from two addresses, or with two spellings of a name)."""
    return normalise_email(msg.author_email), normalise_name(msg.author_name)


def is_same_person(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return bool(a[0] and a[0] == b[0]) or bool(len(a[1]) > 2 and a[1] == b[1])


@dataclass(frozen=True)
class StatusCues:
    """What one message can say about earlier patches (computed once per message)."""

    person: tuple[str, str]
    subject: str
    title: str
    reply_to: str | None
    withdraws: bool
    applies: bool
    acks: bool
    naks: bool


@lru_cache(maxsize=2048)  # asked twice per message: for its status cues and the thread's appliers
def says_applied(own: str, low: str) -> bool:
    """The message's own text (`low`: fold_text of it) says its sender applied a patch (to a
    tree it maintains: not to test it, `applies_for_testing`)."""
    return any(w in low for w in _APPLIED_WORDS) and bool(_APPLIED_RE.search(own)) and not applies_for_testing(own)


def applies_for_testing(own: str) -> bool:
    """The message's own text says its sender applied the patch to test it (a tester's tree)."""
    return "applied" in own.lower() and bool(_TEST_APPLY_RE.search(" ".join(own.split())))


def find_status_cues(scan: MessageScan) -> StatusCues:
    msg, own, low = scan.message, scan.prose, scan.low
    withdraws = any(w in low for w in _WITHDRAW_WORDS) and bool(_WITHDRAW_RE.search(own))
    applies = says_applied(own, low)
    acks = "ed-by:" in own and bool(_ACK_RE.search(own))
    naks = ("nak" in low or "nack" in low) and bool(_NAK_RE.search(own))
    return StatusCues(find_person_key(msg), msg.subject or "", patch_title(msg.subject),
                      msg.in_reply_to, withdraws, applies, acks, naks)


def is_revision_of(later: StatusCues, earlier: StatusCues) -> bool:
    """`later` posts the same patch again (same author and title, another subject: vN+1)."""
    return bool(earlier.title) and later.title == earlier.title and \
        is_same_person(later.person, earlier.person) and later.subject != earlier.subject and \
        not REPLY_RE.match(later.subject) and bool(_VERSION_RE.search(later.subject))


def find_status(cues: list[StatusCues], index: int, ids: list[str]) -> str:
    """What later messages say about the patch posted in message `index` (`ids`: message ids
    in thread order). Acks, NAKs and "Applied" count in a reply to the patch or below it, or
    in a reply to the message the patch answers (the cover letter of its series)."""
    msg = cues[index]
    below = {ids[index]}
    status = "proposed"
    for i in range(index + 1, len(cues)):
        later = cues[i]
        replying = later.reply_to in below
        if replying:
            below.add(ids[i])
        about = replying or (later.reply_to is not None and later.reply_to == msg.reply_to)
        if is_same_person(later.person, msg.person):
            if later.withdraws and replying:
                return "withdrawn"
            if is_revision_of(later, msg):
                status = "revised"
        elif not about or status == "revised":
            continue
        elif later.applies:
            status = "applied"
        elif later.naks and status != "applied":
            status = "nacked"
        elif later.acks and status == "proposed":
            status = "acked"
    return status
