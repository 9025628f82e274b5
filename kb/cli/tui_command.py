"""`kb tui`: browse race histories, threads and people in the terminal."""

from __future__ import annotations

import click

from kb.cli.main import open_library


@click.command("tui")
@click.pass_context
def tui_command(ctx: click.Context) -> None:
    """Browse races (grouped into histories), threads, search and people in a terminal UI.

    Keys: j/k move, enter opens, esc goes back, q quits, / searches, ? shows help (every badge
    and chip explained). `kb --db PATH tui` browses another KB.

    Example: kb tui
    """
    from tui.app import run_app

    run_app(open_library(ctx))
