"""Untrusted mail text as Rich `Text`: cleaned of control sequences, never parsed as markup."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from kb.render import clean_terminal_text, format_date

VERDICT_STYLES = {"pass": "bold green", "ok": "bold green", "holds": "bold green", "fail": "bold red",
                  "violated": "bold red", "race": "bold red", "error": "bold magenta"}


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
    """A short coloured badge for a scenario verdict summary (`-` when never run)."""
    if not verdict:
        return Text(" –  ", style="dim", end="")
    word = clean_terminal_text(verdict).split()[0].strip(":,;").lower() if verdict.strip() else "?"
    style = next((s for key, s in VERDICT_STYLES.items() if key in word), "bold yellow")
    return Text(f" {word[:10]} ", style=f"reverse {style}", end="")
