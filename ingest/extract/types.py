"""Input and output values of the extraction layer (frozen dataclasses, no database).

Field names of the findings follow shared/gold/SCHEMA.md so that `ThreadFindings.to_gold()`
writes exactly the gold JSON-lines schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

Span = tuple[int, int]

CONSEQUENCES = ("use-after-free", "data-race", "deadlock", "lost-update", "wrong-result",
                "memory-leak", "other")
FIX_KINDS = ("patch", "prose")
FIX_STATUSES = ("proposed", "withdrawn", "revised", "acked", "applied", "nacked")
OBJECTION_REASONS = ("performance", "correctness", "complexity", "scalability",
                     "stable-backport", "style", "nak", "other")
ROLES = ("author", "reviewer", "reporter", "tester", "maintainer")

_ATTRIBUTION_RE = re.compile(
    r"^(?:On .{0,200}(?:wrote|writes|said):\s*$|.{1,120}\b(?:wrote|writes):\s*$|"
    r"-+\s*Original Message\s*-+)", re.IGNORECASE)
_SIGNATURE_RE = re.compile(r"^-- ?$")


def compute_own_spans(body: str) -> tuple[Span, ...]:
    """Regions of `body` that are the author's own text: lines not quoted ('>'), not an
    attribution line ("On ..., X wrote:") and before the signature ("-- ")."""
    spans: list[Span] = []
    pos = 0
    start: int | None = None
    for line in body.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if _SIGNATURE_RE.match(stripped):
            break
        own = not stripped.lstrip().startswith(">") and not _ATTRIBUTION_RE.match(stripped)
        if own and start is None:
            start = pos
        elif not own and start is not None:
            spans.append((start, pos))
            start = None
        pos += len(line)
    if start is not None:
        spans.append((start, pos))
    return tuple(spans)


@dataclass(frozen=True)
class MessageText:
    """One message as the extractors see it: decoded text/plain body and its own regions."""

    message_id: str
    author_name: str
    author_email: str
    date: datetime | None
    subject: str
    in_reply_to: str | None
    body: str
    own_spans: tuple[Span, ...] = ()
    patch_files: tuple[str, ...] = ()
    recovered: bool = False     # cut out of a web page: its subject may be the page's, or made up

    def __post_init__(self) -> None:
        if not self.own_spans and self.body:
            object.__setattr__(self, "own_spans", compute_own_spans(self.body))

    @property
    def author(self) -> str:
        """"Name <email>" (or whichever part is known)."""
        if self.author_name and self.author_email:
            return f"{self.author_name} <{self.author_email}>"
        return self.author_name or self.author_email

    def own_text(self) -> str:
        return "".join(self.body[s:e] for s, e in self.own_spans)


@dataclass(frozen=True)
class ThreadText:
    thread_id: str
    list: str
    subject: str
    messages: tuple[MessageText, ...]


@dataclass(frozen=True)
class EvidenceSpan:
    message_id: str
    start: int
    end: int
    quote: str              # == message.body[start:end]
    extractor: str          # e.g. "races.prose", "reports.kcsan"
    version: str
    confidence: float

    def to_gold(self) -> dict:
        return {"message_id": self.message_id, "quote": self.quote}


@dataclass(frozen=True)
class RaceFinding:
    summary: str
    participants: tuple[str, ...]
    symbols: tuple[str, ...]
    object: str
    consequence: str        # one of CONSEQUENCES
    evidence: tuple[EvidenceSpan, ...]
    steps: tuple[str, ...] = ()     # interleaving steps ("CPU0: lock(A)", ...)
    source: str = "prose"           # prose | diagram | kcsan | kasan | lockdep | syzbot
    confidence: float = 0.5

    def to_gold(self) -> dict:
        return {"summary": self.summary, "participants": list(self.participants),
                "symbols": list(self.symbols), "object": self.object,
                "consequence": self.consequence,
                "evidence": [e.to_gold() for e in self.evidence]}


@dataclass(frozen=True)
class FixFinding:
    summary: str
    race: int | None         # index into ThreadFindings.races
    proposed_by: str         # "Name <email>"
    message_id: str
    quote: str
    kind: str                # patch | prose
    evidence: tuple[EvidenceSpan, ...]
    status: str = "proposed"  # one of FIX_STATUSES
    confidence: float = 0.5

    def to_gold(self) -> dict:
        return {"summary": self.summary, "race": self.race, "proposed_by": self.proposed_by,
                "message_id": self.message_id, "quote": self.quote, "kind": self.kind,
                "status": self.status}


@dataclass(frozen=True)
class ObjectionFinding:
    by: str
    against_fix: int | None  # index into ThreadFindings.fixes
    message_id: str
    quote: str
    reason: str              # one of OBJECTION_REASONS
    evidence: tuple[EvidenceSpan, ...]
    confidence: float = 0.5
    addressed: bool = False  # a later revision, the author's answer or a withdrawal followed

    def to_gold(self) -> dict:
        return {"by": self.by, "against_fix": self.against_fix, "message_id": self.message_id,
                "quote": self.quote, "reason": self.reason}


@dataclass(frozen=True)
class PersonRole:
    name: str
    email: str
    roles: tuple[str, ...]
    aliases: tuple[str, ...] = ()   # other names / addresses seen for the same person

    def to_gold(self) -> dict:
        return {"name": self.name, "email": self.email, "roles": list(self.roles)}


@dataclass(frozen=True)
class ThreadFindings:
    thread_id: str
    list: str
    subject: str
    message_ids: tuple[str, ...]
    is_race_discussion: bool
    races: tuple[RaceFinding, ...] = ()
    fixes: tuple[FixFinding, ...] = ()
    objections: tuple[ObjectionFinding, ...] = ()
    people: tuple[PersonRole, ...] = ()
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def to_gold(self) -> dict:
        """The thread as one gold-schema JSON object."""
        out = {"thread_id": self.thread_id, "list": self.list, "subject": self.subject,
               "message_ids": list(self.message_ids),
               "is_race_discussion": self.is_race_discussion,
               "races": [r.to_gold() for r in self.races],
               "fixes": [f.to_gold() for f in self.fixes],
               "objections": [o.to_gold() for o in self.objections],
               "people": [p.to_gold() for p in self.people], "notes": self.notes}
        out.update(self.extra)
        return out
