"""The streaming stages: how much the parse stage hands out ahead of the store."""

from __future__ import annotations

from collections.abc import Iterator

from ingest.intake import AHEAD, prepare_stream
from ingest.sources.base import RawMail


def test_the_parse_stage_holds_at_most_ahead_jobs_before_the_store_takes_one() -> None:
    pulled = 0

    def jobs() -> Iterator[list[RawMail]]:
        nonlocal pulled
        for i in range(AHEAD * 3):
            pulled += 1
            yield [RawMail(data=b"Message-ID: <%d@x>\n\nbody\n" % i, source="t", position=str(i))]

    stream = prepare_stream(jobs(), 2)
    first = next(stream)
    assert pulled == AHEAD
    assert len(first) == 1
    rest = list(stream)
    assert pulled == AHEAD * 3 and len(rest) == AHEAD * 3 - 1
