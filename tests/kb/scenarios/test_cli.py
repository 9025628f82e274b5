"""`kb scenario` commands through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli.scenario import scenario
from kb.scenarios import find_library_scenarios


def lib(name: str) -> str:
    return str(next(p for p in find_library_scenarios() if p.name == name))


def test_check_judges_the_library() -> None:
    result = CliRunner().invoke(scenario, ["check", *map(str, find_library_scenarios()), "--no-witness"])
    assert result.exit_code == 0, result.output
    assert "MISMATCH" not in result.output and "Observation" in result.output


def test_check_exits_nonzero_on_mismatch(tmp_path: Path) -> None:
    text = Path(lib("seed002_truncate_isolate.kscen")).read_text().replace(" * Result[page-lock]: Never",
                                                                          " * Result[page-lock]: Sometimes")
    bad = tmp_path / "bad.kscen"
    bad.write_text(text)
    result = CliRunner().invoke(scenario, ["check", str(bad)])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and "expected Sometimes, got Never" in result.output


def test_run_json_and_variant() -> None:
    result = CliRunner().invoke(scenario, ["run", lib("seed002_truncate_isolate.kscen"), "--variant", "page-lock", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [v["variant"] for v in data["variants"]] == ["page-lock"]


def test_export_promela_to_file(tmp_path: Path) -> None:
    out = tmp_path / "t.pml"
    result = CliRunner().invoke(scenario, ["export", "--promela", lib("seed002_truncate_isolate.kscen"), "-o", str(out)])
    assert result.exit_code == 0
    assert "proctype monitor()" in out.read_text()


def test_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.kscen"
    bad.write_text("C x\n{}\nP0(f)\n{\n  system(1);\n}\nexists (uaf)\n")
    result = CliRunner().invoke(scenario, ["run", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == f"kb: {bad}:5:3: unknown primitive system()"
    missing = CliRunner().invoke(scenario, ["check", str(tmp_path / "nope.kscen")])
    assert missing.exit_code == 2 and missing.output.startswith("kb: ")


def test_help_has_examples() -> None:
    for command in ("check", "run", "export"):
        result = CliRunner().invoke(scenario, [command, "--help"])
        assert "Example:" in result.output
