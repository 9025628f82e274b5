"""Errors: one line in kb's words; KB_DEBUG=1 always shows the traceback."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from kb.cli.main import KbGroup
from kb.errors import describe_exception


def make_failing_cli(error: BaseException) -> click.Group:
    @click.group(cls=KbGroup)
    def group() -> None:
        pass

    @group.command()
    def boom() -> None:
        raise error

    return group


@pytest.mark.parametrize("error", [EOFError(), ValueError("bad value"), KeyError("k")], ids=lambda e: type(e).__name__)
def test_internal_error_is_one_line_without_class_name(error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KB_DEBUG", raising=False)
    result = CliRunner().invoke(make_failing_cli(error), ["boom"])
    assert result.exit_code == 3
    assert result.stderr.startswith("kb: internal error: ") and result.stderr.count("\n") == 1
    assert type(error).__name__ not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("error", [EOFError(), ValueError("bad value")], ids=lambda e: type(e).__name__)
def test_kb_debug_shows_the_traceback(error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_DEBUG", "1")
    result = CliRunner().invoke(make_failing_cli(error), ["boom"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr and type(error).__name__ in result.stderr
    assert "Aborted" not in result.stderr


def test_sqlalchemy_error_loses_statement_and_background_link() -> None:
    error = OperationalError("SELECT 1", {}, Exception("unable to open database file"))
    assert "Background on this error" in str(error)
    assert describe_exception(error) == "unable to open database file"


@pytest.mark.parametrize("text, expected", [
    ("(psycopg.OperationalError) connection refused", "connection refused"),
    ("ValueError: bad", "bad"),
    ("plain words (see https://example.org/x)", "plain words"),
    ("", "unexpected failure"),
])
def test_describe_exception_drops_library_words(text: str, expected: str) -> None:
    assert describe_exception(Exception(text)) == expected
