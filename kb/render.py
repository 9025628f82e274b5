"""Text and JSON renderers shared by CLI output. Mail text is untrusted: clean it first."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

# CSI/OSC/DCS escape sequences, then any remaining C0/C1 control except tab and newline.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_X][^\x1b]*(?:\x1b\\)?|\x1b.?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides, embeddings, isolates and marks: they reorder what a terminal shows
# (U+202E makes "gnp.exe" read "exe.png"). Lone surrogates cannot be encoded at all.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI_OR_SURROGATE = re.compile(f"[{BIDI}\ud800-\udfff]")
# In JSON: C1 controls, bidi controls, lone surrogates and the JSON-legal line separators, as \uXXXX
# (json.dumps already escapes C0 controls).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI}\u2028\u2029\ud800-\udfff]")


def clean_terminal_text(text: str) -> str:
    """Strip terminal control sequences; keep tabs and newlines; keep `[markup]` literally;
    bidi controls and lone surrogates become U+FFFD (visible, and never reorder the line)."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text.replace("\r\n", "\n"))
    if not text.isascii():
        text = _BIDI_OR_SURROGATE.sub("\ufffd", text)
    return text


def format_date(value: datetime | None) -> str:
    """`2024-02-15 20:55`; `-` (padded to the same width) when the mail gave no date."""
    return value.strftime("%Y-%m-%d %H:%M") if value else f"{'-':<16}"


def count_noun(count: int, noun: str, plural: str = "") -> str:
    """`1 message`, `2 messages`; `plural` for nouns that do not just take an s (`fixes`)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def format_iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def escape_json_unsafe(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dump_json(data: Any) -> str:
    """JSON in UTF-8, inert in a terminal: every control and bidi character escaped."""
    text = json.dumps(data, ensure_ascii=False, default=str, indent=None)
    return text if text.isascii() else _JSON_UNSAFE.sub(escape_json_unsafe, text)
