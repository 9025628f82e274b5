"""`kb tui`: browse race histories, threads and people in the terminal."""

from __future__ import annotations

import click

from kb.cli.main import open_library


@click.command("tui")
@click.pass_context
def tui_command(ctx: click.Context) -> None:
    """Browse races (grouped into histories), threads, search and people in a terminal UI.

    Keys: j/k move, enter opens, esc/q goes back, / searches, ? shows help.

    Example: kb --db /tmp/kb.sqlite tui
    """
    from tui.app import run_app

    run_app(open_library(ctx))
