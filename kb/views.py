"""Read models of mail: what Library returns about threads, messages, series and the index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Segment kinds that are a message's own words (quotes, attributions, patches, signatures and
# footers are not): what export shows as `text` and what extraction reads.
OWN_SEGMENT_KINDS = ("text", "trailer")


@dataclass(frozen=True)
class SeriesView:
    id: int
    title: str              # the first message's subject without its [PATCH ...] tags
    author_email: str
    version: int
    total: int
    parts: int              # numbered patches in the KB (the cover letter, 0/N, is not one)
    first_date: datetime | None
    first_message_id: str
    change_id: str | None   # b4's, as this series' cover letter / single patch gives it
    tag: str = ""           # the first message's tags: "PATCH 6.12.y 0/2" tells resends and backports apart
    first_part: int = 0     # 0: the cover letter is here; 1: the first patch; more: only later patches are


@dataclass(frozen=True)
class RevisionView:
    title: str              # of the latest revision (titles may change between versions)
    author_email: str
    change_id: str | None   # the change-id the revisions are grouped by (None: by title + author)
    series: tuple[SeriesView, ...]  # v1..vN


@dataclass(frozen=True)
class IndexCheck:
    missing: tuple[str, ...]
    stale: tuple[str, ...]
    extra: tuple[str, ...]
    repaired: bool


@dataclass(frozen=True)
class ThreadSummary:
    id: int
    root_message_id: str
    subject: str
    message_count: int
    first_date: datetime | None
    last_date: datetime | None


@dataclass(frozen=True)
class MessageSummary:
    message_id: str
    author_name: str
    author_email: str
    date: datetime | None
    subject: str
    parent: str | None
    depth: int
    recovered: bool
    extent: str = ""    # recovered messages: what fixed where their text begins and ends (aligned | heuristic)


@dataclass(frozen=True)
class ThreadView:
    thread: ThreadSummary
    messages: tuple[MessageSummary, ...]  # depth-first reply order
    lists: tuple[str, ...]


@dataclass(frozen=True)
class SegmentView:
    kind: str           # text | quote | attribution | patch | signature | trailer | footer
    start: int
    end: int
    depth: int
    name: str           # who said a quote / who an attribution line names
    email: str


@dataclass(frozen=True)
class PatchView:
    path: str
    status: str
    functions: tuple[str, ...]
    added: int
    removed: int


@dataclass(frozen=True)
class TrailerView:
    kind: str
    name: str
    email: str
    value: str


@dataclass(frozen=True)
class MarkView:
    """An extracted fact anchored in a message's text."""

    fact_kind: str      # race | fix | objection
    fact_id: int
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class RecoveryView:
    """How a message recovered from a web page was cut out of it."""

    page: str
    quote_depth: int | None
    author_source: str              # attribution | from-line | sign-off | inferred | unknown
    extent: str                     # what fixed where its text begins and ends: aligned | heuristic
    aligned_with: tuple[str, ...]   # the real messages whose bodies fixed (part of) it


@dataclass(frozen=True)
class MessageView:
    summary: MessageSummary
    thread_root: str | None
    body: str
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    attachments: tuple[dict[str, object], ...]
    source: str
    position: str
    segments: tuple[SegmentView, ...]
    patches: tuple[PatchView, ...]
    trailers: tuple[TrailerView, ...]
    marks: tuple[MarkView, ...]
    recovery: RecoveryView | None = None   # set for messages recovered from a web page
    reused_by: tuple[str, ...] = ()        # ids derived for later messages that reused this Message-ID
