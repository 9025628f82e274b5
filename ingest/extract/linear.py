"""A small L2-regularised logistic regression over sparse binary features (sets of strings), the
model behind the learned deciders (learned.py).

Trained full-batch with AdaGrad on the mean log loss (positives weighted), deterministic, a few
seconds on the labelled corpus; saved as JSON (feature -> weight). spaCy's bag-of-words
TextCategorizer is the same family of model, but trained by Adam without a penalty it overfit
the ~250 labelled objections of the corpus and its scores were not calibrated (on the same
candidates, leave-one-list-out objections F1 .524 against .536 for this model, each at its best
threshold).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

BIAS = "__bias"


@dataclass(frozen=True)
class LinearModel:
    weights: dict[str, float]

    def score(self, features: set[str] | frozenset[str]) -> float:
        """P(positive) of one example."""
        z = self.weights.get(BIAS, 0.0) + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def train_linear(examples: list[set[str] | frozenset[str]], labels: list[bool], l2: float = 1e-2,
                 iterations: int = 300, rate: float = 0.5, positive_weight: float = 2.0) -> LinearModel:
    """Weights minimising the weighted mean log loss plus l2/2 * |w|^2 (the bias included)."""
    import numpy as np      # training only: the extract workers score without it (and its memory)

    index: dict[str, int] = {BIAS: 0}
    rows: list[int] = []
    cols: list[int] = []
    for i, features in enumerate(examples):
        for f in sorted(set(features) | {BIAS}):
            rows.append(i)
            cols.append(index.setdefault(f, len(index)))
    n, dim = len(examples), len(index)
    if n == 0:
        return LinearModel({})
    row_ix, col_ix = np.array(rows), np.array(cols)
    y = np.array(labels, dtype=float)
    sample = np.where(y > 0, positive_weight, 1.0)
    w = np.zeros(dim)
    squares = np.full(dim, 1e-8)
    for _ in range(iterations):
        z = np.bincount(row_ix, weights=w[col_ix], minlength=n)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        err = (p - y) * sample
        grad = np.bincount(col_ix, weights=err[row_ix], minlength=dim) / n + l2 * w
        squares += grad * grad
        w -= rate * grad / np.sqrt(squares)
    names = sorted(index, key=index.__getitem__)
    return LinearModel({f: round(float(w[index[f]]), 6) for f in names if abs(w[index[f]]) >= 1e-6})


def save_linear(model: LinearModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.weights, indent=0, sort_keys=True) + "\n")


def load_linear(path: Path) -> LinearModel | None:
    """The model saved at `path` (None when absent or unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, (int, float)) for v in data.values()):
        return None
    return LinearModel({str(k): float(v) for k, v in data.items()})
