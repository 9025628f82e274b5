"""The prefix table: what each query prefix means, shared by every backend.

Meanings follow public-inbox (lore) `lib/PublicInbox/Search.pm`: `b:` is the whole body
(non-quoted text, quoted text and the diff fields), `nq:` the non-quoted text plus the diff
fields, `dfa:` the removed (-) lines of a diff, `dfb:` the added (+) lines, `d:` the Date:
header at day granularity, `rt:` the received time. kb adds its own finding prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldKind(Enum):
    """How a field is analysed; the backends build a query per kind."""

    TEXT = "text"  # words, lower-cased; phrases where the field keeps positions
    ADDRESS = "address"  # name words + full address + local part + domain
    PATH = "path"  # a file path, its '/'-suffixes and its words
    KEYWORD = "keyword"  # one exact (lower-cased) value
    EXACT = "exact"  # one exact value, case kept (Message-ID)
    DATE = "date"  # a datetime range


@dataclass(frozen=True)
class FieldSpec:
    """One logical index field."""

    name: str
    kind: FieldKind
    phrases: bool = False  # keeps positions, so quoted phrases match in order


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("message_id", FieldKind.EXACT),
        FieldSpec("list_ids", FieldKind.ADDRESS),
        FieldSpec("subject", FieldKind.TEXT, phrases=True),
        FieldSpec("from_addr", FieldKind.ADDRESS),
        FieldSpec("to_addr", FieldKind.ADDRESS),
        FieldSpec("cc_addr", FieldKind.ADDRESS),
        FieldSpec("date", FieldKind.DATE),
        FieldSpec("received", FieldKind.DATE),
        FieldSpec("body_new", FieldKind.TEXT, phrases=True),
        FieldSpec("body_quoted", FieldKind.TEXT, phrases=True),
        FieldSpec("diff_files", FieldKind.PATH),
        FieldSpec("diff_hunks", FieldKind.TEXT),
        FieldSpec("diff_added", FieldKind.TEXT, phrases=True),
        FieldSpec("diff_removed", FieldKind.TEXT, phrases=True),
        FieldSpec("patch_id", FieldKind.KEYWORD),
        FieldSpec("race", FieldKind.TEXT, phrases=True),
        FieldSpec("fix", FieldKind.TEXT, phrases=True),
        FieldSpec("objection", FieldKind.TEXT, phrases=True),
        FieldSpec("symbols", FieldKind.KEYWORD),
        FieldSpec("persons", FieldKind.ADDRESS),
        FieldSpec("maintainers", FieldKind.ADDRESS),
        FieldSpec("has", FieldKind.KEYWORD),
        FieldSpec("verdicts", FieldKind.KEYWORD),
    )
}

DIFF_FIELDS = ("diff_files", "diff_hunks", "diff_added", "diff_removed")
NON_QUOTED = ("body_new", *DIFF_FIELDS)
BODY = (*NON_QUOTED, "body_quoted")

# prefix -> logical fields searched (an OR over them)
PREFIXES: dict[str, tuple[str, ...]] = {
    "s": ("subject",),
    "f": ("from_addr",),
    "t": ("to_addr",),
    "c": ("cc_addr",),
    "tc": ("to_addr", "cc_addr"),
    "a": ("to_addr", "cc_addr", "from_addr"),
    "b": BODY,
    "bs": ("subject", *BODY),
    "nq": NON_QUOTED,
    "q": ("body_quoted",),
    "d": ("date",),
    "rt": ("received",),
    "m": ("message_id",),
    "l": ("list_ids",),
    "dfn": ("diff_files",),
    "dfhh": ("diff_hunks",),
    "dfa": ("diff_removed",),
    "dfb": ("diff_added",),
    "patchid": ("patch_id",),
    "race": ("race",),
    "fix": ("fix",),
    "objection": ("objection",),
    "sym": ("symbols",),
    "person": ("persons",),
    "maint": ("maintainers",),
    "has": ("has",),
    "verdict": ("verdicts",),
    "": ("subject", *BODY),  # a bare word: subject and body
}

# kb's finding fields hold what a thread's evidence messages say: ANDed with each other or
# with lore prefixes they select threads, not single messages (kb.search.engine)
FINDING_FIELDS = frozenset({"race", "fix", "objection", "symbols", "has", "verdicts"})

DATE_PREFIXES = frozenset({"d", "rt"})
HAS_VALUES = frozenset({"race", "fix", "objection", "scenario"})
