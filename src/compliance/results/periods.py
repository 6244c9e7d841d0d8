"""Reporting periods: a year, half-year, quarter, month, or any other run of months within one year
(the cumulative 1–9月 in which national and provincial statistics are published, or 4–5月).

A period is its months: two texts that name the same months are the same period, with the same
label, whatever they call it (2024年1-6月 and 2024年1-6月累计 are 2024H1, 2024年4-6月 is 2024Q2,
2024年1-12月 is 2024).  The canonical labels are safe in file names as they are:

==============  ==========================================
``2024``        the year
``2024H1``      a half-year (H1, H2)
``2024Q3``      a quarter
``2024-09``     a month
``2024M01-09``  any other run of months within the year (January to September: cumulative)
==============  ==========================================

A run of months never crosses a year end and runs forward; anything else is not a period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from types import MappingProxyType

#: Full-width digits and letters, every dash and tilde (a range's separator) made plain.
_PLAIN = MappingProxyType(str.maketrans(
    "０１２３４５６７８９ＱｑＨｈＭｍ／．－—–―‒−~～〜（）",
    "0123456789QqHhMm/.------~~~()"))
_CN_DIGITS = MappingProxyType({"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4})
#: Years a period may be in: a reporting period of this century or the last (a four-digit year
#: further out is a typing slip, and 9999 has no "same period next year" on the calendar).
MIN_YEAR, MAX_YEAR = 1900, 2199
_MONTH = r"(\d{1,2})"
_TO = r"[-~至到]"
#: A cumulative or explanatory suffix that does not change the months: 累计, （累计）, 累计数.
_SUFFIX = re.compile(r"(?:\(?累计数?\)?)$")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})年?(度)?$"), "year"),
    (re.compile(r"^(\d{4})[-年]?(?:Q|q|第)([1-4一二三四])(?:季度)?$"), "quarter"),
    (re.compile(r"^(\d{4})[-年]?(H1|H2|h1|h2|上半年|下半年)$"), "half"),
    (re.compile(r"^(\d{4})[-年]?前([一二两三1-3])个?季度$"), "quarters"),
    (re.compile(rf"^(\d{{4}})[-年/.]{_MONTH}月?份?$"), "month"),
    (re.compile(rf"^(\d{{4}})[Mm]{_MONTH}-{_MONTH}$"), "months"),
    (re.compile(rf"^(\d{{4}})年{_MONTH}月?{_TO}{_MONTH}月?份?$"), "months"),
    (re.compile(rf"^(\d{{4}})[-/.]{_MONTH}月?{_TO}{_MONTH}月份?$"), "months"),
    (re.compile(rf"^(\d{{4}})[-年/.]{_MONTH}月?(?:{_TO}|/)(\d{{4}})[-年/.]{_MONTH}月?份?$"), "two_months"),
)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _label(year: int, first: int, last: int) -> str:
    if (first, last) == (1, 12):
        return f"{year:04d}"
    if (first, last) in ((1, 6), (7, 12)):
        return f"{year:04d}H{1 if first == 1 else 2}"
    if first % 3 == 1 and last == first + 2:
        return f"{year:04d}Q{(first + 2) // 3}"
    if first == last:
        return f"{year:04d}-{first:02d}"
    return f"{year:04d}M{first:02d}-{last:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: whole months within one year, from `start` (the first of its first
    month) to `end` (the last day of its last month).  ``label`` is canonical (2024, 2024H1,
    2024Q3, 2024-09, 2024M01-09) and follows from the dates: it may be left out, and a label that
    does not fit them is refused.  Periods sort by start, then end (2024H1 before 2024)."""

    start: dt.date
    end: dt.date
    label: str = ""

    def __post_init__(self) -> None:
        start, end = self.start, self.end
        if start.day != 1 or end != _last_day(end.year, end.month) or start.year != end.year or start > end:
            raise ValueError(f"a period is whole months within one year, not {start} to {end}")
        canonical = _label(start.year, start.month, end.month)
        if self.label and self.label != canonical:
            raise ValueError(f"the period {start} to {end} is labelled {canonical!r}, not {self.label!r}")
        object.__setattr__(self, "label", canonical)

    @classmethod
    def of_months(cls, year: int, first: int, last: int) -> Period:
        """Months `first` to `last` of `year` (ValueError if they are not a forward run of months)."""
        if not 1 <= first <= last <= 12:
            raise ValueError(f"months {first} to {last} are not a run of months within a year")
        return cls(dt.date(year, first, 1), _last_day(year, last))

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def first_month(self) -> int:
        return self.start.month

    @property
    def last_month(self) -> int:
        return self.end.month

    @property
    def kind(self) -> str:
        """year, half, quarter, month, or months (any other run: cumulative from January or not)."""
        label = self.label
        if len(label) == 4:
            return "year"
        return {"H": "half", "Q": "quarter", "-": "month", "M": "months"}[label[4]]

    @property
    def cumulative(self) -> bool:
        """From January: the year to date (1–9月), as national and provincial statistics are published."""
        return self.first_month == 1

    def previous_year(self) -> Period:
        """The same months one year earlier: 上年同期 (2019M01-09 for 2020M01-09, 2019Q3 for 2020Q3)."""
        return Period.of_months(self.year - 1, self.first_month, self.last_month)

    def __str__(self) -> str:
        return self.label


def parse_period(text: object) -> Period | None:
    """Parse the ways hospitals and statistics write a period; None if not recognised (or not a
    run of months within one year: 9-1月, 13月, 2023-10/2024-03)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and float(text).is_integer() \
            and 1900 < int(text) < 2200:
        text = str(int(text))
    if not isinstance(text, str):
        return None
    cleaned = re.sub(r"\s+", "", text.translate(_PLAIN))
    cleaned = _SUFFIX.sub("", cleaned) or cleaned
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            return _period(kind, match)
    return None


_CANONICAL = re.compile(r"(\d{4})(?:H([12])|Q([1-4])|-(\d\d)|M(\d\d)-(\d\d))?")


def label_months(label: str) -> tuple[int, int, int] | None:
    """(year, first month, last month) of a canonical label (2024, 2024H1, 2024Q3, 2024-09,
    2024M01-09); None for any other text, as for one that :func:`parse_period` reads but labels
    otherwise.  Cheaper than building the period when only its months are wanted."""
    match = _CANONICAL.fullmatch(label) if isinstance(label, str) else None
    if match is None:
        return None
    year = int(match[1])
    if match[2]:
        first = 1 if match[2] == "1" else 7
        last = first + 5
    elif match[3]:
        first = 3 * int(match[3]) - 2
        last = first + 2
    elif match[4]:
        first = last = int(match[4])
    elif match[5]:
        first, last = int(match[5]), int(match[6])
    else:
        first, last = 1, 12
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= first <= last <= 12) or _label(year, first, last) != label:
        return None
    return year, first, last


def _period(kind: str, match: re.Match[str]) -> Period | None:
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if kind == "year":
        first, last = 1, 12
    elif kind == "quarter":
        first = 3 * _CN_DIGITS[match.group(2)] - 2
        last = first + 2
    elif kind == "half":
        first = 1 if match.group(2) in ("H1", "h1", "上半年") else 7
        last = first + 5
    elif kind == "quarters":
        first, last = 1, 3 * _CN_DIGITS[match.group(2)]
    elif kind == "month":
        first = last = int(match.group(2))
    elif kind == "months":
        first, last = int(match.group(2)), int(match.group(3))
    else:  # two_months: both ends name their year, which must be the same
        if int(match.group(3)) != year:
            return None
        first, last = int(match.group(2)), int(match.group(4))
    if not 1 <= first <= last <= 12:
        return None
    return Period.of_months(year, first, last)
