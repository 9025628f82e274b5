"""The last line of defence: one line, exit 3; KB_DEBUG=1 shows the traceback (even for EOFError,
which click would otherwise turn into a bare "Aborted!")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb.cli.main import KbGroup

ROOT = Path(__file__).resolve().parents[3]


@click.group(cls=KbGroup)
def group() -> None:
    pass


@group.command()
def explode() -> None:
    raise EOFError("Compressed file ended before the end-of-stream marker was reached")


# in a process of its own: pytest's log capture would take the record that Python otherwise
# prints on stderr when no handler is set up
INTERRUPTED_FETCH = """
import logging
import click
from kb.cli.main import KbGroup

@click.group(cls=KbGroup)
def group():
    pass

@group.command()
def fetch():
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:  # what SQLAlchemy does when Ctrl-C lands in a fetch, then re-raises
        logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Error closing cursor", exc_info=True)
        raise

group(["fetch"])
"""


@pytest.mark.parametrize(("debug", "traceback"), [(None, False), ("1", True)])
def test_ctrl_c_in_a_database_fetch_is_one_line(debug: str | None, traceback: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KB_DEBUG"} | ({"KB_DEBUG": debug} if debug else {})
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_FETCH], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 130
    assert ("Traceback" in done.stderr) is traceback
    assert done.stderr.strip().splitlines()[-1].startswith("kb: interrupted")


@pytest.mark.parametrize(("debug", "traceback"), [(None, False), ("1", True)])
def test_internal_error_exit_3_and_traceback_only_when_debugging(debug: str | None, traceback: bool) -> None:
    result = CliRunner().invoke(group, ["explode"], env={"KB_DEBUG": debug}, catch_exceptions=False)
    assert result.exit_code == 3
    assert ("Traceback" in result.stderr) is traceback
    assert "Aborted!" not in result.stderr
    if not traceback:
        assert result.stderr.startswith("kb: internal error: Compressed file ended") and result.stderr.count("\n") == 1
        assert "EOFError" not in result.stderr    # kb's words, never a Python class name


class FakeDatabaseError(Exception):
    orig = ValueError("value too long for type character varying(255)\nDETAIL: ...")

    def __str__(self) -> str:
        return "(psycopg.errors.StringDataRightTruncation) value too long\n[SQL: INSERT INTO x VALUES (%s)]\n" \
               "[parameters: ('secret', 'a', 'b')]"


@group.command()
def database() -> None:
    raise FakeDatabaseError()


def test_database_error_is_its_first_line_never_the_sql() -> None:
    result = CliRunner().invoke(group, ["database"], env={"KB_DEBUG": None}, catch_exceptions=False)
    assert result.exit_code == 3
    assert result.stderr == ("kb: internal error: value too long for type character "
                             "varying(255) (KB_DEBUG=1 shows the traceback)\n")
