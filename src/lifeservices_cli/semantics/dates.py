"""Dates the way the plan and 民法典 count them.

- 民法典 第201条: a period counted in years starts on the day after the event.
- 民法典 第202条: a period counted in years ends on the corresponding day of the last year;
  when that year has no corresponding day (29 February), it ends on the last day of the month.

So "离校2年内" for someone who left school on 2022-06-30 runs to 2024-06-30 inclusive, and
for 2020-02-29 to 2022-02-28. Ages follow the same anniversary rule: a person born on
2020-02-29 is 1 year old on 2021-02-28.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*日?)?|(?P<m8>\d{2})(?P<d8>\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_date(text: str) -> date | None:
    """Read ``2022-11-22``, ``2022/11/22``, ``2022.11.22``, ``2022年11月22日``, ``20221122``
    (a time of day after the date, as Excel exports, is ignored). None when it is not a date."""
    m = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    year = int(m.group("y"))
    month = m.group("m") or m.group("m8")
    day = m.group("d") or m.group("d8")
    if month is None or day is None:
        return None
    try:
        return date(year, int(month), int(day))
    except ValueError:
        return None


def add_years(start: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February falls back to the month's last day."""
    year = start.year + years
    last = calendar.monthrange(year, start.month)[1]
    return date(year, start.month, min(start.day, last))


def years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end``: the number of anniversaries reached (age in 周岁)."""
    if end < start:
        return -years_between(end, start)
    years = end.year - start.year
    return years if add_years(start, years) <= end else years - 1


def as_of_day(text: str, name: str = "--as-of") -> date:
    """The day of assessment given as text (``--as-of``, the API's ``as_of``): a bad date is a usage error."""
    from lifeservices_cli.errors import UsageError

    day = parse_date(text)
    if day is None:
        raise UsageError(f"{name} {text!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30")
    return day
