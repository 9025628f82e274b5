"""The `kb` command: the composition root. Imports ingest and tui lazily inside commands."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from kb import __version__
from kb.errors import KbError, describe_exception


def silence_library_logs() -> None:
    """kb says what went wrong in one line; SQLAlchemy's own error log ("Error closing cursor",
    with a traceback, when Ctrl-C lands while it fetches rows) stays unprinted (Python prints a
    record of a logger without handlers on stderr). KB_DEBUG leaves it printed."""
    logger = logging.getLogger("sqlalchemy")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


class KbGroup(click.Group):
    """Turns KbError (and Ctrl-C) into one line on stderr and an exit status; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        if not os.environ.get("KB_DEBUG"):
            silence_library_logs()
        try:
            return super().invoke(ctx)
        except KbError as exc:
            click.echo(f"kb: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("kb: interrupted (what was committed is kept; re-run to continue)", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
            from kb.index_health import describe_failure

            known = describe_failure(exc, name_database(ctx))  # a full disk, a read-only file, a damaged index
            if known and not os.environ.get("KB_DEBUG"):
                click.echo(f"kb: {known}", err=True)
                sys.exit(2)
            if os.environ.get("KB_DEBUG"):  # printed here: click turns a re-raised EOFError into "Aborted!"
                traceback.print_exc()
            click.echo(f"kb: internal error: {describe_exception(exc)} (KB_DEBUG=1 shows the traceback)", err=True)
            sys.exit(3)


def name_database(ctx: click.Context) -> str:
    """The KB's database as a user named it (a SQLite file's path, else the URL)."""
    from kb.config import load_settings
    from kb.db import find_sqlite_path

    try:
        url = load_settings((ctx.obj or {}).get("db")).db_url
    except KbError:
        return "database"
    return str(find_sqlite_path(url) or url)


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", envvar="KB_DB", metavar="URL",
              help="Database URL or SQLite path (default $XDG_DATA_HOME/kb/kb.sqlite; env KB_DB).")
@click.option("--index", "index", envvar="KB_INDEX", metavar="DIR", help="Search index directory (env KB_INDEX).")
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, db: str | None, index: str | None) -> None:
    """kb: a knowledge base of Linux-kernel concurrency-bug discussions.

    Example: kb ingest data/seeds/ && kb threads --limit 10
    """
    ctx.obj = {"db": db, "index": index}


def open_library(ctx: click.Context, create: bool = False) -> Any:
    """The KB named by --db / KB_DB; only commands that write (`create`) may make a new one."""
    from kb.config import load_settings
    from kb.library import Library

    root = ctx.find_root()
    return Library(load_settings(root.obj["db"], root.obj["index"]), create=create)


def remember_no_wait(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.find_root().obj = {**(ctx.find_root().obj or {}), "no_wait": value}
    return value


no_wait_option = click.option(
    "--no-wait", is_flag=True, expose_value=False, callback=remember_no_wait,
    help="Refuse, instead of waiting, when another writer (ingest, reindex, ...) holds the KB.")


@contextmanager
def hold_writer(ctx: click.Context, library: Any, what: str) -> Iterator[None]:
    """Be this KB's only writer for the block: wait, saying for whom, or refuse with --no-wait."""
    from kb.writer_lock import hold_writer_lock

    with hold_writer_lock(library.settings.db_url, library.factory.kw["bind"], what,
                          wait=not ctx.find_root().obj.get("no_wait"),
                          notify=lambda line: click.echo(f"kb: {line}", err=True)):
        yield


def register_commands() -> None:
    from kb.cli import findings_commands, mail_commands
    from kb.cli.demo import demo
    from kb.cli.scenario import scenario
    from kb.cli.tui_command import tui_command

    for command in [*mail_commands.COMMANDS, *findings_commands.COMMANDS, demo, scenario, tui_command]:
        cli.add_command(command)


def main() -> None:
    from kb.child_processes import make_children_die_with_parent

    make_children_die_with_parent()
    register_commands()
    cli(prog_name="kb")
