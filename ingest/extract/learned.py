"""Learned deciders over rule-based candidates (candidates.py): a small spaCy bag-of-words
TextCategorizer per item type ("fixes", "objections") reads each candidate's feature tokens and
sentence, and the candidates it scores at or above the model's threshold are kept, at most
`per_message` per message (the best first).

Models are trained by `python -m ingest.extract.learn` into data/models/learned/<kind>/, each
with a `kb-meta.json` holding the threshold, the per-message cap, the vocabulary and what it was
trained on. They are opt-in: the environment variable KB_EXTRACT_MODELS names the models
directory to use (data/models/learned for the shipped ones; the leave-one-list-out bench points
it at models trained without the list it scores). Without it the hand rules decide (fixes.py,
objections.py): on the shared gold, which they were tuned near, the rules still score higher.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.extract import nlp
from ingest.extract.candidates import Candidate

KINDS = ("fixes", "objections")
MODELS_ENV = "KB_EXTRACT_MODELS"
SHIPPED_DIR = nlp.DATA_DIR / "models" / "learned"
META_FILE = "kb-meta.json"
POSITIVE = "yes"
LABELS = (POSITIVE, "no")


_IDENT_RE = re.compile(r"[A-Za-z_]\w*(?:->|\.)[\w.>-]+|\w*_\w+|\w+\(\)")
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|[?!:]")
IDENT = "identx"


@dataclass(frozen=True)
class Decider:
    model: object          # a spaCy pipeline with a textcat over LABELS
    threshold: float
    per_message: int
    vocabulary: frozenset[str]      # sentence words the model reads (others are dropped)
    force: str = ""        # a feature token whose messages always keep their best candidate
    keep: str = ""         # a feature token whose candidates are always kept


def split_words(text: str) -> list[str]:
    """Lower-cased words of a sentence; kernel identifiers become one IDENT word."""
    return _WORD_RE.findall(_IDENT_RE.sub(f" {IDENT} ", text).lower())


def render_candidate(cand: Candidate, vocabulary: frozenset[str]) -> str:
    """What the classifier reads: feature tokens, then the sentence's words known to the model
    (words of one list only, such as its subsystem's names, are left out when training)."""
    return " ".join(cand.features) + " | " + " ".join(w for w in split_words(cand.quote) if w in vocabulary)


def find_model_root() -> Path | None:
    """The models directory in use: KB_EXTRACT_MODELS (e.g. SHIPPED_DIR), else none."""
    value = os.environ.get(MODELS_ENV)
    return Path(value) if value else None


def list_model_files() -> list[Path]:
    """Every file of the learned models in use (for the extract stage's digest)."""
    root = find_model_root()
    if root is None:
        return []
    return sorted(p for kind in KINDS for p in (root / kind).rglob("*") if p.is_file())


@lru_cache(maxsize=8)
def load_decider(kind: str, root: str) -> Decider | None:
    directory = Path(root) / kind
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError):
        return None
    model = nlp.load_textcat(directory)
    if model is None:
        return None
    return Decider(model, float(meta["threshold"]), int(meta["per_message"]),
                   frozenset(meta["vocabulary"]), meta.get("force", ""), meta.get("keep", ""))


def get_decider(kind: str) -> Decider | None:
    """The learned decider for `kind`, or None (no models directory or no model in it: the
    hand rules decide)."""
    root = find_model_root()
    return None if root is None else load_decider(kind, str(root))


def score_candidates(decider: Decider, candidates: list[Candidate]) -> list[float]:
    texts = [render_candidate(c, decider.vocabulary) for c in candidates]
    return nlp.score_texts(decider.model, texts, POSITIVE)


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


def decide(decider: Decider, candidates: list[Candidate]) -> list[tuple[Candidate, float]]:
    if not candidates:
        return []
    return select_candidates(candidates, score_candidates(decider, candidates), decider.threshold,
                             decider.per_message, decider.force, decider.keep)
