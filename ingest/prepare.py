"""RawMail -> PreparedMessage: everything about one message that needs no database.

Runs in worker processes, so it takes and returns plain picklable values.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from ingest.parse.message import MailParseError, ParsedMessage, parse_message
from ingest.sources.base import RawMail

MAX_RAW_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class PreparedMessage:
    parsed: ParsedMessage
    source: str
    position: str
    raw_z: bytes        # zlib-compressed original bytes
    raw_size: int


@dataclass(frozen=True)
class RejectedMessage:
    source: str
    position: str
    reason: str
    raw_z: bytes
    raw_size: int


def compress_raw(data: bytes) -> bytes:
    return zlib.compress(data, 1)


def prepare_message(raw: RawMail) -> PreparedMessage | RejectedMessage:
    """Parse one message; any failure becomes a RejectedMessage with a one-line reason."""
    data = raw.data
    if not data.strip():
        return RejectedMessage(raw.source, raw.position, "empty message", b"", 0)
    raw_z = compress_raw(data)
    if len(data) > MAX_RAW_BYTES:
        return RejectedMessage(raw.source, raw.position, f"message too large ({len(data)} bytes)", raw_z, len(data))
    try:
        parsed = parse_message(data)
    except MailParseError as exc:
        return RejectedMessage(raw.source, raw.position, f"unparseable: {exc}", raw_z, len(data))
    except Exception as exc:  # noqa: BLE001 - one bad mail never stops a batch; the reason is kept
        return RejectedMessage(raw.source, raw.position, f"parser error: {type(exc).__name__}: {exc}",
                               raw_z, len(data))
    return PreparedMessage(parsed, raw.source, raw.position, raw_z, len(data))


def prepare_batch(batch: list[RawMail]) -> list[PreparedMessage | RejectedMessage]:
    return [prepare_message(raw) for raw in batch]
