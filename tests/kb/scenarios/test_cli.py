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


def write_batch(tmp_path: Path) -> list[str]:
    """A good file, a file that fails to parse, and a file whose Result header is wrong."""
    good = tmp_path / "a_good.kscen"
    good.write_text("C good\n(*\n * Result: Sometimes\n *)\n{}\nP0(f)\n{\n  WRITE_ONCE(x, 1);\n}\n"
                    "P1(g)\n{\n  int r0;\n  r0 = READ_ONCE(x);\n}\nexists (1:r0=1)\n")
    broken = tmp_path / "b_broken.kscen"
    broken.write_text("C broken\n{}\nP0(f)\n{\n  frobnicate(x);\n}\nexists (uaf)\n")
    wrong = tmp_path / "c_wrong.kscen"
    wrong.write_text(good.read_text().replace("Result: Sometimes", "Result: Never"))
    return [str(good), str(broken), str(wrong)]


def test_check_goes_past_a_failing_file_and_reports_every_file(tmp_path: Path) -> None:
    good, broken, wrong = write_batch(tmp_path)
    result = CliRunner().invoke(scenario, ["check", broken, good, wrong, "--no-witness"])
    assert result.exit_code == 2
    assert f"kb: {broken}:5:3: unknown primitive frobnicate()" in result.output
    assert f"ERROR: {broken}" in result.output and f"ok: {good}" in result.output
    assert f"FAIL: {wrong}" in result.output and "MISMATCH" in result.output
    assert "checked 3 file(s): 1 ok, 1 mismatched or inconclusive, 1 failed" in result.output


def test_check_json_lists_every_file_and_exits_nonzero(tmp_path: Path) -> None:
    good, broken, wrong = write_batch(tmp_path)
    result = CliRunner().invoke(scenario, ["check", "--json", "--no-witness", good, broken, wrong])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [(d["file"], d["status"]) for d in data] == [(good, "ok"), (broken, "error"), (wrong, "fail")]
    assert "unknown primitive frobnicate()" in data[1]["error"]
    only_wrong = CliRunner().invoke(scenario, ["check", "--json", "--no-witness", good, wrong])
    assert only_wrong.exit_code == 1 and len(json.loads(only_wrong.stdout)) == 2


def test_run_exits_nonzero_on_a_mismatch(tmp_path: Path) -> None:
    good, _, wrong = write_batch(tmp_path)
    assert CliRunner().invoke(scenario, ["run", good]).exit_code == 0
    result = CliRunner().invoke(scenario, ["run", wrong])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and "expected Never, got Sometimes" in result.output
    as_json = CliRunner().invoke(scenario, ["run", "--json", wrong])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["mismatches"]
