"""Real mail for the bench scripts: messages of an mbox or a public-inbox epoch, written back as mbox."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
MBOX_2024 = SHARED / "corpus" / "cgroups-2024.mbox.gz"
EPOCH = Path("/work/kb-cgroups/cgroups-0.git")     # `git clone --bare ../shared/corpus/cgroups-0.bundle`
FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
_ESCAPE = re.compile(rb"^(>*From )", re.MULTILINE)


def iter_mails(source: Path) -> Iterator[bytes]:
    """The bytes of every whole message of an mbox (plain or .gz)."""
    from ingest.sources.mbox import iter_mbox

    for mail in iter_mbox(source):
        if mail.damage is None:
            yield mail.data


def iter_epoch_mails(epoch: Path = EPOCH, limit: int | None = None) -> Iterator[bytes]:
    """The messages of a public-inbox epoch in commit order (the first `limit`)."""
    from ingest.sources.public_inbox import find_head, iter_epoch

    head = find_head(epoch)
    if head is None:
        return
    yield from (mail.data for mail in itertools.islice(iter_epoch(epoch, None, head), limit))


def format_mbox(mails: Iterable[bytes]) -> Iterator[bytes]:
    """mboxrd: `>*From ` lines in bodies escaped with one more `>`."""
    for data in mails:
        body = _ESCAPE.sub(rb">\1", data)
        yield FROM_LINE + body + (b"" if body.endswith(b"\n") else b"\n") + b"\n"


def write_mbox(path: Path, mails: Iterable[bytes]) -> Path:
    with path.open("wb") as out:
        out.writelines(format_mbox(mails))
    return path
