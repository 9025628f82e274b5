"""PostgreSQL = SQLite on real mail: the gold mbox, with one of its messages given the long `Cc:`
trailer real archives hold (all its Cc addresses on one line: VARCHAR(255) rejected it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.db import open_database
from kb.models import Fix, Identity, Message, Objection, Race, Segment, Thread, Trailer
from tests.conftest import make_postgres_url, require_shared

TABLES = (Message, Thread, Identity, Segment, Trailer, Race, Fix, Objection)


def add_long_trailer(data: bytes) -> tuple[bytes, int]:
    """The first message with a long Cc header, with its addresses as one `Cc:` trailer."""
    messages = data.split(b"\nFrom ")
    for index, message in enumerate(messages):
        head, _, body = message.partition(b"\n\n")
        cc = re.search(rb"^Cc: (.*(?:\n[ \t].*)*)", head, re.M)
        signed = re.search(rb"^Signed-off-by:", body, re.M)
        if cc and len(cc.group(1)) > 600 and signed:
            trailer = b"Cc: " + b" ".join(cc.group(1).split())
            body = body[:signed.start()] + trailer + b"\n" + body[signed.start():]
            messages[index] = head + b"\n\n" + body
            return b"\nFrom ".join(messages), len(trailer)
    raise AssertionError("no message with a long Cc header in the gold mbox")


def count_rows(url: str, box: Path) -> dict[str, object]:
    factory = open_database(load_settings(url))
    report = run_ingest(factory, [str(box)], "cgroups", workers=0)
    with factory() as s:
        counts: dict[str, object] = {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}
        counts["longest trailer"] = s.scalar(select(func.max(func.length(Trailer.name))))
    counts["skipped"] = len(report.skipped)
    return counts


@pytest.fixture(scope="module")
def long_trailer_mbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    data, length = add_long_trailer(require_shared("corpus", "cgroups-gold-threads.mbox").read_bytes())
    path = tmp_path_factory.mktemp("mbox") / "long.mbox"
    path.write_bytes(data)
    return path, length


def test_postgresql_stores_what_sqlite_stores(long_trailer_mbox: tuple[Path, int], tmp_path: Path) -> None:
    box, length = long_trailer_mbox
    postgres = count_rows(make_postgres_url(), box)
    sqlite = count_rows(f"sqlite:///{tmp_path / 'kb.sqlite'}", box)
    assert postgres == sqlite
    assert sqlite["skipped"] == 0 and sqlite["messages"] == 228
    assert int(sqlite["longest trailer"]) > 255 and length > 600  # type: ignore[call-overload]
