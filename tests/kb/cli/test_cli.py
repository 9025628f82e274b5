"""The kb command end to end on real archives: JSON shapes, one-line errors, literal mail text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from tests.conftest import ROOT, require_shared

register_commands()


def run(db: str, *args: str, ok: bool = True) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def gold_kb(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.sqlite'}"
    run(db, "ingest", str(require_shared("corpus", "cgroups-gold-threads.mbox")), str(ROOT / "data" / "seeds"),
        "--json")
    return db


def test_ingest_json_accounts_and_second_run_stores_nothing(gold_kb: str) -> None:
    _, out, _ = run(gold_kb, "ingest", str(require_shared("corpus", "cgroups-gold-threads.mbox")), "--json")
    summary = json.loads(out)
    assert summary["read"] == 228 and summary["stored"] == 0 and summary["present"] == 228
    assert summary["skipped"] == []


def test_threads_show_stats_export(gold_kb: str) -> None:
    threads = json.loads(run(gold_kb, "threads", "--json", "--limit", "100")[1])
    assert threads["count"] == 35
    assert {"root", "subject", "messages", "first_date", "last_date"} <= set(threads["threads"][0])
    root = "20240424125940.2410718-1-leitao@debian.org"
    shown = json.loads(run(gold_kb, "show", root, "--json")[1])
    assert shown["thread"] == root and len(shown["messages"]) == 6
    stats = json.loads(run(gold_kb, "stats", "--json")[1])
    assert stats["messages"] == 248 and stats["threads"] == 35
    lines = [json.loads(line) for line in run(gold_kb, "export", "--format", "jsonl")[1].splitlines()]
    by_root = {line["thread_id"]: line for line in lines}
    line = by_root[root]
    assert line["message_ids"][0] == root and line["list"] == "cgroups"
    assert line["messages"][0]["author"]["email"] and line["messages"][0]["date"].startswith("2024-04-24")
    assert ">" not in "".join(m["text"][:1] for m in line["messages"])
    page = next(line for line in lines if line.get("page_author"))
    assert page["sources"][0].endswith(".txt") and page["page_author"]["name"]


def test_show_prints_mail_text_literally(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    mail = (b"From: Eve <eve@example.org>\nSubject: [PATCH v2] [bold]x[/bold] \x1b[31mred\nMessage-ID: <e@x>\n"
            b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n[@click=app.quit] body \x1b]52;c;AAAA\x07 end\n")
    (tmp_path / "m.eml").write_bytes(mail)
    run(db, "ingest", str(tmp_path / "m.eml"))
    _, out, _ = run(db, "show", "e@x")
    assert "[PATCH v2] [bold]x[/bold]" in out and "[@click=app.quit] body" in out
    assert "\x1b" not in out and "\x07" not in out


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    for args in (["ingest", str(tmp_path / "missing.mbox")], ["show", "nope@x"], ["race", "999"],
                 ["link", "1", "no-such-scenario"]):
        proc = subprocess.run([sys.executable, "-m", "kb", "--db", db, *args], capture_output=True, text=True)
        assert proc.returncode != 0
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kb: ") and "Traceback" not in proc.stderr


def test_link_run_and_race_json(gold_kb: str) -> None:
    races = json.loads(run(gold_kb, "races", "--json")[1])["histories"]
    race_id = races[0]["races"][0]["id"]
    linked = json.loads(run(gold_kb, "link", str(race_id), "seed002_swapoff_swap_ops", "--json")[1])
    assert linked["target_kind"] == "race"
    runs = json.loads(run(gold_kb, "scenario", "run", str(race_id), "--json")[1])["runs"]
    assert runs and "base" in runs[0]["summary"]
    view = json.loads(run(gold_kb, "race", str(race_id), "--json")[1])
    assert view["scenarios"][0]["last_verdict"] == runs[0]["summary"]
    again = json.loads(run(gold_kb, "link", str(race_id), "seed002_swapoff_swap_ops", "--json")[1])
    assert again["scenario_id"] == linked["scenario_id"]


def test_series_and_show_give_revisions_and_change_id(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    cid = "20230713-vfs-eventfd-signal-0b0d167ad6ec"
    box = "".join(
        f"From x Mon Jan  1 00:00:00 2024\nFrom: Christian <brauner@kernel.org>\nSubject: {subject}\n"
        f"Message-ID: <{msgid}>\nDate: Mon, {day} Jan 2024 10:00:00 +0000\n\n{body}\n"
        for msgid, subject, day, body in (
            ("e1@x", "[PATCH 0/2] eventfd: simplify signal helpers", 1, f"Hi\n\n---\nchange-id: {cid}\n"),
            ("e2@x", "[PATCH v2 0/4] eventfd: simplify signal helpers and users", 8, f"Hi\n\n---\nchange-id: {cid}\n")))
    (tmp_path / "s.mbox").write_text(box)
    run(db, "ingest", str(tmp_path / "s.mbox"))
    revisions = json.loads(run(db, "series", "--json")[1])["revisions"]
    assert [(r["change_id"], [(s["version"], s["change_id"]) for s in r["series"]]) for r in revisions] == [
        (cid, [(1, cid), (2, cid)])]
    shown = json.loads(run(db, "show", "e1@x", "--json")[1])
    assert [s["first_message_id"] for s in shown["revisions"]["series"]] == ["e1@x", "e2@x"]
    _, out, _ = run(db, "show", "e1@x")
    assert f"change-id: {cid}" in out and "*v1" in out and " v2" in out
    assert "eventfd: simplify signal helpers and users" in run(db, "series")[1]
