"""Train the sentence TextCategorizer (race / fix / objection / other) reproducibly.

    python -m ingest.extract.train [--out data/models/textcat]

Reads data/training/*.jsonl ({"text": ..., "label": ...}); fixed seed, no network, a few
seconds on one CPU. The small bag-of-words model ships under data/models/textcat.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ingest.extract import nlp as nlp_mod


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=nlp_mod.MODEL_DIR)
    args = parser.parse_args(argv)
    model = nlp_mod.train_textcat()
    args.out.mkdir(parents=True, exist_ok=True)
    model.to_disk(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {args.out} ({size / 1024:.0f} KiB, {len(nlp_mod.load_training())} sentences)")


if __name__ == "__main__":
    main()
