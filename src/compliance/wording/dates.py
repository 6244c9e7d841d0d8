"""Reporting periods and dates in the reader's language: 2024年度 / 2024, 2024年上半年 / H1 2024,
2019年1—9月 / Jan–Sep 2019."""

from __future__ import annotations

import datetime as dt

from compliance.results.periods import Period, label_months
from compliance.wording.catalogue import text


def period_text(period: Period | str, lang: str) -> str:
    """A period (or its canonical label: 2024, 2024H1, 2024Q3, 2024-09, 2024M01-09) as a reader
    writes it; a text that is no label is shown as it is."""
    months = (period.year, period.first_month, period.last_month) if isinstance(period, Period) \
        else label_months(period)
    if months is None:
        return str(period)
    number, first, last = months
    year = f"{number:04d}"
    if (first, last) == (1, 12):
        return text("period.year", lang, year=year)
    if (first, last) in ((1, 6), (7, 12)):
        return text(f"period.half{1 if first == 1 else 2}", lang, year=year)
    if first % 3 == 1 and last == first + 2:
        return text("period.quarter", lang, year=year, quarter=(first + 2) // 3)
    if first == last:
        return text("period.month", lang, year=year, month=first, month2=f"{first:02d}")
    return text("period.months", lang, year=year, first=first, last=last,
                first_name=text(f"period.month_name.{first}", lang),
                last_name=text(f"period.month_name.{last}", lang))


def date_text(day: dt.date, lang: str) -> str:
    """2024年9月30日 / 2024-09-30."""
    return text("date.long", lang, year=day.year, month=day.month, day=day.day, iso=day.isoformat())
