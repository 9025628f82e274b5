"""Which gold threads a KB lacks, and which file holds them: what `kb eval` measured."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.config import find_bundled_data


@dataclass(frozen=True)
class MissingGold:
    threads: tuple[str, ...]        # gold thread ids no exported thread contains
    sources: tuple[str, ...]        # the files that hold them, to ingest


def find_missing_gold(predicted: Iterable[dict[str, Any]], gold: Iterable[tuple[Path, dict[str, Any]]]) -> MissingGold:
    """Gold threads (with the gold file each came from) that no predicted thread contains."""
    known: set[str] = set()
    for line in predicted:
        known.update(line.get("message_ids") or ())
        known.add(line.get("thread_id") or "")
    missing: list[str] = []
    sources: list[str] = []
    for path, line in gold:
        if line["thread_id"] in known:
            continue
        missing.append(line["thread_id"])
        source = find_gold_source(path, str(line.get("list") or ""))
        if source not in sources:
            sources.append(source)
    return MissingGold(tuple(missing), tuple(sources))


def find_gold_source(gold_path: Path, list_name: str) -> str:
    """Seed pages ship in data/seeds/; a list's gold threads sit in ../corpus/LIST-gold-threads.mbox
    beside the gold directory."""
    if list_name == "seed":
        return str(find_bundled_data() / "seeds")
    return str(gold_path.parent.parent / "corpus" / f"{list_name}-gold-threads.mbox")
