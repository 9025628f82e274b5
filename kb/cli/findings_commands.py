"""Commands over findings: races, race, link, maintainers, eval, fact corrections."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from kb.cli.main import hold_writer, no_wait_option, open_library
from kb.cli.output import print_json, print_revisions, print_text
from kb.render import format_date


@click.command()
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def races(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List races grouped into histories, most recent activity first.

    Example: kb races --json
    """
    histories = open_library(ctx).list_histories(limit)
    if as_json:
        print_json({"histories": [asdict(h) for h in histories]})
        return
    for history in histories:
        print_text(f"history {history.id or '-'}: {history.title}", style="bold")
        for r in history.races:
            badge = f" [{r.last_verdict}]" if r.last_verdict else ""
            print_text(f"  race {r.id:>5}  {format_date(r.last_activity)}  fixes {r.fixes}  objections "
                       f"{r.objections} ({r.open_objections} open){badge}  {r.summary}")


@click.command()
@click.argument("race_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def race(ctx: click.Context, race_id: int, as_json: bool) -> None:
    """Show one race with its fixes, objections, people, evidence and scenario runs.

    Example: kb race 3 --json
    """
    view = open_library(ctx).show_race(race_id)
    if as_json:
        print_json(asdict(view))
        return
    s = view.summary
    print_text(f"race {s.id}: {s.summary}", style="bold")
    print_text(f"thread {s.thread_root}: {s.thread_subject}")
    print_text(f"consequence: {s.consequence}   object: {view.object or '-'}   from: {s.source_kind}")
    if view.participants:
        print_text(f"participants: {', '.join(view.participants)}")
    if view.symbols:
        print_text(f"symbols: {', '.join(view.symbols)}")
    for step in view.interleaving:
        print_text(f"    {step}")
    for ev in view.evidence:
        print_text(f"  evidence <{ev.message_id}>: {' '.join(ev.quote.split())}")
    for fix in view.fixes:
        print_text(f"  fix {fix.id} ({fix.kind}, {fix.status}) by {fix.proposed_by}: {fix.summary}", style="bold")
        if fix.scenario:
            print_text(f"    scenario {fix.scenario}")
        for o in fix.objections:
            quote = " ".join(o.evidence[0].quote.split()) if o.evidence else ""
            print_text(f"      objection {o.id} by {o.by} ({o.reason}): {quote}")
    for o in view.unlinked_objections:
        print_text(f"  objection {o.id} by {o.by} ({o.reason}) <{o.message_id}>")
    for p in view.people:
        address = f" <{p.email}>" if p.email else ""
        print_text(f"  person {p.name or p.email}{address}: {', '.join(p.roles)}")
    for link in view.scenarios:
        print_text(f"  scenario {link.name} v{link.version}: {link.last_verdict or 'not run'}")


@click.command()
@click.argument("target")
@click.argument("scenario")
@click.option("--json", "as_json", is_flag=True)
@click.option("--draft", "allow_draft", is_flag=True, help="Also link an incomplete draft (it gives no verdict).")
@click.pass_context
def link(ctx: click.Context, target: str, scenario: str, as_json: bool, allow_draft: bool) -> None:
    """Attach a scenario (a .kscen file or a library name) to a race, thread or message.

    The KB keeps the scenario's text and hash: the link survives the file moving, and an
    edited file becomes a new version.

    Example: kb link 3 seed002_truncate_isolate
    """
    view = open_library(ctx).link_scenario(target, scenario, allow_draft)
    if as_json:
        print_json(asdict(view))
    else:
        print_text(f"linked {view.name} v{view.version} (scenario {view.scenario_id}) to {view.target_kind} "
                   f"{view.target}")


@click.group()
def maintainers() -> None:
    """The kernel's MAINTAINERS file, for maintainer roles.

    Example: kb maintainers load ../shared/data/MAINTAINERS
    """


@maintainers.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--reextract/--no-reextract", default=True, show_default=True,
              help="Re-extract (and re-index) the threads now, so roles use the new file "
                   "(--no-reextract: leave them to kb refresh).")
@no_wait_option
@click.pass_context
def maintainers_load(ctx: click.Context, file: str, reextract: bool) -> None:
    """Load a MAINTAINERS file into the KB.

    Example: kb maintainers load ../shared/data/MAINTAINERS
    """
    from ingest.pipeline import run_ingest
    from ingest.store.maintainers import store_maintainers

    library = open_library(ctx, create=True)
    with hold_writer(ctx, library, "maintainers load"):
        with library.factory() as session:
            count = store_maintainers(session, Path(file).read_text(encoding="utf-8", errors="replace"))
            session.commit()
        print_text(f"loaded {count} sections from {file}")
        report = run_ingest(library.factory, (), index_dir=library.settings.index_dir) if reextract else None
    found = report.extracted if report else None
    if found:
        print_text(f"re-extracted {found.threads} threads: {found.races} races, {found.fixes} fixes, "
                   f"{found.objections} objections; re-indexed {report.indexed} messages")


@click.command("eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--strict", is_flag=True, help="Exit 1 when any gold thread is missing from the KB.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate(ctx: click.Context, gold: tuple[str, ...], strict: bool, as_json: bool) -> None:
    """Score the KB's findings against hand-labelled gold threads (precision, recall, F1).

    Gold threads missing from the KB count as misses: eval names them and the file that holds
    them (the cgroups gold threads: ../shared/corpus/cgroups-gold-threads.mbox).

    Example: kb eval ../shared/gold/seeds.jsonl --strict
    """
    from ingest.extract.evaluate import evaluate as score
    from ingest.extract.evaluate import evaluate_seed_messages
    from kb.export import convert_page_line, iter_export_records
    from kb.gold import find_missing_gold

    predicted = [convert_page_line(line) for line in iter_export_records(open_library(ctx))]
    gold_pairs = [(Path(path), json.loads(line)) for path in gold
                  for line in Path(path).read_text().splitlines() if line.strip()]
    gold_lines = [line for _, line in gold_pairs]
    result = score(predicted, gold_lines)
    result["seed_messages"] = evaluate_seed_messages(predicted, gold_lines)
    missing = find_missing_gold(predicted, gold_pairs)
    result["missing_threads"] = {"count": len(missing.threads), "of": len(gold_lines),
                                 "threads": list(missing.threads), "ingest": list(missing.sources)}
    if as_json:
        print_json(result)
    else:
        for key, value in result.items():
            if key in ("per_thread", "missing_threads"):
                continue
            if isinstance(value, dict) and "f1" in value:
                print_text(f"{key:>12}: P={value['precision']:.3f} R={value['recall']:.3f} F1={value['f1']:.3f} "
                           f"(tp={value.get('tp')} pred={value.get('pred')} gold={value.get('gold')})")
            else:
                print_text(f"{key:>12}: {value}")
    if missing.threads:
        click.echo(f"kb: eval: {len(missing.threads)} of {len(gold_lines)} gold threads are not in the KB "
                   f"(scored as misses); ingest {' and '.join(missing.sources)}", err=True)
        if strict:
            sys.exit(1)


@click.command("fix-fact")
@click.argument("kind", type=click.Choice(["race", "fix", "objection"]))
@click.argument("fact_id", type=int)
@click.option("--delete", "delete_fact", is_flag=True, help="The fact is wrong: remove it.")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Correct a field: race summary|object|consequence|participants|symbols, fix "
                   "summary|kind|status|proposed_by, objection by|reason|resolved (values as in gold/SCHEMA.md).")
@click.option("--note", default="", help="Why (kept with the correction).")
@click.pass_context
def fix_fact(ctx: click.Context, kind: str, fact_id: int, delete_fact: bool, assignments: tuple[str, ...],
             note: str) -> None:
    """Correct or delete an extracted fact; the correction survives re-extraction.

    Example: kb fix-fact objection 1 --set reason=performance --note "it is about lock contention"
    """
    if delete_fact == bool(assignments):
        raise click.UsageError("give either --delete or one or more --set FIELD=VALUE")
    changes: dict[str, object] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set {item!r}: expected FIELD=VALUE")
        changes[name.strip()] = value
    open_library(ctx).correct_fact(kind, fact_id, "delete" if delete_fact else "set", changes, note)
    print_text(f"{'deleted' if delete_fact else 'corrected'} {kind} {fact_id}")


@click.command()
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def series(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List patch series grouped into their revisions (v1..vN).

    Revisions share b4's change-id when the cover letter gives one, else title + author.

    Example: kb series --limit 10
    """
    revisions = open_library(ctx).list_series(limit)
    if as_json:
        print_json({"revisions": [asdict(r) for r in revisions]})
        return
    for revision in revisions:
        print_revisions(revision)
    if not revisions:
        print_text("no patch series in this KB (the seed pages hold none; ingest a list's archive)")


COMMANDS = [races, race, link, maintainers, evaluate, fix_fact, series]
