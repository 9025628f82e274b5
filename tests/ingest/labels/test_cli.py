from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ingest.labels.cli import main
from tests.conftest import require_shared
from tests.ingest.labels.fixtures import THREAD_MSGS, make_epoch

LABEL = {
    "thread_id": "root@example.org", "list": "demo", "subject": "ignored",
    "message_ids": ["root@example.org", "reply@example.org", "nested@example.org"],
    "is_race_discussion": True,
    "races": [{"summary": "open races with close on foo->buf", "participants": ["open", "close"],
               "symbols": ["foo->buf"], "object": "foo->buf", "consequence": "use-after-free",
               "evidence": [{"message_id": "root@example.org",
                             "quote": "The close path frees foo->buf while open still reads it."}]}],
    "fixes": [{"summary": "lock in open", "race": 0, "proposed_by": "Ann Author <ann@example.org>",
               "message_id": "root@example.org", "quote": "Fix this by taking foo->lock in open.",
               "kind": "patch"}],
    "objections": [{"by": "Bob Reviewer <bob@example.org>", "against_fix": 0,
                    "message_id": "reply@example.org", "quote": "I'd prefer RCU here: the lock is taken on a hot path.",
                    "reason": "performance"}],
    "people": [{"name": "Ann Author", "email": "ann@example.org", "roles": ["author"]}],
    "notes": "",
}


@pytest.fixture()
def cache(tmp_path):
    epoch = make_epoch(tmp_path / "e.git", THREAD_MSGS)
    assert main(["index", str(epoch), str(tmp_path / "c.jsonl")]) == 0
    return tmp_path / "c.jsonl"


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_point_materialise_verify_stats(tmp_path, cache, capsys):
    scratch = write(tmp_path / "scratch.jsonl", [LABEL])
    assert main(["point", str(scratch), str(cache), str(tmp_path / "p.jsonl"),
                 "--archive", "demo-epoch", "--labeller", "t"]) == 0
    pointed = json.loads((tmp_path / "p.jsonl").read_text())
    assert pointed["archive"] == "demo-epoch" and pointed["labelled_from"] == "reading"
    assert "quote" not in json.dumps(pointed) and "subject" not in pointed
    assert main(["verify", str(tmp_path / "p.jsonl"), str(cache)]) == 0
    assert main(["materialise", str(tmp_path / "p.jsonl"), str(cache), str(tmp_path / "g.jsonl")]) == 0
    gold = json.loads((tmp_path / "g.jsonl").read_text())
    assert gold["subject"] == "[PATCH] foo: fix a race between open and close"
    # the whitespace-normalised quote comes back with the body's own spacing
    assert gold["objections"][0]["quote"] == "I'd prefer RCU here: the lock   is taken\non a hot path."
    capsys.readouterr()
    assert main(["stats", str(tmp_path / "p.jsonl")]) == 0
    row = [ln.split() for ln in capsys.readouterr().out.splitlines() if ln.startswith("demo")][0]
    assert row[1:] == ["1", "1", "0", "1", "1", "1", "1"]


def test_point_fails_loudly_and_writes_nothing(tmp_path, cache, capsys):
    bad = dict(LABEL, fixes=[dict(LABEL["fixes"][0], quote="open")])   # "open" occurs several times
    scratch = write(tmp_path / "scratch.jsonl", [bad])
    assert main(["point", str(scratch), str(cache), str(tmp_path / "p.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kb: point: root@example.org fix0") and not (tmp_path / "p.jsonl").exists()


def test_verify_reports_an_excluded_gold_thread(tmp_path, cache, capsys):
    write(tmp_path / "scratch.jsonl", [LABEL])
    main(["point", str(tmp_path / "scratch.jsonl"), str(cache), str(tmp_path / "p.jsonl")])
    gold = write(tmp_path / "gold.jsonl", [{"thread_id": "other", "message_ids": ["reply@example.org"]}])
    assert main(["verify", str(tmp_path / "p.jsonl"), str(cache), "--exclude", str(gold)]) == 2
    assert "overlaps an excluded gold thread" in capsys.readouterr().err


def test_grep_and_show(tmp_path, cache, capsys):
    assert main(["grep", str(cache), r"\brace\b|prefer", "--also", "prefer"]) == 0
    out = capsys.readouterr().out.split()
    # 3 messages; hits: the root by its subject ("race"), the reply by "prefer"; one reply has the cue
    assert out[:3] == ["3", "2", "1"]
    assert main(["show", str(cache), "nested@example.org"]) == 0
    shown = capsys.readouterr().out
    assert "[diff: 6 lines: foo.c]" in shown and "spin_lock" not in shown


@pytest.mark.parametrize("argv", [["show", "{cache}", "nope@x"], ["stats", "{tmp}/absent.jsonl"],
                                  ["index", "{tmp}/absent", "{tmp}/out.jsonl"]])
def test_bad_input_is_one_line_exit_2(tmp_path, cache, capsys, argv):
    argv = [a.format(cache=cache, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("kb: ") and err.count("\n") == 1


def test_materialised_labels_score_1_against_themselves(tmp_path, cache):
    evaluate = require_shared("gold", "evaluate.py")
    write(tmp_path / "scratch.jsonl", [LABEL])
    main(["point", str(tmp_path / "scratch.jsonl"), str(cache), str(tmp_path / "p.jsonl")])
    main(["materialise", str(tmp_path / "p.jsonl"), str(cache), str(tmp_path / "g.jsonl")])
    g = str(tmp_path / "g.jsonl")
    res = json.loads(subprocess.run([sys.executable, str(evaluate), g, g, "--json"], capture_output=True,
                                    text=True, check=True).stdout)
    scores = [v["f1"] for v in res.values() if isinstance(v, dict) and "f1" in v]
    assert scores and all(s == 1.0 for s in scores)
