"""Time parse_message over an mbox(.gz): prints messages/s (wall) and CPU seconds.

usage: .venv/bin/python bench/parse.py [MBOX] [--repeat N]
Default MBOX: ../shared/corpus/cgroups-2024.mbox.gz. Messages are split at lines starting
`From ` and mboxrd-unescaped (`>From ` -> `From `) before timing; only parsing is timed.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.parse.message import MailParseError, parse_message  # noqa: E402

DEFAULT_MBOX = ROOT.parent / "shared" / "corpus" / "cgroups-2024.mbox.gz"
_FROM_LINE = re.compile(rb"^From ", re.M)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.M)


def read_mbox_messages(path: Path) -> list[bytes]:
    """Split an mboxrd file (optionally gzipped) into message bytes, unescaping >From."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    starts = [m.start() for m in _FROM_LINE.finditer(data)]
    messages = []
    for begin, end in zip(starts, starts[1:] + [len(data)]):
        chunk = data[begin:end]
        chunk = chunk[chunk.find(b"\n") + 1:]
        messages.append(_ESCAPED_FROM.sub(rb"\1", chunk))
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mbox", nargs="?", type=Path, default=DEFAULT_MBOX)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    messages = read_mbox_messages(args.mbox)
    defects: Counter[str] = Counter()
    failures = 0
    best_wall = best_cpu = float("inf")
    for round_ in range(args.repeat):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for data in messages:
            try:
                parsed = parse_message(data)
            except MailParseError:
                failures += round_ == 0
                continue
            if round_ == 0:
                defects.update(d.split(":", 2)[0] + ":" + d.split(":", 2)[1]
                               if d.count(":") >= 1 else d for d in parsed.defects)
        best_wall = min(best_wall, time.perf_counter() - wall0)
        best_cpu = min(best_cpu, time.process_time() - cpu0)
    n = len(messages)
    print(f"{n} messages, {sum(map(len, messages)) / 1e6:.1f} MB, {failures} MailParseError")
    print(f"best of {args.repeat}: {best_wall:.3f} s wall, {best_cpu:.3f} s CPU, "
          f"{n / best_wall:,.0f} msgs/s wall, {n / best_cpu:,.0f} msgs/s CPU")
    print("defects:", ", ".join(f"{k}={v}" for k, v in defects.most_common(12)))


if __name__ == "__main__":
    main()
