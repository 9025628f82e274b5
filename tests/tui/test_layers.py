"""Layer rules for the TUI: no sqlalchemy or kb.models in tui/, lazy import from the CLI, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
TUI = ROOT / "tui"
FORBIDDEN = ("sqlalchemy", "kb.models", "kb.db", "ingest")


def list_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_tui_never_imports_the_database_layers() -> None:
    for path in TUI.rglob("*.py"):
        for name in list_imports(path):
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path}: imports {name}"


def test_tui_never_opens_a_session() -> None:
    for path in TUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ".session(" not in text and ".factory" not in text, f"{path} touches the database directly"


def test_tui_modules_are_small() -> None:
    for path in TUI.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path


def test_tui_command_imports_textual_lazily() -> None:
    code = "import sys, kb.cli.tui_command; print('textual' in sys.modules, 'tui.app' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_tui_command_help() -> None:
    from kb.cli.tui_command import tui_command

    result = CliRunner().invoke(tui_command, ["--help"])
    assert result.exit_code == 0 and "Example: kb" in result.output


def test_tui_command_runs_the_app_on_the_library(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import tui.app
    from kb.cli.main import cli
    from kb.cli.tui_command import tui_command

    seen = []
    monkeypatch.setattr(tui.app, "run_app", lambda library: seen.append(library))
    if "tui" not in cli.commands:
        monkeypatch.setitem(cli.commands, "tui", tui_command)
    from kb.config import load_settings
    from kb.library import Library

    Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}"))  # `kb tui` opens a KB, never makes one
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'kb.sqlite'}", "tui"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and str(tmp_path) in seen[0].settings.db_url
