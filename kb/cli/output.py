"""Printing for the CLI: JSON as is, mail text literally (no markup) and cleaned."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from kb.render import clean_terminal_text, count_noun, dump_json, format_date

_console: Console | None = None
SHOW_CHARS = 200_000  # of a body shown as text; the rest is announced, `kb show --raw` has it all


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


def print_raw(data: bytes) -> None:
    """A message's original bytes: as they are into a pipe or file, cleaned on a terminal."""
    out = sys.stdout.buffer
    if out.isatty():
        click.echo(clean_terminal_text(data.decode("utf-8", "replace")))
    else:
        out.write(data)
        out.flush()


def render_thread_tree(view: Any) -> None:
    thread = view.thread
    print_text(f"{thread.subject}", style="bold")
    print_text(f"{thread.root_message_id}  ({count_noun(thread.message_count, 'message')}; "
               f"lists: {', '.join(view.lists) or '-'})", style="dim")
    for m in view.messages:
        author = m.author_name or m.author_email or "(unknown)"
        marker = f" (recovered, extent {m.extent})" if m.recovered else ""
        print_text(f"{'  ' * m.depth}{format_date(m.date)}  {author}: {m.subject}{marker}")


def show_message(library: Any, message_id: str, quotes: bool) -> None:
    """A message as segments: quotes folded to their attribution (unless `quotes`), patches
    with file and hunk headers, trailers listed."""
    message = library.show_message(message_id)
    summary = message.summary
    print_text("")
    address = f" <{summary.author_email}>" if summary.author_email else ""
    print_text(f"From: {summary.author_name}{address}", style="bold")
    print_text(f"Date: {format_date(summary.date).strip()}")
    print_text(f"Subject: {summary.subject}")
    print_text(f"Message-ID: {summary.message_id}")
    for other in message.reused_by:
        print_text(f"Message-ID also used by another message, kept as: {other}", style="dim")
    if message.recovery is not None:
        print_text(describe_recovery(message.recovery), style="dim")
    print_text("")
    body = message.body[:SHOW_CHARS]
    if not message.segments:
        print_text(body)
    for segment in (g for g in message.segments if g.start < len(body)):
        text = body[segment.start:segment.end].rstrip("\n")
        if segment.kind == "quote" and not quotes:
            lines = text.count("\n") + 1
            who = segment.name or segment.email or "unknown"
            print_text(f"{'>' * segment.depth} [{lines} quoted lines from {who}]", style="dim")
        elif segment.kind == "quote":
            print_text(text, style="cyan")
        elif segment.kind == "patch":
            print_patch(text)
        elif segment.kind in ("signature", "footer"):
            print_text(text, style="dim")
        elif segment.kind == "attribution":
            print_text(text, style="italic")
        else:
            print_text(text)
    if len(message.body) > SHOW_CHARS:
        more = len(message.body[SHOW_CHARS:].encode("utf-8", "replace"))
        print_text(f"[truncated: {more} bytes more; kb show --raw {summary.message_id}]", style="bold")
    if message.patches:
        print_text("")
        for patch in message.patches:
            print_text(f"patch: {patch.path} ({patch.status}, +{patch.added}/-{patch.removed})"
                       + (f" in {', '.join(patch.functions)}" if patch.functions else ""), style="bold")
    for trailer in message.trailers:
        print_text(f"trailer: {trailer.kind}: {trailer.name or trailer.value} {trailer.email}".rstrip(), style="green")


def print_thread_findings(found: Any) -> None:
    """A thread's races, fixes and objections, each with the id `kb race` and `kb fix-fact` take."""
    if not (found.races or found.fixes or found.objections):
        return
    print_text("")
    print_text("Findings:", style="bold")
    for r in found.races:
        print_text(f"  race {r.id} ({r.consequence}): {r.summary}")
    for f in found.fixes:
        race = f" for race {f.race_id}" if f.race_id is not None else ""
        print_text(f"  fix {f.id}{race} ({f.kind}, {f.status}) by {f.proposed_by or 'unknown'}: {f.summary}")
    for o in found.objections:
        against = f" to fix {o.fix_id}" if o.fix_id is not None else ""
        state = "resolved" if o.resolved else "open"
        print_text(f"  objection {o.id}{against} ({o.reason}, {state}) by {o.by or 'unknown'}")


def print_revisions(revision: Any, current: str | None = None) -> None:
    """A revision group: title, author and change-id, then one line per version (`*` marks `current`)."""
    change_id = f"  change-id: {revision.change_id}" if revision.change_id else ""
    print_text(f"{revision.title}  <{revision.author_email}>{change_id}", style="bold")
    versions = [item.version for item in revision.series]
    for item in revision.series:
        mark = "*" if item.first_message_id == current else " "
        title = f"  {item.title}" if item.title != revision.title else ""
        tag = f"  [{item.tag}]" if versions.count(item.version) > 1 and item.tag else ""
        if item.first_part > 1:
            parts = f"only patch {item.first_part}/{item.total} here" if item.parts == 1 else \
                f"{item.parts} of {item.total} patches, from {item.first_part}/{item.total}"
        else:
            noun = "patch" if item.total == 1 else "patches"
            parts = f"{item.parts}/{item.total} {noun}" + (" + cover letter" if item.first_part == 0 else "")
        print_text(f" {mark}v{item.version}  {format_date(item.first_date)}  {parts}  <{item.first_message_id}>"
                   f"{tag}{title}")


def describe_recovery(recovery: Any) -> str:
    """'Recovered: quote depth 1 on PAGE, author from attribution; extent aligned with <id>'."""
    where = f"Recovered: quote depth {recovery.quote_depth} on {recovery.page}, author from {recovery.author_source}"
    against = ", ".join(f"<{i}>" for i in recovery.aligned_with)
    if recovery.extent == "aligned":
        return f"{where}; extent aligned with {against}"
    if against:
        return f"{where}; extent heuristic (quote ends guessed; partly aligned with {against})"
    return f"{where}; extent heuristic (quote ends guessed from the page)"


def print_patch(text: str) -> None:
    """A patch coloured line by line, printed as one text (one console call per line costs ~0.4 ms)."""
    out = Text()
    for line in clean_terminal_text(text).split("\n"):
        if line.startswith(("diff --git", "+++", "---", "index ")):
            style = "bold"
        elif line.startswith("@@"):
            style = "magenta"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        out.append(line + "\n", style)
    out.rstrip()
    get_console().print(out)
