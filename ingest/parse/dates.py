"""Date header -> timezone-aware UTC datetime, tolerant of every broken form seen on LKML.

Handled: missing weekday, bogus weekday names, two-digit years, `+0000 (UTC)` comments,
`GMT+8` / `UTC+05:30` offsets, named zones (EST, PDT, CEST, JST, ...), missing zone (taken as
UTC, with a defect), ISO 8601 dates, extra spaces and commas, offsets beyond +-14h (taken as UTC).
Dates before 1991 (Linux did not exist) or more than a day after parsing time are rejected:
`None` plus a defect, never a clamped guess.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz

EARLIEST = datetime(1991, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=1)
MAX_DATE_CHARS = 200

# Zones parsedate_tz does not know (it knows UT, UTC, GMT, Z, EST/EDT, CST/CDT, MST/MDT, PST/PDT).
EXTRA_ZONES = {
    "CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200", "BST": "+0100",
    "IST": "+0530", "EET": "+0200", "EEST": "+0300", "WET": "+0000", "WEST": "+0100",
    "MSK": "+0300", "JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800",
    "AWST": "+0800", "ACST": "+0930", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200",
    "NZDT": "+1300", "PKT": "+0500", "HST": "-1000", "AKST": "-0900", "AKDT": "-0800",
    "AST": "-0400", "ADT": "-0300", "NST": "-0330", "NDT": "-0230", "BRT": "-0300",
    "ART": "-0300", "CST6CDT": "-0600", "UTC0": "+0000",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_COMMENT = re.compile(r"\([^()]*\)")
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b", re.I)
_LEADING_WORD = re.compile(r"^\s*([A-Za-z]+)\.?\s*,?\s*")
_ZONE_WORD = re.compile(r"\b([A-Z]{3,5}[0-9]?)\s*$")
_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.I,
)


def parse_date(value: str | None) -> tuple[datetime | None, tuple[str, ...]]:
    """Parse a Date header; returns (UTC datetime or None, defects)."""
    if value is None or not value.strip():
        return None, ("date:missing",)
    defects: list[str] = []
    text = value[:MAX_DATE_CHARS]
    parsed = parse_rfc2822_date(text, defects)
    if parsed is None:
        parsed = parse_iso_date(text, defects)
    if parsed is None:
        return None, (*defects, "date:unparseable")
    now = datetime.now(timezone.utc)
    if parsed < EARLIEST or parsed > now + FUTURE_SLACK:
        return None, (*defects, "date:out-of-range")
    return parsed, tuple(defects)


def parse_rfc2822_date(text: str, defects: list[str]) -> datetime | None:
    """RFC 2822-ish date after cleaning; None when it does not look like one."""
    fast = _fast_parse(text, defects)
    if fast is not None:
        return fast
    cleaned = clean_date_text(text, defects)
    try:
        fields = parsedate_tz(cleaned)
    except (ValueError, IndexError, TypeError, OverflowError):
        fields = None
    if fields is None:
        return None
    last = cleaned.rsplit(" ", 1)[-1]
    if not (last[:1] in ("+", "-") or last.isalpha()):
        defects.append("date:no-zone")
    return build_datetime(fields, defects)


def _fast_parse(text: str, defects: list[str]) -> datetime | None:
    if "(" in text or text[-6:-5] != " " or not text[-5:].lstrip("+-").isdigit():
        return None
    try:
        fields = parsedate_tz(text)
    except (ValueError, IndexError, TypeError, OverflowError):
        return None
    if fields is None:
        return None
    return build_datetime(fields, defects)


def clean_date_text(text: str, defects: list[str]) -> str:
    """Remove comments, bogus weekday names, stray commas; rewrite zones parsedate_tz lacks."""
    original = text
    text = _COMMENT.sub(" ", text).replace("\t", " ")
    text = _GMT_OFFSET.sub(_format_gmt_offset, text)
    match = _LEADING_WORD.match(text)
    if match and match.group(1)[:3].lower() not in MONTHS:
        text = text[match.end():]
    text = text.replace(",", " ")
    zone = _ZONE_WORD.search(text)
    if zone and zone.group(1).upper() in EXTRA_ZONES:
        text = text[: zone.start()] + EXTRA_ZONES[zone.group(1).upper()]
    text = " ".join(text.split())
    if text != original.strip():
        defects.append("date:repaired")
    return text


def _format_gmt_offset(match: re.Match[str]) -> str:
    sign, hours, minutes = match.group(1), int(match.group(2)), match.group(3) or "00"
    return f" {sign}{hours:02d}{minutes} "


def build_datetime(fields: tuple, defects: list[str]) -> datetime | None:
    """parsedate_tz 10-tuple -> aware UTC datetime (None on impossible values)."""
    year, month, day, hour, minute, second = fields[:6]
    offset = fields[9]
    if offset is None:
        defects.append("date:no-zone")
        offset = 0
    elif abs(offset) > 14 * 3600:
        defects.append("date:bad-zone")
        offset = 0
    if second == 60:  # leap second
        second = 59
    try:
        local = datetime(year, month, day, hour, minute, second,
                         tzinfo=timezone(timedelta(seconds=offset)))
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None


def parse_iso_date(text: str, defects: list[str]) -> datetime | None:
    """ISO 8601 (`2024-01-01T10:00:00+02:00`, `2024-01-01 10:00`); UTC when no zone."""
    match = _ISO.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    offset = 0
    if zone is None:
        defects.append("date:no-zone")
    elif zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * (-1 if zone[0] == "-" else 1)
    defects.append("date:iso")
    fields = (int(year), int(month), int(day), int(hour or 0), int(minute or 0),
              int(second or 0), 0, 1, -1, offset)
    return build_datetime(fields, [])
