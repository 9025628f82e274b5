"""RawMail bytes -> ParsedMessage: headers, MIME, charsets, dates, addresses, ids.

Speed: headers are split and decoded here (no email.parser for the common case); only
multipart/* and message/* mail goes through email.message_from_bytes(policy=compat32).
Dates live in dates.py, addresses and RFC 2047 in addresses.py, bodies in mime.py.

`defects` are short "area:what[:detail]" strings, e.g. charset:mislabelled:latin-1,
charset:unknown:x-unknown, charset:invalid-bytes, cte:broken-base64, body:truncated,
body:from-html, body:no-text, mime:broken-multipart, date:no-zone, date:repaired,
date:out-of-range, date:unparseable, date:missing, address:x-original-from (Google Groups and
B4 Relay "Name via X" rewriting undone), address:no-from, id:synthetic, references:truncated,
header:too-many, header:8bit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.errors import HeaderParseError
from email.policy import compat32

from ingest.parse.addresses import (decode_header_text, parse_address_list, parse_author,
                                    unfold_header)
from ingest.parse.bounds import (MAX_EMAIL_BYTES, MAX_ID_BYTES, MAX_NAME_BYTES, MAX_SUBJECT_BYTES,
                                 bound_field, cut_utf8, make_valid_text)
from ingest.parse.dates import parse_date
from ingest.parse.mime import (MAX_BODY_BYTES, convert_html_to_text, decode_bytes,
                               decode_transfer, extract_multipart, is_patch_part)


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


MAX_HEADERS = 2000
MAX_HEADER_CHARS = 128 * 1024
MAX_REFERENCES = 100
MAIL_HEADERS = frozenset({"message-id", "from", "date", "subject", "in-reply-to", "references",
                          "to", "cc", "received", "return-path", "mime-version", "content-type",
                          "list-id", "sender", "x-original-from", "delivered-to"})
KEPT_HEADERS = MAIL_HEADERS | {"content-transfer-encoding", "content-disposition"}
SYNTHETIC_DOMAIN = "kb.invalid"

# A field: name, ':', value with its continuation lines; split_message keeps KEPT_HEADERS. (One
# general pattern and a set lookup cost half of an alternation of the kept names tried
# case-insensitively at every line of a head: lore's heads run to 100 lines.)
_HEADER_FIELD = re.compile(r"^([^\s:]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.M)
MAX_HEAD_BYTES = 1024 * 1024
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([^"';\s]*)""", re.I)
_NAME_PARAM = re.compile(r"""name\s*\*?=\s*["']?([^"';]*)""", re.I)


def normalise_message_id(value: str | None) -> str | None:
    """The one Message-ID normaliser, used for Message-ID, In-Reply-To and References.

    Takes the first `<...>` (or, without brackets, the first token containing '@'), removes all
    whitespace (folded ids) and stray brackets/quotes. Case is kept exactly: Message-IDs are
    case-sensitive in practice and public-inbox, notmuch and the gold labels compare them
    verbatim. Returns None when nothing is left.
    """
    if not value:
        return None
    start = value.find("<")
    if start >= 0:
        end = value.find(">", start + 1)
        inner = value[start + 1:end] if end >= 0 else value[start + 1:]
        inner = "".join(inner.split()).strip("<>\"'")
        if not inner and end >= 0:
            return normalise_message_id(value[end + 1:])
    else:
        tokens = value.split()
        if not tokens:
            return None
        inner = next((t for t in tokens if "@" in t), tokens[0]).strip("<>\"',;()")
    return cut_utf8(inner, MAX_ID_BYTES) or None


def parse_references(value: str | None, own_id: str | None) -> tuple[tuple[str, ...], bool]:
    """References -> normalised ids, oldest first, no duplicates/self, the last 100."""
    if not value:
        return (), False
    if "<" in value:
        raw = _ANGLE_ID.findall(value)
    else:
        raw = value.split()
    ids: list[str] = []
    seen: set[str] = set()
    for chunk in raw:
        mid = normalise_message_id(f"<{chunk}>")
        if mid is None or mid == own_id or mid in seen:
            continue
        seen.add(mid)
        ids.append(mid)
    truncated = len(ids) > MAX_REFERENCES
    return tuple(ids[-MAX_REFERENCES:]), truncated


def split_message(data: bytes, defects: list[str]) -> tuple[dict[str, str], list[str], bytes]:
    """Raw bytes -> (first value of each kept header, all List-Id values, body bytes)."""
    if data.startswith(b"From "):
        newline = data.find(b"\n")
        data = data[newline + 1:] if newline >= 0 else b""
    if data[:1] in (b"\n", b"\r", b" ", b"\t"):
        stripped = data.lstrip(b"\r\n\t ")
        if stripped != data:
            defects.append("header:leading-blank")
            data = stripped
    end = data.find(b"\n\n")
    crlf = data.find(b"\n\r\n")
    if crlf >= 0 and (end < 0 or crlf < end):
        head, body = data[:crlf], data[crlf + 3:]
    elif end >= 0:
        head, body = data[:end], data[end + 2:]
    else:
        head, body = data, b""
    if len(head) > MAX_HEAD_BYTES:
        defects.append("header:block-truncated")
        head = head[:MAX_HEAD_BYTES]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        defects.append("header:8bit")
        text = "\n".join(decode_bytes(line, None, []) for line in head.split(b"\n"))
    if "\x00" in text:
        text = make_valid_text(text, defects)
    headers: dict[str, str] = {}
    list_ids: list[str] = []
    count = 0
    for name, value in _HEADER_FIELD.findall(text):  # tuples: no match object per field
        name = name.lower()
        if name not in KEPT_HEADERS:
            continue
        count += 1
        if count > MAX_HEADERS:
            defects.append("header:too-many")
            break
        if len(value) > MAX_HEADER_CHARS:
            defects.append(f"header:too-long:{name}")
            value = value[-MAX_HEADER_CHARS:] if name == "references" else value[:MAX_HEADER_CHARS]
        if name == "list-id":
            list_ids.append(value)
        elif name not in headers:
            headers[name] = value.rstrip("\r")
    return headers, list_ids, body


def normalise_list_id(value: str) -> str | None:
    value = unfold_header(value)
    match = _ANGLE_ID.search(value)
    inner = match.group(1) if match else (value.split() or [""])[-1]
    inner = inner.strip().strip("\"'").lower()
    return cut_utf8(inner, MAX_NAME_BYTES) or None


def extract_single_part(headers: dict[str, str], body: bytes, defects: list[str]
                        ) -> tuple[str, list[tuple[str, str, int]]]:
    """Fast path for non-multipart mail: decode the body bytes directly."""
    ctype_value = headers.get("content-type", "")
    ctype = ctype_value.split(";", 1)[0].strip().lower() or "text/plain"
    if "/" not in ctype:
        defects.append("mime:bad-content-type")
        ctype = "text/plain"
    raw = decode_transfer(body, headers.get("content-transfer-encoding"), defects)
    if len(raw) > MAX_BODY_BYTES:
        defects.append("body:truncated")
        raw = raw[:MAX_BODY_BYTES]
    charset_match = _CHARSET_PARAM.search(ctype_value) if ctype_value else None
    charset = charset_match.group(1) if charset_match else None
    disposition = headers.get("content-disposition", "")
    name_match = _NAME_PARAM.search(ctype_value + ";" + disposition)
    filename = name_match.group(1).strip() if name_match else ""
    if is_patch_part(ctype, filename):
        return decode_bytes(raw, charset, defects), [(filename, ctype, len(raw))]
    if ctype == "text/plain" or ctype == "text" or ctype.startswith("text/plain"):
        return decode_bytes(raw, charset, defects), []
    if ctype == "text/html":
        defects.append("body:from-html")
        return convert_html_to_text(decode_bytes(raw, charset, defects)), []
    if ctype.startswith("text/"):
        return decode_bytes(raw, charset, defects), []
    defects.append("body:no-text")
    return "", [(filename, ctype, len(raw))]


def extract_body(data: bytes, headers: dict[str, str], body: bytes, defects: list[str]
                 ) -> tuple[str, list[tuple[str, str, int]]]:
    ctype = headers.get("content-type", "").lstrip().lower()
    if not (ctype.startswith("multipart/") or ctype.startswith("message/")):
        return extract_single_part(headers, body, defects)
    try:
        root = message_from_bytes(data, policy=compat32)
        if ctype.startswith("multipart/") and not isinstance(root.get_payload(), list):
            defects.append("mime:broken-multipart")
            return extract_single_part({**headers, "content-type": "text/plain"}, body, defects)
        return extract_multipart(root, defects)
    except (ValueError, LookupError, TypeError, AttributeError, IndexError,
            UnicodeError, RecursionError, HeaderParseError) as error:
        defects.append(f"mime:parse-failed:{type(error).__name__}")
        return extract_single_part({**headers, "content-type": "text/plain"}, body, defects)


_address_cache: dict[str, tuple[tuple[Address, ...], tuple[str, ...]]] = {}
# Cc lists repeat within a thread, close together in an archive: 2,000 recent lists catch 67% of
# the cgroups epoch's To/Cc headers (20,000: 69%, at ~30 MB more in each parse worker)
ADDRESS_CACHE_SIZE = 2000


def parse_addresses_cached(value: str | None, defects: list[str]) -> tuple[Address, ...]:
    """To/Cc -> Addresses; results are memoised (Cc lists repeat across a thread)."""
    if not value:
        return ()
    cached = _address_cache.get(value)
    if cached is None:
        found: list[str] = []
        pairs = parse_address_list(value, found)
        cached = tuple(Address(n, e) for n, e in pairs), tuple(found)
        if len(_address_cache) >= ADDRESS_CACHE_SIZE:
            _address_cache.clear()
        _address_cache[value] = cached
    defects.extend(cached[1])
    return cached[0]


def make_synthetic_id(date_raw: str, from_raw: str, subject: str, body: str) -> str:
    """Stable id for mail without a Message-ID: sha1(date, from, subject, body)@kb.invalid."""
    digest = hashlib.sha1()
    for piece in (date_raw, from_raw, subject, body):
        digest.update(piece.encode("utf-8", "replace"))
        digest.update(b"\0")
    return f"{digest.hexdigest()}@{SYNTHETIC_DOMAIN}"


def bound_address(address: Address, defects: list[str]) -> Address:
    """The author's name and address within what the indexes on them hold."""
    name = bound_field(address.name, MAX_NAME_BYTES, "address:name-truncated", defects)
    email = bound_field(address.email, MAX_EMAIL_BYTES, "address:truncated", defects)
    return address if (name, email) == (address.name, address.email) else Address(name, email)


def parse_message(data: bytes) -> ParsedMessage:
    """Raw RFC 5322 bytes -> ParsedMessage; MailParseError only when nothing usable is left."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MailParseError(f"not bytes: {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise MailParseError("empty message")
    defects: list[str] = []
    headers, raw_list_ids, body_bytes = split_message(data, defects)
    if not (headers.keys() & MAIL_HEADERS) and not raw_list_ids:
        raise MailParseError("no mail headers")
    body, attachments = extract_body(data, headers, body_bytes, defects)
    if "\r" in body:
        body = body.replace("\r\n", "\n")
    subject = decode_header_text(headers.get("subject", ""), defects)
    date_raw = unfold_header(headers.get("date", ""))
    date, date_defects = parse_date(date_raw)
    defects.extend(date_defects)
    from_raw = headers.get("from", "")
    author = bound_address(Address(*parse_author(from_raw, headers.get("x-original-from"),
                                                 headers.get("sender"), defects)), defects)
    subject = bound_field(subject, MAX_SUBJECT_BYTES, "header:too-long:subject", defects)
    message_id = normalise_message_id(headers.get("message-id"))
    synthetic = message_id is None
    if synthetic:
        defects.append("id:synthetic")
        message_id = make_synthetic_id(date_raw, unfold_header(from_raw), subject, body)
    in_reply_to = normalise_message_id(headers.get("in-reply-to"))
    if in_reply_to == message_id:
        defects.append("id:self-reply")
        in_reply_to = None
    references, truncated = parse_references(headers.get("references"), message_id)
    if truncated:
        defects.append("references:truncated")
    list_ids = tuple(dict.fromkeys(
        lid for lid in (normalise_list_id(v) for v in raw_list_ids) if lid))
    return ParsedMessage(
        message_id=message_id,
        synthetic_id=synthetic,
        subject=subject,
        author=author,
        to=parse_addresses_cached(headers.get("to"), defects),
        cc=parse_addresses_cached(headers.get("cc"), defects),
        date=date,
        date_raw=date_raw,
        in_reply_to=in_reply_to,
        references=references,
        list_ids=list_ids,
        body=body,
        attachments=tuple(Attachment(n, t, s) for n, t, s in attachments),
        defects=tuple(dict.fromkeys(defects)),
    )
