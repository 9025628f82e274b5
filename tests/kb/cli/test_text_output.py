"""Text output a person reads, on the demo KB: real titles and dates, headers, every fact's id."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from kb.config import find_bundled_data, load_settings
from kb.library import Library
from kb.render import count_noun, format_date

register_commands()


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def open_demo(db: Path) -> Library:
    return Library(load_settings(str(db)), create=False)


def test_threads_have_a_header_and_real_subjects(demo_kb: Path) -> None:
    lines = run(demo_kb, "threads").splitlines()
    assert lines[0].split() == ["id", "last", "message", "msgs", "subject"]
    seeds = [p.name for p in (find_bundled_data() / "seeds").iterdir()]
    body = "\n".join(lines[1:])
    assert not any(name in body or name.split(".")[0] in body for name in seeds)
    assert "?" * 4 not in body
    assert lines[-1] == f"({len(seeds)} of {count_noun(len(seeds), 'thread')})"  # one thread per seed page


def test_show_lists_the_threads_races_fixes_and_objections_with_ids(demo_kb: Path) -> None:
    library = open_demo(demo_kb)
    shown = 0
    for history in library.list_histories():
        for race in history.races:
            view = library.show_race(race.id)
            out = run(demo_kb, "show", race.thread_root)
            assert f"race {race.id} " in out
            for fix in view.fixes:
                assert f"fix {fix.id} for race {race.id} " in out
                for objection in fix.objections:
                    assert f"objection {objection.id} to fix {fix.id} " in out
            shown += 1
    assert shown == library.count_stats()["races"]


def test_race_shows_every_objection_id_and_no_empty_fields(demo_kb: Path) -> None:
    library = open_demo(demo_kb)
    seen = 0
    for history in library.list_histories():
        for race in history.races:
            view = library.show_race(race.id)
            out = run(demo_kb, "race", str(race.id))
            objections = [o for f in view.fixes for o in f.objections] + list(view.unlinked_objections)
            for objection in objections:
                assert f"objection {objection.id} by " in out
                seen += 1
            assert "<>" not in out and ": -\n" not in out
            assert ("participants:" in out) == bool(view.participants)
    assert seen == library.count_stats()["objections"]


def test_demo_counts_the_scenarios_it_linked_out_of_those_shipped(tmp_path: Path) -> None:
    out = run(tmp_path / "kb.sqlite", "demo", "--no-tui")
    shipped = len(list((find_bundled_data() / "scenarios").glob("*.kscen")))
    linked = len(open_demo(tmp_path / "kb.sqlite").list_scenarios())
    assert f"linked and ran {linked} of {shipped} scenarios" in out


def test_dates_and_counts_read_as_words() -> None:
    assert format_date(datetime(2024, 2, 15, 20, 55)) == "2024-02-15 20:55"
    assert format_date(None).strip() == "-" and len(format_date(None)) == len("2024-02-15 20:55")
    assert [count_noun(n, "message") for n in (0, 1, 2)] == ["0 messages", "1 message", "2 messages"]
