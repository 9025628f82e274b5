"""Text and JSON renderers shared by CLI output. Mail text is untrusted: clean it first."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

# CSI/OSC/DCS escape sequences, then any remaining C0/C1 control except tab and newline.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_X][^\x1b]*(?:\x1b\\)?|\x1b.?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_terminal_text(text: str) -> str:
    """Strip terminal control sequences; keep tabs and newlines; keep `[markup]` literally."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text.replace("\r\n", "\n"))


def format_date(value: datetime | None) -> str:
    """`2024-02-15 20:55`; `-` (padded to the same width) when the mail gave no date."""
    return value.strftime("%Y-%m-%d %H:%M") if value else f"{'-':<16}"


def count_noun(count: int, noun: str) -> str:
    """`1 message`, `2 messages`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, indent=None)
