"""Train the sentence TextCategorizer (race / fix / objection / other) reproducibly.

    python -m ingest.extract.train [--out data/models/textcat]

Reads data/training/*.jsonl ({"text": ..., "label": ...}); fixed seed, no network, a few
seconds on one CPU. The small bag-of-words model ships under data/models/textcat.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from ingest.extract import nlp as nlp_mod

EPOCHS = 20
SEED = 7


def load_training(directory: Path | None = None) -> list[tuple[str, str]]:
    directory = directory or nlp_mod.TRAINING_FILE.parent
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("label") in nlp_mod.LABELS:
                    rows.append((row["text"], row["label"]))
    return rows


def train_textcat(rows: list[tuple[str, str]] | None = None, epochs: int = EPOCHS):
    """A blank pipeline with kernel tokenizer, entity_ruler and a trained exclusive textcat."""
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(SEED)
    rows = rows if rows is not None else load_training()
    nlp = nlp_mod.create_blank()
    config = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                        "ngram_size": 2, "no_output_layer": False, "length": 1 << 14}}
    textcat = nlp.add_pipe("textcat", config=config)
    for label in nlp_mod.LABELS:
        textcat.add_label(label)
    examples = []
    for text, label in rows:
        cats = {lab: float(lab == label) for lab in nlp_mod.LABELS}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(SEED)
    with nlp.select_pipes(enable=["textcat"]):
        for _ in range(epochs):
            rng.shuffle(examples)
            for i in range(0, len(examples), 16):
                nlp.update(examples[i:i + 16], sgd=optimizer, drop=0.1)
    nlp_mod.add_entity_ruler(nlp)      # after initialize(), which would clear its patterns
    return nlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=nlp_mod.MODEL_DIR)
    args = parser.parse_args(argv)
    model = train_textcat()
    args.out.mkdir(parents=True, exist_ok=True)
    model.to_disk(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {args.out} ({size / 1024:.0f} KiB, {len(load_training())} sentences)")


if __name__ == "__main__":
    main()
