"""RawMail -> PreparedMessage: everything about one message that needs no database.

Parsing and anatomy (segments, quote attribution, patches, trailers) run here, in worker
processes, so this module takes and returns plain picklable values.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import NamedTuple

from kb.blobs import pack_blob

from ingest.parse.message import Address, Attachment, MailParseError, ParsedMessage, parse_message
from ingest.parse.patch import Hunk, compute_patch_id, parse_patches
from ingest.parse.quotes import SegmentRow, split_rows
from ingest.parse.trailers import parse_trailers
from ingest.sources.base import RawMail

MAX_RAW_BYTES = 64 * 1024 * 1024


# Anatomy crosses the worker pipe as rows in the shape the store inserts them (after the
# message's pk): plain tuples pickle ~6x cheaper than dataclass instances, and an archive has a
# quarter of a million segments (SegmentRow: see `split_rows`).


class PatchRow(NamedTuple):
    path: str
    old_path: str
    status: str
    functions: str      # JSON list of hunk-header function contexts
    added: int
    removed: int
    patch_id: str | None


class TrailerRow(NamedTuple):
    kind: str
    name: str
    email: str
    value: str


@dataclass(frozen=True)
class Anatomy:
    segments: tuple[SegmentRow, ...]
    patches: tuple[PatchRow, ...]
    trailers: tuple[TrailerRow, ...]


NO_ANATOMY = Anatomy((), (), ())


@dataclass(frozen=True)
class MessageHeaders:
    """A parsed message without its body: what travels beside the compressed body."""

    message_id: str
    synthetic_id: bool
    subject: str
    author: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    date_raw: str
    in_reply_to: str | None
    references: tuple[str, ...]
    list_ids: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]


def strip_body(parsed: ParsedMessage) -> MessageHeaders:
    return MessageHeaders(**{f.name: getattr(parsed, f.name) for f in fields(MessageHeaders)})


@dataclass(frozen=True)
class PreparedMessage:
    """A message ready to store. Its body travels compressed only (`body_z`, as the database
    keeps it), so the text is not pickled back from the worker twice."""

    headers: MessageHeaders
    anatomy: Anatomy
    source: str
    position: str
    raw_z: bytes        # compressed original bytes (kb.blobs)
    raw_size: int
    body_z: bytes       # compressed decoded body


@dataclass(frozen=True)
class RejectedMessage:
    source: str
    position: str
    reason: str
    raw_z: bytes
    raw_size: int


def find_anatomy(body: str) -> Anatomy:
    """Segments with quote owners, patches and the message's own trailers."""
    files = parse_patches(body)
    rows = split_rows(body, files)
    patch_id = compute_patch_id(body, files) if files else None
    patches = tuple(
        PatchRow(p.path, p.old_path or "", p.status, format_functions(p.hunks), p.added, p.removed, patch_id)
        for p in files)
    trailers = tuple(TrailerRow(t.kind, t.name, t.email, t.value) for t in parse_trailers(body))
    return Anatomy(tuple(rows), patches, trailers)


def format_functions(hunks: tuple[Hunk, ...]) -> str:
    """The distinct function names of the hunk headers as a JSON list (what json.dumps gives,
    at a fifth of its cost: one call per patched file)."""
    names = dict.fromkeys(h.function for h in hunks if h.function)
    return "[" + ", ".join(map(encode_basestring_ascii, names)) + "]"


def parse_raw(raw: RawMail) -> ParsedMessage | RejectedMessage:
    """Parse one message; any failure becomes a RejectedMessage with a one-line reason."""
    data = raw.data
    if raw.damage:
        return RejectedMessage(raw.source, raw.position, raw.damage, pack_blob(data), len(data))
    if not data.strip():
        return RejectedMessage(raw.source, raw.position, "empty message", b"", 0)
    if len(data) > MAX_RAW_BYTES:
        return RejectedMessage(raw.source, raw.position, f"message too large ({len(data)} bytes)",
                               pack_blob(data), len(data))
    try:
        return parse_message(data)
    except MailParseError as exc:
        reason = f"unparseable: {exc}"
    except Exception as exc:  # noqa: BLE001 - one bad mail never stops a batch; the reason is kept
        reason = f"parser error: {type(exc).__name__}: {exc}"
    return RejectedMessage(raw.source, raw.position, reason, pack_blob(data), len(data))


def find_safe_anatomy(parsed: ParsedMessage) -> tuple[ParsedMessage, Anatomy]:
    """The message's anatomy; a failure keeps the message and records the defect."""
    try:
        return parsed, find_anatomy(parsed.body)
    except Exception as exc:  # noqa: BLE001 - the message is kept; only its anatomy is lost
        return replace(parsed, defects=(*parsed.defects, f"anatomy:{type(exc).__name__}")), NO_ANATOMY


def prepare_batch(batch: list[RawMail]) -> list[PreparedMessage | RejectedMessage]:
    """Parse, anatomy, compress: each step over the whole batch in turn (one kind of work at a
    time keeps the interpreter's caches warm: ~15% less CPU than message by message)."""
    parsed = [parse_raw(raw) for raw in batch]
    kept = [(raw, *find_safe_anatomy(item)) for raw, item in zip(batch, parsed) if isinstance(item, ParsedMessage)]
    raws_z = [pack_blob(raw.data) for raw, _, _ in kept]
    bodies_z = [pack_blob(message.body.encode("utf-8", "surrogatepass")) for _, message, _ in kept]
    prepared = iter([PreparedMessage(strip_body(message), anatomy, raw.source, raw.position, raw_z,
                                     len(raw.data), body_z)
                     for (raw, message, anatomy), raw_z, body_z in zip(kept, raws_z, bodies_z)])
    return [item if isinstance(item, RejectedMessage) else next(prepared) for item in parsed]
