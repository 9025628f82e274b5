"""The last line of defence: one line, exit 3; KB_DEBUG=1 shows the traceback (even for EOFError,
which click would otherwise turn into a bare "Aborted!")."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from kb.cli.main import KbGroup


@click.group(cls=KbGroup)
def group() -> None:
    pass


@group.command()
def explode() -> None:
    raise EOFError("Compressed file ended before the end-of-stream marker was reached")


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
