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
@click.option("--strict", is_flag=True, help="Fidelity warnings (undeclared names, held locks, ...) are errors.")
def check_command(files: tuple[str, ...], max_states: int, timeout: float, as_json: bool, no_witness: bool,
                  strict: bool) -> None:
    """Judge mode: check every variant of every file and compare with the Result headers.

    A file that fails to read or parse is reported and the batch goes on. Exits 2 when any file
    failed, else 1 when any verdict differs from its Result header or a search is inconclusive.

    Example: kb scenario check data/scenarios/seed002_truncate_isolate.kscen
    """
    from kb.errors import ScenarioError
    from kb.scenarios import check_scenario, compare_expectations, load_scenario, render_report, report_to_json
    from kb.scenarios.lints import find_warnings

    errors = mismatched = 0
    results = []
    for name in files:
        try:
            scen = load_scenario(name)
            warnings = find_warnings(scen)
            if strict and warnings:
                raise ScenarioError(f"{len(warnings)} warning(s) under --strict; first: "
                                    f"{warnings[0].split(': ', 1)[1]}", place=warnings[0].split(": ", 1)[0])
            report = check_scenario(scen, max_states=max_states, timeout=timeout, witnesses=not no_witness)
        except ScenarioError as exc:
            errors += 1
            if as_json:
                results.append({"file": name, "status": "error", "error": str(exc)})
            else:
                click.echo(f"kb: {exc}", err=True)
                echo_text(f"ERROR: {name}\n")
            continue
        mismatches = compare_expectations(scen, report)
        bad = bool(mismatches) or report.inconclusive
        mismatched += bad
        status = "FAIL" if bad else "ok"
        if as_json:
            results.append({"file": name, "status": status.lower(), "report": report_to_json(report),
                            "mismatches": [str(m) for m in mismatches], "warnings": warnings})
            continue
        for warning in warnings:
            echo_text(warning)
        echo_text(render_report(report, list(scen.expectations), show_witness=not no_witness))
        for m in mismatches:
            echo_text(f"MISMATCH {name}: {m}")
        echo_text(f"{status}: {name} ({len(scen.expectations)} Result header(s))\n")
    if as_json:
        echo_json(results)
    elif len(files) > 1:
        echo_text(f"checked {len(files)} file(s): {len(files) - errors - mismatched} ok, "
                  f"{mismatched} mismatched or inconclusive, {errors} failed")
    if errors:
        sys.exit(2)
    if mismatched:
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

    A file's verdicts are compared with its Result headers: exits 1 on a mismatch.
    TARGET is a .kscen file, a stored scenario (id or name), a race id, or a message-id.

    Example: kb scenario run data/scenarios/seed002_truncate_isolate.kscen --variant page-lock
    """
    from kb.scenarios import check_scenario, compare_expectations, load_scenario, render_report, report_to_json

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
    mismatches = compare_expectations(scen, report)
    if as_json:
        echo_json(report_to_json(report) | {"mismatches": [str(m) for m in mismatches]})
    else:
        echo_text(render_report(report, list(scen.expectations)))
        for m in mismatches:
            echo_text(f"MISMATCH {target}: {m}")
    if mismatches or report.inconclusive:
        sys.exit(1)


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
@click.argument("race_id", type=int, required=False)
@click.option("--all", "draft_all", is_flag=True, help="Draft every race without a scenario; link the complete ones.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@click.option("--json", "as_json", is_flag=True, help="With --all: coverage by race source as JSON.")
@click.pass_context
def draft_command(ctx: click.Context, race_id: int | None, draft_all: bool, output: str | None, as_json: bool) -> None:
    """Draft a runnable .kscen for a race from its KCSAN/lockdep/KASAN report or CPU diagram,
    with +fix-N variants for recognisable fix patches. The header says Draft: complete or
    incomplete (an incomplete draft gives no verdict and `kb link` refuses it without --draft).

    With --all, drafts every race that has no scenario, links and runs the complete drafts, and
    prints coverage by race source.

    Example: kb scenario draft 3 -o race3.kscen
    """
    from kb.cli.main import open_library

    library = open_library(ctx)
    if draft_all:
        coverage = library.draft_all_scenarios()
        rows = {kind: vars(cov) for kind, cov in sorted(coverage.by_source.items())}
        if as_json:
            echo_json({"by_source": rows, "skipped_with_scenario": coverage.skipped})
            return
        echo_text(f"{'source':<10} {'races':>6} {'complete':>9} {'linked':>7} {'Sometimes':>10} {'fix variants':>13}")
        for kind, row in rows.items():
            share = f"{100 * row['reproduced'] / row['races']:.0f}%" if row["races"] else "-"
            echo_text(f"{kind:<10} {row['races']:>6} {row['complete']:>9} {row['linked']:>7} "
                      f"{row['reproduced']:>5} {share:>4} {row['variants']:>13}")
        echo_text(f"({coverage.skipped} race(s) already had a scenario)")
        return
    if race_id is None:
        raise click.UsageError("give a RACE_ID or --all")
    draft = library.draft_scenario(race_id)
    if output:
        Path(output).write_text(draft.text)
        click.echo(f"wrote {output}: {'complete' if draft.complete else 'incomplete'} draft", err=True)
    else:
        echo_text(draft.text)


@scenario.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--promela", is_flag=True, help="Export Promela for SPIN.")
@click.option("--litmus", is_flag=True, help="Export herd7 C-litmus (LKMM primitives and lifetime only).")
@click.option("--variant", "-v", "variant", default="base", show_default=True)
@click.option("--condition", "-c", "condition", default=None, help="Condition name (default: the first).")
@click.option("--always", is_flag=True, help="Define CHECK_ALWAYS (no error = the condition always holds).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
def export_command(file: str, promela: bool, litmus: bool, variant: str, condition: str | None, always: bool,
                   output: str | None) -> None:
    """Export one variant and condition as a Promela model (spin -a; gcc -DSAFETY pan.c; ./pan -E)
    or as herd7 C-litmus (herd7 -conf linux-kernel.cfg FILE). A model the litmus format cannot say
    exactly (pointers to objects, loops, return, flags other than uaf) is refused with the reason.

    Example: kb scenario export --promela data/scenarios/seed002_truncate_isolate.kscen --variant page-lock -o t.pml
    """
    from kb.errors import ScenarioError
    from kb.scenarios import export_litmus, export_promela, load_scenario

    if promela == litmus:
        raise click.UsageError("give exactly one of --promela and --litmus")
    scen = load_scenario(file)
    if litmus:
        text = export_litmus(scen, variant, condition)
    else:
        text = export_promela(scen, variant, condition, check_always=always)
    if output:
        try:
            Path(output).write_text(text)
        except OSError as exc:
            raise ScenarioError(f"cannot write: {exc.strerror}", place=output) from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
