"""Run SPIN on an exported model. Any spin/gcc/pan failure raises: it is never a verdict."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from kb.errors import ScenarioError
from kb.scenarios.model import ParsedScenario
from kb.scenarios.promela import export_promela

PROBE_RE = re.compile(r"^KBPROBE (\d+) ([01])$", re.M)
ERRORS_RE = re.compile(r"errors: (\d+)")


def find_spin() -> tuple[str, str] | None:
    spin, gcc = shutil.which("spin"), shutil.which("gcc")
    return (spin, gcc) if spin and gcc else None


def run_pan(model: str, timeout: float = 120.0, max_depth: int = 200_000) -> str:
    """spin -a, gcc, ./pan -E; returns pan's stdout. Raises ScenarioError on any failure."""
    tools = find_spin()
    if tools is None:
        raise ScenarioError("spin or gcc not found on PATH", place="spin")
    spin, gcc = tools
    with tempfile.TemporaryDirectory(prefix="kb-spin-") as tmp:
        work = Path(tmp)
        (work / "model.pml").write_text(model)
        run_tool([spin, "-a", "model.pml"], work, timeout, "spin -a")
        if not (work / "pan.c").exists():
            raise ScenarioError("spin -a produced no pan.c", place="spin")
        run_tool([gcc, "-O0", "-w", "-DSAFETY", "-DVECTORSZ=4096", "-o", "pan", "pan.c"], work, timeout, "gcc")
        out = run_tool(["./pan", "-E", f"-m{max_depth}"], work, timeout, "pan")
    if "max search depth too small" in out or "error: " in out.lower() and "errors:" not in out:
        raise ScenarioError(f"pan did not finish: {first_line(out)}", place="spin")
    if not ERRORS_RE.search(out):
        raise ScenarioError(f"pan output has no 'errors:' line: {first_line(out)}", place="spin")
    return out


def run_tool(argv: list[str], cwd: Path, timeout: float, what: str) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ScenarioError(f"{what} timed out after {timeout:g} s", place="spin") from None
    if proc.returncode != 0:
        detail = first_line(proc.stderr or proc.stdout)
        raise ScenarioError(f"{what} failed (exit {proc.returncode}): {detail}", place="spin")
    return proc.stdout


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return "(no output)"


def check_variant_with_spin(scenario: ParsedScenario, variant: str, timeout: float = 120.0) -> dict[str, str]:
    """Verdict per condition name from one probed pan run (Never/Sometimes/Always)."""
    out = run_pan(export_promela(scenario, variant, probe=True), timeout=timeout)
    errors = int(ERRORS_RE.search(out).group(1))
    if errors:
        raise ScenarioError(f"pan reported {errors} error(s) in a probe run", place="spin")
    seen = {(int(i), int(v)) for i, v in PROBE_RE.findall(out)}
    program = scenario.find_program(variant)
    verdicts = {}
    for index, (clause, _) in enumerate(program.conditions):
        pos, neg = (index, 1) in seen, (index, 0) in seen
        verdicts[clause.name] = "Sometimes" if pos and neg else "Always" if pos else "Never"
    return verdicts


def check_condition_with_spin(scenario: ParsedScenario, variant: str, condition: str | None = None,
                              timeout: float = 120.0) -> str:
    """The classic two-build check: assert !(filter && P), then -DCHECK_ALWAYS."""
    reach = run_pan(export_promela(scenario, variant, condition), timeout=timeout)
    if int(ERRORS_RE.search(reach).group(1)) == 0:
        return "Never"
    always = run_pan(export_promela(scenario, variant, condition, check_always=True), timeout=timeout)
    return "Always" if int(ERRORS_RE.search(always).group(1)) == 0 else "Sometimes"
