"""Extraction throughput over a whole archive (default: cgroups-2024.mbox.gz).

    .venv/bin/python bench/extract_speed.py [MBOX | EPOCH.git] [--limit N]

A directory is read as a public-inbox epoch (e.g. the cgroups epoch /work/kb-cgroups/cgroups-0.git,
a bare clone of ../shared/corpus/cgroups-0.bundle).
Prints messages/s for extraction alone (threads are built first, not timed): wall and CPU
time of one cold pass (each thread once, as the ingest pipeline calls it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.extract import extract_thread  # noqa: E402
from ingest.extract.devcorpus import group_threads, iter_mbox_messages  # noqa: E402
from ingest.extract.labelled import build_message  # noqa: E402
from ingest.extract.learned import MODELS_ENV  # noqa: E402
from ingest.labels.archive import iter_epoch  # noqa: E402
from ingest.parse.message import MailParseError  # noqa: E402
from ingest.extract.maintainers import load_maintainers  # noqa: E402
from ingest.extract.cues import load_cue_sets  # noqa: E402
from ingest.extract.nlp import get_nlp  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"


def iter_epoch_messages(git_dir: Path):
    """(MessageText, parent ids) of every message of a public-inbox epoch, as kb parses it."""
    for _, raw in iter_epoch(git_dir):
        try:
            msg, refs = build_message(raw)
        except MailParseError:
            continue        # kb ingest records such a mail as rejected; there is nothing to extract
        yield msg, [*refs, *([msg.in_reply_to] if msg.in_reply_to else [])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mbox", nargs="?", type=Path,
                    default=SHARED / "corpus" / "cgroups-2024.mbox.gz")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--models", type=Path, help="then a second pass with the learned models in this "
                    "directory (KB_EXTRACT_MODELS), e.g. data/models/learned (the first pass runs kb's "
                    "defaults: the shipped objection model, the hand rules for the rest)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    items = []
    for item in (iter_epoch_messages(args.mbox) if args.mbox.is_dir() else iter_mbox_messages(args.mbox)):
        items.append(item)
        if args.limit and len(items) >= args.limit:
            break
    threads = group_threads(items, "cgroups")
    t_parse = time.perf_counter() - t0
    mt = load_maintainers(str(SHARED / "data" / "MAINTAINERS"))
    get_nlp()
    load_cue_sets()
    os.environ.pop(MODELS_ENV, None)
    n_msgs, positives, elapsed, cpu = time_pass(threads, mt)
    print(f"{n_msgs} messages in {len(threads)} threads; {positives} race threads")
    print(f"mbox parse + threading: {t_parse:.1f}s ({n_msgs / t_parse:.0f} msgs/s)")
    print(f"extraction: {elapsed:.2f}s = {n_msgs / elapsed:.0f} msgs/s "
          f"({1000 * elapsed / n_msgs:.3f} ms/msg; budget at 1,500 msgs/s ingest +50%: "
          f"0.333 ms/msg)")
    print(f"extraction CPU time: {cpu:.2f}s = {1000 * cpu / n_msgs:.3f} ms/msg "
          f"(wall time includes waiting for a busy machine)")
    if args.models:
        os.environ[MODELS_ENV] = str(args.models)
        _, _, elapsed, cpu = time_pass(threads, mt)
        print(f"with the learned models of {args.models} (second pass): {elapsed:.2f}s wall, "
              f"{cpu:.2f}s CPU = {1000 * cpu / n_msgs:.3f} ms/msg")


def time_pass(threads, mt) -> tuple[int, int, float, float]:
    """(messages, race threads, wall s, CPU s) of extracting every thread once."""
    t1 = time.perf_counter()
    c1 = time.process_time()
    n_msgs = positives = 0
    for thread in threads:
        findings = extract_thread(thread, maintainers=mt)
        n_msgs += len(thread.messages)
        positives += findings.is_race_discussion
    return n_msgs, positives, time.perf_counter() - t1, time.process_time() - c1


if __name__ == "__main__":
    main()
