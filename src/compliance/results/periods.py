"""Reporting periods: a year, half-year, quarter or month, with start and end dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from types import MappingProxyType

_FULLWIDTH = MappingProxyType(str.maketrans("０１２３４５６７８９－", "0123456789-"))
_CN_DIGITS = MappingProxyType({"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4})

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})\s*年?(度)?$"), "year"),
    (re.compile(r"^(\d{4})\s*[-年]?\s*(?:Q|q|第)\s*([1-4一二三四])\s*(?:季度)?$"), "quarter"),
    (re.compile(r"^(\d{4})\s*[-年]?\s*(H1|H2|h1|h2|上半年|下半年)$"), "half"),
    (re.compile(r"^(\d{4})\s*[-年/.]\s*(\d{1,2})\s*月?$"), "month"),
)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period. ``label`` is canonical: 2024, 2024H1, 2024Q3, 2024-09."""

    start: dt.date
    end: dt.date
    label: str

    def __str__(self) -> str:
        return self.label


def parse_period(text: object) -> Period | None:
    """Parse the ways hospitals write a period; None if not recognised."""
    if isinstance(text, (int, float)) and float(text).is_integer() and 1900 < int(text) < 2200:
        text = str(int(text))
    if not isinstance(text, str):
        return None
    cleaned = text.strip().translate(_FULLWIDTH).replace(" ", "")
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        year = int(match.group(1))
        if kind == "year":
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
        if kind == "quarter":
            quarter = _CN_DIGITS[match.group(2)]
            first = 3 * quarter - 2
            last_day = calendar.monthrange(year, first + 2)[1]
            return Period(dt.date(year, first, 1), dt.date(year, first + 2, last_day), f"{year}Q{quarter}")
        if kind == "half":
            first_half = match.group(2).upper() == "H1" or match.group(2) == "上半年"
            if first_half:
                return Period(dt.date(year, 1, 1), dt.date(year, 6, 30), f"{year}H1")
            return Period(dt.date(year, 7, 1), dt.date(year, 12, 31), f"{year}H2")
        month = int(match.group(2))
        if 1 <= month <= 12:
            last_day = calendar.monthrange(year, month)[1]
            return Period(dt.date(year, month, 1), dt.date(year, month, last_day), f"{year}-{month:02d}")
    return None
