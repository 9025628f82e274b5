"""Drafts in the KB: gather a race's report and fix patch, draft every race, link the complete
ones, refuse to link an incomplete draft without --draft, and never give it a verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from kb.config import load_settings
from kb.db import open_database
from kb.models import Fix, Message, Race, Thread
from kb.models.findings import Evidence
from tests.kb.scenarios.test_drafts import DIAGRAM_PHASES, DIAGRAM_PROSE, KCSAN, KCSAN_FIX

register_commands()


def add_race(s, root: str, kind: str, consequence: str, body: str, quote: str, fix_body: str = "") -> None:
    thread = Thread(root_message_id=root, subject="race")
    s.add(thread)
    s.flush()
    s.add(Message(message_id=root, thread_id=thread.id, body=body, raw=b"", subject="race"))
    race = Race(thread_id=thread.id, source_kind=kind, consequence=consequence, summary="a race")
    s.add(race)
    s.flush()
    start = body.find(quote)
    s.add(Evidence(fact_kind="race", fact_id=race.id, message_id=root, start=start, end=start + len(quote), quote=quote))
    if fix_body:
        s.add(Message(message_id=f"fix-{root}", thread_id=thread.id, body=fix_body, raw=b"", subject="fix"))
        s.add(Fix(race_id=race.id, thread_id=thread.id, summary="frob: mark the accesses", kind="patch",
                  message_id=f"fix-{root}"))


@pytest.fixture
def kb_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    factory = open_database(load_settings(url, str(tmp_path / "idx")))
    with factory() as s:
        add_race(s, "r1@x", "kcsan", "data-race", "Hi,\n" + KCSAN, "BUG: KCSAN: data-race in frob_reader / frob_writer",
                 "Mark them.\n---\n" + KCSAN_FIX)
        add_race(s, "r2@x", "diagram", "use-after-free", "See:\n" + DIAGRAM_PROSE, DIAGRAM_PROSE.strip("\n"))
        s.commit()
    return url


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def test_draft_all_links_complete_drafts_and_prints_coverage(kb_db: str) -> None:
    code, out, _ = run(kb_db, "scenario", "draft", "--all", "--json")
    assert code == 0
    data = json.loads(out)["by_source"]
    assert data["kcsan"] == {"races": 1, "complete": 1, "linked": 1, "reproduced": 1, "fixes": 1, "variants": 1}
    assert data["diagram"]["complete"] == 0 and data["diagram"]["linked"] == 0
    code, out, _ = run(kb_db, "scenario", "run", "1", "--json")
    assert code == 0
    verdicts = {v["variant"]: v["conditions"][0]["verdict"] for v in json.loads(out)["runs"][0]["report"]["variants"]}
    assert verdicts == {"base": "Sometimes", "fix-1": "Never"}
    race = json.loads(run(kb_db, "race", "1", "--json")[1])
    assert race["fixes"][0]["scenario"] == "kcsan-race-1 fix-1: exists=Never"
    assert "scenario kcsan-race-1 fix-1: exists=Never" in run(kb_db, "race", "1")[1]
    exported = [json.loads(line) for line in run(kb_db, "export", "--format", "jsonl")[1].splitlines()]
    fixes = [f for line in exported for f in line.get("findings", line).get("fixes", [])]
    assert [f["scenario"] for f in fixes] == ["kcsan-race-1 fix-1: exists=Never"]
    again = json.loads(run(kb_db, "scenario", "draft", "--all", "--json")[1])
    assert again["skipped_with_scenario"] == 1 and "kcsan" not in again["by_source"]


def test_an_incomplete_draft_is_refused_unless_draft_and_never_gives_a_verdict(kb_db: str, tmp_path: Path) -> None:
    out_file = tmp_path / "r2.kscen"
    code, _, err = run(kb_db, "scenario", "draft", "2", "-o", str(out_file))
    assert code == 0 and "incomplete draft" in err
    code, _, err = run(kb_db, "link", "2", str(out_file))
    assert code == 2 and err.startswith("kb: ") and "incomplete draft" in err
    assert run(kb_db, "link", "2", str(out_file), "--draft")[0] == 0
    code, _, err = run(kb_db, "scenario", "run", "2")
    assert code == 2 and "no verdict: incomplete draft" in err
    code, _, err = run(kb_db, "scenario", "check", str(out_file))
    assert code == 2 and "no verdict: incomplete draft" in err


def test_a_diagram_quote_cut_at_its_first_blank_line_is_read_whole_from_the_message(tmp_path: Path) -> None:
    from kb.scenario_drafts import draft_one

    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    factory = open_database(load_settings(url, str(tmp_path / "idx")))
    first_phase = DIAGRAM_PHASES[DIAGRAM_PHASES.index("CPU1"):DIAGRAM_PHASES.index("\n\n", DIAGRAM_PHASES.index("CPU1"))]
    with factory() as s:
        add_race(s, "r3@x", "diagram", "use-after-free", DIAGRAM_PHASES, first_phase)
        s.commit()
        draft = draft_one(s, 1)
    assert draft.complete and "kfree(w);" in draft.text and "READ_ONCE(pos->ref);" in draft.text


def test_seed_threads_get_automatic_drafts_that_reproduce_their_races(demo_kb: Path) -> None:
    """The bundled seeds: races told in prose (an explicit interleaving, a freed object and its freeing
    side) are drafted and reproduce ("Sometimes"); the others stay incomplete and give no verdict."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from kb.scenario_drafts import draft_one
    from kb.scenarios import check_scenario, parse_scenario

    engine = create_engine(f"sqlite:///{demo_kb}")
    reproduced = []
    with Session(engine) as s:
        for race_id in s.scalars(select(Race.id).order_by(Race.id)):
            draft = draft_one(s, race_id)
            if draft.complete:
                report = check_scenario(parse_scenario(draft.text, "seed.kscen"), witnesses=False)
                assert report.variants[0].conditions[0].verdict == "Sometimes"
                reproduced.append(draft.text.split("\n", 1)[0])
    engine.dispose()
    assert len(reproduced) >= 3, reproduced


def test_a_race_with_an_abstract_and_a_concrete_diagram_is_drafted_from_the_concrete_one(tmp_path: Path) -> None:
    from kb.scenario_drafts import draft_one
    from tests.kb.scenarios.test_drafts import DIAGRAM_LIST

    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    factory = open_database(load_settings(url, str(tmp_path / "idx")))
    body = "In general:\n" + DIAGRAM_PROSE + "\nHere:\n" + DIAGRAM_LIST
    with factory() as s:
        add_race(s, "r4@x", "diagram", "other", body, DIAGRAM_PROSE.strip("\n"))
        start = body.find(DIAGRAM_LIST.strip("\n"))
        s.add(Evidence(fact_kind="race", fact_id=1, message_id="r4@x", start=start, end=len(body),
                       quote=DIAGRAM_LIST.strip("\n")))
        s.commit()
        draft = draft_one(s, 1)
    assert draft.complete and "P0(frob_move)" in draft.text
