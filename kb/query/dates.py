"""Date values of `d:` and `rt:`: a subset of git's approxidate, as lore accepts.

Absolute: `2022`, `2022-06`, `2022-06-30`, `20220630`, `2022-06-30T12:00[:00]`,
`20220630120000`, epoch seconds (`rt:` only, 9+ digits). Relative: `N.unit.ago` (seconds,
minutes, hours, days, weeks, months, years), `yesterday`, `today`, `now`, `last.week`,
`last.month`, `last.year`. Times are UTC. `d:` works in whole days like lore (an end date
includes its whole day); `rt:` keeps the precision that was written.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from kb.errors import QueryError

_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})(?:[-.](?P<m>\d{1,2})(?:[-.](?P<d>\d{1,2})"
    r"(?:[t ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?)?)?\Z"
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2}))?\Z")
_RELATIVE = re.compile(r"(?P<n>\d+)[. ](?P<unit>[a-z]+?)s?(?:[. ]ago)?\Z")


def _add_months(when: datetime, months: int) -> datetime:
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    day = min(when.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                         31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return when.replace(year=year, month=month + 1, day=day)


def _parse_point(text: str, now: datetime) -> tuple[datetime, str]:
    """One date -> (instant, granularity) with granularity year|month|day|second."""
    word = text.lower()
    if word == "now":
        return now, "second"
    if word == "today":
        return now, "day"
    if word == "yesterday":
        return now - timedelta(days=1), "day"
    if word.startswith("last.") or word.startswith("last "):
        unit = word[5:]
        if unit in ("year", "month"):
            return _add_months(now, -12 if unit == "year" else -1), "second"
        if unit in _UNITS:
            return now - _UNITS[unit], "second"
        raise ValueError(text)
    match = _COMPACT.match(word) or _ABSOLUTE.match(word)
    if match:
        parts = match.groupdict()
        granularity = "second" if parts["H"] else "day" if parts["d"] else "month" if parts["m"] else "year"
        when = datetime(int(parts["y"]), int(parts["m"] or 1), int(parts["d"] or 1),
                        int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0))
        return when, granularity
    if word.isdigit() and len(word) >= 9:
        return datetime.fromtimestamp(int(word), timezone.utc).replace(tzinfo=None), "second"
    match = _RELATIVE.match(word)
    if match:
        count, unit = int(match["n"]), match["unit"]
        if unit in ("month", "year"):
            return _add_months(now, -count * (12 if unit == "year" else 1)), "second"
        if unit in _UNITS:
            return now - count * _UNITS[unit], "second"
    raise ValueError(text)


def _floor(when: datetime, granularity: str) -> datetime:
    if granularity == "year":
        return datetime(when.year, 1, 1)
    if granularity == "month":
        return datetime(when.year, when.month, 1)
    if granularity == "day":
        return datetime(when.year, when.month, when.day)
    return when.replace(microsecond=0)


def _step(start: datetime, granularity: str) -> datetime:
    if granularity == "year":
        return start.replace(year=start.year + 1)
    if granularity == "month":
        return _add_months(start, 1)
    if granularity == "day":
        return start + timedelta(days=1)
    return start + timedelta(seconds=1)


def _bounds(text: str, prefix: str, now: datetime, position: int, query: str) -> tuple[datetime, datetime]:
    try:
        when, granularity = _parse_point(text, now)
    except (ValueError, OverflowError, OSError):
        raise QueryError(f"bad date {text!r} (try 2022-06-30, 2022, 2.weeks.ago, yesterday)",
                         query=query, position=position) from None
    if prefix == "d" and granularity == "second":
        granularity = "day"
    start = _floor(when, granularity)
    return start, _step(start, granularity)


def parse_date_range(value: str, prefix: str, *, now: datetime, query: str = "",
                     position: int = 0) -> tuple[datetime | None, datetime | None]:
    """`A..B`, `A..`, `..B` or `A` -> half-open [start, end) (None = open side).

    `position` is the column of `value` in `query`, for errors.
    """
    if ".." not in value:
        return _bounds(value, prefix, now, position, query)
    left, right = value.split("..", 1)
    if not left and not right:
        raise QueryError("empty date range", query=query, position=position)
    start = _bounds(left, prefix, now, position, query)[0] if left else None
    end = _bounds(right, prefix, now, position + len(left) + 2, query)[1] if right else None
    if start and end and start >= end:
        raise QueryError("date range ends before it starts", query=query, position=position)
    return start, end
