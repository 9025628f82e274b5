"""`kb eval` on the shared gold set, through the whole pipeline (ingest, extract, store, export)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from tests.conftest import ROOT, require_shared

register_commands()


def test_eval_holds_the_extraction_floors(tmp_path: Path) -> None:
    """Regression floors, not issue 14's targets (fixes .75, objections .70 by the judge's rule,
    which `kb eval` follows: a patch fix quoting another sentence of its message is a miss)."""
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("maintainers", "load", str(require_shared("data", "MAINTAINERS")))
    run("ingest", str(ROOT / "data" / "seeds"), str(require_shared("corpus", "cgroups-gold-threads.mbox")))
    scores = json.loads(run("eval", str(require_shared("gold", "cgroups.jsonl")),
                            str(require_shared("gold", "seeds.jsonl")), "--json"))
    assert scores["threads"]["f1"] >= 0.90
    assert scores["fixes"]["f1"] >= 0.70     # .733 at session 23
    assert scores["objections"]["f1"] >= 0.65
    assert scores["maintainer_role_accuracy"] >= 0.90
    assert scores["seed_messages"]["f1"] == 1.0


def write_gold(path: Path, *lines: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    empty = {"is_race_discussion": False, "races": [], "fixes": [], "objections": [], "people": [], "message_ids": []}
    path.write_text("".join(json.dumps({**empty, **line}) + "\n" for line in lines))
    return path


def test_eval_names_missing_gold_threads_and_strict_fails_on_them(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    page = "000_04549a968bee6e93.txt"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(ROOT / "data" / "seeds" / page)]).exit_code == 0
    present = {"thread_id": page, "list": "seed"}
    absent = {"thread_id": "not-ingested@example.org", "list": "cgroups"}
    mixed = write_gold(tmp_path / "gold" / "mixed.jsonl", present, absent)
    complete = write_gold(tmp_path / "gold" / "complete.jsonl", present)

    loose = runner.invoke(cli, ["--db", db, "eval", str(mixed), "--json"])
    assert loose.exit_code == 0
    report = json.loads(loose.stdout)["missing_threads"]
    assert report["count"] == 1 and report["of"] == 2 and report["threads"] == ["not-ingested@example.org"]
    holder = str(tmp_path / "corpus" / "cgroups-gold-threads.mbox")
    assert report["ingest"] == [holder]
    assert loose.stderr == f"kb: eval: 1 of 2 gold threads are not in the KB (scored as misses); ingest {holder}\n"

    strict = runner.invoke(cli, ["--db", db, "eval", str(mixed), "--strict"])
    assert strict.exit_code == 1 and holder in strict.stderr and "threads:" in strict.stdout
    whole = runner.invoke(cli, ["--db", db, "eval", str(complete), "--strict"])
    assert whole.exit_code == 0 and whole.stderr == ""
