"""Address headers and RFC 2047 encoded words -> normalised names and e-mail addresses.

`decode_header_text` is a lenient RFC 2047 decoder (broken base64, unknown charsets and raw
8-bit bytes all survive). Addresses: e-mail lower-cased, display name decoded, quotes stripped,
`"Name" <a@b>`, `a@b (Name)` and Google Groups' `'Name' via list <list@googlegroups.com>`
(X-Original-From wins when present) all give the same Address.
"""

from __future__ import annotations

import binascii
import re
from email.utils import getaddresses, parseaddr
from functools import lru_cache

from ingest.parse.mime import decode_bytes, decode_lenient_base64

MAX_ADDRESSES = 1000

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n[ \t]*")
_LIST_ITEM = re.compile(r'(?:"(?:[^"\\]|\\.)*"?|\([^()]*\)?|<[^<>]*>?|[^,"(<])+')
_NAME_ANGLE = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<>"(),@]*?))\s*<([^<>\s"(),]*)>\s*$')
_BARE_ADDR = re.compile(r'^\s*<?([^\s<>"(),]+@[^\s<>"(),]+?)>?\s*(?:\(([^()]*)\))?\s*$')
_VIA = re.compile(r"^\s*['\"]?(.*?)['\"]?\s+via\s+\S.*$", re.S)


def unfold_header(value: str) -> str:
    """Remove header folding (CRLF + whitespace -> one space) and strip."""
    if "\n" in value:
        value = _FOLD.sub(" ", value)
    return value.strip()


def decode_header_text(value: str, defects: list[str] | None = None) -> str:
    """Unfold and decode RFC 2047 encoded words; never raises."""
    value = unfold_header(value)
    if "=?" not in value:
        return value
    value = _BETWEEN_WORDS.sub(r"\1\2", value)
    return _ENCODED_WORD.sub(lambda m: _decode_word(m, defects), value)


def _decode_word(match: re.Match[str], defects: list[str] | None) -> str:
    charset, encoding, text = match.groups()
    charset = charset.split("*", 1)[0]
    data = text.encode("ascii", "surrogateescape") if text.isascii() else text.encode("utf-8")
    try:
        if encoding in "qQ":
            raw = binascii.a2b_qp(data.replace(b"_", b" "))
        else:
            try:
                raw = binascii.a2b_base64(data, strict_mode=False)
            except binascii.Error:
                raw = decode_lenient_base64(data)
                if defects is not None:
                    defects.append("header:broken-encoded-word")
    except (binascii.Error, ValueError):
        if defects is not None:
            defects.append("header:broken-encoded-word")
        return match.group(0)
    return decode_bytes(raw, charset, defects if defects is not None else [])


def clean_display_name(name: str, defects: list[str] | None = None) -> str:
    """Decode and strip quotes/whitespace from a display name."""
    if not name:
        return ""
    if "=?" not in name and "\"" not in name and "'" not in name and "  " not in name \
            and "\\" not in name and "\n" not in name and "\t" not in name:
        return name.strip()
    name = decode_header_text(name, defects) if name else ""
    name = name.strip()
    while len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1].strip()
    return " ".join(name.replace('\\"', '"').split())


def clean_email(email: str) -> str:
    if email.islower() and "<" not in email and " " not in email and not email.startswith("mailto:"):
        return email
    email = email.strip().strip("<>").strip().lower()
    if email.startswith("mailto:"):
        email = email[7:]
    return email


def parse_address_fast(item: str) -> tuple[str, str] | None:
    """The common forms (`Name <a@b>`, `"Name" <a@b>`, `a@b`, `a@b (Name)`) without parseaddr."""
    match = _NAME_ANGLE.match(item)
    if match is not None:
        quoted, plain, email = match.groups()
        return (quoted if quoted is not None else plain or ""), email
    match = _BARE_ADDR.match(item)
    if match is not None:
        return match.group(2) or "", match.group(1)
    return None


_ADDR_SPEC = re.compile(r"[^\s<>\"',;()]+@[^\s<>\"',;()]+")


def repair_address(value: str, defects: list[str] | None) -> tuple[str, str]:
    """Broken forms parseaddr gets wrong: the first a@b-looking thing, the rest is the name."""
    if defects is not None:
        defects.append("address:repaired")
    match = _ADDR_SPEC.search(value)
    if match is None:
        return value.strip(" <>,;"), ""
    name = (value[:match.start()] + value[match.end():]).replace("<", " ").replace(">", " ")
    return name.strip(" ,;"), match.group(0)


def parse_address(value: str | None, defects: list[str] | None = None) -> tuple[str, str]:
    """One address header -> (name, email); ("", "") when empty."""
    if not value:
        return "", ""
    value = unfold_header(value)
    fast = parse_address_fast(value)
    name, email = fast if fast is not None else parseaddr(value)
    if "@" not in email:
        name, email = repair_address(value, defects)
    return clean_display_name(name, defects), clean_email(email)


def parse_address_list(value: str | None, defects: list[str] | None = None
                       ) -> tuple[tuple[str, str], ...]:
    """To/Cc header -> (name, email) pairs, empty entries dropped, bounded."""
    if not value:
        return ()
    value = unfold_header(value)
    result = []
    for item in _LIST_ITEM.findall(value)[:MAX_ADDRESSES]:
        pair, found = parse_list_item(item)
        if found and defects is not None:
            defects.extend(found)
        if pair is not None:
            result.append(pair)
    if not result and "@" in value:
        single = parse_address(value, defects)
        if single != ("", ""):
            result.append(single)
    return tuple(result)


ITEM_CACHE_SIZE = 10000     # the same people are in list after list: most items were seen before


@lru_cache(maxsize=ITEM_CACHE_SIZE)
def parse_list_item(item: str) -> tuple[tuple[str, str] | None, tuple[str, ...]]:
    """One item of an address list -> its (name, email) (None: an empty entry) and the defects
    it adds; memoised."""
    defects: list[str] = []
    pair = parse_address_fast(item)
    if pair is None:
        try:
            pairs = getaddresses([item])
        except (ValueError, IndexError, TypeError):
            pairs = []
        pair = pairs[0] if pairs else ("", "")
    name, email = pair
    found: tuple[str, str] | None = None
    if name or email:
        if "@" not in email:
            name, email = repair_address(item, defects)
        found = clean_display_name(name, defects), clean_email(email)
    return found, tuple(defects)


def parse_author(from_value: str | None, original_from: str | None, sender: str | None,
                 defects: list[str]) -> tuple[str, str]:
    """From, with Google Groups' rewriting undone and Sender/X-Original-From as fallbacks."""
    name, email = parse_address(from_value, defects)
    via = _VIA.match(name) if name else None
    if original_from and (via or not email):
        orig_name, orig_email = parse_address(original_from, defects)
        if orig_email:
            defects.append("address:x-original-from")
            return orig_name or (via.group(1).strip() if via else name), orig_email
    if via:
        defects.append("address:via-list")
        name = via.group(1).strip()
    if not email and not name:
        if sender:
            defects.append("address:from-sender")
            return parse_address(sender, defects)
        defects.append("address:no-from")
    return name, email
