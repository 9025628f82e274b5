"""RawMail bytes -> ParsedMessage: headers, MIME, charsets, dates, addresses, ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class MailParseError(Exception):
    """A message that cannot be turned into a ParsedMessage; str() is the reason."""


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # lower-cased; "" when unknown


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str                 # normalised, no <>; synthetic when the mail had none
    synthetic_id: bool
    subject: str
    author: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None           # timezone-aware UTC; None when unparseable
    date_raw: str
    in_reply_to: str | None         # normalised id
    references: tuple[str, ...]     # normalised ids, oldest first, bounded
    list_ids: tuple[str, ...]       # List-Id values, normalised (e.g. "cgroups.vger.kernel.org")
    body: str                       # decoded text/plain (or HTML turned into text)
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]        # what was repaired on the way (bad charset, bad date, ...)
