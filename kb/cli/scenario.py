"""`kb scenario`: check, run and export runnable model scenarios (.kscen)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kb.cli.main import KbGroup


def echo_text(text: str) -> None:
    from kb.render import clean_terminal_text

    click.echo(clean_terminal_text(text))


def echo_json(data: Any) -> None:
    from kb.render import dump_json

    click.echo(dump_json(data))


@click.group(cls=KbGroup)
def scenario() -> None:
    """Runnable model scenarios: exhaustive SC interleaving checks of .kscen files.

    Example: kb scenario check data/scenarios/*.kscen
    """


@scenario.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--max-states", type=click.IntRange(1, 50_000_000), default=2_000_000, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.01, 3600), default=30.0, show_default=True, help="Seconds per file.")
@click.option("--json", "as_json", is_flag=True, help="Print reports and mismatches as JSON.")
@click.option("--no-witness", is_flag=True, help="Do not draw witness interleavings.")
def check_command(files: tuple[str, ...], max_states: int, timeout: float, as_json: bool, no_witness: bool) -> None:
    """Judge mode: check every variant and compare with the Result headers.

    Exits 1 when any verdict differs from its Result header or a search is inconclusive.

    Example: kb scenario check data/scenarios/seed002_truncate_isolate.kscen
    """
    from kb.scenarios import check_scenario, compare_expectations, load_scenario, render_report, report_to_json

    failed = False
    results = []
    for name in files:
        scen = load_scenario(name)
        report = check_scenario(scen, max_states=max_states, timeout=timeout, witnesses=not no_witness)
        mismatches = compare_expectations(scen, report)
        failed = failed or bool(mismatches) or report.inconclusive
        if as_json:
            results.append({"report": report_to_json(report), "mismatches": [str(m) for m in mismatches]})
            continue
        echo_text(render_report(report, list(scen.expectations), show_witness=not no_witness))
        for m in mismatches:
            echo_text(f"MISMATCH {name}: {m}")
        status = "FAIL" if mismatches or report.inconclusive else "ok"
        echo_text(f"{status}: {name} ({len(scen.expectations)} Result header(s))\n")
    if as_json:
        echo_json(results)
    if failed:
        sys.exit(1)


@scenario.command("run")
@click.argument("target")
@click.option("--variant", "-v", "variant", default=None, help="Only this variant (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--max-states", type=click.IntRange(1, 50_000_000), default=2_000_000, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.01, 3600), default=30.0, show_default=True)
@click.pass_context
def run_command(ctx: click.Context, target: str, variant: str | None, as_json: bool, max_states: int,
                timeout: float) -> None:
    """Explore a scenario file, or the scenarios linked to a race/thread/message (runs are recorded).

    TARGET is a .kscen file, a stored scenario (id or name), a race id, or a message-id.

    Example: kb scenario run data/scenarios/seed002_truncate_isolate.kscen --variant page-lock
    """
    from kb.scenarios import check_scenario, load_scenario, render_report, report_to_json

    if not Path(target).is_file():
        from kb.cli.main import open_library

        runs = open_library(ctx).run_scenario(target, variant, max_states, timeout)
        if as_json:
            echo_json({"runs": [{"run_id": r.run_id, "scenario": r.name, "version": r.version,
                                 "summary": r.summary, "report": r.report} for r in runs]})
        else:
            for run in runs:
                echo_text(f"== {run.name} v{run.version} (run {run.run_id})\n{run.text_report}")
        return
    scen = load_scenario(target)
    report = check_scenario(scen, variant=variant, max_states=max_states, timeout=timeout)
    if as_json:
        echo_json(report_to_json(report))
    else:
        echo_text(render_report(report, list(scen.expectations)))


@scenario.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """List the scenarios stored in the KB (every version), with links and last verdicts.

    Example: kb scenario list --json
    """
    from dataclasses import asdict

    from kb.cli.main import open_library

    rows = open_library(ctx).list_scenarios()
    if as_json:
        echo_json({"scenarios": [asdict(r) for r in rows]})
        return
    for r in rows:
        echo_text(f"{r.id:>4} {r.name} v{r.version}  links: {', '.join(r.links) or '-'}  last: {r.last_verdict or '-'}")


@scenario.command("draft")
@click.argument("race_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@click.pass_context
def draft_command(ctx: click.Context, race_id: int, output: str | None) -> None:
    """Write a skeleton .kscen from a race's interleaving or report, for a person to finish.

    Example: kb scenario draft 3 -o race3.kscen
    """
    from kb.cli.main import open_library

    text = open_library(ctx).draft_scenario(race_id)
    if output:
        Path(output).write_text(text)
    else:
        echo_text(text)


@scenario.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--promela", is_flag=True, required=True, help="Export Promela for SPIN (the only format).")
@click.option("--variant", "-v", "variant", default="base", show_default=True)
@click.option("--condition", "-c", "condition", default=None, help="Condition name (default: the first).")
@click.option("--always", is_flag=True, help="Define CHECK_ALWAYS (no error = the condition always holds).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
def export_command(file: str, promela: bool, variant: str, condition: str | None, always: bool,
                   output: str | None) -> None:
    """Export one variant as a Promela model (spin -a; gcc -DSAFETY pan.c; ./pan -E).

    Example: kb scenario export --promela data/scenarios/seed002_truncate_isolate.kscen --variant page-lock -o t.pml
    """
    from kb.errors import ScenarioError
    from kb.scenarios import export_promela, load_scenario

    del promela
    scen = load_scenario(file)
    text = export_promela(scen, variant, condition, check_always=always)
    if output:
        try:
            Path(output).write_text(text)
        except OSError as exc:
            raise ScenarioError(f"cannot write: {exc.strerror}", place=output) from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
