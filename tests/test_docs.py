"""Every command in the README and every `Example:` of every `--help` runs on the demo's KB
(the bundled data, as `make demo` builds it) and prints something (in the spirit of
sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from kb.cli.main import cli, register_commands
from tests.conftest import ROOT, SHARED, require_shared

register_commands()
KB = Path(sys.executable).with_name("kb")
# `kb tui` needs a terminal: tests/tui/test_terminal.py drives it (and `make demo`'s TUI) in tmux
NEEDS_TERMINAL = {"kb tui"}


def list_readme_commands() -> list[str]:
    """The commands of the README's ```sh blocks: comments dropped, `\\` continuations joined."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#(?:\s.*)?$", "", line).strip()
            if command and not command.startswith("make "):
                commands.append(command)
    return commands


def list_help_examples(group: click.Group = cli) -> list[str]:
    """The `Example:` line of every command's help, subcommands included, each once."""
    examples = re.findall(r"Example: (.+)", group.help or "")
    for _, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            examples += list_help_examples(command)
        else:
            examples += re.findall(r"Example: (.+)", command.help or "")
    return list(dict.fromkeys(examples))


def prepare_workdir(tmp_path: Path, demo_kb: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the demo KB, and a working directory where `data/` and `../shared/` are the real ones."""
    kb_dir = tmp_path / "kb"
    shutil.copytree(demo_kb.parent, kb_dir)
    work = tmp_path / "work"
    work.mkdir()
    (work / "data").symlink_to(ROOT / "data")
    (tmp_path / "shared").symlink_to(SHARED)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "PYTEST_"))}
    env.update(KB_DB=str(kb_dir / demo_kb.name), XDG_DATA_HOME=str(tmp_path / "xdg"),
               PATH=f"{KB.parent}{os.pathsep}{env.get('PATH', '')}", COLUMNS="160")
    return work, env


def find_written_file(command: str, work: Path) -> Path | None:
    """The file a `> FILE` redirection or an `-o FILE` option writes."""
    found = re.search(r"(?:>|-o)\s+(\S+)\s*$", command)
    return work / found.group(1) if found else None


def run_example(command: str, tmp_path: Path, demo_kb: Path) -> None:
    if command.startswith(". "):     # `. .venv/bin/activate`: the test puts the same kb on PATH
        assert (ROOT / shlex.split(command)[1]).exists() or KB.exists()
        return
    if command in NEEDS_TERMINAL:
        pytest.skip(f"{command!r} needs a terminal: tests/tui/test_terminal.py runs it in tmux")
    for path in re.findall(r"\.\./shared/(\S+)", command):
        require_shared(*path.split("/"))
    work, env = prepare_workdir(tmp_path, demo_kb)
    proc = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    written = find_written_file(command, work)
    shown = written.read_text() if written is not None else proc.stdout
    assert shown.strip(), f"{command} printed nothing (stderr: {proc.stderr})"
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize("command", list_readme_commands())
def test_readme_command_runs_on_the_demo_kb(command: str, tmp_path: Path, demo_kb: Path) -> None:
    run_example(command, tmp_path, demo_kb)


@pytest.mark.parametrize("command", list_help_examples())
def test_help_example_runs_on_the_demo_kb(command: str, tmp_path: Path, demo_kb: Path) -> None:
    run_example(command, tmp_path, demo_kb)


def test_every_command_has_an_example() -> None:
    def walk(group: click.Group) -> list[str]:
        missing = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                missing += walk(command)
            if "Example: " not in (command.help or ""):
                missing.append(name)
        return missing

    assert walk(cli) == []
    assert len(list_readme_commands()) >= 15 and len(list_help_examples()) >= 20
    assert len(set(list_help_examples())) == len(list_help_examples())


def test_example_parsers_find_what_they_should(tmp_path: Path) -> None:
    assert find_written_file("kb export --format jsonl > kb.jsonl", tmp_path) == tmp_path / "kb.jsonl"
    assert find_written_file("kb scenario draft 3 -o race3.kscen", tmp_path) == tmp_path / "race3.kscen"
    assert find_written_file("kb races --json", tmp_path) is None
    readme = list_readme_commands()
    assert "kb race 3" in readme and not any("#" in c or c.endswith("\\") for c in readme)


def test_make_demo_says_how_to_reach_kb() -> None:
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo:"):].split("\n\n")[0]
    assert "$(BIN)/activate" in demo
    assert "VENV    := .venv\n" in makefile and list_readme_commands()[0] == ". .venv/bin/activate"


def test_license_is_an_spdx_string() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)   # the table form is deprecated by setuptools
    assert not any(c.startswith("License ::") for c in project["project"].get("classifiers", []))
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])
