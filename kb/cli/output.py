"""Printing for the CLI: JSON as is, mail text literally (no markup) and cleaned."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.text import Text

from kb.render import clean_terminal_text, dump_json, format_date

_console: Console | None = None


def get_console() -> Console:
    global _console
    if _console is None:
        _console = Console(highlight=False, soft_wrap=True)
    return _console


def print_json(data: Any) -> None:
    click.echo(dump_json(data))


def print_text(text: str, style: str | None = None) -> None:
    """Untrusted text printed literally: `[PATCH v2]` survives, escape sequences do not."""
    get_console().print(Text(clean_terminal_text(text), style=style or ""))


def render_thread_tree(view: Any) -> None:
    thread = view.thread
    print_text(f"{thread.subject}", style="bold")
    print_text(f"{thread.root_message_id}  ({thread.message_count} messages; lists: {', '.join(view.lists) or '-'})",
               style="dim")
    for m in view.messages:
        author = m.author_name or m.author_email or "(unknown)"
        marker = " (recovered)" if m.recovered else ""
        print_text(f"{'  ' * m.depth}{format_date(m.date)}  {author}: {m.subject}{marker}")


def show_message(library: Any, message_id: str, quotes: bool) -> None:
    message = library.show_message(message_id)
    summary = message.summary
    print_text("")
    print_text(f"From: {summary.author_name} <{summary.author_email}>", style="bold")
    print_text(f"Date: {format_date(summary.date)}")
    print_text(f"Subject: {summary.subject}")
    print_text(f"Message-ID: {summary.message_id}")
    print_text("")
    print_text(message.body)
