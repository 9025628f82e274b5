"""The learned deciders' model: a penalised logistic regression over sets of feature strings."""

import pytest

from ingest.extract.linear import BIAS, LinearModel, load_linear, save_linear, train_linear

# "good" marks every positive, "bad" every negative; "both" is on half of each
EXAMPLES = [{"good", "both"}, {"good"}, {"bad", "both"}, {"bad"}] * 5
LABELS = [True, True, False, False] * 5


def test_training_separates_and_ranks():
    model = train_linear(EXAMPLES, LABELS)
    assert model.score({"good"}) > 0.5 > model.score({"bad"})
    assert model.weights["good"] > 0 > model.weights["bad"]
    assert abs(model.weights.get("both", 0.0)) < abs(model.weights["good"])   # carries no signal


def test_training_is_deterministic():
    assert train_linear(EXAMPLES, LABELS) == train_linear(list(reversed(EXAMPLES)), list(reversed(LABELS)))


def test_penalty_shrinks_weights():
    loose, tight = train_linear(EXAMPLES, LABELS, l2=1e-3), train_linear(EXAMPLES, LABELS, l2=1.0)
    assert abs(tight.weights["good"]) < abs(loose.weights["good"])


def test_positive_weight_raises_scores():
    plain, weighted = train_linear(EXAMPLES, LABELS, positive_weight=1.0), train_linear(EXAMPLES, LABELS, positive_weight=4.0)
    assert weighted.score({"both"}) > plain.score({"both"})


def test_unknown_features_score_the_bias():
    model = LinearModel({BIAS: 0.0, "a": 2.0})
    assert model.score({"never seen"}) == 0.5 and model.score({"a"}) > 0.5
    assert 0.0 < LinearModel({"a": -1e6}).score({"a"}) < 1e-20          # clamped, no overflow


def test_no_examples_no_weights():
    assert train_linear([], []).weights == {}


def test_save_and_load_round_trip(tmp_path):
    model = train_linear(EXAMPLES, LABELS)
    save_linear(model, tmp_path / "m" / "weights.json")
    assert load_linear(tmp_path / "m" / "weights.json") == model


@pytest.mark.parametrize("text", [None, "{not json", "[1, 2]", '{"a": "x"}'])
def test_missing_or_broken_weights_load_as_none(tmp_path, text):
    path = tmp_path / "weights.json"
    if text is not None:
        path.write_text(text)
    assert load_linear(path) is None
