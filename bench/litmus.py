"""Measure kb against herd7's answers on a directory of C-litmus files (e.g. the kernel's
tools/memory-model/litmus-tests, which are not in this repository).

For every file: does it parse; is every LKMM-forbidden test (Result: Never) Never under SC; is every
LKMM-allowed test (Result: Sometimes) Sometimes or tagged "SC verdict; LKMM may allow it"; does every
`Result: DEADLOCK` test have no final state. Prints one line per file, then JSON totals.

    .venv/bin/python bench/litmus.py DIR [--max-states N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.errors import ScenarioError  # noqa: E402
from kb.scenarios import check_scenario, compare_expectations, load_scenario  # noqa: E402


def judge(path: Path, max_states: int) -> tuple[str, str]:
    """(category, detail) for one file."""
    try:
        scen = load_scenario(path)
    except ScenarioError as exc:
        return "parse-error", str(exc)
    lkmm = [e for e in scen.expectations if e.model == "LKMM"]
    if not lkmm:
        return "no-result", ""
    report = check_scenario(scen, max_states=max_states, timeout=60, witnesses=False)
    cond = report.variants[0].conditions[0]
    shown = f"SC {cond.verdict}{' [tagged]' if report.variants[0].sc_only else ''} ({cond.positive} {cond.negative})"
    if compare_expectations(scen, report):
        return f"CONTRADICTS-{lkmm[0].verdict}", shown
    return f"agrees-{lkmm[0].verdict}", shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--max-states", type=int, default=2_000_000)
    args = parser.parse_args()
    totals: dict[str, int] = {}
    files = sorted(args.directory.rglob("*.litmus"))
    for path in files:
        category, detail = judge(path, args.max_states)
        totals[category] = totals.get(category, 0) + 1
        print(f"{category:<22} {path.name}  {detail}")
    parsed = len(files) - totals.get("parse-error", 0)
    print(json.dumps({"files": len(files), "parsed": parsed, "by_category": dict(sorted(totals.items()))}, indent=2))


if __name__ == "__main__":
    main()
