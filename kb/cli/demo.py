"""`kb demo`: the quick start's main job on the bundled data."""

from __future__ import annotations

import sys

import click

from kb.cli.main import open_library
from kb.cli.output import print_text
from kb.render import count_noun
from kb.config import find_bundled_data
from kb.scenario_store import find_library_scenarios


@click.command()
@click.option("--no-tui", is_flag=True, help="Print the summary even on a terminal.")
@click.pass_context
def demo(ctx: click.Context, no_tui: bool) -> None:
    """Ingest the bundled data (seed pages, scenario library) and show what kb knows.

    Opens the TUI on a terminal; prints a summary otherwise.

    Example: kb demo --no-tui
    """
    from ingest.pipeline import run_ingest

    library = open_library(ctx, create=True)
    data = find_bundled_data()
    report = run_ingest(library.factory, [str(data / "seeds")], list_name="seed", workers=0,
                        index_dir=library.settings.index_dir)
    print_text(f"ingested {data / 'seeds'}: read {report.read}, stored {report.stored}, "
               f"present {report.present}, skipped {len(report.skipped)}")
    links = library.link_library_scenarios()
    shipped = len(find_library_scenarios())
    unlinked = f" (the other {shipped - len(links)} are about threads not in this KB)" if shipped > len(links) else ""
    print_text(f"linked and ran {len(links)} of {shipped} scenarios from {data / 'scenarios'}{unlinked}")
    print_text(f"database: {library.settings.db_url}")
    if sys.stdout.isatty() and sys.stdin.isatty() and not no_tui:
        from tui.app import run_app

        run_app(library)
        return
    for key, value in library.count_stats().items():
        print_text(f"{key:>20}: {value}")
    total, threads = library.list_threads(limit=20)
    for t in threads:
        print_text(f"  {count_noun(t.message_count, 'message'):>12}  {t.subject or t.root_message_id}")
