"""MIME bodies: transfer encodings, charsets (declared, missing, wrong), HTML, attachments.

Charset policy (`decode_bytes`): pure ASCII is ASCII; a declared charset that Python knows is
tried strictly, except that us-ascii / iso-8859-x / windows-125x / missing labels are first tried
as UTF-8 (mislabelled UTF-8 is far more common on LKML than real Latin-1 that happens to be valid
UTF-8); then UTF-8 strictly; then the declared charset with replacement characters, or - when
no usable charset was declared - UTF-8 with replacement if the bytes hold some valid multi-byte
UTF-8 sequences, else Latin-1. Whatever the charset, NUL and lone surrogates (`utf-7` with bad
bytes keeps them) become U+FFFD (`bounds.make_valid_text`).
"""

from __future__ import annotations

import binascii
import codecs
import re
from email.message import Message
from html.parser import HTMLParser

from ingest.parse.bounds import make_valid_text

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_PARTS = 500
PATCH_TYPES = frozenset({"text/x-patch", "text/x-diff", "text/x-diff-patch", "text/patch",
                         "text/diff", "application/x-patch", "application/x-diff"})
PATCH_SUFFIXES = (".patch", ".diff")
UTF8_FIRST = frozenset({"ascii", "latin-1", "iso8859-15", "iso8859-2", "cp1252", "cp1250"})
CHARSET_ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "us-ascii": "ascii", "ascii": "ascii",
                   "iso-8859-1": "latin-1", "latin1": "latin-1", "iso8859-1": "latin-1"}
UNKNOWN_CHARSETS = frozenset({"", "x-unknown", "unknown", "unknown-8bit", "x-user-defined",
                              "default", "none", "charset"})

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_charset_cache: dict[str, str | None] = {}


def normalise_charset(charset: str | None) -> str | None:
    """Charset label -> Python codec name, or None when missing/unknown."""
    if not charset:
        return None
    cached = _charset_cache.get(charset)
    if cached is not None or charset in _charset_cache:
        return cached
    label = charset.strip().strip("\"'").strip().lower()
    result: str | None
    if label in CHARSET_ALIASES:
        result = CHARSET_ALIASES[label]
    elif label in UNKNOWN_CHARSETS:
        result = None
    else:
        try:
            result = codecs.lookup(label).name
        except (LookupError, ValueError):
            result = None
    if len(_charset_cache) < 1000:
        _charset_cache[charset] = result
    return result


def decode_bytes(raw: bytes, charset: str | None, defects: list[str]) -> str:
    """Bytes in a declared (possibly wrong) charset -> str without NUL or lone surrogates;
    never raises."""
    if raw.isascii():
        text = raw.decode("ascii")
        return make_valid_text(text, defects) if b"\0" in raw else text
    return make_valid_text(decode_non_ascii(raw, charset, defects), defects)


def decode_non_ascii(raw: bytes, charset: str | None, defects: list[str]) -> str:
    """The charset policy of the module docstring (the result may hold NUL or surrogates)."""
    codec = normalise_charset(charset)
    if charset and codec is None:
        defects.append(f"charset:unknown:{charset.strip()[:40]}")
    if codec == "utf-8" or codec is None or codec in UTF8_FIRST:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if codec is not None and codec not in ("utf-8", "ascii"):
                try:
                    return raw.decode(codec)
                except (UnicodeDecodeError, LookupError, ValueError):
                    pass
        else:
            if codec is not None and codec != "utf-8":
                defects.append(f"charset:mislabelled:{codec}")
            return text
    elif codec is not None:
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                defects.append(f"charset:mislabelled:{codec}")
                return text
    defects.append("charset:invalid-bytes")
    if codec not in (None, "ascii", "utf-8"):
        try:
            return raw.decode(codec, "replace")
        except (LookupError, ValueError):
            pass
    text = raw.decode("utf-8", "replace")
    if codec == "utf-8" or any(ch > "\x7f" and ch != "\ufffd" for ch in text):
        return text  # (mostly) UTF-8 with a few bad bytes
    return raw.decode("latin-1")


def decode_lenient_base64(data: bytes) -> bytes:
    """Base64 with junk characters, bad padding or a truncated tail -> as much as decodes."""
    cleaned = _B64_JUNK.sub(b"", data)
    extra = len(cleaned) % 4
    if extra == 1:
        cleaned = cleaned[:-1]
    elif extra:
        cleaned += b"=" * (4 - extra)
    try:
        return binascii.a2b_base64(cleaned)
    except binascii.Error:
        return b""


def decode_transfer(payload: bytes, encoding: str | None, defects: list[str]) -> bytes:
    """Undo Content-Transfer-Encoding; unknown encodings pass through."""
    if not encoding:
        return payload
    encoding = encoding.strip().strip("\"'").lower()
    if encoding == "quoted-printable":
        return binascii.a2b_qp(payload)
    if encoding == "base64":
        try:
            return binascii.a2b_base64(payload, strict_mode=False)
        except binascii.Error:
            defects.append("cte:broken-base64")
            return decode_lenient_base64(payload)
    if encoding not in ("7bit", "8bit", "binary", "") and "uue" not in encoding:
        defects.append(f"cte:unknown:{encoding[:30]}")
    return payload


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "pre", "blockquote", "table", "ul", "ol", "hr"})
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")
            if tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data if self.pre else re.sub(r"[ \t\r\n]+", " ", data))


def convert_html_to_text(html: str) -> str:
    """HTML -> plain text with line breaks at block elements (stdlib html.parser)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError):
        pass
    text = "".join(parser.chunks)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def is_patch_part(content_type: str, filename: str) -> bool:
    return content_type in PATCH_TYPES or (
        content_type == "text/plain" and filename.lower().endswith(PATCH_SUFFIXES))


def decode_part_text(part: Message, defects: list[str]) -> tuple[str, int]:
    """A leaf part's decoded text and decoded byte size (capped at MAX_BODY_BYTES)."""
    raw = decode_part_bytes(part, defects)
    charset = part.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return decode_bytes(raw, charset if isinstance(charset, str) else None, defects), len(raw)


def decode_part_bytes(part: Message, defects: list[str]) -> bytes:
    # Message._payload, not get_payload(): compat32 re-decodes 8-bit payloads (lossily) there.
    payload = getattr(part, "_payload", None)
    if payload is None or isinstance(payload, list):
        return b""
    if not isinstance(payload, str):
        payload = str(payload)
    data = payload.encode("ascii", "surrogateescape")
    raw = decode_transfer(data, part.get("content-transfer-encoding"), defects)
    if len(raw) > MAX_BODY_BYTES:
        defects.append("body:truncated")
        raw = raw[:MAX_BODY_BYTES]
    return raw


def part_filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except (ValueError, LookupError, TypeError, AttributeError):
        return ""
    if isinstance(name, tuple):
        name = name[2] or ""
    return str(name)


def extract_multipart(root: Message, defects: list[str]
                      ) -> tuple[str, list[tuple[str, str, int]]]:
    """Walk a MIME tree (iteratively): main body text + (name, type, size) attachments.

    The first text/plain non-attachment part is the body (HTML the fallback); inside
    multipart/alternative only the best alternative is used; patch parts (text/x-patch,
    text/x-diff, *.patch / *.diff) are appended after the main text and also recorded.
    """
    texts: list[str] = []
    patches: list[str] = []
    html: list[str] = []
    attachments: list[tuple[str, str, int]] = []
    stack: list[Message] = [root]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            defects.append("mime:too-many-parts")
            break
        ctype = part.get_content_type()
        payload = part.get_payload()
        if ctype.startswith("multipart/") and isinstance(payload, list):
            children = [p for p in payload if isinstance(p, Message)]
            if ctype == "multipart/alternative" and children:
                children = [choose_alternative(children)]
            stack.extend(reversed(children))
            continue
        if isinstance(payload, list):  # message/rfc822 and friends: record, do not inline
            inner = payload[0] if payload and isinstance(payload[0], Message) else None
            subject = str(inner.get("subject", "")) if inner is not None else ""
            attachments.append((part_filename(part) or subject[:200], ctype, 0))
            continue
        filename = part_filename(part)
        disposition = str(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
        if is_patch_part(ctype, filename):
            text, size = decode_part_text(part, defects)
            patches.append(text)
            attachments.append((filename, ctype, size))
        elif ctype == "text/plain" and disposition != "attachment" and not filename:
            texts.append(decode_part_text(part, defects)[0])
        elif ctype == "text/html" and disposition != "attachment" and not filename:
            html.append(decode_part_text(part, defects)[0])
        else:
            attachments.append((filename, ctype, len(decode_part_bytes(part, []))))
    if not texts and html:
        defects.append("body:from-html")
        texts = [convert_html_to_text(h) for h in html]
    body = join_texts(texts + patches)
    return body, attachments


def choose_alternative(children: list[Message]) -> Message:
    """text/plain beats multipart/* beats text/html beats the rest."""
    rank = {"text/plain": 0, "text/html": 2}
    best = min(children, key=lambda p: (
        rank.get(p.get_content_type(), 1 if p.get_content_maintype() == "multipart" else 3)))
    return best


def join_texts(texts: list[str]) -> str:
    out = []
    for text in texts:
        if out and not out[-1].endswith("\n"):
            out.append("\n")
        out.append(text)
    return "".join(out)
