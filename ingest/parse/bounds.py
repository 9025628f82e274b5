"""Text every store and terminal accepts, within limits every database index accepts.

Decoded mail text never holds NUL or lone surrogates (a `utf-7` body with bad bytes decodes
to `'\\udeff'`; PostgreSQL rejects NUL; neither can be encoded for a terminal): both become
U+FFFD, with a defect saying so. The raw bytes are kept as they were.

Indexed mail strings (Message-IDs, addresses, names, subjects) are cut to a number of UTF-8
bytes that real mail does not reach and that a PostgreSQL b-tree entry (at most 2,704 bytes)
always holds; a cut is recorded as a defect.
"""

from __future__ import annotations

import re

MAX_ID_BYTES = 995          # RFC 5322's line limit less "<>" and a folding space
MAX_EMAIL_BYTES = 320       # RFC 3696: 64 + "@" + 255
MAX_NAME_BYTES = 512
MAX_SUBJECT_BYTES = 2000    # with an address, still under a b-tree entry's 2,704 bytes

_SURROGATES = re.compile("[\ud800-\udfff]")


def make_valid_text(text: str, defects: list[str]) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD (each kind recorded once)."""
    if "\x00" in text:
        defects.append("text:nul")
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            defects.append("text:surrogates")
            text = _SURROGATES.sub("\ufffd", text)
    return text


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 form has at most `max_bytes` bytes."""
    if len(text) <= max_bytes and (text.isascii() or len(text.encode("utf-8")) <= max_bytes):
        return text
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def bound_field(text: str, max_bytes: int, defect: str, defects: list[str]) -> str:
    """`text` cut to `max_bytes` UTF-8 bytes, `defect` recorded when it was cut."""
    cut = cut_utf8(text, max_bytes)
    if cut != text:
        defects.append(defect)
    return cut
