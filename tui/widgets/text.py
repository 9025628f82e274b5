"""Untrusted mail text as Rich `Text`: cleaned of control sequences, never parsed as markup."""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text

from kb.render import clean_terminal_text, format_date

# the first variant's verdict colours the badge: the bug shows (red) or cannot happen (green)
VERDICT_STYLES = {"sometimes": "bold red", "always": "bold red", "never": "bold green", "error": "bold magenta"}


def make_text(value: object, style: str = "") -> Text:
    """One piece of untrusted text, literally: `[PATCH v2]` and `[@click=...]` stay as typed."""
    return Text(clean_terminal_text("" if value is None else str(value)), style=style, end="")


def join_text(*parts: tuple[object, str] | Text | str) -> Text:
    """Concatenate (value, style) pairs, Text objects and trusted plain strings (no markup parsing)."""
    out = Text(end="")
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            out.append_text(make_text(part[0], part[1]))
        else:
            out.append(part)
    return out


def clip_line(text: Text) -> Text:
    """One screen line: no wrapping, an ellipsis where it is cut."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def format_day(value: datetime | None) -> str:
    return format_date(value)[:10]


def make_verdict_badge(verdict: str | None) -> Text:
    """A short coloured badge for a run summary like `base: Sometimes; fix: Never` (`–` when never run)."""
    if not verdict or not verdict.strip():
        return Text(" –  ", style="dim", end="")
    clean = clean_terminal_text(verdict)
    pairs = []  # (variant, its first condition's verdict) from "base: c=Sometimes; fix: c=Never"
    for part in clean.split(";"):
        name, _, rest = part.partition(":")
        found = re.search(r"\b(Never|Sometimes|Always|Inconclusive|inconclusive)\b", rest)
        if name.strip() and found:
            pairs.append((name.strip(), found.group(1)))
    if not pairs:
        word = clean.split()[0].strip(":,;")[:10]
        return Text(f" {word} ", style="reverse bold yellow", end="")
    first = pairs[0][1].lower()
    style = VERDICT_STYLES.get(first, "bold yellow")
    label = " ".join(f"{name[:8]}:{value[:1].upper()}" for name, value in pairs[:3])
    return Text(f" {label} ", style=f"reverse {style}", end="")
