"""Training from the labels is deterministic: a model trained from the cgroups labels (read from
../shared/corpus/cgroups-0.bundle) reproduces the scores recorded by
`python -m ingest.extract.learn --archive cgroups=EPOCH --record tests/ingest/extract/fixtures/learned_cgroups.json`."""

import json
import subprocess

import pytest

from ingest.extract import learn
from ingest.extract.candidates import Candidate
from ingest.extract.labelled import load_labelled_list
from tests.conftest import ROOT, require_shared
from tests.ingest.extract.conftest import FIXTURES


@pytest.fixture(scope="module")
def cgroups_pairs(tmp_path_factory):
    bundle = require_shared("corpus", "cgroups-0.bundle")
    epoch = tmp_path_factory.mktemp("epoch") / "cgroups-0.git"
    subprocess.run(["git", "clone", "--bare", "--quiet", str(bundle), str(epoch)], check=True)
    return load_labelled_list(ROOT / "data" / "labels" / "cgroups.jsonl", epoch)


def test_training_reproduces_recorded_scores(cgroups_pairs):
    record = json.loads((FIXTURES / "learned_cgroups.json").read_text())
    by_id = {g["thread_id"]: (t, g) for t, g in cgroups_pairs}
    train = [by_id[tid] for tid in record["train"]]
    test = [by_id[tid] for tid in record["test"]]
    scores = learn.score_deciders(test, learn.train_models(train))
    assert scores == record["scores"]
    assert scores["fixes"][0] > 0          # the recorded model finds labelled fixes at all


@pytest.mark.parametrize(("quote", "positive"), [
    ("Fix this by taking the lock in foo_get().", True),           # the labelled sentence
    ("Fix this by taking the lock.", True),                         # overlap >= 0.5
    ("There is a race between foo_get() and foo_put().", False),
])
def test_candidates_labelled_by_the_anchor_rule(quote, positive):
    from tests.ingest.extract.helpers import make_message, make_thread
    thread = make_thread("x", make_message("a@x", quote), make_message("b@x", quote, reply_to="a@x"))
    gold = [{"message_id": "a@x", "quote": "Fix this by taking the lock in foo_get()."}]
    cands = [Candidate(0, 0, len(quote), quote, ()), Candidate(1, 0, len(quote), quote, ())]
    assert learn.label_candidates(thread, cands, gold) == [positive, False]   # other message: never


def test_learn_without_archives_is_a_one_line_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        learn.main(["--labels", str(tmp_path)])
    assert exc.value.code == 2 and capsys.readouterr().err.startswith("kb: learn: ")


def test_learn_on_an_unreadable_archive_is_a_one_line_error(capsys, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "foo.jsonl").write_text('{"thread_id": "a@x", "list": "foo", "message_ids": ["a@x"]}\n')
    with pytest.raises(SystemExit) as exc:
        learn.main(["--labels", str(labels), "--archive", f"foo={tmp_path / 'missing.git'}"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("kb: learn: foo: ") and err.count("\n") == 1


def test_learn_on_a_label_the_archive_contradicts_is_a_one_line_error(capsys, monkeypatch, tmp_path):
    from ingest.extract import labelled
    from ingest.labels.pointers import LabelError

    def fail(*args):
        raise LabelError("a@x: sha1 mismatch (archive differs?)")
    monkeypatch.setattr(labelled, "load_labelled_list", fail)
    (tmp_path / "foo.jsonl").write_text("")
    with pytest.raises(SystemExit) as exc:
        learn.main(["--labels", str(tmp_path), "--archive", f"foo={tmp_path}"])
    assert exc.value.code == 2 and capsys.readouterr().err == "kb: learn: foo: a@x: sha1 mismatch (archive differs?)\n"
