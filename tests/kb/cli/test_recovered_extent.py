"""`kb show` and `kb export` say what fixed a recovered message's extent: alignment or the heuristic."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from tests.conftest import require_shared
from tests.ingest.seed_originals import ORIGINALS, write_mbox

register_commands()

SEED = "004_e2d0a14b533089af.txt"
JASON = "20220318234822.GA11336@nvidia.com"


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def page_messages(db: str) -> list[dict]:
    lines = [json.loads(line) for line in run(db, "export", "--format", "jsonl").splitlines()]
    return [m for line in lines for m in line["messages"] if "quote_depth" in m]


def test_show_and_export_name_the_method(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    run(db, "ingest", str(require_shared("corpus", "seeds", SEED)))
    before = {m["quote_depth"]: m for m in page_messages(db)}
    assert {d: (m["extent"], m["aligned_with"]) for d, m in before.items()} == {
        0: ("heuristic", []), 1: ("heuristic", []), 2: ("heuristic", [])}
    assert "extent heuristic (quote ends guessed from the page)" in run(db, "show", before[0]["message_id"])

    run(db, "ingest", str(write_mbox(tmp_path / "real.mbox", [ORIGINALS[SEED][1]])))
    after = {m["quote_depth"]: m for m in page_messages(db)}
    assert sorted(after) == [0, 2]                                   # Jason's copy merged into his mail
    assert {d: (m["extent"], m["aligned_with"]) for d, m in after.items()} == {
        0: ("aligned", [JASON]), 2: ("aligned", [JASON])}
    assert "Patch #1 contains some additional information." in after[0]["text"]
    shown = run(db, "show", after[0]["message_id"])
    assert f"Recovered: quote depth 0 on {require_shared('corpus', 'seeds', SEED)}" in shown
    assert f"extent aligned with <{JASON}>" in shown
    assert "Hi Jason, thanks or the review! In general… (recovered, extent aligned)" in shown   # tree line
    tree = json.loads(run(db, "show", after[0]["message_id"], "--json"))
    flags = {m["message_id"]: (m.get("recovered"), m.get("extent")) for m in tree["messages"]}
    assert flags[after[0]["message_id"]] == (True, "aligned") and flags[JASON] == (None, None)
