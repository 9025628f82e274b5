"""Learned deciders over rule-based candidates (candidates.py): a small logistic regression per item
type ("fixes", "objections", linear.py) reads each candidate's feature tokens, their pairs and the
sentence's words.

- Objections: the hand rules' picks stay and the model adds the candidates it scores at or above
  its threshold, best first, while their message holds fewer than `per_message` objections
  (learned_findings.extract_learned_objections).
- Fixes: the candidates scored at or above the threshold are kept, at most `per_message` per
  message (the best first), plus the rules' picks and each addressing posting's best sentence.

Models are trained by `python -m ingest.extract.learn` into data/models/learned/<kind>/, each a
`weights.json` and a `kb-meta.json` holding the threshold, the per-message cap, the vocabulary and
what it was trained on. The objection model is on by default (DEFAULT_KINDS: on the labelled
lists, left out one at a time, it adds objections the rules miss); the fix model is opt-in, since
the hand rules score higher there. The environment variable KB_EXTRACT_MODELS names another
models directory to use for both (the leave-one-list-out bench points it at models trained
without the list it scores; a directory without models means the hand rules alone).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from ingest.extract import nlp
from ingest.extract.candidates import Candidate
from ingest.extract.linear import LinearModel, load_linear

KINDS = ("fixes", "objections")
DEFAULT_KINDS = frozenset({"objections"})   # decided by the shipped model unless KB_EXTRACT_MODELS is set
MODELS_ENV = "KB_EXTRACT_MODELS"
SHIPPED_DIR = nlp.DATA_DIR / "models" / "learned"
META_FILE = "kb-meta.json"
WEIGHTS_FILE = "weights.json"


_IDENT_RE = re.compile(r"[A-Za-z_]\w*(?:->|\.)[\w.>-]+|\w*_\w+|\w+\(\)")
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|[?!:]")
IDENT = "identx"


@dataclass(frozen=True)
class Decider:
    model: LinearModel
    threshold: float
    per_message: int
    vocabulary: frozenset[str]      # sentence words the model reads (others are dropped)
    force: str = ""        # a feature token whose messages always keep their best candidate
    keep: str = ""         # a feature token whose candidates are always kept


def split_words(text: str) -> list[str]:
    """Lower-cased words of a sentence; kernel identifiers become one IDENT word."""
    return _WORD_RE.findall(_IDENT_RE.sub(f" {IDENT} ", text).lower())


def find_candidate_features(cand: Candidate, vocabulary: frozenset[str]) -> frozenset[str]:
    """What the model reads: the feature tokens, every pair of them ("__a&__b": structure and
    cues combine, e.g. a challenging question under the quoted hunk), and the sentence's words
    known to the model ("w:..."; words of one list only, such as its subsystem's names, are
    left out when training)."""
    tokens = sorted(set(cand.features))
    return frozenset([*tokens, *(f"{a}&{b}" for a, b in combinations(tokens, 2)),
                      *(f"w:{w}" for w in split_words(cand.quote) if w in vocabulary)])


def find_model_root(kind: str) -> Path | None:
    """The models directory `kind` is decided by: KB_EXTRACT_MODELS when set, else the shipped
    models for DEFAULT_KINDS, else none (the hand rules)."""
    value = os.environ.get(MODELS_ENV)
    if value is not None:
        return Path(value) if value else None
    return SHIPPED_DIR if kind in DEFAULT_KINDS else None


def list_model_files() -> list[Path]:
    """Every file of the learned models in use (for the extract stage's digest)."""
    roots = {kind: find_model_root(kind) for kind in KINDS}
    return sorted(p for kind, root in roots.items() if root is not None
                  for p in (root / kind).rglob("*") if p.is_file())


@lru_cache(maxsize=8)
def load_decider(kind: str, root: str) -> Decider | None:
    directory = Path(root) / kind
    try:
        meta = json.loads((directory / META_FILE).read_text())
        model = load_linear(directory / WEIGHTS_FILE)
        if model is None:
            return None
        return Decider(model, float(meta["threshold"]), int(meta["per_message"]),
                       frozenset(meta["vocabulary"]), meta.get("force", ""), meta.get("keep", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def get_decider(kind: str) -> Decider | None:
    """The learned decider for `kind`, or None (no models directory or no model in it: the
    hand rules decide)."""
    root = find_model_root(kind)
    return None if root is None else load_decider(kind, str(root))


def score_candidates(decider: Decider, candidates: list[Candidate]) -> list[float]:
    return [decider.model.score(find_candidate_features(c, decider.vocabulary)) for c in candidates]


def select_candidates(candidates: list[Candidate], scores: list[float], threshold: float,
                      per_message: int, force: str = "", keep: str = "") -> list[tuple[Candidate, float]]:
    """Candidates scored >= threshold, the best `per_message` of each message, in thread order.
    A message whose candidates carry the `force` token keeps its best one whatever its score
    (a posted patch that addresses the race states a fix somewhere); a candidate carrying the
    `keep` token (the hand rules pick it) is kept whatever its score."""
    by_message: dict[int, list[tuple[float, int]]] = {}
    for k, (c, s) in enumerate(zip(candidates, scores)):
        by_message.setdefault(c.index, []).append((-s, k))
    kept = set()
    for picks in by_message.values():
        picks.sort()
        forced = bool(force) and force in candidates[picks[0][1]].features
        kept.update(k for rank, (s, k) in enumerate(picks[:per_message]) if -s >= threshold or forced and rank == 0)
    if keep:
        kept.update(k for k, c in enumerate(candidates) if keep in c.features)
    return [(candidates[k], scores[k]) for k in sorted(kept)]


def select_additions(candidates: list[Candidate], scores: list[float], threshold: float, per_message: int,
                     taken: dict[int, int], skip: str) -> list[tuple[Candidate, float]]:
    """Candidates without the `skip` token scored >= threshold, best first, while their message
    holds fewer than `per_message` items (`taken`: message index -> items it already holds),
    in thread order."""
    held = dict(taken)
    picked = []
    for k in sorted(range(len(candidates)), key=lambda k: (-scores[k], k)):
        c = candidates[k]
        if scores[k] < threshold:
            break
        if skip in c.features or held.get(c.index, 0) >= per_message:
            continue
        held[c.index] = held.get(c.index, 0) + 1
        picked.append(k)
    return [(candidates[k], scores[k]) for k in sorted(picked)]


def decide(decider: Decider, candidates: list[Candidate]) -> list[tuple[Candidate, float]]:
    if not candidates:
        return []
    return select_candidates(candidates, score_candidates(decider, candidates), decider.threshold,
                             decider.per_message, decider.force, decider.keep)
