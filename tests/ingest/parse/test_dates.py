"""Every broken Date form seen on LKML -> aware UTC datetime (or None + defect)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest.parse.dates import parse_date


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


CASES = [
    # (raw, expected UTC, a defect that must be present or None)
    ("Mon, 1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),
    ("Mon,  1 Jan 2024 08:58:05 +0000 (UTC)", utc(2024, 1, 1, 8, 58, 5), None),
    ("1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),            # no weekday
    ("Mon, 1 Jan 24 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),         # 2-digit year
    ("Wed, 3 Mar 99 10:00:00 -0500", utc(1999, 3, 3, 15, 0, 0), None),
    ("Mon, 1 Jan 2024 09:56:53 GMT+8", utc(2024, 1, 1, 1, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 UTC+05:30", utc(2024, 1, 1, 4, 26, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 GMT-0700", utc(2024, 1, 1, 16, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 EST", utc(2024, 1, 1, 14, 56, 53), None),
    ("Mon, 1 Jul 2024 09:56:53 PDT", utc(2024, 7, 1, 16, 56, 53), None),
    ("Mon, 1 Jul 2024 09:56:53 CEST", utc(2024, 7, 1, 7, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 CET", utc(2024, 1, 1, 8, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 JST", utc(2024, 1, 1, 0, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 GMT", utc(2024, 1, 1, 9, 56, 53), None),
    ("Mon, 1 Jan 2024 09:56:53", utc(2024, 1, 1, 9, 56, 53), "date:no-zone"),    # no zone
    ("Mon, 1 Jan 2024 09:56:53 -0000", utc(2024, 1, 1, 9, 56, 53), None),
    ("Mon, 1 Jan 2024 09:56 +0000", utc(2024, 1, 1, 9, 56, 0), None),           # no seconds
    ("2024-01-01T09:56:53+01:00", utc(2024, 1, 1, 8, 56, 53), "date:iso"),
    ("2024-01-01 09:56:53", utc(2024, 1, 1, 9, 56, 53), "date:iso"),
    ("2024-01-01T09:56:53Z", utc(2024, 1, 1, 9, 56, 53), "date:iso"),
    ("2024-01-01", utc(2024, 1, 1), "date:iso"),
    ("Mon,   1   Jan   2024   09:56:53   +0100", utc(2024, 1, 1, 8, 56, 53), None),
    ("Mon, 1 Jan, 2024, 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), "date:repaired"),
    ("Mon,, 1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),
    ("Foo, 1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),        # bogus day
    ("Monday 1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), "date:repaired"),
    ("Xyz 1 Jan 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), "date:repaired"),
    ("Mon, 1 January 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),
    ("Mon, 1 Jan 2024 09:56:53 +0100 (CET)", utc(2024, 1, 1, 8, 56, 53), "date:repaired"),
    ("Mon, 1 Jan 2024 09:56:53 +9900", utc(2024, 1, 1, 9, 56, 53), "date:bad-zone"),
    ("Mon, 1 Jan 2024 23:59:60 +0000", utc(2024, 1, 1, 23, 59, 59), None),      # leap second
    ("\tMon, 1 Jan 2024 09:56:53 +0100\t", utc(2024, 1, 1, 8, 56, 53), None),
    ("Jan 1 2024 09:56:53 +0100", utc(2024, 1, 1, 8, 56, 53), None),           # month first
]

NONE_CASES = [
    ("", "date:missing"),
    ("   ", "date:missing"),
    ("yesterday", "date:unparseable"),
    ("Mon, 32 Jan 2024 09:56:53 +0100", "date:unparseable"),
    ("Mon, 1 Foo 2024 09:56:53 +0100", "date:unparseable"),
    ("Mon, 1 Jan 2999 09:56:53 +0100", "date:out-of-range"),    # far future
    ("Mon, 1 Jan 1970 00:00:00 +0000", "date:out-of-range"),    # before Linux
    ("Mon, 1 Jan 99999 09:56:53 +0100", "date:unparseable"),
    ("x" * 5000, "date:unparseable"),
]


@pytest.mark.parametrize(("raw", "expected", "defect"), CASES)
def test_parse_date(raw: str, expected: datetime, defect: str | None) -> None:
    parsed, defects = parse_date(raw)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is timezone.utc
    if defect is not None:
        assert defect in defects


@pytest.mark.parametrize(("raw", "defect"), NONE_CASES)
def test_parse_date_gives_none(raw: str, defect: str) -> None:
    parsed, defects = parse_date(raw)
    assert parsed is None
    assert defect in defects


def test_parse_date_none_value() -> None:
    assert parse_date(None) == (None, ("date:missing",))
