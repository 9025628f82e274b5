"""Commands over mail: ingest, threads, show, stats, export."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

import click

from kb.cli.main import hold_writer, no_wait_option, open_library
from kb.cli.output import print_json, print_text, render_thread_tree
from kb.render import count_noun, format_date, format_iso


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--list", "list_name", metavar="NAME", help="List name to record (default: the List-Id header).")
@click.option("--workers", type=click.IntRange(0, 64), default=2, show_default=True, help="Parser processes.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary (with each stage's wall and CPU s) as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines (on a pipe: one line on stderr every 10 s, "
                                            "or every $KB_PROGRESS_INTERVAL s).")
@no_wait_option
@click.pass_context
def ingest(ctx: click.Context, sources: tuple[str, ...], list_name: str | None, workers: int, as_json: bool,
           quiet: bool) -> None:
    """Ingest mbox(.gz), Maildir, .eml, public-inbox epochs, web pages or directories ("-": stdin).

    Runs the stages read, parse, store, merge pages, thread, series, extract, link histories and
    index, and completes whatever an earlier run left missing or stale.

    Example: kb ingest data/seeds/ --list seed --json
    """
    run_pipeline(ctx, sources, list_name, workers, as_json, quiet)


@click.command()
@click.option("--workers", type=click.IntRange(0, 64), default=2, show_default=True, help="Worker processes.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary (with each stage's wall and CPU s) as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.pass_context
def refresh(ctx: click.Context, workers: int, as_json: bool, quiet: bool) -> None:
    """Ingest nothing new; complete what is missing or stale (threads, extraction, the index),
    e.g. after an interrupted ingest or a new extractor.

    Example: kb refresh
    """
    run_pipeline(ctx, (), None, workers, as_json, quiet)


def run_pipeline(ctx: click.Context, sources: tuple[str, ...], list_name: str | None, workers: int,
                 as_json: bool, quiet: bool) -> None:
    from ingest.children import stop_children
    from ingest.pipeline import run_ingest
    from ingest.sources.detect import NOT_MAIL
    from kb.cli.progress import make_progress

    library = open_library(ctx, create=bool(sources))   # refresh needs an existing KB
    with hold_writer(ctx, library, "ingest" if sources else "refresh"), make_progress(quiet) as progress:
        try:
            report = run_ingest(library.factory, sources, list_name, workers=workers, progress=progress,
                                index_dir=library.settings.index_dir)
        except KeyboardInterrupt:
            stop_children()
            raise
    if as_json:
        print_json(report.to_json())
        return
    if sources:
        reused = f" ({report.reused} under ids derived from reused Message-IDs)" if report.reused else ""
        print_text(f"read {report.read}, stored {report.stored}{reused}, present {report.present}, "
                   f"skipped {len(report.skipped)}; {report.threads} threads; {report.seconds:.1f} s")
    else:
        print_text(f"{report.threads} threads; {report.seconds:.1f} s")
    if report.extracted:
        found = report.extracted
        print_text(f"extracted {found.threads} threads: {found.races} races, {found.fixes} fixes, "
                   f"{found.objections} objections, {report.histories} histories")
    print_text(f"indexed {report.indexed} messages")
    for item in report.skipped:
        print_text(f"  skipped {item.source} {item.position}: {item.reason}")
    for path in report.unread:
        print_text(f"  not read {path}: {NOT_MAIL}")


@click.command()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def threads(ctx: click.Context, limit: int, offset: int, as_json: bool) -> None:
    """List threads, most recent activity first.

    Example: kb threads --limit 10 --json
    """
    total, rows = open_library(ctx).list_threads(limit, offset)
    if as_json:
        print_json({"count": total, "threads": [
            {"id": t.id, "root": t.root_message_id, "subject": t.subject, "messages": t.message_count,
             "first_date": format_iso(t.first_date), "last_date": format_iso(t.last_date)} for t in rows]})
        return
    print_text(f"{'id':>6}  {'last message':<16}  {'msgs':>4}  subject", style="bold")
    for t in rows:
        print_text(f"{t.id:>6}  {format_date(t.last_date)}  {t.message_count:>4}  {t.subject}")
    print_text(f"({len(rows)} of {count_noun(total, 'thread')})")


@click.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quotes", is_flag=True, help="Unfold quoted text (folded to its attribution line by default).")
@click.option("--raw", is_flag=True, help="The message's original bytes, whole (cleaned on a terminal).")
@click.pass_context
def show(ctx: click.Context, key: str, as_json: bool, quotes: bool, raw: bool) -> None:
    """Show a thread (by id or any member's message-id) as a tree with its races, fixes and
    objections, or one message; for a patch series' message (or a thread rooted at a cover
    letter) also the series' revisions v1..vN.

    Example: kb show 3 --quotes
    """
    from kb.cli.output import print_revisions, print_thread_findings, show_message

    library = open_library(ctx)
    if raw:
        from kb.cli.output import print_raw

        print_raw(library.show_raw(key))
        return
    view = library.show_thread(key)
    key = key.strip().strip("<>")
    message_id = view.thread.root_message_id if key.isdigit() else key
    revisions = library.find_revisions(message_id)
    found = library.list_thread_findings(key)
    if as_json:
        print_json({"thread": view.thread.root_message_id, "subject": view.thread.subject,
                    "lists": list(view.lists), "messages": [
                        {"message_id": m.message_id, "author": {"name": m.author_name, "email": m.author_email},
                         "date": format_iso(m.date), "subject": m.subject, "parent": m.parent, "depth": m.depth,
                         **({"recovered": True, "extent": m.extent} if m.recovered else {})}
                        for m in view.messages],
                    "revisions": asdict(revisions) if revisions else None, **asdict(found)})
        return
    render_thread_tree(view)
    print_thread_findings(found)
    if not key.isdigit():
        show_message(library, key, quotes)
    if revisions:
        print_text("")
        print_text("Revisions:", style="bold")
        print_revisions(revisions, current=message_id)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--skipped", is_flag=True, help="Also list quarantined messages.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool, skipped: bool) -> None:
    """Counts of what the KB holds.

    Example: kb stats --json
    """
    library = open_library(ctx)
    counts = library.count_stats()
    if as_json:
        data: dict[str, Any] = dict(counts)
        if skipped:
            data["skipped"] = [{"source": s, "position": p, "reason": r} for s, p, r in library.list_quarantine()]
        print_json(data)
        return
    for key, value in counts.items():
        print_text(f"{key:>20}: {value}")
    if skipped:
        for source, position, reason in library.list_quarantine():
            print_text(f"  {source} {position}: {reason}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--thread", "thread_keys", multiple=True, help="Only these threads (root or member message-id).")
@click.pass_context
def export(ctx: click.Context, fmt: str, thread_keys: tuple[str, ...]) -> None:
    """Export threads as JSON lines in the shape of gold/SCHEMA.md.

    Example: kb export --format jsonl > kb.jsonl
    """
    from kb.export import iter_export_lines

    for line in iter_export_lines(open_library(ctx), thread_keys):
        click.echo(line)


@click.command()
@click.argument("query")
@click.option("--threads", "by_thread", is_flag=True,
              help="One hit per thread; a patch series' revisions fold into one hit showing the latest.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, query: str, by_thread: bool, sort: str, limit: int, as_json: bool) -> None:
    """Search with lore's query language (s: f: b: d: dfn: ...) plus race: fix: sym: has: ...

    Words in English text (subjects, bodies, race: fix: objection:) are stemmed: race:resize
    also finds "resizing". Exact match: quote it (race:"resize", phrases are always exact) or
    write race:=resize. Code, paths, addresses and sym: are always exact. Finding prefixes
    combine per thread: fix:READ_ONCE objection:performance finds threads holding both.

    Example: kb search 'b:swapoff d:2017-12..' --threads
    """
    result = open_library(ctx).search(query, limit=limit, sort=sort, threads=by_thread)
    if as_json:
        print_json({"query": query, "total": result.total, "hits": [
            {"message_id": h.message_id, "thread": h.thread_id, "date": format_iso(h.date), "author": h.author,
             "subject": h.subject, "score": h.score, "snippet": h.snippet, "revisions": h.revisions}
            for h in result.hits]})
        return
    for hit in result.hits:
        folded = f"  ({hit.revisions} revisions)" if hit.revisions > 1 else ""
        print_text(f"{format_date(hit.date)}  {hit.author}  {hit.subject}{folded}", style="bold")
        print_text(f"    <{hit.message_id}>  thread <{hit.thread_id}>", style="dim")
        print_text(f"    {' '.join(hit.snippet.split())}")
    print_text(f"({len(result.hits)} of {count_noun(result.total, 'hit')})")


@click.command()
@no_wait_option
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database.

    Example: kb reindex
    """
    library = open_library(ctx)
    with hold_writer(ctx, library, "reindex"):
        count = library.reindex()
    print_text(f"indexed {count} messages")


@click.command()
@click.option("--repair", is_flag=True, help="Index what is missing or stale; drop what is gone.")
@click.option("--json", "as_json", is_flag=True)
@no_wait_option
@click.pass_context
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Report messages missing from, or stale in, the search index (and repair them), and the
    threads that wait for extraction or indexing (`kb refresh` completes them).

    Example: kb check --repair
    """
    from ingest.pipeline import find_pending
    from kb.index_health import require_sound_index

    library = open_library(ctx)
    require_sound_index(library.settings.index_dir)
    with hold_writer(ctx, library, "check --repair") if repair else nullcontext():
        result = library.check_index(repair)
    pending = find_pending(library.factory, library.settings.index_dir)
    if as_json:
        print_json({"missing": list(result.missing), "stale": list(result.stale), "extra": list(result.extra),
                    "repaired": result.repaired, "pending": asdict(pending)})
        return
    print_text(f"missing {len(result.missing)}, stale {len(result.stale)}, unknown {len(result.extra)}"
               + ("; repaired" if result.repaired and (result.missing or result.stale or result.extra) else ""))
    print_text(describe_pending(pending))


def describe_pending(pending: Any) -> str:
    """The ledger's view in one line."""
    waits = [f"{count:,} threads wait for {what}" for count, what in
             ((pending.extract, "extraction"), (pending.index, "indexing")) if count]
    if not waits:
        return f"all {pending.threads:,} threads extracted and indexed"
    return "; ".join(waits) + "; run kb refresh"


COMMANDS = [ingest, refresh, threads, show, stats, export, search, reindex, check]
