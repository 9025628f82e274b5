"""`kb eval` on the shared gold set, through the whole pipeline (ingest, extract, store, export)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from tests.conftest import ROOT, require_shared

register_commands()


def test_eval_meets_the_extraction_targets(tmp_path: Path) -> None:
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
    assert scores["fixes"]["f1"] >= 0.75
    assert scores["objections"]["f1"] >= 0.65
    assert scores["maintainer_role_accuracy"] >= 0.90
    assert scores["seed_messages"]["f1"] == 1.0
