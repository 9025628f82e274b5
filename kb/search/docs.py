"""IndexDoc: one message as the search index sees it (built by the caller from DB rows)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from kb.search.analysis import SCHEMA_VERSION, STEM_SUFFIX, STEMMED

EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class IndexDoc:
    """Everything searchable about one message. Multi-valued fields are tuples.

    `version` is the caller's staleness token (e.g. row update time + extractor versions);
    it goes into `digest` together with every field and the index schema version.
    """

    message_id: str
    thread_id: str
    subject: str
    author_name: str
    author_email: str
    date: datetime | None
    received: datetime | None = None
    list_ids: tuple[str, ...] = ()
    to_addrs: tuple[str, ...] = ()
    cc_addrs: tuple[str, ...] = ()
    body_new: str = ""  # the author's own (non-quoted, non-diff) text
    body_quoted: str = ""  # quoted lines, without their '>' markers
    diff_files: tuple[str, ...] = ()  # paths from ---/+++ lines (a/ b/ stripped or not)
    diff_hunks: tuple[str, ...] = ()  # hunk-header function context (`@@ ... @@ <this>`)
    diff_added: str = ""  # '+' lines of diffs, without the '+'
    diff_removed: str = ""  # '-' lines of diffs, without the '-'
    patch_id: str = ""  # `git patch-id --stable`
    races: tuple[str, ...] = ()  # race finding texts (summary, object, consequence ...)
    fixes: tuple[str, ...] = ()
    objections: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()  # kernel symbols
    persons: tuple[str, ...] = ()  # "Name <email>" of people with a role in the message
    maintainers: tuple[str, ...] = ()  # "Name <email>" of maintainers of touched files
    has: tuple[str, ...] = ()  # subset of race, fix, objection, scenario
    verdicts: tuple[str, ...] = ()
    series: str = ""  # the revision key shared by v1..vN of a patch series, "" outside series
    revision: int = 0  # N of the series' vN
    version: str = ""

    @cached_property
    def digest(self) -> str:
        """A short hash of all fields; `list_indexed` returns it to spot stale entries."""
        parts = [f"schema={SCHEMA_VERSION}".encode()]
        for name in _FIELD_NAMES:
            parts.append(b"\0")
            add_digest_parts(parts, getattr(self, name))
        return hashlib.blake2b(b"".join(parts), digest_size=12).hexdigest()  # one call: the same hash


_FIELD_NAMES = tuple(field.name for field in fields(IndexDoc))


def add_digest_parts(parts: list[bytes], value: object) -> None:
    """A field's bytes for the digest, length-prefixed (no repr() copy of whole bodies)."""
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        parts.append(b"s%d:" % len(data))
        parts.append(data)
    elif isinstance(value, tuple):
        parts.append(b"t%d:" % len(value))
        for item in value:
            add_digest_parts(parts, item)
    else:
        parts.append(b"r" + repr(value).encode())


def clean_datetime(value: datetime) -> datetime:
    """Aware -> naive UTC (the index stores naive UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _address(name: str, email: str) -> str:
    return f"{name} <{email}>" if name and email else name or email


def convert_doc(doc: IndexDoc) -> dict[str, Any]:
    """The keyword arguments of `writer.add_document` for one IndexDoc."""
    values: dict[str, Any] = {
        "message_id": doc.message_id,
        "thread_id": doc.thread_id or doc.message_id,
        "subject": doc.subject,
        "author": _address(doc.author_name, doc.author_email),
        "from_addr": _address(doc.author_name, doc.author_email),
        "excerpt": (doc.body_new or doc.body_quoted)[:EXCERPT_CHARS],
        "digest": doc.digest.encode(),
    }
    if doc.date is not None:  # undated mail (some recovered web-page quotes) matches no d: range
        values["date"] = clean_datetime(doc.date)
    if doc.received is not None:
        values["received"] = clean_datetime(doc.received)
    if doc.series:
        values["series"] = doc.series.encode("utf-8", "surrogatepass")
        values["revision"] = doc.revision
    texts = {
        "body_new": doc.body_new,
        "body_quoted": doc.body_quoted,
        "diff_added": doc.diff_added,
        "diff_removed": doc.diff_removed,
        "patch_id": doc.patch_id,
    }
    lists = {
        "list_ids": doc.list_ids,
        "to_addr": doc.to_addrs,
        "cc_addr": doc.cc_addrs,
        "diff_files": doc.diff_files,
        "diff_hunks": doc.diff_hunks,
        "race": doc.races,
        "fix": doc.fixes,
        "objection": doc.objections,
        "symbols": doc.symbols,
        "persons": doc.persons,
        "maintainers": doc.maintainers,
        "has": doc.has,
        "verdicts": doc.verdicts,
    }
    values.update((name, text) for name, text in texts.items() if text)
    # joined, not passed as lists: whoosh would skip the analyzer for a list
    values.update((name, "\n".join(items)) for name, items in lists.items() if items)
    values.update((name + STEM_SUFFIX, values[name]) for name in STEMMED if name in values)
    return values
